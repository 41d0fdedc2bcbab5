//! The province's freight network as an assignment problem: the channels network (with a
//! scenario), capacities, and freight demand per cargo class and customs regime.
//!
//! - **Arcs.** Each usable direction of a channels link is an arc. Its free time and its
//!   charges come from the channels costing for one unit of the class (one TEU); the class's
//!   value of time turns hours into yuan, so costs are yuan per TEU. Links with a capacity get
//!   a BPR function on their hours; others keep a constant time.
//! - **Nodes with a capacity** (border crossings, ports, terminals) are split in two, joined
//!   by a pass arc with a queueing delay `w × ρ / (1 − ρ)`: all traffic through the node shares
//!   its capacity whichever way it arrives or leaves. A zone at a split node is its arrival
//!   half.
//! - **Classes** are the (cargo, regime) pairs of the demand: export, import and
//!   domestic-trade transit may use different crossings.
//!
//! Amounts are per year; weekly capacities are multiplied by 52.

use std::collections::{BTreeMap, HashMap};

use kaifang_channels::costing::{Costing, Shipment};
use kaifang_channels::model::{CargoClass, Regime};
use kaifang_channels::network::Network;
use kaifang_channels::scenario::Scenario;
use serde::{Deserialize, Serialize};

use crate::assignment::{Class, Problem};
use crate::costing::Vdf;
use crate::demand::Matrix;
use crate::error::Error;
use crate::graph::Graph;

pub const WEEKS_PER_YEAR: f64 = 52.0;
/// BPR parameters for capacitated lines: the traditional 0.15 and 4.
const BPR_B: f64 = 0.15;
const BPR_POWER: f64 = 4.0;
/// Utilisation beyond which a queue's delay continues along its tangent.
const RHO_MAX: f64 = 0.95;

/// Whether a capacity row is about a link or a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    Link,
    Node,
}

/// A capacity, as read from `capacity.csv` or a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityRow {
    pub element: String,
    pub kind: ElementKind,
    pub teu_per_week: f64,
    /// Nodes: the wait scale `w` of the queueing delay, hours.
    #[serde(default)]
    pub queue_hours: Option<f64>,
    #[serde(default)]
    pub source: String,
    /// Where the row came from, for errors ("capacity.csv, row 7").
    #[serde(skip)]
    pub origin: String,
}

/// One cell of freight demand, as read from `demand.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandRow {
    pub origin: String,
    pub destination: String,
    pub cargo: String,
    pub regime: String,
    pub amount: f64,
    pub unit: String,
    pub value_cny_per_unit: f64,
    pub source: String,
    #[serde(skip)]
    pub row: u64,
}

fn read_csv<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<Vec<(u64, T)>, Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rdr.deserialize::<T>().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| {
            let field = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .map(|f| format!("column {}", f + 1))
                    .unwrap_or_else(|| "-".into()),
                _ => "-".into(),
            };
            Error::line(file, line, &field, e.to_string())
        })?;
        out.push((line, rec));
    }
    Ok(out)
}

/// Reads capacities; amounts must be positive.
pub fn parse_capacity(file: &str, text: &str) -> Result<Vec<CapacityRow>, Error> {
    read_csv::<CapacityRow>(file, text)?
        .into_iter()
        .map(|(line, mut r)| {
            if !(r.teu_per_week.is_finite() && r.teu_per_week > 0.0) {
                return Err(Error::line(
                    file,
                    line,
                    "teu_per_week",
                    "must be a number > 0",
                ));
            }
            if r.queue_hours.is_some_and(|q| !(q.is_finite() && q >= 0.0)) {
                return Err(Error::line(
                    file,
                    line,
                    "queue_hours",
                    "must be a number ≥ 0",
                ));
            }
            r.origin = format!("{file}, line {line}");
            Ok(r)
        })
        .collect()
}

/// Reads freight demand; amounts must be ≥ 0 and values > 0; cargo and regime must be known.
pub fn parse_demand(file: &str, text: &str) -> Result<Vec<DemandRow>, Error> {
    read_csv::<DemandRow>(file, text)?
        .into_iter()
        .map(|(line, mut r)| {
            if !(r.amount.is_finite() && r.amount >= 0.0) {
                return Err(Error::line(file, line, "amount", "must be a number ≥ 0"));
            }
            if !(r.value_cny_per_unit.is_finite() && r.value_cny_per_unit > 0.0) {
                return Err(Error::line(
                    file,
                    line,
                    "value_cny_per_unit",
                    "must be a number > 0",
                ));
            }
            parse_cargo(&r.cargo).map_err(|m| Error::line(file, line, "cargo", m))?;
            parse_regime(&r.regime).map_err(|m| Error::line(file, line, "regime", m))?;
            r.row = line;
            Ok(r)
        })
        .collect()
}

fn parse_cargo(s: &str) -> Result<CargoClass, String> {
    match s {
        "container" => Ok(CargoClass::Container),
        _ => Err(format!(
            "{s:?}: the assignment carries containers (TEU); bulk and air freight are not assigned yet"
        )),
    }
}

