//! The network as a compact graph: compressed sparse rows (CSR) of directed edges.
//!
//! Nodes are dense indices `0..n`; the edges leaving node `v` are
//! `edges[first_out[v]..first_out[v + 1]]`. One directed edge is 16 bytes (head, passages,
//! length), so a search walks contiguous memory. Attributes a search does not need on every
//! relaxation (geometry, names, tariffs) live outside, indexed by node or edge id.

use serde::Serialize;

use crate::error::Error;
use crate::passage::PassageSet;

/// A node: an index into the graph's node arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// An undirected edge as given to [`Graph::from_undirected`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: NodeId,
    pub b: NodeId,
    pub length_km: f64,
    /// Passages this edge belongs to; a query that avoids one of them cannot use the edge.
    pub passages: PassageSet,
}

/// One direction of an edge, as stored in the CSR arrays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirectedEdge {
    pub head: u32,
    pub passages: PassageSet,
    pub length_km: f64,
}

#[derive(Debug, Clone)]
pub struct Graph {
    first_out: Vec<u32>,
    edges: Vec<DirectedEdge>,
    /// For each directed edge, the edge as the search takes it: when its head is the inside of
    /// a chain (a node with exactly two distinct neighbours, as along a sea lane), the whole
    /// chain up to the next node that is not, with the summed length and the union of the
    /// passages; otherwise the edge itself. A third of the sea-lane nodes are such insides,
    /// and a search that skips them settles a third fewer nodes.
    jumps: Vec<DirectedEdge>,
    /// The chain a jump runs along (`NO_CHAIN` for an ordinary edge): a search to a node
    /// inside that chain must walk it edge by edge instead, to stop at the node.
    jump_chain: Vec<u32>,
    /// The chain a node is inside of, or `NO_CHAIN`.
    chain_of: Vec<u32>,
}

/// No chain: the node is not inside one, or the edge does not enter one.
pub const NO_CHAIN: u32 = u32::MAX;

impl Graph {
    /// Builds the graph with both directions of every edge.
    ///
    /// Fails on an edge whose end is not below `node_count` or whose length is negative or
    /// not finite: a search relies on non-negative lengths to be exact.
    pub fn from_undirected(node_count: usize, edges: &[Edge]) -> Result<Graph, Error> {
        // The CSR indices are u32; a network of four billion edges is not a freight network.
        if node_count >= u32::MAX as usize || edges.len() >= (u32::MAX / 2) as usize {
            return Err(Error::InvalidGraph(format!(
                "too large: {node_count} nodes, {} edges",
                edges.len()
            )));
        }
        for (i, e) in edges.iter().enumerate() {
            if e.a.index() >= node_count || e.b.index() >= node_count {
                return Err(Error::InvalidGraph(format!(
                    "edge {i} joins node {} and node {}, but there are {node_count} nodes",
                    e.a.0, e.b.0
                )));
            }
            if !(e.length_km.is_finite() && e.length_km >= 0.0) {
                return Err(Error::InvalidGraph(format!(
                    "edge {i} has length {} km; lengths must be finite and not negative",
                    e.length_km
                )));
            }
        }
        // Counting sort by tail: degree counts, prefix sums, then placement.
        let mut first_out = vec![0u32; node_count + 1];
        for e in edges {
            first_out[e.a.index() + 1] += 1;
            first_out[e.b.index() + 1] += 1;
        }
        for v in 0..node_count {
            first_out[v + 1] += first_out[v];
        }
        let mut next: Vec<u32> = first_out[..node_count].to_vec();
        let placeholder = DirectedEdge {
            head: 0,
            passages: PassageSet::EMPTY,
            length_km: 0.0,
        };
        let mut out = vec![placeholder; edges.len() * 2];
        let mut place = |tail: NodeId, head: NodeId, e: &Edge| {
            let slot = &mut next[tail.index()];
            out[*slot as usize] = DirectedEdge {
                head: head.0,
                passages: e.passages,
                length_km: e.length_km,
            };
            *slot += 1;
        };
        for e in edges {
            place(e.a, e.b, e);
            place(e.b, e.a, e);
        }
        let mut g = Graph {
            first_out,
            edges: out,
            jumps: Vec::new(),
            jump_chain: Vec::new(),
            chain_of: Vec::new(),
        };
        g.build_jumps();
        Ok(g)
    }

