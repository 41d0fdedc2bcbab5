//! All-or-nothing: every trip on its current shortest path. Origins are shared out over
//! threads; each thread sums into its own volumes, added up at the end, so the result does
//! not depend on the number of threads beyond floating-point summation order.

use super::{Problem, Unserved};
use crate::search::{Tree, load};

#[derive(Debug, Clone)]
pub struct Loading {
    /// Per class, per link, in demand units (empty vectors when not loading).
    pub class_volume: Vec<Vec<f64>>,
    /// Σ amount × shortest-path cost.
    pub sptt: f64,
    pub unserved: Vec<Unserved>,
}

/// Shortest paths for every row of every class over `costs` (per class, per link); loads the
/// trips onto them when `with_volumes`.
pub fn all_or_nothing(
    p: &Problem,
    costs: &[Vec<f64>],
    threads: usize,
    with_volumes: bool,
) -> Loading {
    let g = &p.graph;
    let tasks: Vec<(usize, usize)> = p
        .classes
        .iter()
        .enumerate()
        .flat_map(|(k, c)| (0..c.matrix.rows().len()).map(move |r| (k, r)))
        .collect();
    let threads = threads.clamp(1, tasks.len().max(1));
    let work = |part: usize| {
        let mut tree = Tree::new(g.nodes());
        let mut scratch = vec![0.0; g.nodes()];
        let mut volume: Vec<Vec<f64>> = p
            .classes
            .iter()
            .map(|_| vec![0.0; if with_volumes { g.links() } else { 0 }])
            .collect();
        let mut sink = vec![0.0; g.links()];
        let mut sptt = 0.0;
        let mut unserved = Vec::new();
        for &(k, r) in tasks.iter().skip(part).step_by(threads) {
            let row = &p.classes[k].matrix.rows()[r];
            tree.grow(g, &costs[k], row.origin);
            let target = if with_volumes {
                &mut volume[k]
            } else {
                &mut sink
            };
            let loaded = load(g, &tree, row, 1.0, target, &mut scratch);
            sptt += loaded.cost;
            unserved.extend(loaded.unserved.into_iter().map(|(d, amount)| Unserved {
                class: k,
                origin: row.origin,
                destination: d,
                amount,
            }));
        }
        (volume, sptt, unserved)
    };
    let parts: Vec<_> = if threads == 1 {
        vec![work(0)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|t| s.spawn(move || work(t))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    let mut out = Loading {
        class_volume: p
            .classes
            .iter()
            .map(|_| vec![0.0; if with_volumes { g.links() } else { 0 }])
            .collect(),
        sptt: 0.0,
        unserved: Vec::new(),
    };
    for (volume, sptt, unserved) in parts {
        for (acc, v) in out.class_volume.iter_mut().zip(volume) {
            for (a, x) in acc.iter_mut().zip(v) {
                *a += x;
            }
        }
        out.sptt += sptt;
        out.unserved.extend(unserved);
    }
    out.unserved.sort_by(|a, b| {
        (a.class, a.origin, a.destination).cmp(&(b.class, b.origin, b.destination))
    });
    out
}
