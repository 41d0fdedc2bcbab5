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
}

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
        Ok(Graph {
            first_out,
            edges: out,
        })
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
