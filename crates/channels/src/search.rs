//! Shortest paths over a [`Graph`], with passages that a query may block.
//!
//! The point-to-point search is A* with ALT lower bounds (A*, Landmarks, Triangle
//! inequality; Goldberg & Harrelson 2005). For a few landmark nodes `L` we store the
//! distance from `L` to every node; then for any nodes `v`, `t`, `|d(L,t) − d(L,v)| ≤ d(v,t)`.
//! The bounds are computed once, on the whole network; a query that blocks passages only
//! removes edges, which can only lengthen distances, so the bounds stay valid lower bounds
//! and the search stays exact. On a sea network the great-circle bound is weak (Shanghai →
//! Rotterdam sails 2.2 × the great circle) while landmark bounds are close to the truth,
//! which is why the search settles a few hundred nodes instead of the whole ocean.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::graph::{Graph, NodeId};
use crate::passage::PassageSet;

/// Most landmarks a [`Landmarks`] holds. Rows have this fixed size so that the bound of a
/// node is a handful of vector instructions over one 64-byte cache line.
pub const MAX_LANDMARKS: usize = 16;

type Row = [f32; MAX_LANDMARKS];

/// Landmark distances for ALT bounds, stored node-major so one node's bounds are adjacent.
///
/// Distances are kept as `f32` to halve the memory a search touches; the rounding (at most
/// 2⁻²⁴ of the largest distance per value) is subtracted from every bound as `slack`, so a
/// bound never exceeds the true distance and the search stays exact.
#[derive(Debug, Clone, Default)]
pub struct Landmarks {
    nodes: Vec<NodeId>,
    /// `rows[v][i]`: distance from landmark `i` to node `v`; 0 where the landmark does not
    /// reach `v` (another part of the network) and for unused slots, which bounds nothing.
    rows: Vec<Row>,
    /// The connected part of each node: across parts there is no path at all.
    part: Vec<u32>,
    slack: f32,
    /// The passages closed when the distances were computed. The bounds hold for a query
    /// that avoids at least these (it uses a subgraph); for any other query they could
    /// overestimate, so [`shortest_path`] then ignores them.
    avoid: PassageSet,
}

impl Landmarks {
    /// No landmarks: the search is then plain Dijkstra.
    pub fn none() -> Self {
        Self::default()
    }

    /// Chooses up to `count` (at most [`MAX_LANDMARKS`]) landmarks by farthest-point
    /// selection (each new landmark is the node farthest from those chosen so far) and
    /// computes their distances. Landmarks on the rim of the network give the tightest
    /// bounds.
    ///
    /// The distances are computed with the `avoid` passages closed. Bounds computed with a
    /// passage open are weak for queries that close it: with the Arctic open, Shanghai →
    /// Rotterdam is bounded by the 15,500 km Arctic route while the Suez route is 19,600 km,
    /// and the search must explore every node within the difference.
    pub fn choose(graph: &Graph, count: usize, avoid: PassageSet) -> Self {
        let n = graph.node_count();
        let count = count.min(n).min(MAX_LANDMARKS);
        let parts = graph.components_avoiding(avoid);
        let part: Vec<u32> = (0..n)
            .map(|v| parts.of(NodeId(v as u32)).unwrap_or(0) as u32)
            .collect();
        let mut nodes: Vec<NodeId> = Vec::with_capacity(count);
        let mut rows = vec![[0.0f32; MAX_LANDMARKS]; n];
        let mut largest = 0.0f64;
        // All landmarks go to the largest part: closing passages can cut off small pockets
        // (an Arctic coast, a lagoon), and a search inside a pocket is cheap anyway, while
        // a landmark spent there would bound nothing in the main network.
        let main = (0..parts.count()).max_by_key(|c| parts.sizes()[*c]);
        let seed = main.and_then(|c| part.iter().position(|p| *p as usize == c));
        // Closest distance from each node to any chosen landmark (infinite off the main part,
        // where `farthest` never looks).
        let mut nearest = vec![f64::INFINITY; n];
        // Seed: the node farthest from a node of the main part, which lies on its rim.
        let mut next = seed.and_then(|s| farthest(&distances_from(graph, NodeId(s as u32), avoid)));
        while let Some(l) = next {
            if nodes.len() == count {
                break;
            }
            let i = nodes.len();
            let dist = distances_from(graph, l, avoid);
            for (v, d) in dist.iter().enumerate() {
                nearest[v] = nearest[v].min(*d);
                if d.is_finite() {
                    rows[v][i] = *d as f32;
                    largest = largest.max(*d);
                }
            }
            nodes.push(l);
            next = farthest(&nearest).filter(|v| !nodes.contains(v));
        }
        // Each of the two values in a difference may be off by half an f32 ulp of the
        // largest distance; twice a whole ulp (2⁻²³) covers both with room to spare.
        let slack = (2.0 * largest * f64::from(f32::EPSILON)) as f32;
        Self {
            nodes,
            rows,
            part,
            slack,
            avoid,
        }
    }

    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The passages closed when the bounds were computed.
    pub fn avoid(&self) -> PassageSet {
        self.avoid
    }

