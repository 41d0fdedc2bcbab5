//! `kaifang route` and `kaifang network`: the command-line face of the open-channels
//! library. Parsing and printing only; the answers come from `kaifang_channels::query`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kaifang_app::channels::RouteView;
use kaifang_channels::defaults;
use kaifang_channels::formats::{self, geojson, gmns};
use kaifang_channels::geo::KM_PER_NM;
use kaifang_channels::model::Mode;
use kaifang_channels::network::Network;
use kaifang_channels::passage::PassageSet;
use kaifang_channels::query::RouteRequest;
use kaifang_channels::routing::Route;
use kaifang_channels::scenario::{self, Scenario};
use kaifang_channels::sea::{self, Ports, SeaNetwork, SeaQuery};
use kaifang_channels::search::SearchSpace;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Geojson,
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Origin: a name in Chinese or English, a UN/LOCODE, a node id, or LAT,LON.
    #[arg(long)]
    pub from: String,
    /// Destination, as --from.
    #[arg(long)]
    pub to: String,
    /// container, bulk or air.
    #[arg(long, default_value = "container")]
    pub cargo: String,
    /// Number of TEU (containers).
    #[arg(long)]
    pub teu: Option<f64>,
    /// Weight in tonnes (default 12 t per TEU for containers).
    #[arg(long)]
    pub tonnes: Option<f64>,
    /// Cargo value with its currency, e.g. 30000USD (plain numbers are CNY); it sets the value
    /// of time. Without it time is not weighed and the cheapest route wins.
    #[arg(long)]
    pub value: Option<String>,
    /// Customs regime: export, import, transit (domestic-trade goods across foreign
    /// territory) or domestic.
    #[arg(long, default_value = "export")]
    pub regime: String,
    /// Allowed modes, comma-separated (road,rail,sea,air,...); default all.
    #[arg(long, value_delimiter = ',')]
    pub modes: Vec<String>,
    /// Countries (ISO codes), sea passages (suez, panama, cape, malacca, ...) or places to
    /// avoid, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub avoid: Vec<String>,
    /// Allow the Arctic passages (closed by default).
    #[arg(long)]
    pub arctic: bool,
    /// Month of travel, 1-12, for seasonal links.
    #[arg(long)]
    pub month: Option<u8>,
    /// Also give up to N alternatives through other corridors.
    #[arg(long, default_value_t = 0)]
    pub alternatives: usize,
    /// Give the Pareto set over cost, time and CO2 instead.
    #[arg(long)]
    pub pareto: bool,
    /// Route under this scenario (see --scenarios).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Compare the best route with the one under this scenario ("base" for none).
    #[arg(long)]
    pub compare: Option<String>,
    /// Scenario file (TOML); default: the scenarios shipped with the default network.
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// CNY per hour of the shipment's time (default: derived from its value).
    #[arg(long)]
    pub value_of_time: Option<f64>,
    /// CNY per tonne CO2 (default 100).
    #[arg(long)]
    pub carbon_price: Option<f64>,
    /// Network files instead of the default network (repeatable): node and link CSV, a
    /// network GeoJSON, or a sea-lane GeoJSON with a port GeoJSON.
    #[arg(long = "network")]
    pub networks: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Load and validate a network; report its size and any disconnected parts.
    Check {
        /// Network files (default: the default network).
        #[arg(long = "network")]
        networks: Vec<PathBuf>,
        /// Also check a scenario file against it.
        #[arg(long)]
        scenarios: Option<PathBuf>,
    },
    /// Write a network as GMNS-style CSV (node.csv and link.csv in --out) or GeoJSON.
    Export {
        #[arg(long = "network")]
        networks: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "geojson")]
        format: ExportFormat,
        /// Directory (csv) or file (geojson); standard output for geojson when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Geojson,
}

