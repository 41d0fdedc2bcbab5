//! Studies on the province's freight network: the base assignment with link and node
//! loads, the criticality ranking, and the project appraisal. What the CLI and the API call.

use std::ops::ControlFlow;

use kaifang_channels::defaults as channel_defaults;
use kaifang_channels::network::Network;
use kaifang_channels::scenario::Scenario;
use serde::Serialize;

use crate::appraisal::{self, Economics, Portfolio, Project, ProjectValue};
use crate::assignment::bush::{self, State};
use crate::assignment::{Algorithm, Options, Solution};
use crate::critical::{self, Element, Impact};
use crate::error::Error;
use crate::freight::{self, ArcKind, CapacityRow, DemandRow, ElementKind, FreightModel};

/// Everything a study reads.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub network: Network,
    pub scenarios: Vec<Scenario>,
    pub demand: Vec<DemandRow>,
    pub capacity: Vec<CapacityRow>,
    pub projects: Vec<Project>,
    /// Where the demand came from, shown with every answer.
    pub demand_label: String,
    /// The demand is synthetic (the embedded demo's, or derived from synthetic records), and
    /// every answer built on it must say so.
    pub synthetic: bool,
}

impl Inputs {
    /// The default network, scenarios, capacities (estimates), SYNTHETIC demand and
    /// candidate projects (estimates), all embedded.
    pub fn defaults() -> Result<Inputs, Error> {
        let channel = |e: kaifang_channels::Error| Error::Invalid(e.to_string());
        let network = channel_defaults::network().map_err(channel)?;
        let scenarios = channel_defaults::scenarios(&network).map_err(channel)?;
        use freight::defaults as d;
        Ok(Inputs {
            demand: freight::parse_demand(d::DEMAND_FILE, d::DEMAND)?,
            capacity: freight::parse_capacity(d::CAPACITY_FILE, d::CAPACITY)?,
            projects: appraisal::parse_projects(d::PROJECTS_FILE, d::PROJECTS)?,
            demand_label: "synthetic demo demand (data/assign/demand.csv)".into(),
            synthetic: true,
            network,
            scenarios,
        })
    }

    /// A scenario by name; `base`, empty or `None` is the network as it is.
    pub fn scenario(&self, name: Option<&str>) -> Result<Option<&Scenario>, Error> {
        kaifang_channels::scenario::find(&self.scenarios, name.filter(|n| !n.is_empty()))
            .map_err(|e| Error::Invalid(e.to_string()))
    }

    pub(crate) fn model(
        &self,
        scenario: Option<&Scenario>,
        extra: &[CapacityRow],
    ) -> Result<FreightModel, Error> {
        let mut capacity = self.capacity.clone();
        capacity.extend(extra.iter().cloned());
        freight::build(&self.network, scenario, &self.demand, &capacity)
    }
}

