//! TNTP files, the format of the TransportationNetworks research test problems: `*_net.tntp`
//! (links with BPR parameters), `*_trips.tntp` (the OD matrix), `*_flow.tntp` (best-known
//! link volumes), and the generalized-cost weights from a directory's README.
//!
//! A `_net` file is metadata lines `<KEY> value` up to `<END OF METADATA>`, then one link per
//! line: `init_node term_node capacity length free_flow_time b power speed toll link_type ;`,
//! whitespace-separated; `~` starts a comment (the column header). Nodes are numbered
//! `1..=<NUMBER OF NODES>`, the first `<NUMBER OF ZONES>` of them being zones; zones below
//! `<FIRST THRU NODE>` may not be passed through. Every error names the file, the line and
//! the field.

use std::path::Path;

use crate::assignment::{Class, Problem};
use crate::costing::Vdf;
use crate::demand::Matrix;
use crate::error::Error;
use crate::graph::Graph;

/// One link with its BPR parameters:
/// `time = free_flow_time × (1 + b × (volume / capacity)^power)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TntpLink {
    /// 1-based node numbers, as in the file.
    pub from: u32,
    pub to: u32,
    pub capacity: f64,
    pub length: f64,
    pub free_flow_time: f64,
    pub b: f64,
    pub power: f64,
    pub speed: f64,
    pub toll: f64,
    pub link_type: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TntpNetwork {
    pub zones: u32,
    pub nodes: u32,
    /// Zones numbered below this may not be passed through.
    pub first_thru_node: u32,
    pub links: Vec<TntpLink>,
    /// `<TOLL FACTOR>` and `<DISTANCE FACTOR>` when the file has them.
    pub toll_factor: Option<f64>,
    pub distance_factor: Option<f64>,
}

const FIELDS: [&str; 10] = [
    "init_node",
    "term_node",
    "capacity",
    "length",
    "free_flow_time",
    "b",
    "power",
    "speed",
    "toll",
    "link_type",
];

/// (key in upper case, value, 1-based line) of one metadata line.
type Meta<'t> = (String, &'t str, u64);

/// Origin, destination (0-based) and amount of one demand cell.
pub type Cell = (u32, u32, f64);

/// Metadata lines up to `<END OF METADATA>`, and the index of the first line after it.
fn metadata<'t>(file: &str, lines: &[&'t str]) -> Result<(Vec<Meta<'t>>, usize), Error> {
    let mut out = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i as u64 + 1;
        let line = raw.split('~').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("<END OF METADATA>") {
            return Ok((out, i + 1));
        }
        let Some(rest) = line.strip_prefix('<') else {
            return Err(Error::line(
                file,
                line_no,
                "metadata",
                format!("expected <KEY> value or <END OF METADATA>, found {line:?}"),
            ));
        };
        let Some((key, value)) = rest.split_once('>') else {
            return Err(Error::line(
                file,
                line_no,
                "metadata",
                format!("unclosed key in {line:?}"),
            ));
        };
        out.push((key.trim().to_uppercase(), value.trim(), line_no));
    }
    Err(Error::file(file, "no <END OF METADATA> line"))
}

/// Most nodes (and so zones) a TNTP file may declare. The declared counts size what is
/// allocated for the network and the demand before a link is read (a node index, a demand
/// row per zone), so a one-line `<NUMBER OF NODES> 4000000000` would otherwise ask for tens
/// of gigabytes. The largest public problems have under 40 000 nodes.
pub const MAX_NODES: u32 = 1_000_000;

/// A declared count of nodes or zones, at most [`MAX_NODES`].
fn count(file: &str, key: &str, value: &str, line: u64) -> Result<u32, Error> {
    let n = whole(file, key, value, line)?;
    if n > MAX_NODES {
        return Err(Error::line(
            file,
            line,
            key,
            format!("{n} is more than the {MAX_NODES} this reader accepts"),
        ));
    }
    Ok(n)
}

