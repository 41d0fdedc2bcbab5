//! `kaifang assign`: traffic assignment on TNTP files. Glue only: read, call
//! `kaifang_assign`, write the link volumes, print.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use kaifang_app::AppError;
use kaifang_app::studies::{self, Findings, Study, StudyRequest, StudyResult};
use kaifang_app::trade::TradeDemand;
use kaifang_assign::assignment::{Algorithm, Options, Solution, solve};
use kaifang_assign::check::{compare, conservation_error};
use kaifang_assign::costing::Objective;
use kaifang_assign::study::{self, Inputs};
use kaifang_assign::{appraisal, freight, tntp};
use kaifang_store::DataDir;
use serde_json::json;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Network: a TNTP `_net.tntp` file, or `default` for the province's freight network.
    #[arg(long, value_name = "NET")]
    pub net: PathBuf,
    /// Demand: a TNTP `_trips.tntp` file; for the freight network an OD CSV in the layout
    /// of data/assign/demand.csv [default there: the SYNTHETIC demo demand].
    #[arg(long, value_name = "TRIPS")]
    pub trips: Option<PathBuf>,
    /// Freight network: derive the demand from the customs statistics of this year in the
    /// data directory (`kaifang import trade` or `kaifang trade demo`) instead of a CSV.
    #[arg(long, value_name = "YEAR", conflicts_with = "trips")]
    pub trips_from_trade: Option<i32>,
    /// Freight network: capacities CSV in the layout of data/assign/capacity.csv
    /// [default: the embedded estimates].
    #[arg(long, value_name = "FILE")]
    pub capacity: Option<PathBuf>,
    /// Freight network: a scenario of data/channels/scenarios.toml [default: base].
    #[arg(long)]
    pub scenario: Option<String>,
    /// Stop at this relative gap.
    #[arg(long, default_value_t = 1e-6)]
    pub gap: f64,
    /// bush (Algorithm B), bfw (bi-conjugate Frank–Wolfe), cfw, fw or aon.
    #[arg(long, default_value = "bush")]
    pub algorithm: Algorithm,
    #[arg(long, default_value_t = 10_000)]
    pub max_iterations: usize,
    /// System optimum instead of user equilibrium.
    #[arg(long)]
    pub system_optimum: bool,
    /// Minutes per toll unit [default: the net file's <TOLL FACTOR>, else the README next to
    /// it, else 0].
    #[arg(long)]
    pub toll_factor: Option<f64>,
    /// Minutes per distance unit [default: as for --toll-factor].
    #[arg(long)]
    pub distance_factor: Option<f64>,
    /// Threads for shortest paths (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where to write the link volumes (TNTP: the flow layout From To Volume Cost; freight
    /// network: CSV) [default: NAME_kaifang_flow.tntp or freight_loads.csv in the current
    /// directory].
    #[arg(long, value_name = "FILE")]
    pub flows: Option<PathBuf>,
    /// Compare with a reference solution (e.g. the problem's best-known `_flow.tntp`).
    #[arg(long, value_name = "FLOW")]
    pub check: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub async fn run(a: AssignArgs, dir: &DataDir) -> Result<()> {
    if !(a.gap.is_finite() && a.gap >= 0.0) {
        bail!("--gap must be a number ≥ 0");
    }
    if a.net.as_os_str() == "default" {
        let from_trade = match a.trips_from_trade {
            Some(year) => Some(trade_demand(dir, year).await?),
            None => None,
        };
        return freight(a, from_trade);
    }
    let Some(trips) = &a.trips else {
        bail!("--trips is required with a TNTP network");
    };
    let (mut problem, net, weights) = tntp::load(&a.net, trips, a.toll_factor, a.distance_factor)?;
    if a.system_optimum {
        problem.objective = Objective::SystemOptimum;
    }
    let options = Options {
        algorithm: a.algorithm,
        gap: a.gap,
        max_iterations: a.max_iterations,
        threads: a.threads,
    };
    let table = matches!(a.format, Format::Table);
    let bar = bar(table, "assign");
    // The gap falls roughly geometrically, so progress is measured in orders of magnitude
    // from the first gap to the target.
    let mut first_gap = None;
    let target = a.gap.max(1e-16);
    let sol = solve(&problem, &options, &mut |step| {
        let g0 = *first_gap.get_or_insert(step.relative_gap.max(target));
        let g = step.relative_gap.max(target);
        let done = if g0 > target {
            (g0 / g).ln() / (g0 / target).ln()
        } else {
            1.0
        };
        bar.set_position((done.clamp(0.0, 1.0) * 1000.0) as u64);
        bar.set_message(format!("gap {:.1e}", step.relative_gap));
        ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();

    let flows = a.flows.clone().unwrap_or_else(|| default_flow_path(&a.net));
    write_flows(&flows, &net, &sol).with_context(|| format!("writing {}", flows.display()))?;
    let conservation = conservation_error(&problem, &sol.class_volume, &sol.unserved);
    let check = match &a.check {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let name = path.display().to_string();
            let reference = tntp::parse_flow(&name, &text)?;
            let reference = tntp::volumes_in_link_order(&name, &net, &reference)?;
            Some(compare(&problem, &sol.class_volume, &reference))
        }
        None => None,
    };
    match a.format {
        Format::Json => {
            let out = json!({
                "objective": sol.objective,
                "relative_gap": sol.relative_gap,
                "iterations": sol.iterations,
                "seconds": sol.seconds,
                "converged": sol.converged,
                "algorithm": a.algorithm,
                "total_cost": sol.total_cost,
                "flows": flows.display().to_string(),
                "weights": {"toll": weights.toll, "distance": weights.distance, "source": weights.source},
                "conservation_error": conservation,
                "unserved": sol.unserved.iter().map(|u| json!({
                    "origin": u.origin + 1, "destination": u.destination + 1, "amount": u.amount
                })).collect::<Vec<_>>(),
                "steps": sol.steps,
                "check": check,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:?}: relative gap {:.3e} after {} iterations in {:.3} s{}",
                a.algorithm,
                sol.relative_gap,
                sol.iterations,
                sol.seconds,
                if sol.converged {
                    ""
                } else {
                    " (NOT converged)"
                }
            )?;
            writeln!(
                out,
                "objective {:.10e}; total cost {:.10e}",
                sol.objective, sol.total_cost
            )?;
            writeln!(out, "cost weights: {}", weights.source)?;
            writeln!(
                out,
                "flow conservation: largest imbalance {conservation:.2e}"
            )?;
            if !sol.unserved.is_empty() {
                let total: f64 = sol.unserved.iter().map(|u| u.amount).sum();
                writeln!(
                    out,
                    "UNSERVED: {} cells, {total} trips, e.g.:",
                    sol.unserved.len()
                )?;
                for u in sol.unserved.iter().take(10) {
                    writeln!(
                        out,
                        "  {} → {}: {}",
                        u.origin + 1,
                        u.destination + 1,
                        u.amount
                    )?;
                }
            }
            if let Some(c) = &check {
                writeln!(
                    out,
                    "against {}: objective differs by {:.2e} (relative); largest link volume difference {:.2e} on link {} ({} links with volume > 1)",
                    a.check
                        .as_deref()
                        .map(Path::display)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    c.objective_difference,
                    c.max_volume_difference,
                    c.worst_link + 1,
                    c.links_compared
                )?;
            }
            writeln!(out, "link volumes: {}", flows.display())?;
        }
    }
    if !sol.unserved.is_empty() && table {
        eprintln!("warning: some demand could not be routed (listed above)");
    }
    Ok(())
}

/// A progress bar drawn only for table output (JSON output stays clean for scripts).
fn bar(table: bool, message: &'static str) -> indicatif::ProgressBar {
    let bar = crate::progress::bar(message);
    if !table {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

/// The freight inputs: the defaults, with demand and capacities replaced by files if given.
fn inputs(trips: Option<&Path>, capacity: Option<&Path>) -> Result<Inputs> {
    let mut inputs = Inputs::defaults()?;
    if let Some(path) = trips {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        inputs.demand = freight::parse_demand(&path.display().to_string(), &text)?;
        inputs.demand_label = format!("demand from {}", path.display());
        inputs.synthetic = false;
    }
    if let Some(path) = capacity {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        inputs.capacity = freight::parse_capacity(&path.display().to_string(), &text)?;
    }
    Ok(inputs)
}

/// The container demand of `year` from the trade records in the data directory.
async fn trade_demand(dir: &DataDir, year: i32) -> Result<TradeDemand> {
    let store = crate::trade::open(dir)?;
    Ok(kaifang_app::trade::freight_demand(&store, year).await?)
}

fn freight(a: AssignArgs, from_trade: Option<TradeDemand>) -> Result<()> {
    if matches!(
        a.algorithm,
        Algorithm::Fw | Algorithm::Cfw | Algorithm::Bfw | Algorithm::Aon
    ) {
        bail!("the freight network has several classes: use --algorithm bush");
    }
    let mut inputs = inputs(a.trips.as_deref(), a.capacity.as_deref())?;
    let coverage = from_trade.map(|d| {
        inputs.demand = d.rows;
        inputs.demand_label = format!("container demand derived from the {}", d.label);
        inputs.synthetic = d.synthetic;
        d.coverage
    });
    let options = Options {
        algorithm: Algorithm::Bush,
        gap: a.gap,
        max_iterations: a.max_iterations,
        threads: a.threads,
    };
    let table = matches!(a.format, Format::Table);
    let bar = bar(table, "assign");
    let report = study::assign(&inputs, a.scenario.as_deref(), &options, &mut |f| {
        bar.set_position((f * 1000.0) as u64);
        ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();
    let flows = a
        .flows
        .clone()
        .unwrap_or_else(|| PathBuf::from("freight_loads.csv"));
    write_loads(&flows, &report).with_context(|| format!("writing {}", flows.display()))?;
    match a.format {
        Format::Json => {
            let out = json!({
                "scenario": report.scenario,
                "demand": report.demand,
                "relative_gap": report.relative_gap,
                "iterations": report.iterations,
                "seconds": report.seconds,
                "total_cost_cny": report.total_cost,
                "classes": report.classes,
                "flows": flows.display().to_string(),
                "nodes": report.nodes,
                "unserved": report.unserved,
                "trade_coverage": coverage,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Freight assignment, scenario {}; {}",
                report.scenario, report.demand
            )?;
            writeln!(
                out,
                "relative gap {:.2e} after {} iterations in {:.3} s; total generalized cost {:.4e} CNY/year",
                report.relative_gap, report.iterations, report.seconds, report.total_cost
            )?;
            for c in &report.classes {
                writeln!(
                    out,
                    "  {}: {:.0} {} (value of time {:.2} CNY/TEU-h)",
                    c.class, c.total, c.unit, c.value_of_time
                )?;
            }
            if let Some(c) = &coverage {
                let share = |v: f64| 100.0 * v / c.value_total.max(1.0);
                writeln!(
                    out,
                    "  of {:.4e} CNY of trade: {:.1}% assigned as containers, {:.1}% bulk (chapters 25–27, not assigned), {:.1}% with no network place",
                    c.value_total,
                    share(c.value_assigned),
                    share(c.value_bulk),
                    share(c.value_unmapped.values().sum())
                )?;
            }
            writeln!(
                out,
                "\nBusiest crossings, ports and terminals (capacities are estimates):"
            )?;
            let mut nodes = report.nodes.clone();
            nodes.sort_by(|x, y| y.utilisation.total_cmp(&x.utilisation));
            writeln!(
                out,
                "  {:<26} {:>12} {:>12} {:>6} {:>9}",
                "node", "TEU/year", "capacity", "v/c", "delay h"
            )?;
            for n in nodes.iter().take(10) {
                writeln!(
                    out,
                    "  {:<26} {:>12.0} {:>12.0} {:>6.2} {:>9.1}",
                    n.id, n.volume, n.capacity, n.utilisation, n.delay_hours
                )?;
            }
            let mut links: Vec<_> = report
                .links
                .iter()
                .filter(|l| l.utilisation.is_some())
                .collect();
            links.sort_by(|x, y| {
                y.utilisation
                    .unwrap_or(0.0)
                    .total_cmp(&x.utilisation.unwrap_or(0.0))
            });
            writeln!(out, "\nBusiest capacitated links:")?;
            for l in links.iter().take(10) {
                writeln!(
                    out,
                    "  {:<36} {:>10.0} {:>10.0} {:>6.2}",
                    l.id,
                    l.volume_forward.max(l.volume_backward),
                    l.capacity.unwrap_or(0.0),
                    l.utilisation.unwrap_or(0.0)
                )?;
            }
            if !report.unserved.is_empty() {
                writeln!(out, "\nUNSERVED (no route):")?;
                for u in &report.unserved {
                    writeln!(
                        out,
                        "  {} → {} ({}): {:.0}",
                        u.origin, u.destination, u.class, u.amount
                    )?;
                }
            }
            writeln!(out, "\nlink and node loads: {}", flows.display())?;
        }
    }
    Ok(())
}

/// Link and node loads as CSV, written whole or not at all.
fn write_loads(path: &Path, r: &study::Report) -> Result<()> {
    let mut text = String::from(
        "element,kind,mode,from,to,volume_forward_teu,volume_backward_teu,capacity_teu,utilisation,free_hours,delay_hours\n",
    );
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for l in &r.links {
        text.push_str(&format!(
            "{},link,{},{},{},{},{},{},{},{},{}\n",
            l.id,
            l.mode,
            l.from,
            l.to,
            l.volume_forward,
            l.volume_backward,
            opt(l.capacity),
            opt(l.utilisation),
            l.free_hours,
            l.delay_hours
        ));
    }
    for n in &r.nodes {
        text.push_str(&format!(
            "{},node,{},,,{},,{},{},0,{}\n",
            n.id, n.kind, n.volume, n.capacity, n.utilisation, n.delay_hours
        ));
    }
    let tmp = path.with_extension("csv.partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The freight network's own demand and capacities, replacing the embedded ones.
#[derive(Debug, Args)]
pub struct FreightFiles {
    /// OD CSV in the layout of data/assign/demand.csv [default: the SYNTHETIC demo demand].
    #[arg(long, value_name = "FILE")]
    pub trips: Option<PathBuf>,
    /// Capacities CSV in the layout of data/assign/capacity.csv [default: the estimates].
    #[arg(long, value_name = "FILE")]
    pub capacity: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CriticalArgs {
    /// A scenario of data/channels/scenarios.toml [default: base].
    #[arg(long)]
    pub scenario: Option<String>,
    /// all, links or nodes.
    #[arg(long, value_enum, default_value_t = WhichArg::All)]
    pub which: WhichArg,
    /// Close only these links or nodes (ids; repeatable).
    #[arg(long = "only", value_name = "ID")]
    pub only: Vec<String>,
    #[command(flatten)]
    pub files: FreightFiles,
    /// Rows to print in the table.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WhichArg {
    All,
    Links,
    Nodes,
}

/// `kaifang critical`: close each link and node in turn and rank them.
pub fn critical(a: CriticalArgs) -> Result<()> {
    let inputs = inputs(a.files.trips.as_deref(), a.files.capacity.as_deref())?;
    let which = match a.which {
        WhichArg::All => "all",
        WhichArg::Links => "links",
        WhichArg::Nodes => "nodes",
    };
    let study = Study::parse(
        &inputs,
        StudyRequest {
            kind: "critical".into(),
            scenario: a.scenario.clone(),
            which: Some(which.into()),
            only: (!a.only.is_empty()).then(|| a.only.clone()),
            ..Default::default()
        },
    )?;
    let table = matches!(a.format, Format::Table);
    let result = run_study(&inputs, &study, bar(table, "critical"))?;
    let Findings::Critical(c) = &result.findings else {
        bail!("a criticality run gave another kind of result");
    };
    let ranked = &c.ranking;
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} elements closed one at a time; {}",
                ranked.len(),
                inputs.demand_label
            )?;
            writeln!(
                out,
                "ranked by demand left without a route, then by the rise in total generalized cost\n"
            )?;
            writeln!(
                out,
                "{:>4}  {:<38} {:>14} {:>16} {:>14}",
                "rank", "closed", "unserved TEU", "cost CNY/year", "rerouted TEU"
            )?;
            for (i, r) in ranked.iter().take(a.top).enumerate() {
                writeln!(
                    out,
                    "{:>4}  {:<38} {:>14.0} {:>+16.4e} {:>14.0}",
                    i + 1,
                    format!("{} ({})", r.element.id, kind(r.element.kind)),
                    r.unserved,
                    r.cost_change,
                    r.rerouted
                )?;
            }
        }
    }
    Ok(())
}

/// Runs a checked study with a progress bar.
fn run_study(inputs: &Inputs, study: &Study, bar: indicatif::ProgressBar) -> Result<StudyResult> {
    let result = studies::run(inputs, study, &study::default_options(), &mut |f| {
        bar.set_position((f * 1000.0) as u64);
        ControlFlow::Continue(())
    });
    bar.finish_and_clear();
    Ok(result.map_err(flag_error)?)
}

/// A parameter error named by its command-line flag rather than its API field.
fn flag_error(e: AppError) -> AppError {
    match e {
        AppError::Field {
            field,
            message,
            details,
        } => {
            let flag = match field.as_str() {
                "discount_rate" => "--rate".to_string(),
                "budget_cny" => "--budget".to_string(),
                other => format!("--{}", other.replace('_', "-")),
            };
            AppError::Field {
                field: flag,
                message,
                details,
            }
        }
        other => other,
    }
}

fn kind(k: freight::ElementKind) -> &'static str {
    match k {
        freight::ElementKind::Link => "link",
        freight::ElementKind::Node => "node",
    }
}

#[derive(Debug, Args)]
pub struct AppraiseArgs {
    /// Capital budget for the portfolio, CNY.
    #[arg(long, default_value_t = 5.0e9)]
    pub budget: f64,
    /// Discount rate [default 0.08, the social discount rate of China's economic evaluation
    /// methods for construction projects, 3rd edition].
    #[arg(long, default_value_t = 0.08)]
    pub rate: f64,
    /// Year values are discounted to.
    #[arg(long, default_value_t = 2026)]
    pub base_year: i32,
    /// Candidate projects TOML in the layout of data/assign/projects.toml
    /// [default: the embedded candidates, with ESTIMATED costs].
    #[arg(long, value_name = "FILE")]
    pub projects: Option<PathBuf>,
    #[command(flatten)]
    pub files: FreightFiles,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `kaifang appraise`: value each candidate project and choose a portfolio.
pub fn appraise(a: AppraiseArgs) -> Result<()> {
    let mut inputs = inputs(a.files.trips.as_deref(), a.files.capacity.as_deref())?;
    if let Some(path) = &a.projects {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        inputs.projects = appraisal::parse_projects(&path.display().to_string(), &text)?;
    }
    // The same checks as the API's: a rate from 0 to below 1, a year 2000–2100, a budget ≥ 0.
    let study = Study::parse(
        &inputs,
        StudyRequest {
            kind: "appraisal".into(),
            budget_cny: Some(a.budget),
            discount_rate: Some(a.rate),
            base_year: Some(a.base_year),
            ..Default::default()
        },
    )
    .map_err(flag_error)?;
    let table = matches!(a.format, Format::Table);
    let all = run_study(&inputs, &study, bar(table, "appraise"))?;
    let Findings::Appraisal(result) = &all.findings else {
        bail!("an appraisal gave another kind of result");
    };
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&all)?),
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Projects against the base ({}; costs and capacities are estimates); discount rate {}, base year {}",
                result.demand, a.rate, a.base_year
            )?;
            writeln!(
                out,
                "{:<24} {:>12} {:>7} {:>15} {:>15} {:>7}",
                "project", "capex CNY", "opens", "saving CNY/yr", "NPV CNY", "BCR"
            )?;
            for (i, p) in result.projects.iter().enumerate() {
                let mark = if result.portfolio.chosen.contains(&i) {
                    "*"
                } else {
                    " "
                };
                writeln!(
                    out,
                    "{mark}{:<23} {:>12.3e} {:>7} {:>15.4e} {:>15.4e} {:>7.2}",
                    p.id, p.capex_cny, p.opening_year, p.annual_saving, p.value.npv, p.value.bcr
                )?;
            }
            writeln!(
                out,
                "\n* portfolio within {:.3e} CNY: capex {:.3e}, NPV {:.4e} ({})",
                a.budget, result.portfolio.capex, result.portfolio.npv, result.portfolio.method
            )?;
            if result.portfolio.chosen.is_empty() {
                writeln!(
                    out,
                    "  no candidate has a positive NPV at this discount rate"
                )?;
            }
            if let Some(t) = &result.portfolio_together {
                writeln!(
                    out,
                    "  evaluated together: saving {:.4e} CNY/yr, NPV {:.4e}",
                    t.annual_saving, t.value.npv
                )?;
            }
        }
    }
    Ok(())
}

fn default_flow_path(net: &Path) -> PathBuf {
    let stem = net
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("network")
        .trim_end_matches("_net");
    PathBuf::from(format!("{stem}_kaifang_flow.tntp"))
}

/// Writes link volumes in the layout of the test problems' `_flow.tntp` files, via a
/// temporary file renamed into place so a failure leaves no half-written file.
fn write_flows(path: &Path, net: &tntp::TntpNetwork, sol: &Solution) -> Result<()> {
    let mut text = String::from("From \tTo \tVolume \tCost \n");
    for (i, l) in net.links.iter().enumerate() {
        text.push_str(&format!(
            "{} \t{} \t{} \t{} \n",
            l.from, l.to, sol.volume[i], sol.time[i]
        ));
    }
    let tmp = path.with_extension("tntp.partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
