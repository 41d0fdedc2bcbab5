//! Drills (演练): close some elements of the freight network — a border crossing, a port, the
//! links of a corridor — and see what it does to every flow of the demand: its generalized
//! cost and hours per unit before and after, or that no route is left.
//!
//! The base equilibrium is solved once; the drill solves again with the elements closed,
//! warm-started from it (as the criticality ranking does). A flow's cost is the shortest path
//! at the equilibrium's link times, the cost every used path of that flow shares at
//! equilibrium; its hours are those of that path.

use std::ops::ControlFlow;

use serde::Serialize;

use crate::assignment::Options;
use crate::assignment::bush;
use crate::critical::Element;
use crate::error::Error;
use crate::freight::{ElementKind, FreightModel};
use crate::search::Tree;
use crate::study::{Inputs, solve};

/// At most this many elements closed in one drill.
pub const MAX_CLOSED: usize = 50;

/// One flow of the demand before and after the closure.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FlowImpact {
    /// `container export`, ...
    pub class: String,
    /// Network node ids.
    pub origin: String,
    pub destination: String,
    /// Per year, in the class's unit (TEU).
    pub amount: f64,
    /// Generalized cost per unit (yuan) and hours per unit before.
    pub base_cost: f64,
    pub base_hours: f64,
    /// After; none when no route is left.
    pub drill_cost: Option<f64>,
    pub drill_hours: Option<f64>,
    /// The gateways (border crossings, seaports, airports) its cheapest route passes, in
    /// order, before and after: the alternative the closure leaves (node ids).
    pub base_via: Vec<String>,
    pub drill_via: Vec<String>,
}

impl FlowImpact {
    /// Whether the closure touches this flow: it loses its route, or its cost rises by more
    /// than `tolerance` (a share; congestion elsewhere moves every cost a little).
    pub fn affected(&self, tolerance: f64) -> bool {
        match self.drill_cost {
            None => true,
            Some(c) => c > self.base_cost * (1.0 + tolerance),
        }
    }
}

/// What the closure does.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DrillReport {
    pub scenario: String,
    pub demand: String,
    pub closed: Vec<Element>,
    /// Σ volume × generalized cost, yuan per year, before and after.
    pub base_total_cost: f64,
    pub drill_total_cost: f64,
    /// Demand left without a route by the closure, per year.
    pub unserved: f64,
    /// The base volume through the closed elements (the most loaded), per year.
    pub rerouted: f64,
    pub relative_gap: f64,
    /// Every flow of the demand, the hardest hit first.
    pub flows: Vec<FlowImpact>,
}

/// Resolves what to close: node ids, link ids, or place names a person types (through the
/// network's own resolver). Zones (the demand's places) cannot be closed.
fn elements(
    inputs: &Inputs,
    model: &FreightModel,
    close: &[String],
) -> Result<Vec<Element>, Error> {
    if close.is_empty() {
        return Err(Error::Invalid(
            "name at least one crossing, port or link to close".into(),
        ));
    }
    if close.len() > MAX_CLOSED {
        return Err(Error::Invalid(format!(
            "at most {MAX_CLOSED} elements in one drill"
        )));
    }
    let net = &inputs.network;
    let mut out: Vec<Element> = Vec::new();
    for name in close {
        let element = if let Some(i) = net.link_index(name) {
            let l = net.link(i);
            Element {
                kind: ElementKind::Link,
                id: l.id.clone(),
                name: if l.name.is_empty() {
                    format!("{} – {}", net.node(l.from).name, net.node(l.to).name)
                } else {
                    l.name.clone()
                },
                arcs: model.arcs_of(ElementKind::Link, i),
            }
        } else {
            let place = net
                .resolve(name)
                .map_err(|e| Error::Invalid(format!("{name:?}: {e}")))?;
            if place.snapped_km.is_some() {
                return Err(Error::Invalid(format!(
                    "{name:?}: name a crossing, port or link, not a position"
                )));
            }
            if model.zones.contains(&place.node) {
                return Err(Error::Invalid(format!(
                    "{name:?} is a place of the demand; closing it would remove its own trade, not test the network"
                )));
            }
            let n = net.node(place.node);
            Element {
                kind: ElementKind::Node,
                id: n.id.clone(),
                name: n.name.clone(),
                arcs: model.arcs_of(ElementKind::Node, place.node),
            }
        };
        if !out.iter().any(|e| e.id == element.id) {
            out.push(element);
        }
    }
    Ok(out)
}

