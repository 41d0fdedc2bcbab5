//! The multimodal network: nodes and links with their attributes, the adjacency a search
//! walks, and look-up of places by name, UN/LOCODE or position.
//!
//! A network is built from already-parsed nodes and links (see [`crate::formats`]) by
//! [`Network::new`], which checks what no single row can: that link ends exist, ids are
//! unique, and that no land link crosses a border except at a border crossing of that pair.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Error;
use crate::geo::{LonLat, haversine_km};
use crate::model::{Link, Mode, Node, NodeKind};

/// One direction of a link as the search sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    pub link: u32,
    pub head: u32,
    /// Whether the link is walked against its drawn direction (to → from).
    pub reversed: bool,
}

#[derive(Debug, Clone)]
pub struct Network {
    nodes: Vec<Node>,
    links: Vec<Link>,
    first_out: Vec<u32>,
    arcs: Vec<Arc>,
    node_by_id: HashMap<String, u32>,
    link_by_id: HashMap<String, u32>,
}

/// A link whose ends are still node ids, as read from a file; [`Network::new`] resolves
/// them. `row` names where it came from for error messages.
#[derive(Debug, Clone)]
pub struct LinkRecord {
    pub file: String,
    pub row: u64,
    pub from_id: String,
    pub to_id: String,
    pub link: Link,
}

/// Where a node record came from, for error messages.
#[derive(Debug, Clone)]
pub struct NodeRecord {
    pub file: String,
    pub row: u64,
    pub node: Node,
}

impl Network {
    /// Builds the network, refusing duplicate ids, links to unknown nodes and land links
    /// that cross a border outside a crossing; errors name the file, row and field.
    pub fn new(nodes: Vec<NodeRecord>, links: Vec<LinkRecord>) -> Result<Network, Error> {
        let mut node_by_id = HashMap::with_capacity(nodes.len());
        let mut out_nodes = Vec::with_capacity(nodes.len());
        for r in nodes {
            let i = out_nodes.len() as u32;
            if node_by_id.insert(r.node.id.clone(), i).is_some() {
                return Err(Error::row(
                    &r.file,
                    r.row,
                    "node_id",
                    format!("duplicate node id {:?}", r.node.id),
                ));
            }
            out_nodes.push(r.node);
        }
        let mut link_by_id = HashMap::with_capacity(links.len());
        let mut out_links = Vec::with_capacity(links.len());
        for r in links {
            let end = |id: &str, field: &str| {
                node_by_id.get(id).copied().ok_or_else(|| {
                    Error::row(&r.file, r.row, field, format!("unknown node {id:?}"))
                })
            };
            let mut link = r.link;
            link.from = end(&r.from_id, "from_node_id")?;
            link.to = end(&r.to_id, "to_node_id")?;
            if link.from == link.to {
                return Err(Error::row(
                    &r.file,
                    r.row,
                    "to_node_id",
                    "a link must join two different nodes".into(),
                ));
            }
            let (a, b) = (&out_nodes[link.from as usize], &out_nodes[link.to as usize]);
            if let Some(msg) = border_violation(link.mode, a, b) {
                return Err(Error::row(&r.file, r.row, "mode", msg));
            }
            if link_by_id
                .insert(link.id.clone(), out_links.len() as u32)
                .is_some()
            {
                return Err(Error::row(
                    &r.file,
                    r.row,
                    "link_id",
                    format!("duplicate link id {:?}", link.id),
                ));
            }
            out_links.push(link);
        }
        let (first_out, arcs) = adjacency(out_nodes.len(), &out_links);
        Ok(Network {
            nodes: out_nodes,
            links: out_links,
            first_out,
            arcs,
            node_by_id,
            link_by_id,
        })
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn links(&self) -> &[Link] {
        &self.links
    }

    pub fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    pub fn link(&self, i: u32) -> &Link {
        &self.links[i as usize]
    }

    pub fn node_index(&self, id: &str) -> Option<u32> {
        self.node_by_id.get(id).copied()
    }

    pub fn link_index(&self, id: &str) -> Option<u32> {
        self.link_by_id.get(id).copied()
    }

    /// The arcs leaving node `v` (both directions of undirected links).
    pub fn out_arcs(&self, v: u32) -> &[Arc] {
        let (a, b) = (
            self.first_out[v as usize] as usize,
            self.first_out[v as usize + 1] as usize,
        );
        &self.arcs[a..b]
    }

    /// Connected parts, treating every link as two-way and usable: a sound network has one;
    /// more mean places no status change can reach.
    pub fn parts(&self) -> Vec<Vec<u32>> {
        let n = self.nodes.len();
        let mut seen = vec![false; n];
        let mut undirected: Vec<Vec<u32>> = vec![Vec::new(); n];
        for l in &self.links {
            undirected[l.from as usize].push(l.to);
            undirected[l.to as usize].push(l.from);
        }
        let mut parts = Vec::new();
        for root in 0..n {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            let mut part = vec![root as u32];
            let mut i = 0;
            while i < part.len() {
                for &w in &undirected[part[i] as usize] {
                    if !seen[w as usize] {
                        seen[w as usize] = true;
                        part.push(w);
                    }
                }
                i += 1;
            }
            part.sort_unstable();
            parts.push(part);
        }
        parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
        parts
    }

    /// Resolves a place typed by a person: a node id, a UN/LOCODE, an English or Chinese
    /// name (exact, then as a prefix or part), or `LAT,LON`, which snaps to the nearest node.
    /// An ambiguous name is an error listing the candidates.
    pub fn resolve(&self, query: &str) -> Result<Place, Error> {
        let q = query.trim();
        if let Some(p) = parse_lat_lon(q) {
            return self
                .nearest(p)
                .map(|(node, km)| Place {
                    node,
                    snapped_km: Some(km),
                })
                .ok_or_else(|| Error::InvalidQuery(format!("no node near {q}")));
        }
        let exact = |n: &Node| {
            n.id.eq_ignore_ascii_case(q)
                || n.locode
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(q))
                || n.name.eq_ignore_ascii_case(q)
                || n.name_zh == q
        };
        let found: Vec<u32> = (0..self.nodes.len() as u32)
            .filter(|&i| exact(self.node(i)))
            .collect();
        let found = if found.is_empty() {
            let ql = q.to_lowercase();
            (0..self.nodes.len() as u32)
                .filter(|&i| {
                    let n = self.node(i);
                    !ql.is_empty() && (n.name.to_lowercase().contains(&ql) || n.name_zh.contains(q))
                })
                .collect()
        } else {
            found
        };
        // A city and its own airport or terminal often share a prefix ("长春" and
        // "长春龙嘉机场"); a single city among the matches is what a person means.
        let found = if found.len() > 1 {
            let cities: Vec<u32> = found
                .iter()
                .copied()
                .filter(|&i| {
                    matches!(self.node(i).kind, NodeKind::City)
                        && (self.node(i).name_zh == q || self.node(i).name.eq_ignore_ascii_case(q))
                })
                .collect();
            if cities.len() == 1 { cities } else { found }
        } else {
            found
        };
        match found.as_slice() {
            [one] => Ok(Place {
                node: *one,
                snapped_km: None,
            }),
            [] => Err(Error::UnknownPlace(q.to_string())),
            many => Err(Error::AmbiguousPlace {
                query: q.to_string(),
                candidates: many
                    .iter()
                    .map(|&i| {
                        let n = self.node(i);
                        format!("{} ({} {}, {})", n.id, n.name_zh, n.name, n.kind.tag())
                    })
                    .collect(),
            }),
        }
    }

