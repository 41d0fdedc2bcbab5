//! Critical links and nodes: close each element in turn, solve again from the base
//! equilibrium (warm start), and rank by what the closure costs.
//!
//! For each element: the change in total generalized cost of the trips still served, the
//! demand left without any route (unserved), and the base volume through the element (the
//! flow that had to find another way). Ranking: unserved demand first (lost trade weighs more
//! than dearer trade), then the cost increase.

use std::ops::ControlFlow;

use serde::Serialize;

use crate::assignment::bush::{self, State};
use crate::assignment::{Options, Problem, Solution};
use crate::error::Error;

/// An element to close: a label and the assignment arcs it stands for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Element {
    pub kind: crate::freight::ElementKind,
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub arcs: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Impact {
    pub element: Element,
    /// Change in Σ volume × generalized cost of the served trips, per year.
    pub cost_change: f64,
    /// Demand with no route once the element is closed, per year.
    pub unserved: f64,
    /// Base volume through the element, per year.
    pub rerouted: f64,
    pub relative_gap: f64,
    pub iterations: usize,
}

/// Closes each element of `elements` in turn. `progress(done, total)` may stop the run
/// (the impacts so far are returned).
pub fn rank(
    base_problem: &Problem,
    base: &(Solution, State),
    elements: Vec<Element>,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<Vec<Impact>, Error> {
    let (base_solution, base_state) = base;
    let base_unserved: f64 = base_solution.unserved.iter().map(|u| u.amount).sum();
    let total = elements.len();
    let mut out = Vec::with_capacity(total);
    let mut p = base_problem.clone();
    for (i, element) in elements.into_iter().enumerate() {
        p.closed.clone_from(&base_problem.closed);
        for &a in &element.arcs {
            p.closed[a] = true;
        }
        let warm = bush::reopen(&p, base_state.clone());
        let (sol, _) =
            bush::solve_state(&p, options, Some(warm), &mut |_| ControlFlow::Continue(()))?;
        let unserved: f64 = sol.unserved.iter().map(|u| u.amount).sum::<f64>() - base_unserved;
        let rerouted = element
            .arcs
            .iter()
            .map(|&a| base_solution.volume[a])
            .fold(0.0, f64::max);
        out.push(Impact {
            cost_change: sol.total_cost - base_solution.total_cost,
            unserved: unserved.max(0.0),
            rerouted,
            relative_gap: sol.relative_gap,
            iterations: sol.iterations,
            element,
        });
        if progress(i + 1, total).is_break() {
            break;
        }
    }
    out.sort_by(|a, b| {
        b.unserved
            .total_cmp(&a.unserved)
            .then(b.cost_change.total_cmp(&a.cost_change))
    });
    Ok(out)
}