/// One flow on its cheapest route at some link times.
struct Costed {
    class: usize,
    origin: u32,
    destination: u32,
    amount: f64,
    cost: f64,
    hours: f64,
    /// Channels node indices of the gateways passed, in order.
    via: Vec<u32>,
}

/// Per flow of the demand: generalized cost and hours per unit on the shortest path at the
/// link times `time` (closed arcs excluded), and the gateways that path passes.
fn flow_costs(inputs: &Inputs, model: &FreightModel, closed: &[bool], time: &[f64]) -> Vec<Costed> {
    let p = &model.problem;
    let g = &p.graph;
    let mut tree = Tree::new(g.nodes());
    let mut cost = vec![0.0; g.links()];
    let mut out = Vec::new();
    for (k, class) in p.classes.iter().enumerate() {
        for a in 0..cost.len() {
            cost[a] = if closed[a] {
                f64::INFINITY
            } else {
                class.fixed.get(a).copied().unwrap_or(0.0) + class.time_weight * time[a]
            };
        }
        for row in class.matrix.rows() {
            tree.grow(g, &cost, row.origin);
            for &(d, amount) in &row.cells {
                let c = tree.dist[d as usize];
                let mut hours = 0.0;
                let mut via = Vec::new();
                if c.is_finite() {
                    let mut v = d;
                    // A tree path has at most one link per node: the bound only guards a
                    // malformed tree from looping.
                    for _ in 0..g.nodes() {
                        let a = tree.pred[v as usize];
                        if v == row.origin || a == crate::graph::NONE {
                            break;
                        }
                        hours += time[a as usize];
                        let node = model.arcs[a as usize].to;
                        if inputs.network.node(node).kind.is_gateway() && via.last() != Some(&node)
                        {
                            via.push(node);
                        }
                        v = g.from(a);
                    }
                    via.reverse();
                }
                out.push(Costed {
                    class: k,
                    origin: row.origin,
                    destination: d,
                    amount,
                    cost: c,
                    hours,
                    via,
                });
            }
        }
    }
    out
}

