//! TNTP network files (the TransportationNetworks research test problems: `*_net.tntp`,
//! optionally `*_node.tntp`), read for traffic assignment.
//!
//! A `_net` file is metadata lines `<KEY> value` up to `<END OF METADATA>`, then one link per
//! line: `init_node term_node capacity length free_flow_time b power speed toll link_type ;`,
//! whitespace-separated; `~` starts a comment (the column header). Nodes are numbered
//! `1..=<NUMBER OF NODES>`, the first `<NUMBER OF ZONES>` of them being zones. Errors name the
//! file, the line and the field.

use crate::error::Error;
use crate::geo::LonLat;

/// One link with the volume-delay (BPR) parameters:
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
    /// Nodes below this number are zones that traffic may not pass through.
    pub first_thru_node: u32,
    pub links: Vec<TntpLink>,
    /// Positions from a `_node` file, by node number − 1, when one was read.
    pub positions: Vec<Option<LonLat>>,
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

/// Reads a `_net.tntp` text; `file` names it in errors.
pub fn parse_net(file: &str, text: &str) -> Result<TntpNetwork, Error> {
    let mut zones = None;
    let mut nodes = None;
    let mut first_thru = None;
    let mut declared_links = None;
    let mut in_metadata = true;
    let mut links = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let row = i as u64 + 1;
        let bad = |field: &str, m: String| Error::row(file, row, field, m);
        let line = raw.split('~').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if in_metadata {
            if line.starts_with("<END OF METADATA>") {
                in_metadata = false;
                continue;
            }
            let Some(rest) = line.strip_prefix('<') else {
                return Err(bad(
                    "metadata",
                    format!("expected <KEY> value, found {line:?}"),
                ));
            };
            let Some((key, value)) = rest.split_once('>') else {
                return Err(bad("metadata", format!("unclosed key in {line:?}")));
            };
            let number = || {
                value
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| bad(key, format!("{:?} is not a whole number", value.trim())))
            };
            match key.trim() {
                "NUMBER OF ZONES" => zones = Some(number()?),
                "NUMBER OF NODES" => nodes = Some(number()?),
                "FIRST THRU NODE" => first_thru = Some(number()?),
                "NUMBER OF LINKS" => declared_links = Some(number()?),
                _ => {} // other keys (ORIGINAL HEADER, ...) carry nothing the model needs
            }
            continue;
        }
        let body = line.trim_end_matches(';').trim();
        let values: Vec<&str> = body.split_whitespace().collect();
        if values.len() < FIELDS.len() {
            return Err(bad(
                FIELDS.get(values.len()).copied().unwrap_or("-"),
                format!("missing: a link line has {} fields", FIELDS.len()),
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
            match nodes {
                Some(n) if v == 0 || v > n => Err(bad(
                    FIELDS[k],
                    format!("unknown node {v} (nodes are 1..={n})"),
                )),
                _ => Ok(v),
            }
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
        if link.capacity == 0.0 && link.b > 0.0 {
            return Err(bad(
                "capacity",
                "zero capacity with a congestion term".into(),
            ));
        }
        links.push(link);
    }
    let missing = |key: &str| Error::File {
        file: file.to_string(),
        message: format!("metadata <{key}> missing"),
    };
    let nodes = nodes.ok_or_else(|| missing("NUMBER OF NODES"))?;
    let zones = zones.ok_or_else(|| missing("NUMBER OF ZONES"))?;
    if let Some(n) = declared_links.filter(|n| *n as usize != links.len()) {
        return Err(Error::File {
            file: file.to_string(),
            message: format!("<NUMBER OF LINKS> says {n}, the file has {}", links.len()),
        });
    }
    Ok(TntpNetwork {
        zones,
        nodes,
        first_thru_node: first_thru.unwrap_or(1),
        links,
        positions: vec![None; nodes as usize],
    })
}

/// Adds positions from a `_node.tntp` text (`node x y ;` after a header line).
pub fn add_positions(net: &mut TntpNetwork, file: &str, text: &str) -> Result<(), Error> {
    for (i, raw) in text.lines().enumerate() {
        let row = i as u64 + 1;
        let values: Vec<&str> = raw
            .trim()
            .trim_end_matches(';')
            .split_whitespace()
            .collect();
        // The header ("Node X Y ;") and blank lines carry no position.
        let Some(first) = values.first() else {
            continue;
        };
        let Ok(id) = first.parse::<u32>() else {
            continue;
        };
        let bad = |field: &str, m: String| Error::row(file, row, field, m);
        if id == 0 || id > net.nodes {
            return Err(bad("node", format!("unknown node {id}")));
        }
        let coord = |k: usize, f: &str| -> Result<f64, Error> {
            values
                .get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(f, "missing or not a number".into()))
        };
        net.positions[id as usize - 1] = Some(LonLat::new(coord(1, "x")?, coord(2, "y")?));
    }
    Ok(())
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
    fn errors_name_file_line_and_field() {
        let cases = [
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t9\t1\t100\t50"),
                "b_net.tntp, row 9, field term_node: unknown node 9",
            ),
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t4\t1\t-100\t50"),
                "row 9, field length: -100 must be finite",
            ),
            (
                BRAESS.replace("\t1\t4\t1\t100\t50", "\t1\t4\t1\tNaN\t50"),
                "row 9, field length: NaN must be finite",
            ),
            (
                BRAESS.replace("\t0\t0\t1\t;\n\t1\t4", "\t0\t0\t1\t;\n\t1\t4\t1\t;\n\t1\t4"),
                "row 9, field length: missing",
            ),
            (
                BRAESS.replace("<NUMBER OF LINKS> 2", "<NUMBER OF LINKS> 3"),
                "b_net.tntp: <NUMBER OF LINKS> says 3, the file has 2",
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
}