fn whole(file: &str, key: &str, value: &str, line: u64) -> Result<u32, Error> {
    value
        .parse::<u32>()
        .map_err(|_| Error::line(file, line, key, format!("{value:?} is not a whole number")))
}

fn real(file: &str, key: &str, value: &str, line: u64) -> Result<f64, Error> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| Error::line(file, line, key, format!("{value:?} is not a number")))
}

/// Reads a `_net.tntp` text; `file` names it in errors.
pub fn parse_net(file: &str, text: &str) -> Result<TntpNetwork, Error> {
    let lines: Vec<&str> = text.lines().collect();
    let (meta, body) = metadata(file, &lines)?;
    let (mut zones, mut nodes, mut first_thru, mut declared) = (None, None, None, None);
    let (mut toll_factor, mut distance_factor) = (None, None);
    for (key, value, line) in &meta {
        match key.as_str() {
            "NUMBER OF ZONES" => zones = Some(count(file, key, value, *line)?),
            "NUMBER OF NODES" => nodes = Some(count(file, key, value, *line)?),
            "FIRST THRU NODE" => first_thru = Some(whole(file, key, value, *line)?),
            "NUMBER OF LINKS" => declared = Some(whole(file, key, value, *line)?),
            "TOLL FACTOR" => toll_factor = Some(real(file, key, value, *line)?),
            "DISTANCE FACTOR" => distance_factor = Some(real(file, key, value, *line)?),
            _ => {} // ORIGINAL HEADER and the like carry nothing the model needs
        }
    }
    let missing = |key: &str| Error::file(file, format!("metadata <{key}> missing"));
    let nodes = nodes.ok_or_else(|| missing("NUMBER OF NODES"))?;
    let zones = zones.ok_or_else(|| missing("NUMBER OF ZONES"))?;
    if zones > nodes {
        return Err(Error::file(
            file,
            format!("<NUMBER OF ZONES> {zones} is more than <NUMBER OF NODES> {nodes}"),
        ));
    }
    let mut links = Vec::new();
    for (i, raw) in lines.iter().enumerate().skip(body) {
        let line_no = i as u64 + 1;
        let bad = |field: &str, m: String| Error::line(file, line_no, field, m);
        let line = raw.split('~').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let values: Vec<&str> = line.trim_end_matches(';').split_whitespace().collect();
        if values.len() != FIELDS.len() {
            return Err(bad(
                FIELDS.get(values.len()).copied().unwrap_or("link_type"),
                format!(
                    "a link line has {} fields ({}), this one {}",
                    FIELDS.len(),
                    FIELDS.join(" "),
                    values.len()
                ),
            ));
        }
        let num = |k: usize| -> Result<f64, Error> {
            let v: f64 = values[k]
                .parse()
                .map_err(|_| bad(FIELDS[k], format!("{:?} is not a number", values[k])))?;
            if !v.is_finite() || v < 0.0 {
                return Err(bad(
                    FIELDS[k],
                    format!("{v} must be finite and not negative"),
                ));
            }
            Ok(v)
        };
        let node = |k: usize| -> Result<u32, Error> {
            let v: u32 = values[k]
                .parse()
                .map_err(|_| bad(FIELDS[k], format!("{:?} is not a node number", values[k])))?;
            if v == 0 || v > nodes {
                return Err(bad(
                    FIELDS[k],
                    format!("unknown node {v} (nodes are 1..={nodes})"),
                ));
            }
            Ok(v)
        };
        let link = TntpLink {
            from: node(0)?,
            to: node(1)?,
            capacity: num(2)?,
            length: num(3)?,
            free_flow_time: num(4)?,
            b: num(5)?,
            power: num(6)?,
            speed: num(7)?,
            toll: num(8)?,
            link_type: values[9]
                .parse()
                .map_err(|_| bad("link_type", format!("{:?} is not an integer", values[9])))?,
        };
        if link.capacity == 0.0 && link.b > 0.0 && link.free_flow_time > 0.0 {
            return Err(bad(
                "capacity",
                "zero capacity with a congestion term".into(),
            ));
        }
        if link.power != 0.0 && link.power < 1.0 {
            return Err(bad(
                "power",
                format!("{} must be 0 or at least 1", link.power),
            ));
        }
        links.push(link);
    }
    if let Some(n) = declared.filter(|n| *n as usize != links.len()) {
        return Err(Error::file(
            file,
            format!("<NUMBER OF LINKS> says {n}, the file has {}", links.len()),
        ));
    }
    Ok(TntpNetwork {
        zones,
        nodes,
        first_thru_node: first_thru.unwrap_or(1),
        links,
        toll_factor,
        distance_factor,
    })
}