/// Default options for freight studies: Algorithm B to a 1e-6 gap.
pub fn default_options() -> Options {
    Options {
        algorithm: Algorithm::Bush,
        gap: 1e-6,
        max_iterations: 2_000,
        threads: 1,
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LinkLoad {
    pub id: String,
    pub name: String,
    pub mode: String,
    pub from: String,
    pub to: String,
    /// TEU per year, drawn direction and against it.
    pub volume_forward: f64,
    pub volume_backward: f64,
    /// TEU per year per direction, when known.
    pub capacity: Option<f64>,
    /// Largest volume / capacity of the two directions.
    pub utilisation: Option<f64>,
    pub free_hours: f64,
    /// Hours added by congestion (the busier direction).
    pub delay_hours: f64,
    /// [lon, lat] points.
    pub geometry: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct NodeLoad {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub kind: String,
    pub volume: f64,
    pub capacity: f64,
    pub utilisation: f64,
    /// Mean queueing delay, hours.
    pub delay_hours: f64,
    pub position: [f64; 2],
    /// Value of the goods through it, yuan per year: each class's volume at the class's mean
    /// value per unit.
    pub value_cny: f64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UnservedCell {
    pub origin: String,
    pub destination: String,
    pub class: String,
    pub amount: f64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ClassTotal {
    pub class: String,
    pub total: f64,
    pub unit: String,
    pub value_of_time: f64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Report {
    pub scenario: String,
    pub demand: String,
    pub classes: Vec<ClassTotal>,
    /// Σ volume × generalized cost, yuan per year.
    pub total_cost: f64,
    pub relative_gap: f64,
    pub iterations: usize,
    pub seconds: f64,
    pub links: Vec<LinkLoad>,
    pub nodes: Vec<NodeLoad>,
    pub unserved: Vec<UnservedCell>,
}

/// The assignment of the demand under a scenario (None: base).
pub fn assign(
    inputs: &Inputs,
    scenario: Option<&str>,
    options: &Options,
    progress: &mut dyn FnMut(f64) -> ControlFlow<()>,
) -> Result<Report, Error> {
    let sc = inputs.scenario(scenario)?;
    let model = inputs.model(sc, &[])?;
    let (sol, _) = solve(&model, options, progress)?;
    Ok(report(inputs, &model, &sol, scenario.unwrap_or("base")))
}

pub(crate) fn solve(
    model: &FreightModel,
    options: &Options,
    progress: &mut dyn FnMut(f64) -> ControlFlow<()>,
) -> Result<(Solution, State), Error> {
    let target = options.gap.max(1e-16);
    let mut first = None;
    bush::solve_state(&model.problem, options, None, &mut |step| {
        let g0 = *first.get_or_insert(step.relative_gap.max(target));
        let g = step.relative_gap.max(target);
        let done = if g0 > target {
            (g0 / g).ln() / (g0 / target).ln()
        } else {
            1.0
        };
        progress(done.clamp(0.0, 1.0))
    })
}

fn report(inputs: &Inputs, model: &FreightModel, sol: &Solution, scenario: &str) -> Report {
    let net = &inputs.network;
    let mut links: Vec<Option<LinkLoad>> = vec![None; net.links().len()];
    let mut nodes = Vec::new();
    for (a, arc) in model.arcs.iter().enumerate() {
        let v = sol.volume[a];
        let delay = (sol.time[a] - arc.hours).max(0.0);
        match arc.kind {
            ArcKind::Link { link, reversed } => {
                let l = net.link(link);
                let entry = links[link as usize].get_or_insert_with(|| LinkLoad {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    mode: l.mode.to_string(),
                    from: net.node(l.from).id.clone(),
                    to: net.node(l.to).id.clone(),
                    volume_forward: 0.0,
                    volume_backward: 0.0,
                    capacity: arc.capacity,
                    utilisation: None,
                    free_hours: arc.hours,
                    delay_hours: 0.0,
                    geometry: if l.geometry.is_empty() {
                        vec![net.node(l.from).position, net.node(l.to).position]
                    } else {
                        l.geometry.clone()
                    }
                    .iter()
                    .map(|p| [p.lon, p.lat])
                    .collect(),
                });
                if reversed {
                    entry.volume_backward += v;
                } else {
                    entry.volume_forward += v;
                }
                if let Some(c) = arc.capacity {
                    let u = v / c;
                    entry.utilisation = Some(entry.utilisation.map_or(u, |x: f64| x.max(u)));
                }
                entry.delay_hours = entry.delay_hours.max(delay);
            }
            ArcKind::Node { node } => {
                let n = net.node(node);
                let cap = arc.capacity.unwrap_or(f64::INFINITY);
                nodes.push(NodeLoad {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    name_zh: n.name_zh.clone(),
                    kind: n.kind.tag().to_string(),
                    volume: v,
                    capacity: cap,
                    utilisation: v / cap,
                    delay_hours: delay,
                    position: [n.position.lon, n.position.lat],
                    value_cny: model
                        .classes
                        .iter()
                        .enumerate()
                        .map(|(k, c)| sol.class_volume[k][a] * c.value_per_unit)
                        .sum(),
                });
            }
        }
    }
    let class_name = |k: usize| {
        let c = &model.classes[k];
        format!("{} {}", c.cargo, c.regime)
    };
    Report {
        scenario: scenario.to_string(),
        demand: inputs.demand_label.clone(),
        classes: model
            .classes
            .iter()
            .enumerate()
            .map(|(k, c)| ClassTotal {
                class: class_name(k),
                total: c.total,
                unit: c.unit.clone(),
                value_of_time: c.value_of_time,
            })
            .collect(),
        total_cost: sol.total_cost,
        relative_gap: sol.relative_gap,
        iterations: sol.iterations,
        seconds: sol.seconds,
        links: links.into_iter().flatten().collect(),
        nodes,
        unserved: sol
            .unserved
            .iter()
            .map(|u| UnservedCell {
                origin: net.node(model.zones[u.origin as usize]).id.clone(),
                destination: net.node(model.zones[u.destination as usize]).id.clone(),
                class: class_name(u.class),
                amount: u.amount,
            })
            .collect(),
    }
}

/// Which elements the criticality ranking closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Which {
    #[default]
    All,
    Links,
    Nodes,
}

/// Closes every link and/or node used by the base network in turn (or only `only`, by id)
/// and ranks them; `progress(done, total)`.
pub fn critical(
    inputs: &Inputs,
    scenario: Option<&str>,
    which: Which,
    only: &[String],
    options: &Options,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<Vec<Impact>, Error> {
    let sc = inputs.scenario(scenario)?;
    let model = inputs.model(sc, &[])?;
    let base = solve(&model, options, &mut |_| ControlFlow::Continue(()))?;
    let net = &inputs.network;
    let mut elements = Vec::new();
    if which != Which::Nodes {
        for (i, l) in net.links().iter().enumerate() {
            let arcs = model.arcs_of(ElementKind::Link, i as u32);
            if !arcs.is_empty() && (only.is_empty() || only.contains(&l.id)) {
                let name = if l.name.is_empty() {
                    format!("{} – {}", net.node(l.from).name, net.node(l.to).name)
                } else {
                    l.name.clone()
                };
                elements.push(Element {
                    kind: ElementKind::Link,
                    id: l.id.clone(),
                    name,
                    arcs,
                });
            }
        }
    }
    if which != Which::Links {
        for (i, n) in net.nodes().iter().enumerate() {
            // Closing a zone removes its own demand, which says nothing about the network.
            if model.zones.contains(&(i as u32)) {
                continue;
            }
            let arcs = model.arcs_of(ElementKind::Node, i as u32);
            if !arcs.is_empty() && (only.is_empty() || only.contains(&n.id)) {
                elements.push(Element {
                    kind: ElementKind::Node,
                    id: n.id.clone(),
                    name: n.name.clone(),
                    arcs,
                });
            }
        }
    }
    if let Some(missing) = only
        .iter()
        .find(|id| !elements.iter().any(|e| &e.id == *id))
    {
        return Err(Error::Invalid(format!(
            "{missing:?} is not a link or node the assignment uses (zones cannot be closed)"
        )));
    }
    critical::rank(&model.problem, &base, elements, options, progress)
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ProjectResult {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub capex_cny: f64,
    pub opening_year: i32,
    pub lifetime_years: u32,
    pub source: String,
    /// Base total cost − total cost with the project, yuan per year.
    pub annual_saving: f64,
    /// Demand newly served (positive) or lost (negative), per year.
    pub served_change: f64,
    #[serde(flatten)]
    pub value: ProjectValue,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Appraisal {
    pub demand: String,
    pub economics: Economics,
    /// The capital budget, yuan; no limit is infinite, which JSON writes as `null`.
    #[cfg_attr(feature = "schema", schema(value_type = Option<f64>))]
    pub budget: f64,
    pub base_total_cost: f64,
    /// Ranked by NPV.
    pub projects: Vec<ProjectResult>,
    pub portfolio: Portfolio,
    /// The chosen projects evaluated together (savings need not add up).
    pub portfolio_together: Option<ProjectResult>,
}

/// Appraises every candidate project against the base, and picks the portfolio for
/// `budget`; `progress(done, total)`.
pub fn appraise(
    inputs: &Inputs,
    economics: Economics,
    budget: f64,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<Appraisal, Error> {
    let none = &mut |_| ControlFlow::Continue(());
    let base_model = inputs.model(None, &[])?;
    let (base, _) = solve(&base_model, options, none)?;
    let base_unserved: f64 = base.unserved.iter().map(|u| u.amount).sum();
    let total = inputs.projects.len() + 1;
    let evaluate = |projects: &[&Project],
                    id: &str,
                    name: &str,
                    name_zh: &str|
     -> Result<ProjectResult, Error> {
        let mut scenario = Scenario::new(id);
        let mut capacity = Vec::new();
        for p in projects {
            if let Some(s) = inputs.scenario(p.scenario.as_deref())? {
                scenario.merge(s);
            }
            capacity.extend(p.capacity.iter().cloned());
        }
        let model = inputs.model(Some(&scenario), &capacity)?;
        let (sol, _) = solve(&model, options, &mut |_| ControlFlow::Continue(()))?;
        let unserved: f64 = sol.unserved.iter().map(|u| u.amount).sum();
        let capex: f64 = projects.iter().map(|p| p.capex_cny).sum();
        let opening = projects
            .iter()
            .map(|p| p.opening_year)
            .max()
            .unwrap_or(economics.base_year);
        let life = projects.iter().map(|p| p.lifetime_years).min().unwrap_or(1);
        let combined = Project {
            id: id.to_string(),
            name: name.to_string(),
            name_zh: name_zh.to_string(),
            capex_cny: capex,
            opening_year: opening,
            lifetime_years: life,
            scenario: None,
            capacity: Vec::new(),
            source: projects
                .iter()
                .map(|p| p.source.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        };
        let saving = base.total_cost - sol.total_cost;
        Ok(ProjectResult {
            value: appraisal::value(&combined, saving, &economics),
            annual_saving: saving,
            served_change: base_unserved - unserved,
            id: combined.id,
            name: combined.name,
            name_zh: combined.name_zh,
            capex_cny: combined.capex_cny,
            opening_year: combined.opening_year,
            lifetime_years: combined.lifetime_years,
            source: combined.source,
        })
    };
    let mut results = Vec::new();
    for (i, p) in inputs.projects.iter().enumerate() {
        results.push(evaluate(&[p], &p.id, &p.name, &p.name_zh)?);
        if progress(i + 1, total).is_break() {
            break;
        }
    }
    let items: Vec<(f64, f64)> = results.iter().map(|r| (r.capex_cny, r.value.npv)).collect();
    let portfolio = appraisal::portfolio(&items, budget);
    let portfolio_together = if portfolio.chosen.len() > 1 {
        let chosen: Vec<&Project> = portfolio
            .chosen
            .iter()
            .filter_map(|&i| inputs.projects.iter().find(|p| p.id == results[i].id))
            .collect();
        Some(evaluate(
            &chosen,
            "portfolio",
            "The chosen projects together",
            "所选项目组合",
        )?)
    } else {
        None
    };
    let _ = progress(total, total);
    // Rank by NPV, keeping the portfolio's indices pointing at the right rows.
    let ids: Vec<String> = portfolio
        .chosen
        .iter()
        .map(|&i| results[i].id.clone())
        .collect();
    results.sort_by(|a, b| b.value.npv.total_cmp(&a.value.npv));
    let mut portfolio = portfolio;
    portfolio.chosen = ids
        .iter()
        .filter_map(|id| results.iter().position(|r| &r.id == id))
        .collect();
    Ok(Appraisal {
        demand: inputs.demand_label.clone(),
        economics,
        budget,
        base_total_cost: base.total_cost,
        projects: results,
        portfolio,
        portfolio_together,
    })
}
