//! Snapping a position to the nearest network node.
//!
//! A static k-d tree over the nodes' unit vectors: the nearest point by chord is the nearest
//! by great-circle distance, with no special case for the antimeridian or the poles (a
//! longitude/latitude tree would think 179.9°E and 179.9°W are far apart).

use crate::geo::{LonLat, chord_to_km};
use crate::graph::NodeId;

/// The nearest node to a position and the great-circle distance to it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Snap {
    pub node: NodeId,
    pub distance_km: f64,
}

#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    /// The tree, implicit in the order: each range's middle element splits it on the axis
    /// `depth % 3`.
    items: Vec<([f64; 3], u32)>,
}

impl NodeIndex {
    /// Indexes `positions`, node `i` being `positions[i]`. Invalid positions are left out.
    pub fn new(positions: &[LonLat]) -> Self {
        let mut items: Vec<([f64; 3], u32)> = positions
            .iter()
            .zip(0u32..)
            .filter(|(p, _)| p.is_valid())
            .map(|(p, i)| (p.unit_vector(), i))
            .collect();
        build(&mut items, 0);
        Self { items }
    }

    /// The nearest node, or `None` when the index is empty or the position invalid.
    pub fn nearest(&self, p: LonLat) -> Option<Snap> {
        if !p.is_valid() || self.items.is_empty() {
            return None;
        }
        let q = p.unit_vector();
        let mut best = (f64::INFINITY, u32::MAX);
        nearest(&self.items, 0, &q, &mut best);
        (best.1 != u32::MAX).then(|| Snap {
            node: NodeId(best.1),
            distance_km: chord_to_km(best.0.sqrt()),
        })
    }
}

fn build(items: &mut [([f64; 3], u32)], depth: usize) {
    if items.len() <= 1 {
        return;
    }
    let axis = depth % 3;
    let mid = items.len() / 2;
    items.select_nth_unstable_by(mid, |a, b| a.0[axis].total_cmp(&b.0[axis]));
    let (left, right) = items.split_at_mut(mid);
    build(left, depth + 1);
    build(&mut right[1..], depth + 1);
}

fn nearest(items: &[([f64; 3], u32)], depth: usize, q: &[f64; 3], best: &mut (f64, u32)) {
    if items.is_empty() {
        return;
    }
    let axis = depth % 3;
    let mid = items.len() / 2;
    let (p, id) = items[mid];
    let d2 = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2);
    // Ties go to the lower node id so that snapping does not depend on the tree's shape.
    if d2 < best.0 || (d2 == best.0 && id < best.1) {
        *best = (d2, id);
    }
    let diff = q[axis] - p[axis];
    let (near, far) = if diff < 0.0 {
        (&items[..mid], &items[mid + 1..])
    } else {
        (&items[mid + 1..], &items[..mid])
    };
    nearest(near, depth + 1, q, best);
    if diff * diff <= best.0 {
        nearest(far, depth + 1, q, best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::haversine_km;

    #[test]
    fn matches_brute_force() {
        // A deterministic scatter, including points on both sides of the antimeridian.
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let nodes: Vec<LonLat> = (0..500)
            .map(|_| LonLat::new(next() * 360.0 - 180.0, next() * 170.0 - 85.0))
            .collect();
        let index = NodeIndex::new(&nodes);
        for _ in 0..300 {
            let q = LonLat::new(next() * 360.0 - 180.0, next() * 180.0 - 90.0);
            let snap = index.nearest(q).expect("non-empty index");
            let brute = nodes
                .iter()
                .map(|n| haversine_km(q, *n))
                .fold(f64::INFINITY, f64::min);
            assert!(
                (snap.distance_km - brute).abs() < 1e-6,
                "{q:?}: {snap:?} vs {brute}"
            );
        }
    }

    #[test]
    fn antimeridian_neighbours() {
        let index = NodeIndex::new(&[LonLat::new(179.9, 0.0), LonLat::new(0.0, 0.0)]);
        let snap = index
            .nearest(LonLat::new(-179.9, 0.0))
            .expect("non-empty index");
        assert_eq!(snap.node, NodeId(0));
        assert!(snap.distance_km < 23.0);
        assert!(NodeIndex::new(&[]).nearest(LonLat::new(0.0, 0.0)).is_none());
        assert!(index.nearest(LonLat::new(f64::NAN, 0.0)).is_none());
    }
}
