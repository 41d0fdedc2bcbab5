//! Traffic assignment: loading origin–destination demand onto a congested network.
//!
//! | module | what |
//! |---|---|
//! | [`aon`] | all-or-nothing loading on shortest paths (in parallel over origins) |
//! | [`fw`] | Frank–Wolfe and its conjugate (CFW) and bi-conjugate (BFW) variants |
//! | [`bush`] | Algorithm B (Dial 2006): origin-based bushes, flow shifted between the longest and shortest used paths; reaches tight gaps |
//!
//! All of them stop on the relative gap `(TSTT − SPTT) / TSTT`: total cost of the flows as
//! loaded, against the cost of sending every trip on its current shortest path.

pub mod aon;
pub mod bush;
pub mod fw;

use std::ops::ControlFlow;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::costing::{Objective, Vdf, time_and_slope};
use crate::demand::Matrix;
use crate::error::Error;
use crate::graph::Graph;

/// A cargo class (or vehicle class): its demand, how much capacity a unit of it takes and
/// what it pays besides time.
#[derive(Debug, Clone)]
pub struct Class {
    pub name: String,
    pub matrix: Matrix,
    /// Capacity units per unit of demand (passenger-car or TEU equivalents).
    pub pce: f64,
    /// The weight of link time in this class's generalized cost.
    pub time_weight: f64,
    /// Volume-independent cost per link (tolls, distance, charges in time units); empty for none.
    pub fixed: Vec<f64>,
}

impl Class {
    /// One class with weight 1, one capacity unit per trip and the given fixed costs.
    pub fn single(matrix: Matrix, fixed: Vec<f64>) -> Class {
        Class {
            name: "all".into(),
            matrix,
            pce: 1.0,
            time_weight: 1.0,
            fixed,
        }
    }
}

/// Everything an assignment needs.
#[derive(Debug, Clone)]
pub struct Problem {
    pub graph: Graph,
    pub vdf: Vec<Vdf>,
    pub classes: Vec<Class>,
    pub objective: Objective,
    /// Links that may not be used (closures in a scenario).
    pub closed: Vec<bool>,
}

impl Problem {
    pub fn new(graph: Graph, vdf: Vec<Vdf>, classes: Vec<Class>) -> Result<Problem, Error> {
        let m = graph.links();
        if vdf.len() != m {
            return Err(Error::Invalid(format!(
                "{} volume-delay functions for {m} links",
                vdf.len()
            )));
        }
        if classes.is_empty() {
            return Err(Error::Invalid("no demand class".into()));
        }
        for c in &classes {
            if !c.fixed.is_empty() && c.fixed.len() != m {
                return Err(Error::Invalid(format!(
                    "class {}: {} fixed costs for {m} links",
                    c.name,
                    c.fixed.len()
                )));
            }
            // +∞ bars a link to the class (a cargo it may not carry).
            if c.fixed.iter().any(|v| v.is_nan() || *v < 0.0) {
                return Err(Error::Invalid(format!(
                    "class {}: fixed costs must be numbers and not negative",
                    c.name
                )));
            }
            if !(c.pce > 0.0 && c.pce.is_finite() && c.time_weight >= 0.0) {
                return Err(Error::Invalid(format!(
                    "class {}: pce must be positive and the time weight not negative",
                    c.name
                )));
            }
            if c.matrix.zones() > graph.zones() {
                return Err(Error::Invalid(format!(
                    "class {}: the matrix has {} zones, the network {}",
                    c.name,
                    c.matrix.zones(),
                    graph.zones()
                )));
            }
        }
        Ok(Problem {
            closed: vec![false; m],
            graph,
            vdf,
            classes,
            objective: Objective::UserEquilibrium,
        })
    }

    /// Whether the Beckmann function is the potential the algorithms minimise (one capacity
    /// unit and weight 1 for every class); otherwise only the gap is meaningful.
    pub fn has_potential(&self) -> bool {
        self.classes
            .iter()
            .all(|c| c.pce == 1.0 && c.time_weight == 1.0)
    }

    #[inline]
    fn fixed(&self, class: usize, link: usize) -> f64 {
        let f = &self.classes[class].fixed;
        if f.is_empty() { 0.0 } else { f[link] }
    }

    /// Per-link time (under the objective) and slope at total `volume`.
    fn times(&self, volume: &[f64], time: &mut [f64], slope: &mut [f64]) {
        for (a, vdf) in self.vdf.iter().enumerate() {
            let (t, s) = time_and_slope(vdf, self.objective, volume[a]);
            time[a] = t;
            slope[a] = s;
        }
    }