/// Reads a `_trips.tntp` text into 0-based (origin, destination, amount) cells. The total is
/// checked against `<TOTAL OD FLOW>` when the file gives it.
pub fn parse_trips(file: &str, text: &str) -> Result<(u32, Vec<Cell>), Error> {
    let lines: Vec<&str> = text.lines().collect();
    let (meta, body) = metadata(file, &lines)?;
    let mut zones = None;
    let mut declared_total = None;
    for (key, value, line) in &meta {
        match key.as_str() {
            "NUMBER OF ZONES" => zones = Some(count(file, key, value, *line)?),
            "TOTAL OD FLOW" => declared_total = Some((real(file, key, value, *line)?, *line)),
            _ => {}
        }
    }
    let zones = zones.ok_or_else(|| Error::file(file, "metadata <NUMBER OF ZONES> missing"))?;
    let mut cells = Vec::new();
    let mut origin: Option<u32> = None;
    let mut total = 0.0;
    for (i, raw) in lines.iter().enumerate().skip(body) {
        let line_no = i as u64 + 1;
        let bad = |field: &str, m: String| Error::line(file, line_no, field, m);
        let line = raw.split('~').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("Origin") {
            let o: u32 = rest
                .trim()
                .parse()
                .map_err(|_| bad("origin", format!("{:?} is not a zone number", rest.trim())))?;
            if o == 0 || o > zones {
                return Err(bad(
                    "origin",
                    format!("unknown zone {o} (zones are 1..={zones})"),
                ));
            }
            origin = Some(o - 1);
            continue;
        }
        let Some(o) = origin else {
            return Err(bad(
                "origin",
                "a demand line before any \"Origin\" line".into(),
            ));
        };
        for cell in line.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            let Some((d, v)) = cell.split_once(':') else {
                return Err(bad(
                    "destination",
                    format!("{cell:?} is not \"zone : amount\""),
                ));
            };
            let d: u32 = d.trim().parse().map_err(|_| {
                bad(
                    "destination",
                    format!("{:?} is not a zone number", d.trim()),
                )
            })?;
            if d == 0 || d > zones {
                return Err(bad(
                    "destination",
                    format!("unknown zone {d} (zones are 1..={zones})"),
                ));
            }
            let v: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| bad("amount", format!("{:?} is not a number ≥ 0", v.trim())))?;
            total += v;
            cells.push((o, d - 1, v));
        }
    }
    if let Some((declared, line)) = declared_total
        && (declared - total).abs() > 1e-6 * declared.abs().max(1.0)
    {
        return Err(Error::line(
            file,
            line,
            "TOTAL OD FLOW",
            format!("says {declared}, the cells sum to {total}"),
        ));
    }
    Ok((zones, cells))
}

