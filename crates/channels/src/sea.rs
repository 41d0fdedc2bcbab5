//! The sea-lane network: lanes joined into a graph, ports snapped to it, and sea routes.
//!
//! Every vertex of a lane is a node, and each pair of consecutive vertices an edge whose
//! length is the great-circle distance between them. Lanes meet where they share a vertex;
//! vertices are identified after folding longitudes into (-180, 180] (the source draws the
//! Bering Sea with longitudes up to 191°) and rounding to 10⁻⁶° (0.1 m), so the two sides of
//! the antimeridian join and float noise does not split a junction.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Blockage, Error, Unreachable};
use crate::geo::{LonLat, haversine_km, unwrap_longitudes};
use crate::graph::{Components, Edge, Graph, NodeId};
use crate::passage::{Passage, PassageSet};
use crate::search::{Landmarks, SearchSpace, shortest_path};
use crate::snap::{NodeIndex, Snap};

/// Landmarks for the ALT search, per set of bounds; 16 × 4 bytes per node.
pub const LANDMARKS: usize = 16;

/// The passage closures for which the network keeps its own landmark bounds: everything
/// open; the Arctic closed (the default query); and the Arctic and Suez closed (the Red Sea
/// crisis of 2024, when liners went round the Cape). A query uses the bounds of the largest
/// of these that it closes at least; any query stays exact, these are just the fast ones.
pub const DEFAULT_BOUND_SETS: [PassageSet; 3] = [
    PassageSet::EMPTY,
    PassageSet::ARCTIC,
    PassageSet::ARCTIC.with(Passage::Suez),
];

/// One lane as read from the network file.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// Index of the feature in the source, for messages.
    pub feature: usize,
    pub passage: Option<Passage>,
    pub points: Vec<LonLat>,
}

#[derive(Debug, Clone)]
pub struct SeaNetwork {
    graph: Graph,
    positions: Vec<LonLat>,
    index: NodeIndex,
    /// Landmark bounds, one set per passage closure in [`DEFAULT_BOUND_SETS`].
    landmarks: Vec<Landmarks>,
    components: Components,
}

impl SeaNetwork {
    /// Joins lanes into a network. Fails only when no lane has two distinct points.
    pub fn from_lanes(lanes: &[Lane]) -> Result<Self, Error> {
        let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
        let mut positions: Vec<LonLat> = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        let mut node_of = |p: LonLat| -> NodeId {
            let p = p.normalized();
            let key = ((p.lon * 1e6).round() as i64, (p.lat * 1e6).round() as i64);
            let next = positions.len() as u32;
            let id = *ids.entry(key).or_insert(next);
            if id == next {
                positions.push(p);
            }
            NodeId(id)
        };
        for lane in lanes {
            let base = lane
                .passage
                .map_or(PassageSet::EMPTY, |p| PassageSet::EMPTY.with(p));
            for w in lane.points.windows(2) {
                let (a, b) = (node_of(w[0]), node_of(w[1]));
                if a == b {
                    continue; // a repeated vertex, not an edge
                }
                let passages = base.union(Passage::derived(w[0], w[1]));
                edges.push(Edge {
                    a,
                    b,
                    length_km: haversine_km(w[0], w[1]),
                    passages,
                });
            }
        }
        if edges.is_empty() {
            return Err(Error::InvalidGraph(
                "no lane has two distinct points".into(),
            ));
        }
        let (positions, edges) = renumber_by_place(positions, edges);
        let graph = Graph::from_undirected(positions.len(), &edges)?;
        let index = NodeIndex::new(&positions);
        let landmarks = DEFAULT_BOUND_SETS
            .iter()
            .map(|a| Landmarks::choose(&graph, LANDMARKS, *a))
            .collect();
        let components = graph.components();
        Ok(Self {
            graph,
            positions,
            index,
            landmarks,
            components,
        })
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn node_count(&self) -> usize {
        self.positions.len()
    }

    pub fn position(&self, v: NodeId) -> Option<LonLat> {
        self.positions.get(v.index()).copied()
    }

    /// The connected parts of the network; a sound network has one.
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// The tightest landmark bounds valid for a query avoiding `avoid`: those computed with
    /// the most passages closed among the closures `avoid` includes.
    pub fn landmarks_for(&self, avoid: PassageSet) -> &Landmarks {
        static NONE: std::sync::OnceLock<Landmarks> = std::sync::OnceLock::new();
        self.landmarks
            .iter()
            .filter(|l| l.valid_for(avoid))
            .max_by_key(|l| l.avoid().len())
            .unwrap_or_else(|| NONE.get_or_init(Landmarks::none))
    }

    /// The nearest node to a position (`None` for an invalid position).
    pub fn snap(&self, p: LonLat) -> Option<Snap> {
        self.index.nearest(p.normalized())
    }
}

/// Renumbers nodes along a Z-order (Morton) curve over longitude and latitude, so that
/// nodes near each other at sea are near each other in memory: a search touches a compact
/// band of its arrays instead of jumping about the order of the source file.
fn renumber_by_place(positions: Vec<LonLat>, edges: Vec<Edge>) -> (Vec<LonLat>, Vec<Edge>) {
    let morton = |p: &LonLat| {
        // 16 bits per axis: a cell of 0.0055° × 0.0027°, finer than the lanes.
        let x = (((p.lon + 180.0) / 360.0) * 65535.0).clamp(0.0, 65535.0) as u64;
        let y = (((p.lat + 90.0) / 180.0) * 65535.0).clamp(0.0, 65535.0) as u64;
        (0..16).fold(0u64, |code, bit| {
            code | (((x >> bit) & 1) << (2 * bit)) | (((y >> bit) & 1) << (2 * bit + 1))
        })
    };
    let mut order: Vec<u32> = (0..positions.len() as u32).collect();
    order.sort_by_key(|&v| (morton(&positions[v as usize]), v));
    let mut new_id = vec![0u32; positions.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old as usize] = new as u32;
    }
    let positions = order.iter().map(|&old| positions[old as usize]).collect();
    let edges = edges
        .into_iter()
        .map(|e| Edge {
            a: NodeId(new_id[e.a.index()]),
            b: NodeId(new_id[e.b.index()]),
            ..e
        })
        .collect();
    (positions, edges)
}