/// What a list of `--network` files holds.
enum Loaded {
    Multimodal(Network),
    /// Sea lanes and ports only: port-to-port sea routes.
    Sea(Box<SeaNetwork>, Ports),
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn load(files: &[PathBuf]) -> Result<Loaded> {
    if files.is_empty() {
        return Ok(Loaded::Multimodal(defaults::network()?));
    }
    let (mut nodes, mut links, mut lanes, mut ports, mut network) = (None, None, None, None, None);
    for f in files {
        let text = read(f)?;
        let is_json = text.trim_start().starts_with('{');
        if !is_json {
            let header = text.lines().next().unwrap_or_default();
            if header.contains("link_id") {
                links = Some((f, text));
            } else if header.contains("node_id") {
                nodes = Some((f, text));
            } else {
                bail!(
                    "{}: neither a node nor a link CSV (no node_id or link_id column)",
                    f.display()
                );
            }
            continue;
        }
        let doc: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{}: not valid JSON", f.display()))?;
        let first = doc
            .get("features")
            .and_then(|v| v.get(0))
            .cloned()
            .unwrap_or_default();
        let props = first.get("properties").cloned().unwrap_or_default();
        let kind = first
            .pointer("/geometry/type")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        if props.get("node_id").is_some() || props.get("link_id").is_some() {
            network = Some(geojson::parse(&f.display().to_string(), &doc)?);
        } else if props.get("port").is_some() && kind == "Point" {
            ports = Some(formats::sea::parse_ports(&f.display().to_string(), &doc)?);
        } else {
            // Several lane files join into one network (e.g. marnet and Kaifang's own lanes).
            lanes
                .get_or_insert_with(Vec::new)
                .extend(formats::sea::parse_lanes(&f.display().to_string(), &doc)?);
        }
    }
    if let Some(n) = network {
        return Ok(Loaded::Multimodal(n));
    }
    match (nodes, links, lanes, ports) {
        (Some((nf, nt)), Some((lf, lt)), _, _) => Ok(Loaded::Multimodal(gmns::parse(
            &nf.display().to_string(),
            &nt,
            &lf.display().to_string(),
            &lt,
        )?)),
        (Some(_), None, _, _) | (None, Some(_), _, _) => {
            bail!("a CSV network needs both a node file and a link file")
        }
        (None, None, Some(lanes), ports) => {
            let net = SeaNetwork::from_lanes(&lanes)?;
            let ports = Ports::snap(&net, ports.unwrap_or_default());
            Ok(Loaded::Sea(Box::new(net), ports))
        }
        _ => bail!("no network in the files given"),
    }
}

fn scenarios(net: &Network, file: Option<&Path>, default: bool) -> Result<Vec<Scenario>> {
    match file {
        Some(f) => Ok(scenario::parse(&f.display().to_string(), &read(f)?, net)?),
        None if default => Ok(defaults::scenarios(net)?),
        None => Ok(Vec::new()),
    }
}

pub fn route(a: RouteArgs) -> Result<()> {
    let req = RouteRequest {
        from: a.from.clone(),
        to: a.to.clone(),
        cargo: a.cargo.clone(),
        teu: a.teu,
        tonnes: a.tonnes,
        value: a.value.clone(),
        regime: a.regime.clone(),
        modes: a.modes.clone(),
        avoid: a.avoid.clone(),
        arctic: a.arctic,
        month: a.month,
        alternatives: a.alternatives,
        pareto: a.pareto,
        value_of_time_cny_per_hour: a.value_of_time,
        carbon_cny_per_tonne: a.carbon_price,
        scenario: a.scenario.clone(),
    };
    let net = match load(&a.networks)? {
        Loaded::Multimodal(n) => n,
        Loaded::Sea(net, ports) => return sea_route(&net, &ports, &a),
    };
    let channels = defaults::Channels {
        scenarios: scenarios(&net, a.scenarios.as_deref(), a.networks.is_empty())?,
        network: net,
    };
    if let Some(other) = &a.compare {
        if let Format::Geojson = a.format {
            let c = channels.compare(&req, other)?;
            let routes: Vec<Route> = [c.route_a, c.route_b].into_iter().flatten().collect();
            println!("{}", serde_json::to_string(&geojson::routes(&routes))?);
            return Ok(());
        }
        // The same comparison, in the same shape, as the API's /api/channels/compare.
        let c =
            kaifang_app::channels::compare(&channels, &req, req.scenario.as_deref(), Some(other))?;
        match a.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&c)?),
            Format::Geojson => {}
            Format::Table => {
                for (name, r, why) in [
                    (c.a.as_str(), &c.route_a, &c.blocked_a),
                    (c.b.as_str(), &c.route_b, &c.blocked_b),
                ] {
                    println!("== scenario {name}");
                    match (r, why) {
                        (Some(r), _) => print!("{}", table(1, r)),
                        (None, Some(w)) => println!("{w}"),
                        _ => {}
                    }
                }
                if let Some(d) = &c.difference {
                    println!(
                        "difference (second − first): {:+.0} CNY, {:+.1} h, {:+.1} kg CO2",
                        d.cost_cny, d.hours, d.co2_kg
                    );
                }
            }
        }
        return Ok(());
    }
    if let Format::Geojson = a.format {
        let answer = channels.plan(&req)?;
        println!(
            "{}",
            serde_json::to_string(&geojson::routes(&answer.routes))?
        );
        return Ok(());
    }
    // The same answer, in the same shape, as the API's /api/channels/route.
    let plan = kaifang_app::channels::plan(&channels, &req)?;
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
        Format::Geojson => {}
        Format::Table => {
            if let Some(s) = &plan.scenario {
                println!("scenario: {s}");
            }
            for (i, r) in plan.routes.iter().enumerate() {
                print!("{}", table(i + 1, r));
            }
        }
    }
    // No route is an answer (printed above in JSON), and a failure for the shell.
    if let Some(u) = &plan.unreachable {
        bail!("{}", u.message);
    }
    Ok(())
}