/// Reads a `_flow.tntp` text (header `From To Volume Cost`): (from, to, volume) per line,
/// with 1-based node numbers.
pub fn parse_flow(file: &str, text: &str) -> Result<Vec<(u32, u32, f64)>, Error> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let values: Vec<&str> = raw
            .trim()
            .trim_end_matches(';')
            .split_whitespace()
            .collect();
        if values.is_empty() || values[0].parse::<u32>().is_err() {
            continue; // the header and blank lines
        }
        let bad = |field: &str, m: String| Error::line(file, line_no, field, m);
        if values.len() < 3 {
            return Err(bad("Volume", "missing".into()));
        }
        let node = |k: usize, f: &str| {
            values[k]
                .parse::<u32>()
                .map_err(|_| bad(f, format!("{:?} is not a node number", values[k])))
        };
        let v: f64 = values[2]
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad("Volume", format!("{:?} is not a number", values[2])))?;
        out.push((node(0, "From")?, node(1, "To")?, v));
    }
    Ok(out)
}

/// Reads a `_node.tntp` text (`node x y ;` after a header line): positions by node number − 1
/// for a network of `nodes` nodes.
pub fn parse_nodes(file: &str, text: &str, nodes: u32) -> Result<Vec<Option<(f64, f64)>>, Error> {
    // `nodes` sizes the answer before a line is read; a net file's count is bounded already.
    if nodes > MAX_NODES {
        return Err(Error::file(
            file,
            format!("{nodes} nodes is more than the {MAX_NODES} this reader accepts"),
        ));
    }
    let mut out = vec![None; nodes as usize];
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let values: Vec<&str> = raw
            .trim()
            .trim_end_matches(';')
            .split_whitespace()
            .collect();
        // The header ("Node X Y ;") and blank lines carry no position.
        let Some(Ok(id)) = values.first().map(|v| v.parse::<u32>()) else {
            continue;
        };
        let bad = |field: &str, m: String| Error::line(file, line_no, field, m);
        if id == 0 || id > nodes {
            return Err(bad(
                "node",
                format!("unknown node {id} (nodes are 1..={nodes})"),
            ));
        }
        let coord = |k: usize, f: &str| -> Result<f64, Error> {
            values
                .get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(f, "missing or not a number".into()))
        };
        out[id as usize - 1] = Some((coord(1, "x")?, coord(2, "y")?));
    }
    Ok(out)
}

/// The generalized-cost weights (minutes per toll unit, per distance unit), and where they
/// came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub toll: f64,
    pub distance: f64,
    pub source: String,
}

/// Reads "Toll: 0.02 ..." and "Distance: 0.04 ..." under a "Generalized Cost Weights"
/// heading of a README (the layout of the test problems' READMEs). Missing or blank → None.
pub fn readme_weights(text: &str) -> (Option<f64>, Option<f64>) {
    let mut inside = false;
    let (mut toll, mut distance) = (None, None);
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') {
            inside = l.to_lowercase().contains("generalized cost weights");
            continue;
        }
        if !inside {
            continue;
        }
        let number = |rest: &str| {
            rest.split_whitespace()
                .next()
                .and_then(|w| w.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        if let Some(rest) = l.strip_prefix("Toll:") {
            toll = number(rest);
        } else if let Some(rest) = l.strip_prefix("Distance:") {
            distance = number(rest);
        }
    }
    (toll, distance)
}

/// The weights for a network: explicit values first, then the net file's metadata, then the
/// README in the same directory, else 0.
pub fn weights(
    net: &TntpNetwork,
    net_path: &Path,
    toll: Option<f64>,
    distance: Option<f64>,
) -> Weights {
    let readme = net_path
        .parent()
        .map(|d| d.join("README.md"))
        .and_then(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)));
    let (rt, rd) = readme
        .as_ref()
        .map(|(_, t)| readme_weights(t))
        .unwrap_or((None, None));
    let mut sources = Vec::new();
    let mut pick = |given: Option<f64>, meta: Option<f64>, read: Option<f64>, what: &str| {
        if let Some(v) = given {
            sources.push(format!("{what} {v} given"));
            v
        } else if let Some(v) = meta {
            sources.push(format!("{what} {v} from the net file"));
            v
        } else if let Some(v) = read {
            sources.push(format!("{what} {v} from README.md"));
            v
        } else {
            0.0
        }
    };
    let toll = pick(toll, net.toll_factor, rt, "toll factor");
    let distance = pick(distance, net.distance_factor, rd, "distance factor");
    let source = if sources.is_empty() {
        "time only".to_string()
    } else {
        sources.join(", ")
    };
    Weights {
        toll,
        distance,
        source,
    }
}