    /// The nearest node to a position and its distance, by brute force: the multimodal
    /// network has hundreds of nodes, not the sea network's tens of thousands.
    pub fn nearest(&self, p: LonLat) -> Option<(u32, f64)> {
        if !p.is_valid() {
            return None;
        }
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u32, haversine_km(p, n.position)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// A resolved place: its node, and how far a typed position was snapped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Place {
    pub node: u32,
    pub snapped_km: Option<f64>,
}

fn parse_lat_lon(s: &str) -> Option<LonLat> {
    let (a, b) = s.split_once(',')?;
    let (lat, lon) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
    let p = LonLat::new(lon, lat);
    (p.is_valid() && lon.abs() <= 180.0).then_some(p)
}

/// Why a link between these nodes would cross a border where no crossing is, if it would.
///
/// Sea and air links join countries by nature. A land link may join two countries only when
/// one end is a border crossing of exactly that pair, of its way (road or rail); a land link
/// touching a crossing must stay in the crossing's countries.
fn border_violation(mode: Mode, a: &Node, b: &Node) -> Option<String> {
    if !mode.is_land() {
        return None;
    }
    let way_ok = |x: &crate::model::Crossing| {
        // A rail crossing takes rail, a road crossing road; the crossing and transfer links
        // around them take either.
        matches!(mode, Mode::BorderCrossing | Mode::Transfer) || x.way == mode
    };
    match (a.kind.crossing(), b.kind.crossing()) {
        (None, None) if a.country != b.country => Some(format!(
            "a {mode} link from {} ({}) to {} ({}) crosses a border outside a border crossing",
            a.id, a.country, b.id, b.country
        )),
        (Some(x), None) | (None, Some(x)) => {
            let other = if a.kind.crossing().is_some() { b } else { a };
            if !x.touches(other.country) {
                Some(format!(
                    "{} is in {}, not in the countries of the crossing it joins ({}–{})",
                    other.id, other.country, x.countries.0, x.countries.1
                ))
            } else if !way_ok(x) {
                Some(format!(
                    "a {mode} link joins a {} crossing (a {} crossing takes {} links)",
                    x.way, x.way, x.way
                ))
            } else {
                None
            }
        }
        (Some(x), Some(y))
            if x.countries != y.countries && !x.joins(y.countries.0, y.countries.1) =>
        {
            Some("a link joins two crossings of different borders".into())
        }
        _ => None,
    }
}

fn adjacency(n: usize, links: &[Link]) -> (Vec<u32>, Vec<Arc>) {
    let mut out: Vec<Vec<Arc>> = vec![Vec::new(); n];
    for (i, l) in links.iter().enumerate() {
        out[l.from as usize].push(Arc {
            link: i as u32,
            head: l.to,
            reversed: false,
        });
        if !l.directed {
            out[l.to as usize].push(Arc {
                link: i as u32,
                head: l.from,
                reversed: true,
            });
        }
    }
    let mut first_out = Vec::with_capacity(n + 1);
    let mut arcs = Vec::new();
    first_out.push(0);
    for v in out {
        arcs.extend(v);
        first_out.push(arcs.len() as u32);
    }
    (first_out, arcs)
}