fn table(rank: usize, r: &RouteView) -> String {
    let mut s = String::new();
    let crossings: Vec<String> = r
        .border_crossings
        .iter()
        .map(|c| format!("{} ({}-{})", c.name_zh, c.countries[0], c.countries[1]))
        .collect();
    let _ = writeln!(
        s,
        "Route {rank}: {:.0} km, {:.1} h ({:.1} days), {:.0} CNY, {:.0} kg CO2, generalized {:.0} CNY",
        r.total.km,
        r.total.hours,
        r.total.hours / 24.0,
        r.total.cost_cny,
        r.total.co2_kg,
        r.total.generalized_cny
    );
    let _ = writeln!(
        s,
        "  border crossings: {}",
        if crossings.is_empty() {
            "none".to_string()
        } else {
            crossings.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "  {:<16} {:<34} {:<34} {:>9} {:>8} {:>9} {:>9}",
        "mode", "from", "to", "km", "hours", "CNY", "kg CO2"
    );
    for l in &r.legs {
        let _ = writeln!(
            s,
            "  {:<16} {:<34} {:<34} {:>9.0} {:>8.1} {:>9.0} {:>9.1}",
            l.mode, l.from, l.to, l.km, l.hours, l.cost_cny, l.co2_kg
        );
    }
    s
}

/// Port-to-port routes on a sea-lane network given with `--network`: lanes carry no
/// tariffs, so the answer gives distance, sailing time at 26 km/h and CO2 at the sea default.
fn sea_route(net: &SeaNetwork, ports: &Ports, a: &RouteArgs) -> Result<()> {
    let position = |q: &str| -> Result<(String, kaifang_channels::geo::LonLat)> {
        let typed = q
            .split_once(',')
            .map(|(lat, lon)| (lat.trim().parse::<f64>(), lon.trim().parse::<f64>()));
        if let Some((Ok(lat), Ok(lon))) = typed {
            return Ok((q.to_string(), kaifang_channels::geo::LonLat::new(lon, lat)));
        }
        ports
            .find(q)
            .map(|p| (p.name.clone(), p.position))
            .with_context(|| format!("no port {q:?} in the port list (a UN/LOCODE or a name)"))
    };
    let (from_name, from) = position(&a.from)?;
    let (to_name, to) = position(&a.to)?;
    let mut avoid = if a.arctic {
        PassageSet::EMPTY
    } else {
        PassageSet::ARCTIC
    };
    for item in a.avoid.iter().flat_map(|s| s.split(',')) {
        match item.trim().parse() {
            Ok(p) => avoid = avoid.with(p),
            Err(e) => bail!("--avoid on a sea-lane network takes passages only: {e}"),
        }
    }
    let tonnes = a
        .tonnes
        .unwrap_or(a.teu.unwrap_or(1.0) * kaifang_channels::costing::TONNES_PER_TEU);
    let r = sea::route(
        net,
        &SeaQuery::new(from, to).avoiding(avoid),
        &mut SearchSpace::new(),
    )?;
    let km = r.total_km();
    let hours = km / 26.0;
    let co2 = Mode::Sea.default_co2_g_per_tkm() * tonnes * km / 1000.0;
    match a.format {
        Format::Json => {
            let leg = json!({"mode": "sea", "from": from_name, "to": to_name,
                "km": (km * 10.0).round() / 10.0, "hours": (hours * 10.0).round() / 10.0,
                "cost_cny": 0, "co2_kg": (co2 * 10.0).round() / 10.0});
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"routes": [{
                    "legs": [leg],
                    "total": {"km": (km * 10.0).round() / 10.0, "hours": (hours * 10.0).round() / 10.0,
                        "cost_cny": 0, "co2_kg": (co2 * 10.0).round() / 10.0},
                    "border_crossings": [],
                }]}))?
            );
        }
        Format::Geojson => println!(
            "{}",
            serde_json::to_string(&formats::sea::route_feature(&r))?
        ),
        Format::Table => println!(
            "{from_name} → {to_name}: {km:.0} km ({:.0} nm) by sea, passages {}, about {:.1} days at 26 km/h, {co2:.0} kg CO2 (sea lanes carry no tariffs)",
            km / KM_PER_NM,
            r.passages,
            hours / 24.0
        ),
    }
    Ok(())
}