    /// Whether `v` is inside a chain: exactly two edges, to two different nodes other than
    /// itself. (Parallel edges and self-loops disqualify a node: which way it continues
    /// would be ambiguous.)
    fn is_inside(&self, v: usize) -> bool {
        let r = self.edge_range(v);
        if r.len() != 2 {
            return false;
        }
        let (a, b) = (self.edges[r.start].head, self.edges[r.start + 1].head);
        a != b && a as usize != v && b as usize != v
    }

    /// The edge leaving `v` (inside a chain) that does not go back to `prev`.
    pub(crate) fn chain_next(&self, v: usize, prev: u32) -> u32 {
        let r = self.edge_range(v);
        if self.edges[r.start].head == prev {
            r.start as u32 + 1
        } else {
            r.start as u32
        }
    }

    fn build_jumps(&mut self) {
        let n = self.node_count();
        // Label the chains: maximal runs of inside nodes.
        let mut chain_of = vec![NO_CHAIN; n];
        let mut chains = 0u32;
        let mut stack = Vec::new();
        for root in 0..n {
            if chain_of[root] != NO_CHAIN || !self.is_inside(root) {
                continue;
            }
            chain_of[root] = chains;
            stack.push(root);
            while let Some(v) = stack.pop() {
                for e in &self.edges[self.edge_range(v)] {
                    let w = e.head as usize;
                    if chain_of[w] == NO_CHAIN && self.is_inside(w) {
                        chain_of[w] = chains;
                        stack.push(w);
                    }
                }
            }
            chains += 1;
        }
        self.chain_of = chain_of;
        let mut jumps = self.edges.clone();
        let mut jump_chain = vec![NO_CHAIN; self.edges.len()];
        for v in 0..n {
            for id in self.edge_range(v) {
                let first = self.edges[id];
                let chain = self.chain_of[first.head as usize];
                if chain == NO_CHAIN {
                    continue;
                }
                let (mut prev, mut cur) = (v as u32, first.head);
                let (mut length, mut passages) = (first.length_km, first.passages);
                let mut steps = 0usize;
                // A ring made only of inside nodes never ends; the step bound leaves such an
                // edge as it is.
                while self.chain_of[cur as usize] != NO_CHAIN && steps <= n {
                    let next = self.edges[self.chain_next(cur as usize, prev) as usize];
                    length += next.length_km;
                    passages = passages.union(next.passages);
                    prev = cur;
                    cur = next.head;
                    steps += 1;
                }
                if steps > n {
                    continue;
                }
                jumps[id] = DirectedEdge {
                    head: cur,
                    passages,
                    length_km: length,
                };
                jump_chain[id] = chain;
            }
        }
        self.jumps = jumps;
        self.jump_chain = jump_chain;
    }

    pub(crate) fn jumps(&self) -> &[DirectedEdge] {
        &self.jumps
    }

    pub(crate) fn jump_chain(&self) -> &[u32] {
        &self.jump_chain
    }

    /// The chain `v` is inside of, or [`NO_CHAIN`].
    pub fn chain_of(&self, v: NodeId) -> u32 {
        self.chain_of.get(v.index()).copied().unwrap_or(NO_CHAIN)
    }

    /// Number of edges leaving `v`.
    pub fn degree(&self, v: usize) -> usize {
        self.edge_range(v).len()
    }

    pub fn node_count(&self) -> usize {
        self.first_out.len() - 1
    }