fn parse_regime(s: &str) -> Result<Regime, String> {
    s.parse::<Regime>()
        .map_err(|_| format!("{s:?} is not a regime (export, import, transit, domestic)"))
}

/// The default capacities and demand (`data/assign`), embedded.
pub mod defaults {
    pub const CAPACITY_FILE: &str = "data/assign/capacity.csv";
    pub const DEMAND_FILE: &str = "data/assign/demand.csv";
    pub const PROJECTS_FILE: &str = "data/assign/projects.toml";
    pub const CAPACITY: &str = include_str!("../../../data/assign/capacity.csv");
    pub const DEMAND: &str = include_str!("../../../data/assign/demand.csv");
    pub const PROJECTS: &str = include_str!("../../../data/assign/projects.toml");
}

/// What an assignment arc stands for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArcKind {
    /// A direction of a channels link.
    Link { link: u32, reversed: bool },
    /// Passing through a node with a capacity.
    Node { node: u32 },
}

#[derive(Debug, Clone, Serialize)]
pub struct ArcInfo {
    pub kind: ArcKind,
    /// Channels node indices at either end.
    pub from: u32,
    pub to: u32,
    /// TEU per year, when the element has a capacity.
    pub capacity: Option<f64>,
    /// Free time, hours.
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassInfo {
    pub cargo: String,
    pub regime: String,
    pub unit: String,
    /// Yuan per TEU-hour, from the mean value per TEU of the class's demand.
    pub value_of_time: f64,
    pub total: f64,
    /// Mean value of one unit (yuan per TEU) over the class's demand.
    pub value_per_unit: f64,
}

/// The freight network as an assignment problem, with what each arc, zone and class is.
#[derive(Debug, Clone)]
pub struct FreightModel {
    pub problem: Problem,
    pub arcs: Vec<ArcInfo>,
    /// Channels node index of each zone.
    pub zones: Vec<u32>,
    pub classes: Vec<ClassInfo>,
}

impl FreightModel {
    /// The assignment arcs of a channels link (both directions) or of a node (its pass arc
    /// and every arc in or out), for closing it.
    pub fn arcs_of(&self, kind: ElementKind, index: u32) -> Vec<usize> {
        self.arcs
            .iter()
            .enumerate()
            .filter(|(_, a)| match (kind, a.kind) {
                (ElementKind::Link, ArcKind::Link { link, .. }) => link == index,
                (ElementKind::Node, ArcKind::Node { node }) => node == index,
                (ElementKind::Node, ArcKind::Link { .. }) => a.from == index || a.to == index,
                _ => false,
            })
            .map(|(i, _)| i)
            .collect()
    }
}

struct NodeCap {
    per_year: f64,
    queue_hours: f64,
}

/// Builds the assignment problem of `demand` over `net` under `scenario`, with `capacity`
/// (later rows override earlier ones for the same element).
pub fn build(
    net: &Network,
    scenario: Option<&Scenario>,
    demand: &[DemandRow],
    capacity: &[CapacityRow],
) -> Result<FreightModel, Error> {
    // Capacities by element.
    let mut link_cap: HashMap<u32, f64> = HashMap::new();
    let mut node_cap: HashMap<u32, NodeCap> = HashMap::new();
    for r in capacity {
        match r.kind {
            ElementKind::Link => {
                let i = net.link_index(&r.element).ok_or_else(|| {
                    Error::Invalid(format!("{}: unknown link {:?}", r.origin, r.element))
                })?;
                link_cap.insert(i, r.teu_per_week * WEEKS_PER_YEAR);
            }
            ElementKind::Node => {
                let i = net.node_index(&r.element).ok_or_else(|| {
                    Error::Invalid(format!("{}: unknown node {:?}", r.origin, r.element))
                })?;
                node_cap.insert(
                    i,
                    NodeCap {
                        per_year: r.teu_per_week * WEEKS_PER_YEAR,
                        queue_hours: r.queue_hours.unwrap_or(12.0),
                    },
                );
            }
        }
    }
    for (i, link) in net.links().iter().enumerate() {
        let edited = scenario
            .and_then(|s| s.link_edit(i as u32))
            .and_then(|e| e.capacity_per_week)
            .or(link.capacity_per_week);
        if let Some(c) = edited
            && !link_cap.contains_key(&(i as u32))
        {
            link_cap.insert(i as u32, c * WEEKS_PER_YEAR);
        }
    }

    // Classes: one per (cargo, regime) in the demand, in first-seen order.
    let mut class_of: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut classes: Vec<ClassInfo> = Vec::new();
    let mut value_sum: Vec<f64> = Vec::new();
    for r in demand {
        let key = (r.cargo.clone(), r.regime.clone());
        let k = *class_of.entry(key).or_insert_with(|| {
            classes.push(ClassInfo {
                cargo: r.cargo.clone(),
                regime: r.regime.clone(),
                unit: r.unit.clone(),
                value_of_time: 0.0,
                total: 0.0,
                value_per_unit: 0.0,
            });
            value_sum.push(0.0);
            classes.len() - 1
        });
        classes[k].total += r.amount;
        value_sum[k] += r.amount * r.value_cny_per_unit;
    }
    if classes.is_empty() {
        return Err(Error::Invalid("the demand has no rows".into()));
    }
    for (c, v) in classes.iter_mut().zip(&value_sum) {
        c.value_per_unit = v / c.total.max(1e-9);
    }

    // Zones: every place named in the demand, resolved like a route query's places.
    let mut zone_of: HashMap<u32, u32> = HashMap::new();
    let mut zones: Vec<u32> = Vec::new();
    let mut cells: Vec<Vec<(u32, u32, f64)>> = vec![Vec::new(); classes.len()];
    for r in demand {
        let mut zone = |name: &str, field: &str| -> Result<u32, Error> {
            let place = net.resolve(name).map_err(|e| {
                Error::Invalid(format!("demand, line {}, field {field}: {e}", r.row))
            })?;
            let next = zones.len() as u32;
            Ok(*zone_of.entry(place.node).or_insert_with(|| {
                zones.push(place.node);
                next
            }))
        };
        let o = zone(&r.origin, "origin")?;
        let d = zone(&r.destination, "destination")?;
        let k = class_of[&(r.cargo.clone(), r.regime.clone())];
        cells[k].push((o, d, r.amount));
    }

    // Node numbering: zones first, then the other channels nodes, then the departure halves
    // of split nodes.
    let n_channels = net.nodes().len() as u32;
    let mut index = vec![u32::MAX; n_channels as usize];
    for (z, &node) in zones.iter().enumerate() {
        index[node as usize] = z as u32;
    }
    let mut next = zones.len() as u32;
    for v in 0..n_channels {
        if index[v as usize] == u32::MAX {
            index[v as usize] = next;
            next += 1;
        }
    }
    let mut departure = index.clone();
    let mut split: Vec<u32> = node_cap.keys().copied().collect();
    split.sort_unstable();
    for &v in &split {
        departure[v as usize] = next;
        next += 1;
    }
    let nodes = next as usize;

    // Shipments per class: one TEU of the class's mean value.
    let shipments: Vec<Shipment> = classes
        .iter()
        .zip(&value_sum)
        .map(|(c, v)| {
            let mut s = Shipment::containers(1.0, v / c.total.max(1e-9));
            s.regime = parse_regime(&c.regime).unwrap_or(Regime::Export);
            s
        })
        .collect();
    let costings: Vec<Costing> = shipments
        .iter()
        .map(|s| Costing::new(s, scenario))
        .collect();
    for (c, costing) in classes.iter_mut().zip(&costings) {
        c.value_of_time = costing.value_of_time();
    }

    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut arcs: Vec<ArcInfo> = Vec::new();
    let mut vdf: Vec<Vdf> = Vec::new();
    let mut fixed: Vec<Vec<f64>> = vec![Vec::new(); classes.len()];
    for v in 0..n_channels {
        for arc in net.out_arcs(v) {
            let link = net.link(arc.link);
            let head = net.node(arc.head);
            let per_class: Vec<Option<(f64, f64)>> = costings
                .iter()
                .map(|c| c.arc(arc, link, head).map(|a| (a.hours, a.generalized)))
                .collect();
            let Some(hours) = per_class.iter().flatten().map(|p| p.0).next() else {
                continue; // no class may use it (closed, planned, ...)
            };
            for (k, p) in per_class.iter().enumerate() {
                fixed[k].push(match p {
                    Some((_, g)) => (g - costings[k].value_of_time() * hours).max(0.0),
                    None => f64::INFINITY,
                });
            }
            let cap = link_cap.get(&arc.link).copied();
            vdf.push(match cap {
                Some(c) => Vdf::bpr(hours, BPR_B, c, BPR_POWER)?,
                None => Vdf::constant(hours),
            });
            pairs.push((departure[v as usize], index[arc.head as usize]));
            arcs.push(ArcInfo {
                kind: ArcKind::Link {
                    link: arc.link,
                    reversed: arc.reversed,
                },
                from: v,
                to: arc.head,
                capacity: cap,
                hours,
            });
        }
    }
    for &v in &split {
        let cap = &node_cap[&v];
        vdf.push(Vdf::queue(0.0, cap.queue_hours, cap.per_year, RHO_MAX)?);
        for f in fixed.iter_mut() {
            f.push(0.0);
        }
        pairs.push((index[v as usize], departure[v as usize]));
        arcs.push(ArcInfo {
            kind: ArcKind::Node { node: v },
            from: v,
            to: v,
            capacity: Some(cap.per_year),
            hours: 0.0,
        });
    }

    let graph = Graph::new(nodes, zones.len(), 0, &pairs)?;
    let problem_classes = classes
        .iter()
        .zip(cells)
        .zip(fixed)
        .zip(&costings)
        .map(|(((info, cells), fixed), costing)| {
            Ok(Class {
                name: format!("{} {}", info.cargo, info.regime),
                matrix: Matrix::from_cells(zones.len(), cells)?,
                pce: 1.0,
                time_weight: costing.value_of_time(),
                fixed,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let problem = Problem::new(graph, vdf, problem_classes)?;
    Ok(FreightModel {
        problem,
        arcs,
        zones,
        classes,
    })
}
