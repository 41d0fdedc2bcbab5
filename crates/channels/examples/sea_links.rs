//! Recomputes the sea links of a link CSV on a sea-lane network: for every row of mode
//! `sea` whose source starts with "sea lanes", sets `length` (km, port to port), `passages`,
//! `geometry` (simplified to about 5 km), `travel_time` (length at 26 km/h plus 48 h in
//! port) and `tariff_teu`/`tariff_tonne` from the charges its `tariff_source` states (a
//! terminal charge and a rate per TEU-km, then a charge and a rate per tonne for bulk). Which
//! passages a row is routed around follows from its name (see `lanes_avoid`).
//!
//! Usage: sea_links MARNET.geojson OWN_LANES.geojson NODES.csv LINKS.csv > LINKS.new.csv

use std::collections::HashMap;

use kaifang_channels::formats::sea::read_lanes;
use kaifang_channels::geo::LonLat;
use kaifang_channels::passage::{Passage, PassageSet};
use kaifang_channels::sea::{self, SeaNetwork, SeaQuery};
use kaifang_channels::search::SearchSpace;

type Failure = Box<dyn std::error::Error>;

fn main() {
    if let Err(e) = run() {
        eprintln!("sea_links: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let [_, marnet, own, nodes, links] = args.as_slice() else {
        return Err("usage: sea_links MARNET.geojson OWN_LANES.geojson NODES.csv LINKS.csv".into());
    };
    let mut lanes = read_lanes(marnet.as_ref())?;
    lanes.extend(read_lanes(own.as_ref())?);
    let net = SeaNetwork::from_lanes(&lanes)?;

    let mut positions: HashMap<String, LonLat> = HashMap::new();
    let mut r = csv::Reader::from_path(nodes)?;
    let h = r.headers()?.clone();
    let col = |h: &csv::StringRecord, name: &str| -> Result<usize, Failure> {
        h.iter()
            .position(|c| c == name)
            .ok_or_else(|| format!("no column {name}").into())
    };
    let (id, x, y) = (
        col(&h, "node_id")?,
        col(&h, "x_coord")?,
        col(&h, "y_coord")?,
    );
    for rec in r.records() {
        let rec = rec?;
        positions.insert(
            rec[id].to_string(),
            LonLat::new(rec[x].parse()?, rec[y].parse()?),
        );
    }

    let mut r = csv::Reader::from_path(links)?;
    let h = r.headers()?.clone();
    let c: HashMap<&str, usize> = [
        "name",
        "from_node_id",
        "to_node_id",
        "mode",
        "length",
        "free_speed",
        "travel_time",
        "tariff_teu",
        "tariff_tonne",
        "passages",
        "geometry",
        "source",
        "tariff_source",
    ]
    .into_iter()
    .map(|n| col(&h, n).map(|i| (n, i)))
    .collect::<Result<_, _>>()?;
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record(&h)?;
    let mut space = SearchSpace::new();
    for rec in r.records() {
        let rec = rec?;
        let mut row: Vec<String> = rec.iter().map(str::to_string).collect();
        if &rec[c["mode"]] == "sea" && rec[c["source"]].starts_with("sea lanes") {
            let at = |k: &str| -> Result<LonLat, Failure> {
                positions
                    .get(&rec[c[k]])
                    .copied()
                    .ok_or_else(|| format!("unknown node {}", &rec[c[k]]).into())
            };
            let avoid = lanes_avoid(&rec[c["name"]]);
            let q = SeaQuery::new(at("from_node_id")?, at("to_node_id")?).avoiding(avoid);
            let route = sea::route(&net, &q, &mut space)?;
            let km = (route.total_km() * 10.0).round() / 10.0;
            row[c["length"]] = format!("{km}");
            row[c["free_speed"]] = String::new();
            row[c["travel_time"]] = format!("{:.1}", km / 26.0 + 48.0);
            let [thc, rate, bulk_fixed, bulk_rate] = charges(&rec[c["tariff_source"]])
                .ok_or("tariff_source does not state the charges per TEU and per tonne")?;
            row[c["tariff_teu"]] = format!("{}", (thc + rate * km).round());
            row[c["tariff_tonne"]] = format!("{:.1}", bulk_fixed + bulk_rate * km);
            let tags: Vec<&str> = route.passages.iter().map(|p| p.tag()).collect();
            row[c["passages"]] = tags.join("|");
            row[c["geometry"]] = wkt(&simplify(&route.geometry, 0.05));
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// The passages closed when routing a row: the Arctic always, except for a row named "via
/// Northern Sea Route", which closes the southern routes instead; Suez and Panama as well for
/// a row named "via Cape ...".
fn lanes_avoid(name: &str) -> PassageSet {
    let south = PassageSet::of(&[Passage::Suez, Passage::Panama]);
    if name.starts_with("via Northern Sea Route") {
        south.with(Passage::CapeOfGoodHope).with(Passage::Chile)
    } else if name.starts_with("via Cape") {
        PassageSet::ARCTIC.union(south)
    } else {
        PassageSet::ARCTIC
    }
}

/// "estimate: 1600 CNY terminal handling ... + 0.45 CNY per TEU-km ...; bulk 15 CNY per
/// tonne + 0.01 CNY per tonne-km ..." → [1600, 0.45, 15, 0.01].
fn charges(text: &str) -> Option<[f64; 4]> {
    // The amounts are the numbers followed by "CNY" (a year in the text is not one).
    let words: Vec<&str> = text.split_whitespace().collect();
    let numbers: Vec<f64> = words
        .windows(2)
        .filter(|w| w[1].starts_with("CNY"))
        .filter_map(|w| w[0].parse().ok())
        .collect();
    match numbers.as_slice() {
        [a, b, c, d, ..] => Some([*a, *b, *c, *d]),
        _ => None,
    }
}

/// Douglas–Peucker in degrees: enough to draw a route, far smaller than the lanes' detail.
fn simplify(points: &[LonLat], tolerance: f64) -> Vec<LonLat> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let (a, b) = (points[0], points[points.len() - 1]);
    let dist = |p: LonLat| {
        let (dx, dy) = (b.lon - a.lon, b.lat - a.lat);
        let len = (dx * dx + dy * dy).sqrt();
        if len == 0.0 {
            ((p.lon - a.lon).powi(2) + (p.lat - a.lat).powi(2)).sqrt()
        } else {
            ((p.lon - a.lon) * dy - (p.lat - a.lat) * dx).abs() / len
        }
    };
    let (i, d) = points[1..points.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, p)| (i + 1, dist(*p)))
        .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
    if d <= tolerance {
        return vec![a, b];
    }
    let mut left = simplify(&points[..=i], tolerance);
    left.pop();
    left.extend(simplify(&points[i..], tolerance));
    left
}

fn wkt(points: &[LonLat]) -> String {
    let pts: Vec<String> = points
        .iter()
        .map(|p| format!("{:.4} {:.4}", p.lon, p.lat))
        .collect();
    format!("LINESTRING ({})", pts.join(", "))
}