    /// Whether the bounds are valid for a query avoiding `avoid`.
    pub fn valid_for(&self, avoid: PassageSet) -> bool {
        avoid.contains_all(self.avoid)
    }

    /// A lower bound on the distance from `v` to the target described by `target`.
    #[inline]
    fn bound(&self, v: usize, target: &Target) -> f64 {
        let (Some(row), Some(&part)) = (self.rows.get(v), self.part.get(v)) else {
            return 0.0;
        };
        if part != target.part {
            return f64::INFINITY;
        }
        let mut h = 0.0f32;
        for (a, b) in row.iter().zip(&target.row) {
            let d = (a - b).abs();
            // Written as a comparison, not f32::max, so that it compiles to vector max.
            if d > h {
                h = d;
            }
        }
        f64::from((h - self.slack).max(0.0))
    }

    fn target(&self, t: usize) -> Target {
        Target {
            row: self.rows.get(t).copied().unwrap_or([0.0; MAX_LANDMARKS]),
            part: self.part.get(t).copied().unwrap_or(0),
        }
    }
}

/// The target's landmark row and part, copied once per query.
#[derive(Debug, Clone, Copy, Default)]
struct Target {
    row: Row,
    part: u32,
}

fn farthest(dist: &[f64]) -> Option<NodeId> {
    dist.iter()
        .enumerate()
        .filter(|(_, d)| d.is_finite())
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(v, _)| NodeId(v as u32))
}

/// Distances from `source` to every node (infinite where unreachable), avoiding the edges of
/// the given passages: Dijkstra with a binary heap, the reference the faster search is
/// tested against.
pub fn distances_from(graph: &Graph, source: NodeId, avoid: PassageSet) -> Vec<f64> {
    let n = graph.node_count();
    let mut dist = vec![f64::INFINITY; n];
    if !graph.contains(source) {
        return dist;
    }
    let mut heap = BinaryHeap::new();
    dist[source.index()] = 0.0;
    heap.push(Entry::new(0.0, source.0));
    let edges = graph.edges();
    while let Some(entry) = heap.pop() {
        let (g, u) = (entry.key(), entry.node as usize);
        if g > dist[u] {
            continue;
        }
        for e in &edges[graph.edge_range(u)] {
            if e.passages.intersects(avoid) {
                continue;
            }
            let nd = g + e.length_km;
            let v = e.head as usize;
            if nd < dist[v] {
                dist[v] = nd;
                heap.push(Entry::new(nd, e.head));
            }
        }
    }
    dist
}

/// A shortest path between two nodes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Path {
    pub length_km: f64,
    /// The nodes from origin to destination, both included.
    pub nodes: Vec<NodeId>,
    /// The directed edges taken, in order (one fewer than the nodes).
    pub edges: Vec<u32>,
    /// The passages the path goes through.
    pub passages: PassageSet,
    /// Nodes the search settled: a measure of its work.
    pub settled: usize,
}

/// Working memory of a search, reused between queries so that a query costs what it
/// visits, not the size of the network. Entries are valid only when stamped with the
/// current generation, which makes resetting O(1).
#[derive(Debug, Default)]
pub struct SearchSpace {
    dist: Vec<f64>,
    bound: Vec<f64>,
    parent_edge: Vec<u32>,
    parent: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    heap: QuadHeap,
}

impl SearchSpace {
    pub fn new() -> Self {
        Self::default()
    }