/// The assignment problem of a network and its trips.
pub fn problem(
    net: &TntpNetwork,
    zones_in_trips: u32,
    cells: Vec<(u32, u32, f64)>,
    weights: &Weights,
) -> Result<Problem, Error> {
    if zones_in_trips != net.zones {
        return Err(Error::Invalid(format!(
            "the trips have {zones_in_trips} zones, the network {}",
            net.zones
        )));
    }
    let pairs: Vec<(u32, u32)> = net.links.iter().map(|l| (l.from - 1, l.to - 1)).collect();
    let graph = Graph::new(
        net.nodes as usize,
        net.zones as usize,
        net.first_thru_node.saturating_sub(1) as usize,
        &pairs,
    )?;
    let vdf = net
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Vdf::bpr(l.free_flow_time, l.b, l.capacity, l.power)
                .map_err(|e| Error::Invalid(format!("link {} ({}→{}): {e}", i + 1, l.from, l.to)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fixed: Vec<f64> = net
        .links
        .iter()
        .map(|l| weights.toll * l.toll + weights.distance * l.length)
        .collect();
    let fixed = if fixed.iter().all(|f| *f == 0.0) {
        Vec::new()
    } else {
        fixed
    };
    let matrix = Matrix::from_cells(net.zones as usize, cells)?;
    Problem::new(graph, vdf, vec![Class::single(matrix, fixed)])
}

/// Reads a net file and a trips file from disk into a problem.
pub fn load(
    net_path: &Path,
    trips_path: &Path,
    toll: Option<f64>,
    distance: Option<f64>,
) -> Result<(Problem, TntpNetwork, Weights), Error> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| Error::Io {
            file: p.display().to_string(),
            source,
        })
    };
    let name = |p: &Path| p.display().to_string();
    let net = parse_net(&name(net_path), &read(net_path)?)?;
    let (zones, cells) = parse_trips(&name(trips_path), &read(trips_path)?)?;
    let w = weights(&net, net_path, toll, distance);
    let p = problem(&net, zones, cells, &w)?;
    Ok((p, net, w))
}