pub fn network(cmd: NetworkCommand) -> Result<()> {
    match cmd {
        NetworkCommand::Check {
            networks,
            scenarios: file,
        } => match load(&networks)? {
            Loaded::Sea(net, ports) => {
                println!(
                    "sea-lane network: {} nodes, {} lanes (directed edges / 2), {} connected part(s); {} ports",
                    net.node_count(),
                    net.graph().directed_edge_count() / 2,
                    net.components().count(),
                    ports.len()
                );
                Ok(())
            }
            Loaded::Multimodal(net) => {
                println!(
                    "network: {} nodes, {} links",
                    net.nodes().len(),
                    net.links().len()
                );
                let mut kinds: Vec<(&str, usize)> = Vec::new();
                for n in net.nodes() {
                    match kinds.iter_mut().find(|(k, _)| *k == n.kind.tag()) {
                        Some(e) => e.1 += 1,
                        None => kinds.push((n.kind.tag(), 1)),
                    }
                }
                let kinds: Vec<String> = kinds.iter().map(|(k, c)| format!("{k} {c}")).collect();
                println!("  nodes by kind: {}", kinds.join(", "));
                let mut modes: Vec<(&str, usize)> = Vec::new();
                for l in net.links() {
                    match modes.iter_mut().find(|(k, _)| *k == l.mode.tag()) {
                        Some(e) => e.1 += 1,
                        None => modes.push((l.mode.tag(), 1)),
                    }
                }
                let modes: Vec<String> = modes.iter().map(|(k, c)| format!("{k} {c}")).collect();
                println!("  links by mode: {}", modes.join(", "));
                let estimates = net
                    .links()
                    .iter()
                    .filter(|l| l.source.starts_with("estimate"))
                    .count();
                println!("  links whose length is an estimate: {estimates}");
                let parts = net.parts();
                if parts.len() == 1 {
                    println!("  connected: one part");
                } else {
                    println!("  {} disconnected parts:", parts.len());
                    for p in parts.iter().skip(1) {
                        let ids: Vec<&str> =
                            p.iter().take(8).map(|&v| net.node(v).id.as_str()).collect();
                        println!("    {} node(s): {}", p.len(), ids.join(", "));
                    }
                }
                let sc = scenarios(&net, file.as_deref(), networks.is_empty())?;
                for s in &sc {
                    println!(
                        "  scenario {}: {} edit(s) — {}",
                        s.name,
                        s.edit_count(),
                        s.description
                    );
                }
                Ok(())
            }
        },
        NetworkCommand::Export {
            networks,
            format,
            out,
        } => {
            let Loaded::Multimodal(net) = load(&networks)? else {
                bail!("export writes multimodal networks; a sea-lane file is already GeoJSON");
            };
            match (format, out) {
                (ExportFormat::Geojson, None) => {
                    println!("{}", serde_json::to_string(&geojson::write(&net)?)?)
                }
                (ExportFormat::Geojson, Some(f)) => {
                    std::fs::write(&f, serde_json::to_string(&geojson::write(&net)?)?)
                        .with_context(|| format!("cannot write {}", f.display()))?;
                }
                (ExportFormat::Csv, Some(dir)) => {
                    let (n, l) = gmns::write(&net)?;
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    for (name, text) in [("node.csv", n), ("link.csv", l)] {
                        let p = dir.join(name);
                        std::fs::write(&p, text)
                            .with_context(|| format!("cannot write {}", p.display()))?;
                    }
                }
                (ExportFormat::Csv, None) => bail!("--format csv needs --out DIR"),
            }
            Ok(())
        }
    }
}