    fn reset(&mut self, n: usize) {
        if self.stamp.len() < n {
            self.dist.resize(n, f64::INFINITY);
            self.bound.resize(n, 0.0);
            self.parent_edge.resize(n, u32::MAX);
            self.parent.resize(n, u32::MAX);
            self.stamp.resize(n, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // After four billion queries the stamps wrap: clear them once.
            self.stamp.fill(0);
            self.generation = 1;
        }
        self.heap.clear();
    }
}

/// Shortest path from `from` to `to` not using edges of the `avoid` passages; `None` when
/// there is none (or a node is not in the graph). Exact: the length equals plain
/// Dijkstra's (up to floating-point rounding in the order of additions).
pub fn shortest_path(
    graph: &Graph,
    landmarks: &Landmarks,
    from: NodeId,
    to: NodeId,
    avoid: PassageSet,
    space: &mut SearchSpace,
) -> Option<Path> {
    if !graph.contains(from) || !graph.contains(to) {
        return None;
    }
    // Bounds computed with more passages closed than this query closes could overestimate.
    let none = Landmarks::none();
    let landmarks = if landmarks.valid_for(avoid) {
        landmarks
    } else {
        &none
    };
    space.reset(graph.node_count());
    let generation = space.generation;
    let target = landmarks.target(to.index());
    let edges = graph.edges();
    let (jumps, jump_chain) = (graph.jumps(), graph.jump_chain());
    let t = to.index();
    let target_chain = graph.chain_of(to);

    let s = from.index();
    let h = landmarks.bound(s, &target);
    if h.is_infinite() {
        return None;
    }
    space.stamp[s] = generation;
    space.dist[s] = 0.0;
    space.bound[s] = h;
    space.parent[s] = u32::MAX;
    space.heap.push(Entry::new(h, from.0));
    let mut settled = 0usize;
    let mut reached = false;
    while let Some(entry) = space.heap.pop() {
        let (key, node) = (entry.key(), entry.node);
        let u = node as usize;
        let g = space.dist[u];
        // A current entry's key is exactly dist + bound, computed the same way when it was
        // pushed; a larger key is stale (u was reached more cheaply since).
        if key > g + space.bound[u] {
            continue;
        }
        settled += 1;
        if u == to.index() {
            reached = true;
            break;
        }
        let range = graph.edge_range(u);
        for id in range {
            // Take the chain in one step, unless the target is inside it.
            let e = if jump_chain[id] != target_chain {
                &jumps[id]
            } else {
                &edges[id]
            };
            if e.passages.intersects(avoid) {
                continue;
            }
            let v = e.head as usize;
            // A dead end leads nowhere but back: only the target is worth reaching there.
            if v != t && graph.degree(v) == 1 {
                continue;
            }
            let nd = g + e.length_km;
            let fresh = space.stamp[v] != generation;
            if fresh {
                space.stamp[v] = generation;
                space.bound[v] = landmarks.bound(v, &target);
            } else if nd >= space.dist[v] {
                continue;
            }
            let hv = space.bound[v];
            if hv.is_infinite() {
                // v cannot reach the target; never expand it.
                space.dist[v] = f64::INFINITY;
                continue;
            }
            space.dist[v] = nd;
            space.parent[v] = node;
            space.parent_edge[v] = id as u32;
            space.heap.push(Entry::new(nd + hv, e.head));
        }
    }
    if !reached {
        return None;
    }
    let mut nodes = vec![to];
    let mut path_edges = Vec::new();
    let mut passages = PassageSet::EMPTY;
    let mut v = to.index();
    let mut segment: Vec<(u32, u32)> = Vec::new();
    while v != s {
        let first = space.parent_edge[v];
        let u = space.parent[v];
        // The edge taken from u: one edge, or a whole chain walked again to list its nodes.
        segment.clear();
        let (mut prev, mut id) = (u, first);
        // A chain is at most every node long; the bound only guards against a broken graph.
        for _ in 0..=graph.node_count() {
            let Some(edge) = graph.edge(id) else { break };
            segment.push((id, edge.head));
            if edge.head as usize == v {
                break;
            }
            let next = graph.chain_next(edge.head as usize, prev);
            prev = edge.head;
            id = next;
        }
        for &(id, head) in segment.iter().rev() {
            path_edges.push(id);
            if let Some(edge) = graph.edge(id) {
                passages = passages.union(edge.passages);
            }
            if head as usize != v {
                nodes.push(NodeId(head));
            }
        }
        v = u as usize;
        nodes.push(NodeId(u));
    }
    nodes.reverse();
    path_edges.reverse();
    Some(Path {
        length_km: space.dist[to.index()],
        nodes,
        edges: path_edges,
        passages,
        settled,
    })
}

/// A 4-ary min-heap of entries. Against `BinaryHeap` it halves the depth, and a node's four
/// children share one or two cache lines: the A* spends most of its time in the heap.
#[derive(Debug, Default)]
struct QuadHeap {
    items: Vec<Entry>,
}

impl QuadHeap {
    fn clear(&mut self) {
        self.items.clear();
    }

    #[inline]
    fn push(&mut self, e: Entry) {
        let mut i = self.items.len();
        self.items.push(e);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.items[parent].before(&e) {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = e;
    }

    #[inline]
    fn pop(&mut self) -> Option<Entry> {
        let top = *self.items.first()?;
        let last = self.items.pop()?;
        let n = self.items.len();
        if n == 0 {
            return Some(top);
        }
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let end = (first + 4).min(n);
            let mut best = first;
            for c in first + 1..end {
                if self.items[c].before(&self.items[best]) {
                    best = c;
                }
            }
            if last.before(&self.items[best]) {
                break;
            }
            self.items[i] = self.items[best];
            i = best;
        }
        self.items[i] = last;
        Some(top)
    }
}

/// A heap entry; ordered so that `BinaryHeap` (a max-heap) pops the smallest key first.
///
/// The key is stored as the bits of a non-negative `f64`, whose order as an unsigned
/// integer is the order of the numbers: the heap then compares integers, which is what
/// most of a search's time goes to. 16 bytes: the distance so far is not stored, it is read
/// from the search space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key_bits: u64,
    node: u32,
}