/// Closes `close` (ids or names) under `scenario` and reports every flow before and after.
pub fn drill(
    inputs: &Inputs,
    scenario: Option<&str>,
    close: &[String],
    options: &Options,
    progress: &mut dyn FnMut(f64) -> ControlFlow<()>,
) -> Result<DrillReport, Error> {
    let sc = inputs.scenario(scenario)?;
    let model = inputs.model(sc, &[])?;
    let closed = elements(inputs, &model, close)?;
    let (base, state) = solve(&model, options, &mut |f| progress(0.5 * f))?;
    let mut p = model.problem.clone();
    for e in &closed {
        for &a in &e.arcs {
            p.closed[a] = true;
        }
    }
    let warm = bush::reopen(&p, state);
    let mut stop = false;
    let (after, _) = bush::solve_state(&p, options, Some(warm), &mut |_| {
        if stop {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    stop = progress(1.0).is_break();
    if stop {
        return Err(Error::Invalid("the drill was stopped".into()));
    }
    let before = flow_costs(inputs, &model, &model.problem.closed, &base.time);
    let later = flow_costs(inputs, &model, &p.closed, &after.time);
    let net = &inputs.network;
    let zone = |z: u32| net.node(model.zones[z as usize]).id.clone();
    let class_name = |k: usize| {
        let c = &model.classes[k];
        format!("{} {}", c.cargo, c.regime)
    };
    let mut flows: Vec<FlowImpact> = before
        .iter()
        .zip(&later)
        .map(|(b, a)| {
            let ids = |via: &[u32]| via.iter().map(|&n| net.node(n).id.clone()).collect();
            FlowImpact {
                class: class_name(b.class),
                origin: zone(b.origin),
                destination: zone(b.destination),
                amount: b.amount,
                base_cost: b.cost,
                base_hours: b.hours,
                drill_cost: a.cost.is_finite().then_some(a.cost),
                drill_hours: a.cost.is_finite().then_some(a.hours),
                base_via: ids(&b.via),
                drill_via: if a.cost.is_finite() {
                    ids(&a.via)
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let hit = |f: &FlowImpact| match f.drill_cost {
        None => f64::INFINITY,
        Some(c) => (c - f.base_cost) * f.amount,
    };
    flows.sort_by(|x, y| hit(y).total_cmp(&hit(x)));
    let unserved =
        |s: &crate::assignment::Solution| s.unserved.iter().map(|u| u.amount).sum::<f64>();
    Ok(DrillReport {
        scenario: scenario.unwrap_or("base").to_string(),
        demand: inputs.demand_label.clone(),
        rerouted: closed
            .iter()
            .flat_map(|e| e.arcs.iter().map(|&a| base.volume[a]))
            .fold(0.0, f64::max),
        closed,
        base_total_cost: base.total_cost,
        drill_total_cost: after.total_cost,
        unserved: (unserved(&after) - unserved(&base)).max(0.0),
        relative_gap: after.relative_gap,
        flows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::default_options;

    fn run(close: &[&str]) -> Result<DrillReport, Error> {
        let inputs = Inputs::defaults().unwrap();
        let close: Vec<String> = close.iter().map(|s| s.to_string()).collect();
        drill(&inputs, None, &close, &default_options(), &mut |_| {
            ControlFlow::Continue(())
        })
    }

    #[test]
    fn closing_hunchuns_crossings_reroutes_or_strands_the_flows_that_used_them() {
        let r = run(&["cn-ru-hunchun-rail", "珲春公路口岸(长岭子)"]).unwrap();
        assert_eq!(r.closed.len(), 2);
        assert!(
            r.rerouted > 0.0,
            "the base assignment uses Hunchun's crossings"
        );
        assert!(r.drill_total_cost >= r.base_total_cost * (1.0 - 1e-6) || r.unserved > 0.0);
        let hit: Vec<&FlowImpact> = r.flows.iter().filter(|f| f.affected(0.005)).collect();
        assert!(!hit.is_empty(), "some flows are hit");
        for f in &r.flows {
            assert!(f.base_cost.is_finite() && f.base_cost > 0.0, "{f:?}");
            if let Some(c) = f.drill_cost {
                // Closing can only remove options; congestion relief elsewhere may lower a
                // cost a little, never by much.
                assert!(c >= f.base_cost * 0.95, "{f:?}");
            }
        }
        // The hardest hit first.
        let first = &r.flows[0];
        assert!(first.affected(0.005), "{first:?}");
        // The alternative: no route after the closure passes a closed crossing, and some flow
        // that used one before now goes another way.
        let closed = ["cn-ru-hunchun-rail", "cn-ru-hunchun-road"];
        assert!(
            r.flows
                .iter()
                .all(|f| f.drill_via.iter().all(|v| !closed.contains(&v.as_str())))
        );
        assert!(r.flows.iter().any(|f| {
            f.base_via.iter().any(|v| closed.contains(&v.as_str())) && !f.drill_via.is_empty()
        }));
    }

    #[test]
    fn what_cannot_be_closed_is_refused_by_name() {
        let e = run(&[]).unwrap_err().to_string();
        assert!(e.contains("at least one"), "{e}");
        let e = run(&["no-such-place-anywhere"]).unwrap_err().to_string();
        assert!(e.contains("no-such-place-anywhere"), "{e}");
        let e = run(&["changchun"]).unwrap_err().to_string();
        assert!(e.contains("place of the demand"), "{e}");
        let many: Vec<&str> = std::iter::repeat_n("cn-kp-quanhe", MAX_CLOSED + 1).collect();
        assert!(run(&many).is_err());
    }
}