/// What a sea route is asked between, and which passages it must not use.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, Serialize)]
pub struct SeaQuery {
    pub from: LonLat,
    pub to: LonLat,
    #[serde(default = "default_avoid")]
    pub avoid: PassageSet,
}

fn default_avoid() -> PassageSet {
    PassageSet::ARCTIC
}

impl SeaQuery {
    /// A query avoiding the Arctic passages, which ordinary container ships cannot use most
    /// of the year; say so explicitly with [`SeaQuery::avoiding`] to open them.
    pub fn new(from: LonLat, to: LonLat) -> Self {
        Self {
            from,
            to,
            avoid: default_avoid(),
        }
    }

    #[must_use]
    pub fn avoiding(mut self, avoid: PassageSet) -> Self {
        self.avoid = avoid;
        self
    }
}

/// A route over the sea-lane network between two positions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeaRoute {
    /// Length over the lanes, between the snapped nodes.
    pub network_km: f64,
    /// Where the origin and destination joined the network, and how far away they were.
    pub origin: Snap,
    pub destination: Snap,
    /// The nodes from origin to destination.
    pub nodes: Vec<NodeId>,
    /// The line from the origin position through the lanes to the destination position,
    /// longitudes unwrapped to stay continuous across the antimeridian.
    pub geometry: Vec<LonLat>,
    pub passages: PassageSet,
    /// Nodes the search settled.
    pub settled: usize,
}

impl SeaRoute {
    /// Lanes plus the straight legs from the positions to the network.
    pub fn total_km(&self) -> f64 {
        self.network_km + self.origin.distance_km + self.destination.distance_km
    }
}

/// The shortest sea route for a query. Positions snap to the nearest network node; an
/// unreachable destination is an [`Error::Unreachable`] that says what blocks it.
pub fn route(
    net: &SeaNetwork,
    query: &SeaQuery,
    space: &mut SearchSpace,
) -> Result<SeaRoute, Error> {
    let snap = |p: LonLat, what: &str| {
        net.snap(p).ok_or_else(|| {
            Error::InvalidQuery(format!(
                "{what} ({}, {}) is not a valid position",
                p.lon, p.lat
            ))
        })
    };
    let origin = snap(query.from, "origin")?;
    let destination = snap(query.to, "destination")?;
    let Some(path) = shortest_path(
        &net.graph,
        net.landmarks_for(query.avoid),
        origin.node,
        destination.node,
        query.avoid,
        space,
    ) else {
        return Err(explain_unreachable(
            net,
            query,
            origin.node,
            destination.node,
            space,
        ));
    };
    let mut geometry = Vec::with_capacity(path.nodes.len() + 2);
    if origin.distance_km > 0.0 {
        geometry.push(query.from);
    }
    geometry.extend(path.nodes.iter().filter_map(|v| net.position(*v)));
    if destination.distance_km > 0.0 {
        geometry.push(query.to);
    }
    unwrap_longitudes(&mut geometry);
    Ok(SeaRoute {
        network_km: path.length_km,
        origin,
        destination,
        nodes: path.nodes,
        geometry,
        passages: path.passages,
        settled: path.settled,
    })
}

fn explain_unreachable(
    net: &SeaNetwork,
    query: &SeaQuery,
    from: NodeId,
    to: NodeId,
    space: &mut SearchSpace,
) -> Error {
    let open = shortest_path(
        &net.graph,
        net.landmarks_for(PassageSet::EMPTY),
        from,
        to,
        PassageSet::EMPTY,
        space,
    );
    let cause = match open {
        Some(path) => Blockage::Passages {
            blocking: path.passages.intersection(query.avoid),
            open_route_km: path.length_km,
        },
        None => {
            let size = |v: NodeId| {
                net.components
                    .of(v)
                    .and_then(|c| net.components.sizes().get(c))
                    .copied()
            };
            Blockage::Disconnected {
                origin_part_nodes: size(from).unwrap_or(0),
                destination_part_nodes: size(to).unwrap_or(0),
            }
        }
    };
    Error::Unreachable(Box::new(Unreachable {
        from: query.from,
        to: query.to,
        avoid: query.avoid,
        cause,
    }))
}