impl Entry {
    /// `key` must be non-negative (distances and bounds are); NaN never gets here because
    /// lengths are checked finite when the graph is built.
    #[inline]
    fn new(key: f64, node: u32) -> Self {
        debug_assert!(key >= 0.0, "heap keys are non-negative, got {key}");
        // `+ 0.0` turns a -0.0 into +0.0, whose bits order correctly.
        Self {
            key_bits: (key + 0.0).to_bits(),
            node,
        }
    }

    #[inline]
    fn key(self) -> f64 {
        f64::from_bits(self.key_bits)
    }

    /// Whether this entry comes out of a min-heap before `other`: smaller key, ties by node.
    #[inline]
    fn before(&self, other: &Entry) -> bool {
        (self.key_bits, self.node) < (other.key_bits, other.node)
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        // Smallest key first; ties by node so that the order is deterministic.
        other
            .key_bits
            .cmp(&self.key_bits)
            .then(other.node.cmp(&self.node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Edge;
    use crate::passage::Passage;

    fn edge(a: u32, b: u32, km: f64, passages: PassageSet) -> Edge {
        Edge {
            a: NodeId(a),
            b: NodeId(b),
            length_km: km,
            passages,
        }
    }

    /// A square with a diagonal through Suez and two islands.
    fn small() -> Graph {
        let suez = PassageSet::of(&[Passage::Suez]);
        Graph::from_undirected(
            6,
            &[
                edge(0, 1, 1.0, PassageSet::EMPTY),
                edge(1, 2, 1.0, PassageSet::EMPTY),
                edge(2, 3, 1.0, PassageSet::EMPTY),
                edge(0, 3, 10.0, PassageSet::EMPTY),
                edge(0, 2, 1.5, suez),
                edge(4, 5, 1.0, PassageSet::EMPTY),
            ],
        )
        .expect("valid graph")
    }

    #[test]
    fn finds_and_avoids() {
        let g = small();
        let mut space = SearchSpace::new();
        for landmarks in [
            Landmarks::none(),
            Landmarks::choose(&g, 3, PassageSet::EMPTY),
            // Bounds for a graph without Suez: ignored when a query opens Suez.
            Landmarks::choose(&g, 3, PassageSet::of(&[Passage::Suez])),
        ] {
            let p = shortest_path(
                &g,
                &landmarks,
                NodeId(0),
                NodeId(3),
                PassageSet::EMPTY,
                &mut space,
            )
            .expect("reachable");
            assert_eq!(p.length_km, 2.5);
            assert_eq!(p.nodes, vec![NodeId(0), NodeId(2), NodeId(3)]);
            assert_eq!(p.passages, PassageSet::of(&[Passage::Suez]));
            let avoid = PassageSet::of(&[Passage::Suez]);
            let p = shortest_path(&g, &landmarks, NodeId(0), NodeId(3), avoid, &mut space)
                .expect("reachable");
            assert_eq!(p.length_km, 3.0);
            assert_eq!(p.nodes.len(), 4);
            assert!(p.passages.is_empty());
            assert!(
                shortest_path(&g, &landmarks, NodeId(0), NodeId(5), avoid, &mut space).is_none()
            );
            let p = shortest_path(&g, &landmarks, NodeId(4), NodeId(4), avoid, &mut space)
                .expect("trivial");
            assert_eq!((p.length_km, p.nodes.len()), (0.0, 1));
            assert!(
                shortest_path(&g, &landmarks, NodeId(0), NodeId(60), avoid, &mut space).is_none()
            );
        }
    }

    #[test]
    fn landmarks_go_to_the_main_part_on_its_rim() {
        let g = small();
        let l = Landmarks::choose(&g, 2, PassageSet::EMPTY);
        let parts = g.components();
        assert!(l.nodes().iter().all(|v| parts.of(*v) == Some(0)));
        // Node 3 is the farthest from node 0, then node 0 the farthest from node 3.
        assert_eq!(l.nodes(), &[NodeId(3), NodeId(0)]);
        assert!(l.valid_for(PassageSet::ARCTIC) && l.valid_for(PassageSet::EMPTY));
        let l = Landmarks::choose(&g, 2, PassageSet::ARCTIC);
        assert!(!l.valid_for(PassageSet::EMPTY));
    }
}