/// Link volumes from a flow file in the network's link order. Lines are matched by position
/// when the endpoints agree, else by (from, to); a link the file lacks is an error.
pub fn volumes_in_link_order(
    file: &str,
    net: &TntpNetwork,
    flows: &[(u32, u32, f64)],
) -> Result<Vec<f64>, Error> {
    if flows.len() == net.links.len()
        && flows
            .iter()
            .zip(&net.links)
            .all(|(f, l)| f.0 == l.from && f.1 == l.to)
    {
        return Ok(flows.iter().map(|f| f.2).collect());
    }
    let by_pair: std::collections::HashMap<(u32, u32), f64> =
        flows.iter().map(|f| ((f.0, f.1), f.2)).collect();
    net.links
        .iter()
        .map(|l| {
            by_pair
                .get(&(l.from, l.to))
                .copied()
                .ok_or_else(|| Error::file(file, format!("no volume for link {}→{}", l.from, l.to)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRAESS: &str = "<NUMBER OF ZONES> 2
<NUMBER OF NODES> 4
<FIRST THRU NODE> 1
<NUMBER OF LINKS> 2
<END OF METADATA>

~ init_node term_node capacity length free_flow_time b power speed toll link_type ;
\t1\t3\t1\t100\t0.00000001\t1000000000\t1\t0\t0\t1\t;
\t1\t4\t1\t100\t50\t0.02\t1\t0\t0\t1\t;
";

    #[test]
    fn reads_links_and_metadata() -> Result<(), Error> {
        let net = parse_net("b_net.tntp", BRAESS)?;
        assert_eq!((net.zones, net.nodes, net.links.len()), (2, 4, 2));
        assert_eq!(net.links[1].free_flow_time, 50.0);
        assert_eq!(net.links[0].b, 1e9);
        Ok(())
    }

    #[test]
    fn net_errors_name_file_line_and_field() {
        let cases = [
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t9\t1\t100\t50"),
                "b_net.tntp, line 9, field term_node: unknown node 9",
            ),
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t4\t1\t-100\t50"),
                "line 9, field length: -100 must be finite",
            ),
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t4\t1\tNaN\t50"),
                "line 9, field length: NaN must be finite",
            ),
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t4\t-1\t100\t50"),
                "line 9, field capacity: -1 must be finite",
            ),
            (
                BRAESS.replace("\t0\t0\t1\t;\n\t1\t4", "\t0\t0\t1\t;\n\t1\t4\t1\t;\n\t1\t4"),
                "line 9, field length: a link line has 10 fields",
            ),
            (
                BRAESS.replace("\t0\t0\t1\t;\n\t1\t4", "\t0\t0\t1\t7\t;\n\t1\t4"),
                "line 8, field link_type: a link line has 10 fields",
            ),
            (
                BRAESS.replace("<NUMBER OF LINKS> 2", "<NUMBER OF LINKS> 3"),
                "b_net.tntp: <NUMBER OF LINKS> says 3, the file has 2",
            ),
            (
                BRAESS.replace("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 7"),
                "b_net.tntp: <NUMBER OF ZONES> 7 is more than <NUMBER OF NODES> 4",
            ),
            (
                BRAESS.replace("<END OF METADATA>", ""),
                "line 8, field metadata: expected <KEY> value",
            ),
        ];
        for (text, want) in cases {
            let err = parse_net("b_net.tntp", &text)
                .map(|_| ())
                .expect_err(want)
                .to_string();
            assert!(err.contains(want), "{err}\n  wanted: {want}");
        }
    }

    const TRIPS: &str = "<NUMBER OF ZONES> 2
<TOTAL OD FLOW> 6.0
<END OF METADATA>

Origin \t1
    1 :      0.0;     2 :     6.0;
";

    #[test]
    fn trips_are_read_and_checked_against_their_metadata() -> Result<(), Error> {
        let (zones, cells) = parse_trips("t.tntp", TRIPS)?;
        assert_eq!(zones, 2);
        assert_eq!(cells, vec![(0, 0, 0.0), (0, 1, 6.0)]);
        let cases = [
            (
                TRIPS.replace("6.0\n<END", "7.0\n<END"),
                "t.tntp, line 2, field TOTAL OD FLOW: says 7, the cells sum to 6",
            ),
            (
                TRIPS.replace("2 :     6.0", "3 :     6.0"),
                "line 6, field destination: unknown zone 3",
            ),
            (
                TRIPS.replace("Origin \t1", "Origin \t0"),
                "line 5, field origin: unknown zone 0",
            ),
            (
                TRIPS.replace("2 :     6.0", "2 :    -6.0"),
                "line 6, field amount: \"-6.0\" is not a number ≥ 0",
            ),
            (
                TRIPS.replace("Origin \t1\n", ""),
                "line 5, field origin: a demand line before",
            ),
        ];
        for (text, want) in cases {
            let err = parse_trips("t.tntp", &text)
                .map(|_| ())
                .expect_err(want)
                .to_string();
            assert!(err.contains(want), "{err}\n  wanted: {want}");
        }
        Ok(())
    }

    #[test]
    fn readme_weights_are_found_under_their_heading() {
        let text = "# X\n## Generalized Cost Weights\nToll: 0.02 minutes/cent\nDistance: 0.04 minutes/mile\n\n## Solutions\nToll: 9\n";
        assert_eq!(readme_weights(text), (Some(0.02), Some(0.04)));
        assert_eq!(
            readme_weights("## Generalized Cost Weights\nToll: \nDistance: \n"),
            (None, None)
        );
    }
}