/// A port from the port list, snapped to the network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Port {
    /// UN/LOCODE, e.g. `CNSHA`. Not unique in the source list (a few codes repeat).
    pub locode: String,
    pub name: String,
    pub country: String,
    pub position: LonLat,
    pub snap: Snap,
}

/// Ports with look-up by UN/LOCODE or name.
#[derive(Debug, Clone, Default)]
pub struct Ports {
    ports: Vec<Port>,
    by_key: HashMap<String, usize>,
}

/// A port as listed, before snapping.
#[derive(Debug, Clone, PartialEq)]
pub struct PortRecord {
    pub locode: String,
    pub name: String,
    pub country: String,
    pub position: LonLat,
}

impl Ports {
    /// Snaps each port to its nearest node. The first port listed under a code or a name
    /// keeps it for look-up.
    pub fn snap(net: &SeaNetwork, records: Vec<PortRecord>) -> Ports {
        let mut ports = Vec::with_capacity(records.len());
        let mut by_key = HashMap::new();
        for r in records {
            // Records are validated when read; a position that still cannot snap is skipped.
            let Some(snap) = net.snap(r.position) else {
                continue;
            };
            let i = ports.len();
            by_key.entry(r.locode.to_ascii_uppercase()).or_insert(i);
            by_key.entry(r.name.to_lowercase()).or_insert(i);
            ports.push(Port {
                locode: r.locode,
                name: r.name,
                country: r.country,
                position: r.position,
                snap,
            });
        }
        Ports { ports, by_key }
    }

    /// A port by UN/LOCODE (`CNSHA`) or by name (`Shanghai`), case-insensitively.
    pub fn find(&self, key: &str) -> Option<&Port> {
        let key = key.trim();
        self.by_key
            .get(&key.to_ascii_uppercase())
            .or_else(|| self.by_key.get(&key.to_lowercase()))
            .and_then(|&i| self.ports.get(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Port> {
        self.ports.iter()
    }

    pub fn len(&self) -> usize {
        self.ports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(feature: usize, passage: Option<Passage>, pts: &[(f64, f64)]) -> Lane {
        Lane {
            feature,
            passage,
            points: pts.iter().map(|&(x, y)| LonLat::new(x, y)).collect(),
        }
    }

    #[test]
    fn joins_lanes_across_the_antimeridian() -> Result<(), Error> {
        // A lane drawn east of 180° and one drawn west of -180° meet at 180° = -180°.
        let net = SeaNetwork::from_lanes(&[
            lane(0, None, &[(170.0, 50.0), (180.0, 50.0)]),
            lane(1, None, &[(-180.0, 50.0), (-170.0, 50.0)]),
            lane(2, Some(Passage::Bering), &[(190.0, 50.0), (190.0, 55.0)]),
        ])?;
        assert_eq!(net.node_count(), 4);
        assert_eq!(net.components().count(), 1);
        let mut space = SearchSpace::new();
        let q = SeaQuery::new(LonLat::new(170.0, 50.0), LonLat::new(-170.0, 55.0));
        let r = route(&net, &q, &mut space)?;
        assert!(r.passages.contains(Passage::Bering));
        assert!(
            (r.network_km - (2.0 * 714.7 + 556.0)).abs() < 2.0,
            "{}",
            r.network_km
        );
        // The geometry stays continuous: no 360° jump.
        assert!(
            r.geometry
                .windows(2)
                .all(|w| (w[1].lon - w[0].lon).abs() <= 180.0)
        );
        Ok(())
    }

    #[test]
    fn explains_what_blocks() -> Result<(), Error> {
        let net = SeaNetwork::from_lanes(&[
            lane(0, Some(Passage::Suez), &[(30.0, 30.0), (32.0, 30.0)]),
            lane(1, None, &[(32.0, 30.0), (34.0, 30.0)]),
            lane(2, None, &[(0.0, 0.0), (1.0, 0.0)]),
        ])?;
        let mut space = SearchSpace::new();
        let q = SeaQuery::new(LonLat::new(30.0, 30.0), LonLat::new(34.0, 30.0))
            .avoiding(PassageSet::of(&[Passage::Suez, Passage::Panama]));
        let err = route(&net, &q, &mut space).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("every route passes suez;"), "{msg}");
        let q = SeaQuery::new(LonLat::new(30.0, 30.0), LonLat::new(0.5, 0.1));
        let msg = route(&net, &q, &mut space).unwrap_err().to_string();
        assert!(
            msg.contains("unconnected parts of the network (3 and 2 nodes)"),
            "{msg}"
        );
        let q = SeaQuery::new(LonLat::new(f64::NAN, 0.0), LonLat::new(0.5, 0.1));
        assert!(matches!(
            route(&net, &q, &mut space),
            Err(Error::InvalidQuery(_))
        ));
        Ok(())
    }
}