    /// Class `class`'s generalized cost per link given the link times; `+∞` on closed links.
    fn class_costs(&self, class: usize, time: &[f64], out: &mut [f64]) {
        let w = self.classes[class].time_weight;
        for a in 0..out.len() {
            out[a] = if self.closed[a] {
                f64::INFINITY
            } else {
                self.fixed(class, a) + w * time[a]
            };
        }
    }

    /// The objective at the given class volumes (demand units): Beckmann's potential
    /// `Σ ∫₀ˣ t + Σ fixed × volume` for user equilibrium, total generalized cost for system
    /// optimum.
    pub fn objective_value(&self, class_volume: &[Vec<f64>]) -> f64 {
        let total = self.total_volume(class_volume);
        let mut z = 0.0;
        for (a, vdf) in self.vdf.iter().enumerate() {
            z += match self.objective {
                Objective::UserEquilibrium => vdf.integral(total[a]),
                Objective::SystemOptimum => total[a] * vdf.time(total[a]),
            };
        }
        for (k, v) in class_volume.iter().enumerate() {
            if !self.classes[k].fixed.is_empty() {
                z += v
                    .iter()
                    .zip(&self.classes[k].fixed)
                    .filter(|(x, _)| **x != 0.0)
                    .map(|(x, f)| x * f)
                    .sum::<f64>();
            }
        }
        z
    }

    /// Total volume in capacity units from class volumes in demand units.
    pub fn total_volume(&self, class_volume: &[Vec<f64>]) -> Vec<f64> {
        let mut total = vec![0.0; self.graph.links()];
        for (k, v) in class_volume.iter().enumerate() {
            let pce = self.classes[k].pce;
            for (t, x) in total.iter_mut().zip(v) {
                *t += pce * x;
            }
        }
        total
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// One all-or-nothing loading at free-flow costs.
    Aon,
    Fw,
    Cfw,
    /// Bi-conjugate Frank–Wolfe (Mitradjieva and Lindberg 2013), the field's common baseline.
    Bfw,
    /// Algorithm B (Dial 2006).
    #[default]
    Bush,
}

impl std::str::FromStr for Algorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "aon" | "all-or-nothing" => Algorithm::Aon,
            "fw" | "frank-wolfe" => Algorithm::Fw,
            "cfw" => Algorithm::Cfw,
            "bfw" => Algorithm::Bfw,
            "bush" | "b" | "algorithm-b" => Algorithm::Bush,
            _ => return Err(format!("unknown algorithm {s:?} (aon, fw, cfw, bfw, bush)")),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Options {
    pub algorithm: Algorithm,
    /// Stop when the relative gap is at or below this.
    pub gap: f64,
    pub max_iterations: usize,
    /// Threads for shortest-path work; 0 = all cores.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            algorithm: Algorithm::Bush,
            gap: 1e-6,
            max_iterations: 10_000,
            threads: 0,
        }
    }
}

impl Options {
    fn thread_count(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |p| p.get())
        }
    }
}

/// One iteration's report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub iteration: usize,
    pub relative_gap: f64,
    pub objective: f64,
    pub seconds: f64,
}

/// Demand that no path serves (a cell whose destination cannot be reached).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Unserved {
    pub class: usize,
    pub origin: u32,
    pub destination: u32,
    pub amount: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Solution {
    /// Per link, total volume in capacity units.
    pub volume: Vec<f64>,
    /// Per class, per link, volume in the class's demand units.
    pub class_volume: Vec<Vec<f64>>,
    /// Per link, time at the final volumes (under the objective).
    pub time: Vec<f64>,
    pub relative_gap: f64,
    pub objective: f64,
    /// Σ volume × generalized cost over classes and links (TSTT).
    pub total_cost: f64,
    pub iterations: usize,
    pub seconds: f64,
    pub converged: bool,
    pub steps: Vec<Step>,
    pub unserved: Vec<Unserved>,
}

/// The progress callback: called once per iteration; `Break` stops the run (the solution so
/// far is returned).
pub type Progress<'a> = &'a mut dyn FnMut(&Step) -> ControlFlow<()>;

/// Solves `problem` with the algorithm in `options`.
pub fn solve(problem: &Problem, options: &Options, progress: Progress) -> Result<Solution, Error> {
    match options.algorithm {
        Algorithm::Bush => bush::solve(problem, options, None, progress),
        a => fw::solve(problem, options, a, progress),
    }
}

/// Relative gap of a TSTT against an SPTT; 0 when nothing travels.
pub(crate) fn relative_gap(tstt: f64, sptt: f64) -> f64 {
    if tstt > 0.0 {
        ((tstt - sptt) / tstt).max(0.0)
    } else {
        0.0
    }
}

/// Seconds since `start`.
pub(crate) fn since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}
