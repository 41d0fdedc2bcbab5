//! Checks of a solution that do not trust the algorithm that produced it: flow conservation
//! at every node, and agreement with a reference (best-known) solution.

use serde::Serialize;

use crate::assignment::{Problem, Unserved};

/// The largest violation of flow conservation over classes and nodes: |inflow − outflow −
/// (trips ending − trips starting)|, in demand units. Unserved cells are left out of the
/// demand, since they travel nowhere.
pub fn conservation_error(p: &Problem, class_volume: &[Vec<f64>], unserved: &[Unserved]) -> f64 {
    let g = &p.graph;
    let mut worst: f64 = 0.0;
    for (k, class) in p.classes.iter().enumerate() {
        let mut balance = vec![0.0; g.nodes()];
        for row in class.matrix.rows() {
            for &(d, v) in &row.cells {
                balance[row.origin as usize] -= v;
                balance[d as usize] += v;
            }
        }
        for u in unserved.iter().filter(|u| u.class == k) {
            balance[u.origin as usize] += u.amount;
            balance[u.destination as usize] -= u.amount;
        }
        for (a, &x) in class_volume[k].iter().enumerate() {
            balance[g.to(a as u32) as usize] -= x;
            balance[g.from(a as u32) as usize] += x;
        }
        worst = balance.iter().fold(worst, |w, b| w.max(b.abs()));
    }
    worst
}

/// A solution against a reference solution of the same single-class problem.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub objective: f64,
    pub reference_objective: f64,
    /// |objective − reference| / reference.
    pub objective_difference: f64,
    /// The largest |volume − reference| / reference over links whose reference volume > 1.
    pub max_volume_difference: f64,
    /// 0-based link number where that largest difference is.
    pub worst_link: usize,
    pub links_compared: usize,
}

pub fn compare(p: &Problem, class_volume: &[Vec<f64>], reference: &[f64]) -> Comparison {
    let objective = p.objective_value(class_volume);
    let reference_objective = p.objective_value(&[reference.to_vec()]);
    let volume = p.total_volume(class_volume);
    let mut worst = (0.0, 0);
    let mut compared = 0;
    for (a, (&x, &r)) in volume.iter().zip(reference).enumerate() {
        if r > 1.0 {
            compared += 1;
            let d = (x - r).abs() / r;
            if d > worst.0 {
                worst = (d, a);
            }
        }
    }
    Comparison {
        objective,
        reference_objective,
        objective_difference: (objective - reference_objective).abs() / reference_objective.abs(),
        max_volume_difference: worst.0,
        worst_link: worst.1,
        links_compared: compared,
    }
}