    /// Number of directed edges (twice the undirected edges).
    pub fn directed_edge_count(&self) -> usize {
        self.edges.len()
    }

    pub fn contains(&self, v: NodeId) -> bool {
        v.index() < self.node_count()
    }

    /// The edges leaving `v`, with their ids; empty for a node not in the graph.
    pub fn out_edges(&self, v: NodeId) -> impl Iterator<Item = (u32, &DirectedEdge)> {
        let range = self.edge_range(v.index());
        let start = range.start as u32;
        self.edges[range].iter().zip(start..).map(|(e, id)| (id, e))
    }

    /// Index range of the edges leaving node index `v` (empty when out of range).
    pub(crate) fn edge_range(&self, v: usize) -> std::ops::Range<usize> {
        match (self.first_out.get(v), self.first_out.get(v + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    pub(crate) fn edges(&self) -> &[DirectedEdge] {
        &self.edges
    }

    pub fn edge(&self, id: u32) -> Option<&DirectedEdge> {
        self.edges.get(id as usize)
    }

    /// Connected components, treating every edge as usable.
    pub fn components(&self) -> Components {
        self.components_avoiding(PassageSet::EMPTY)
    }

    /// Connected components without the edges of the `avoid` passages.
    pub fn components_avoiding(&self, avoid: PassageSet) -> Components {
        let n = self.node_count();
        let mut label = vec![u32::MAX; n];
        let mut sizes = Vec::new();
        let mut stack = Vec::new();
        for root in 0..n {
            if label[root] != u32::MAX {
                continue;
            }
            let c = sizes.len() as u32;
            let mut size = 0usize;
            label[root] = c;
            stack.push(root);
            while let Some(v) = stack.pop() {
                size += 1;
                for e in &self.edges[self.edge_range(v)] {
                    if e.passages.intersects(avoid) {
                        continue;
                    }
                    let w = e.head as usize;
                    if label[w] == u32::MAX {
                        label[w] = c;
                        stack.push(w);
                    }
                }
            }
            sizes.push(size);
        }
        Components { label, sizes }
    }
}

/// The connected parts of a network: which part each node is in, and their sizes.
#[derive(Debug, Clone)]
pub struct Components {
    label: Vec<u32>,
    sizes: Vec<usize>,
}

impl Components {
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    pub fn of(&self, v: NodeId) -> Option<usize> {
        self.label.get(v.index()).map(|&c| c as usize)
    }

    /// Number of nodes in each part, indexed as [`Components::of`].
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: u32, b: u32, km: f64) -> Edge {
        Edge {
            a: NodeId(a),
            b: NodeId(b),
            length_km: km,
            passages: PassageSet::EMPTY,
        }
    }

    #[test]
    fn csr_holds_both_directions() -> Result<(), Error> {
        let g = Graph::from_undirected(4, &[edge(0, 1, 1.0), edge(1, 2, 2.0), edge(0, 2, 5.0)])?;
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.directed_edge_count(), 6);
        let heads: Vec<u32> = g.out_edges(NodeId(0)).map(|(_, e)| e.head).collect();
        assert_eq!(heads, vec![1, 2]);
        assert_eq!(g.out_edges(NodeId(3)).count(), 0);
        assert_eq!(g.out_edges(NodeId(99)).count(), 0);
        let c = g.components();
        assert_eq!(c.count(), 2);
        assert_eq!(c.sizes(), &[3, 1]);
        Ok(())
    }

    #[test]
    fn rejects_bad_edges() {
        let err = Graph::from_undirected(2, &[edge(0, 2, 1.0)]).unwrap_err();
        assert!(
            err.to_string().contains("edge 0 joins node 0 and node 2"),
            "{err}"
        );
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let err = Graph::from_undirected(2, &[edge(0, 1, bad)]).unwrap_err();
            assert!(err.to_string().contains("edge 0 has length"), "{err}");
        }
    }
}
