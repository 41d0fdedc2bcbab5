//! Shortest-path trees (Dijkstra with a binary heap) over per-link costs, respecting zones
//! that may not be passed through, and the all-or-nothing loading of one origin's row onto
//! its tree.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::demand::Row;
use crate::graph::{Graph, NONE};

/// A shortest-path tree from one origin. Buffers are reused between origins.
#[derive(Debug, Clone)]
pub struct Tree {
    pub dist: Vec<f64>,
    /// The link by which each node is reached; `NONE` for the origin and unreached nodes.
    pub pred: Vec<u32>,
    /// Reached nodes in the order they were settled (a topological order of the tree).
    pub order: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Tree {
    pub fn new(nodes: usize) -> Tree {
        Tree {
            dist: vec![f64::INFINITY; nodes],
            pred: vec![NONE; nodes],
            order: Vec::with_capacity(nodes),
            heap: BinaryHeap::with_capacity(nodes),
        }
    }

    /// Grows the tree from `origin` over `cost` (per link, ≥ 0; `+∞` for a closed link).
    pub fn grow(&mut self, g: &Graph, cost: &[f64], origin: u32) {
        self.dist.fill(f64::INFINITY);
        self.pred.fill(NONE);
        self.order.clear();
        self.heap.clear();
        self.dist[origin as usize] = 0.0;
        // Non-negative f64s order like their bit patterns, which makes a cheap integer key.
        self.heap.push(Reverse((0f64.to_bits(), origin)));
        while let Some(Reverse((key, v))) = self.heap.pop() {
            let d = f64::from_bits(key);
            if d > self.dist[v as usize] {
                continue;
            }
            self.order.push(v);
            if !g.passable(v, origin) {
                continue;
            }
            for &a in g.outgoing(v) {
                let nd = d + cost[a as usize];
                let w = g.to(a) as usize;
                if nd < self.dist[w] {
                    self.dist[w] = nd;
                    self.pred[w] = a;
                    self.heap.push(Reverse((nd.to_bits(), w as u32)));
                }
            }
        }
    }
}

/// What loading one row onto a tree gave besides link volumes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// Σ amount × shortest-path cost over the cells that could be routed.
    pub cost: f64,
    /// Cells with no path: (destination, amount).
    pub unserved: Vec<(u32, f64)>,
}

/// Adds `row`'s amounts × `scale` to `volume` along the tree (which must have been grown from
/// `row.origin`). `node_load` is a scratch buffer of the number of nodes, left zeroed.
pub fn load(
    g: &Graph,
    tree: &Tree,
    row: &Row,
    scale: f64,
    volume: &mut [f64],
    node_load: &mut [f64],
) -> Loaded {
    let mut out = Loaded::default();
    for &(d, v) in &row.cells {
        let dist = tree.dist[d as usize];
        if dist.is_finite() {
            node_load[d as usize] += v;
            out.cost += v * dist;
        } else {
            out.unserved.push((d, v));
        }
    }
    // Settling order is topological: pushing each node's load to its predecessor in reverse
    // order visits every tree link once.
    for &v in tree.order.iter().rev() {
        let here = std::mem::take(&mut node_load[v as usize]);
        if here == 0.0 {
            continue;
        }
        let a = tree.pred[v as usize];
        if a == NONE {
            continue;
        }
        volume[a as usize] += here * scale;
        node_load[g.from(a) as usize] += here;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn zones_are_not_passed_through() -> Result<(), Error> {
        // 0 and 1 are zones; 0→1→2 is cheap but passes zone 1; 0→2 direct is dear.
        let g = Graph::new(3, 2, 2, &[(0, 1), (1, 2), (0, 2)])?;
        let mut t = Tree::new(3);
        t.grow(&g, &[1.0, 1.0, 5.0], 0);
        assert_eq!(t.dist, vec![0.0, 1.0, 5.0]);
        let g = Graph::new(3, 2, 0, &[(0, 1), (1, 2), (0, 2)])?;
        t.grow(&g, &[1.0, 1.0, 5.0], 0);
        assert_eq!(t.dist[2], 2.0);
        let mut vol = vec![0.0; 3];
        let mut scratch = vec![0.0; 3];
        let row = Row {
            origin: 0,
            cells: vec![(1, 10.0), (2, 4.0)],
        };
        let l = load(&g, &t, &row, 1.0, &mut vol, &mut scratch);
        assert_eq!(vol, vec![14.0, 4.0, 0.0]);
        assert_eq!(l.cost, 10.0 + 8.0);
        assert!(scratch.iter().all(|v| *v == 0.0));
        Ok(())
    }
}
