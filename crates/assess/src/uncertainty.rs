//! Uncertainty analysis: how much do the ranks depend on the choices made in building the
//! index?
//!
//! The uncertain inputs are the weights (each multiplied by `1 + U(−f, f)`, as COINr's noisy
//! weights), the imputation, normalisation and aggregation methods (each drawn uniformly
//! from a list of alternatives). Every Monte Carlo run draws the inputs, rebuilds the scores and
//! ranks the units on the index; the result is each unit's rank interval (5th percentile,
//! median, 95th percentile). Variance-based sensitivity (Sobol indices) is in
//! [`crate::sensitivity`] and uses the same model.
//!
//! Speed comes from doing the data preparation and each normalisation once; a run is then
//! only a weighted aggregation and a sort. Runs are spread over threads, and every run draws
//! from its own random stream derived from the seed and the run number, so the result for a
//! seed does not depend on the number of threads.
//!
//! The imputation method can be uncertain too (`imputation`): the data preparation is run
//! once per alternative and each alternative is then normalised once per normalisation, so
//! a run still only aggregates. Not yet an uncertain input: the outlier treatment.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::aggregate::{self, AggregateSpec, Aggregation, Plan, Scratch};
use crate::data::Data;
use crate::error::AssessError;
use crate::framework::Framework;
use crate::impute::ImputeSpec;
use crate::matrix::Matrix;
use crate::normalise::Normalisation;
use crate::pipeline::{self, Pipeline, Prepare};
use crate::rng::Rng;
use crate::stats;
use crate::weights::{self, Weights};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintySpec {
    /// Monte Carlo runs.
    #[serde(default = "default_runs")]
    pub runs: usize,
    #[serde(default)]
    pub seed: u64,
    /// Each weight is multiplied by `1 + U(−f, f)`; 0 leaves the weights alone.
    #[serde(default)]
    pub weight_noise: f64,
    /// Levels whose weights are perturbed (1 = indicators within pillars, ...); all when empty.
    #[serde(default)]
    pub noise_levels: Vec<usize>,
    /// Alternative imputations (mean or median, overall or within a group), each replacing
    /// every cross-sectional imputation step of the pipeline; the pipeline's own when empty.
    #[serde(default)]
    pub imputation: Vec<ImputeSpec>,
    /// Alternative normalisations; the pipeline's own when empty.
    #[serde(default)]
    pub normalisation: Vec<Normalisation>,
    /// Alternative aggregations, each applied at every level; the pipeline's own (with its
    /// per-level methods) when empty.
    #[serde(default)]
    pub aggregation: Vec<Aggregation>,
    /// Base sample size N for Sobol indices (N·(k + 2) model runs for k inputs).
    #[serde(default = "default_sobol")]
    pub sobol_samples: usize,
    /// Worker threads; the machine's parallelism when absent.
    #[serde(default)]
    pub threads: Option<usize>,
}

fn default_runs() -> usize {
    1000
}
fn default_sobol() -> usize {
    500
}

impl Default for UncertaintySpec {
    fn default() -> Self {
        UncertaintySpec {
            runs: default_runs(),
            seed: 0,
            weight_noise: 0.25,
            noise_levels: Vec::new(),
            imputation: Vec::new(),
            normalisation: Vec::new(),
            aggregation: Vec::new(),
            sobol_samples: default_sobol(),
            threads: None,
        }
    }
}

/// Progress and cancellation for long runs (the server's jobs, the CLI's progress bar).
#[derive(Default, Clone, Copy)]
pub struct Control<'a> {
    /// Called with the fraction done, in [0, 1], from worker threads.
    pub progress: Option<&'a (dyn Fn(f64) + Sync)>,
    /// Checked between blocks of runs; when set the analysis stops with an error.
    pub cancel: Option<&'a AtomicBool>,
}

/// One group of uncertain inputs: a name and the columns of the input vector it owns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub name: String,
    #[serde(skip)]
    pub columns: std::ops::Range<usize>,
}

/// The composite indicator as a function of the uncertain inputs `u ∈ [0, 1)^d`.
pub struct Model {
    plan: Plan,
    /// Normalised indicators per (imputation, normalisation): index `i · n_norm + n`.
    variants: Vec<Matrix>,
    n_norm: usize,
    n_imp: usize,
    base_weights: Vec<Weights>,
    aggregations: Vec<AggregateSpec>,
    noise: f64,
    /// (node, input column) for every perturbed weight.
    noisy: Vec<(usize, usize)>,
    norm_col: Option<usize>,
    imp_col: Option<usize>,
    agg_col: Option<usize>,
    inputs: Vec<Input>,
    dim: usize,
    root: usize,
    units: Vec<String>,
    nominal: Vec<f64>,
}

/// Per-thread buffers for [`Model::ranks`].
pub struct Workspace {
    weights: Vec<f64>,
    scores: Vec<f64>,
    scratch: Scratch,
    order: Vec<usize>,
}

impl Model {
    pub fn new(
        pipeline: &Pipeline,
        framework: &Framework,
        data: &Data,
        spec: &UncertaintySpec,
    ) -> Result<Model, AssessError> {
        if !(0.0..1.0).contains(&spec.weight_noise) {
            return Err(AssessError::step(
                "uncertainty",
                "weight_noise must be in [0, 1)",
            ));
        }
        let (prepared, _) = pipeline::prepare_data(&pipeline.prepare, framework, data)?;
        let norms = if spec.normalisation.is_empty() {
            vec![pipeline.normalise.clone()]
        } else {
            spec.normalisation.clone()
        };
        let aggregations = if spec.aggregation.is_empty() {
            vec![pipeline.aggregate.clone()]
        } else {
            spec.aggregation.iter().map(|&a| a.into()).collect()
        };
        for a in &aggregations {
            a.check(framework)?;
        }
        let preps = imputation_variants(pipeline, framework, data, spec, &prepared)?;
        let mut variants = Vec::with_capacity(preps.len() * norms.len());
        let mut base_weights = Vec::with_capacity(variants.capacity());
        for prep in &preps {
            for n in &norms {
                let m = pipeline::normalise_all(framework, prep.values(), n)?;
                base_weights.push(weights::weights(
                    &pipeline.weights,
                    framework,
                    &m,
                    &pipeline.aggregate,
                )?);
                variants.push(m);
            }
        }
        let plan = Plan::new(framework);
        let mut inputs = Vec::new();
        let mut dim = 0;
        let mut take = |name: String, k: usize, inputs: &mut Vec<Input>| {
            inputs.push(Input {
                name,
                columns: dim..dim + k,
            });
            dim += k;
            dim - k
        };
        let imp_col = (preps.len() > 1).then(|| take("imputation".into(), 1, &mut inputs));
        let norm_col = (norms.len() > 1).then(|| take("normalisation".into(), 1, &mut inputs));
        let agg_col = (aggregations.len() > 1).then(|| take("aggregation".into(), 1, &mut inputs));
        let mut noisy = Vec::new();
        if spec.weight_noise > 0.0 {
            for level in 1..framework.n_levels() {
                if !spec.noise_levels.is_empty() && !spec.noise_levels.contains(&level) {
                    continue;
                }
                let nodes: Vec<usize> = framework.level(level).collect();
                let first = take(format!("weights (level {level})"), nodes.len(), &mut inputs);
                noisy.extend(
                    nodes
                        .into_iter()
                        .enumerate()
                        .map(|(k, node)| (node, first + k)),
                );
            }
        }
        // Nominal ranks: the pipeline exactly as specified.
        let nominal_norm =
            pipeline::normalise_all(framework, prepared.values(), &pipeline.normalise)?;
        let nominal_w = weights::weights(
            &pipeline.weights,
            framework,
            &nominal_norm,
            &pipeline.aggregate,
        )?;
        let nominal_scores =
            aggregate::aggregate(framework, &nominal_norm, &nominal_w, &pipeline.aggregate)?;
        let nominal = stats::rank_min(
            nominal_scores.col(framework.root()),
            stats::Order::Descending,
        );
        let model = Model {
            plan,
            variants,
            n_norm: norms.len(),
            n_imp: preps.len(),
            base_weights,
            aggregations,
            noise: spec.weight_noise,
            noisy,
            norm_col,
            imp_col,
            agg_col,
            inputs,
            dim,
            root: framework.root(),
            units: prepared.units().iter().map(|u| u.code.clone()).collect(),
            nominal,
        };
        // Fail now, not in the middle of the runs, if a combination cannot be computed
        // (e.g. geometric mean over zeros).
        let mut ws = model.workspace();
        let mut out = vec![0.0; model.units.len()];
        for v in 0..model.variants.len() {
            for a in 0..model.aggregations.len() {
                let mut u = vec![0.5; model.dim];
                if let Some(c) = model.imp_col {
                    u[c] = ((v / model.n_norm) as f64 + 0.5) / model.n_imp as f64;
                }
                if let Some(c) = model.norm_col {
                    u[c] = ((v % model.n_norm) as f64 + 0.5) / model.n_norm as f64;
                }
                if let Some(c) = model.agg_col {
                    u[c] = (a as f64 + 0.5) / model.aggregations.len() as f64;
                }
                model.ranks(&u, &mut ws, &mut out)?;
            }
        }
        Ok(model)
    }

    /// Number of input columns (d).
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Ranks of the nominal pipeline (`NaN` for a unit without an index score).
    pub fn nominal(&self) -> &[f64] {
        &self.nominal
    }

    pub fn workspace(&self) -> Workspace {
        let n = self.units.len();
        Workspace {
            weights: vec![0.0; self.plan.n_nodes()],
            scores: vec![0.0; n * self.plan.n_nodes()],
            scratch: Scratch::new(n),
            order: Vec::with_capacity(n),
        }
    }

    /// Ranks of every unit on the index for the inputs `u` (length [`Model::dim`]).
    pub fn ranks(&self, u: &[f64], ws: &mut Workspace, out: &mut [f64]) -> Result<(), AssessError> {
        let pick = |col: Option<usize>, k: usize| {
            col.map_or(0, |c| ((u[c] * k as f64) as usize).min(k - 1))
        };
        let v = pick(self.imp_col, self.n_imp) * self.n_norm + pick(self.norm_col, self.n_norm);
        let a = pick(self.agg_col, self.aggregations.len());
        ws.weights.copy_from_slice(&self.base_weights[v].0);
        for &(node, col) in &self.noisy {
            ws.weights[node] *= 1.0 + self.noise * (2.0 * u[col] - 1.0);
        }
        aggregate::aggregate_into(
            &self.plan,
            &self.variants[v],
            &ws.weights,
            &self.aggregations[a],
            &mut ws.scores,
            &mut ws.scratch,
        )?;
        let n = self.units.len();
        rank_into(
            &ws.scores[self.root * n..(self.root + 1) * n],
            &mut ws.order,
            out,
        );
        Ok(())
    }
}

/// The prepared data under each imputation alternative (just the pipeline's own when there
/// are none). Every alternative must keep the same units, in the same order, as the
/// pipeline's own preparation, or the ranks would not be comparable.
fn imputation_variants(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
    spec: &UncertaintySpec,
    prepared: &Data,
) -> Result<Vec<Data>, AssessError> {
    if spec.imputation.is_empty() {
        return Ok(vec![prepared.clone()]);
    }
    let is_cross = |p: &Prepare| matches!(p, Prepare::Impute(s) if s.method.panel().is_none());
    if !pipeline.prepare.iter().any(is_cross) {
        return Err(AssessError::step(
            "uncertainty",
            "imputation alternatives need an imputation step (mean or median) in the pipeline to replace",
        ));
    }
    let codes = |d: &Data| d.units().iter().map(|u| u.code.clone()).collect::<Vec<_>>();
    let nominal = codes(prepared);
    let mut out = Vec::with_capacity(spec.imputation.len());
    for (k, alt) in spec.imputation.iter().enumerate() {
        if alt.method.panel().is_some() {
            return Err(AssessError::step(
                "uncertainty",
                "imputation alternatives are mean or median; latest and linear run on the panel first",
            ));
        }
        let steps: Vec<Prepare> = pipeline
            .prepare
            .iter()
            .map(|p| {
                if is_cross(p) {
                    Prepare::Impute(alt.clone())
                } else {
                    p.clone()
                }
            })
            .collect();
        let (d, _) = pipeline::prepare_data(&steps, framework, data)?;
        if codes(&d) != nominal {
            return Err(AssessError::step(
                "uncertainty",
                format!(
                    "imputation alternative {} keeps other units than the pipeline (screening after imputation); screen on the loaded data instead",
                    k + 1
                ),
            ));
        }
        out.push(d);
    }
    Ok(out)
}

/// Descending "min" ranks without allocating.
fn rank_into(x: &[f64], order: &mut Vec<usize>, out: &mut [f64]) {
    order.clear();
    order.extend((0..x.len()).filter(|&i| !x[i].is_nan()));
    order.sort_unstable_by(|&a, &b| x[b].total_cmp(&x[a]));
    out.iter_mut().for_each(|r| *r = f64::NAN);
    let mut prev = f64::NAN;
    let mut prev_rank = 0.0;
    for (pos, &i) in order.iter().enumerate() {
        let r = if x[i] == prev {
            prev_rank
        } else {
            (pos + 1) as f64
        };
        out[i] = r;
        prev = x[i];
        prev_rank = r;
    }
}

/// Evaluates `count` model runs in parallel. `inputs(run, u)` fills the input vector of a
/// run; the ranks of run `r` land in `out[r·units .. (r+1)·units]`.
pub(crate) fn evaluate_many(
    model: &Model,
    count: usize,
    threads: Option<usize>,
    control: &Control,
    inputs: &(dyn Fn(usize, &mut [f64]) + Sync),
    out: &mut [f64],
) -> Result<(), AssessError> {
    let n = model.units.len();
    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |p| p.get()))
        .clamp(1, count.max(1));
    let per = count.div_ceil(threads).max(1);
    let done = AtomicUsize::new(0);
    const BLOCK: usize = 256;
    std::thread::scope(|s| {
        let handles: Vec<_> = out
            .chunks_mut(per * n.max(1))
            .enumerate()
            .map(|(t, chunk)| {
                let done = &done;
                s.spawn(move || -> Result<(), AssessError> {
                    let mut ws = model.workspace();
                    let mut u = vec![0.0; model.dim];
                    let first = t * per;
                    for (k, ranks) in chunk.chunks_mut(n.max(1)).enumerate() {
                        if k % BLOCK == 0 && k > 0 {
                            if control.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                                return Err(AssessError::step("uncertainty", "cancelled"));
                            }
                            let d = done.fetch_add(BLOCK, Ordering::Relaxed) + BLOCK;
                            if let Some(p) = control.progress {
                                p(d as f64 / count as f64);
                            }
                        }
                        inputs(first + k, &mut u);
                        model.ranks(&u, &mut ws, ranks)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join().unwrap_or_else(|_| {
                Err(AssessError::step("uncertainty", "a worker thread panicked"))
            })
        })
    })?;
    if let Some(p) = control.progress {
        p(1.0);
    }
    Ok(())
}

/// A unit's rank across the Monte Carlo runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankInterval {
    pub unit: String,
    pub nominal: Option<u32>,
    pub p05: f64,
    pub median: f64,
    pub p95: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncertainty {
    pub runs: usize,
    pub seed: u64,
    pub inputs: Vec<Input>,
    /// In nominal rank order.
    pub units: Vec<RankInterval>,
    /// Mean over runs and units of |rank − nominal rank|.
    pub mean_abs_rank_shift: f64,
}

/// Runs the Monte Carlo uncertainty analysis.
pub fn uncertainty(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
    spec: &UncertaintySpec,
) -> Result<Uncertainty, AssessError> {
    uncertainty_with(pipeline, framework, data, spec, &Control::default())
}

pub fn uncertainty_with(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
    spec: &UncertaintySpec,
    control: &Control,
) -> Result<Uncertainty, AssessError> {
    if spec.runs == 0 {
        return Err(AssessError::step("uncertainty", "runs must be at least 1"));
    }
    let model = Model::new(pipeline, framework, data, spec)?;
    let n = model.units.len();
    let mut ranks = vec![f64::NAN; spec.runs * n];
    let seed = spec.seed;
    let draw = move |run: usize, u: &mut [f64]| {
        let mut rng = Rng::stream(seed, run as u64);
        u.iter_mut().for_each(|x| *x = rng.next_f64());
    };
    evaluate_many(&model, spec.runs, spec.threads, control, &draw, &mut ranks)?;

    let mut shift = (0.0, 0usize);
    let mut units: Vec<RankInterval> = (0..n)
        .map(|i| {
            let mut r: Vec<f64> = (0..spec.runs)
                .map(|k| ranks[k * n + i])
                .filter(|v| !v.is_nan())
                .collect();
            r.sort_by(f64::total_cmp);
            let nominal = model.nominal[i];
            if !nominal.is_nan() {
                shift.0 += r.iter().map(|x| (x - nominal).abs()).sum::<f64>();
                shift.1 += r.len();
            }
            RankInterval {
                unit: model.units[i].clone(),
                nominal: (!nominal.is_nan()).then_some(nominal as u32),
                p05: stats::quantile_sorted(&r, 0.05),
                median: stats::quantile_sorted(&r, 0.5),
                p95: stats::quantile_sorted(&r, 0.95),
                mean: stats::mean(&r),
            }
        })
        .collect();
    units.sort_by_key(|u| u.nominal.unwrap_or(u32::MAX));
    Ok(Uncertainty {
        runs: spec.runs,
        seed,
        inputs: model.inputs.clone(),
        units,
        mean_abs_rank_shift: if shift.1 > 0 {
            shift.0 / shift.1 as f64
        } else {
            f64::NAN
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::Unit;

    pub(crate) fn toy() -> (Framework, Data) {
        let fw = Framework::from_imeta_str(
            "meta.csv",
            "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,-1,1,Indicator\nc,Q,1,1,Indicator\n\
             d,Q,1,2,Indicator\nP,I,1,1,Aggregate\nQ,I,1,1,Aggregate\nI,,1,1,Aggregate\n",
        )
        .unwrap();
        let n = 12;
        let cols = (0..4)
            .map(|j| {
                (0..n)
                    .map(|i| ((i * (j + 3) * 37 + j * 11) % 23) as f64 + i as f64 * 0.1)
                    .collect()
            })
            .collect();
        let units = (0..n)
            .map(|i| Unit::new(format!("U{i:02}"), format!("Unit {i}")))
            .collect();
        let data = Data::new(&fw, units, Matrix::from_columns(n, cols).unwrap()).unwrap();
        (fw, data)
    }

    #[test]
    fn no_uncertainty_gives_the_nominal_ranks() {
        let (fw, data) = toy();
        let spec = UncertaintySpec {
            runs: 50,
            weight_noise: 0.0,
            ..UncertaintySpec::default()
        };
        let u = uncertainty(&Pipeline::default(), &fw, &data, &spec).unwrap();
        assert!(u.inputs.is_empty());
        for r in &u.units {
            let nominal = f64::from(r.nominal.unwrap());
            assert_eq!((r.p05, r.median, r.p95), (nominal, nominal, nominal));
        }
        assert_eq!(u.mean_abs_rank_shift, 0.0);
    }

    #[test]
    fn deterministic_whatever_the_thread_count() {
        let (fw, data) = toy();
        let spec = UncertaintySpec {
            runs: 700,
            seed: 42,
            weight_noise: 0.5,
            normalisation: vec![Normalisation::default(), Normalisation::Rank],
            aggregation: vec![Aggregation::Arithmetic, Aggregation::Copeland],
            ..UncertaintySpec::default()
        };
        let one = uncertainty(
            &Pipeline::default(),
            &fw,
            &data,
            &UncertaintySpec {
                threads: Some(1),
                ..spec.clone()
            },
        )
        .unwrap();
        let three = uncertainty(
            &Pipeline::default(),
            &fw,
            &data,
            &UncertaintySpec {
                threads: Some(3),
                ..spec.clone()
            },
        )
        .unwrap();
        assert_eq!(one, three);
        assert!(one.mean_abs_rank_shift > 0.0);
        assert!(
            one.units
                .iter()
                .all(|r| r.p05 <= r.median && r.median <= r.p95)
        );
        let other = uncertainty(
            &Pipeline::default(),
            &fw,
            &data,
            &UncertaintySpec { seed: 43, ..spec },
        )
        .unwrap();
        assert_ne!(one, other);
    }

    #[test]
    fn imputation_as_an_uncertain_choice() {
        // U0 lacks a. Present a: 0, 1, 2, 100 → mean 25.75, median 1.5. After min–max,
        // b = 83.33, 100, 66.67, 75, 0, and P = (a + b)/2:
        //   mean:   U0 54.54 (1st), U1 and U4 50 (2nd), U3 38.5, U2 33.83
        //   median: U0 42.42 (3rd), U1 and U4 50 (1st)
        let fw = Framework::from_imeta_str(
            "meta.csv",
            "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,1,Indicator\nP,,1,1,Aggregate\n",
        )
        .unwrap();
        let units = (0..5)
            .map(|i| Unit::new(format!("U{i}"), format!("U{i}")))
            .collect();
        let values = Matrix::from_columns(
            5,
            vec![
                vec![f64::NAN, 0.0, 1.0, 2.0, 100.0],
                vec![50.0, 60.0, 40.0, 45.0, 0.0],
            ],
        )
        .unwrap();
        let data = Data::new(&fw, units, values).unwrap();
        let pipe = Pipeline::from_toml_str(
            "p.toml",
            "[[step]]\nkind = \"impute\"\nmethod = \"mean\"\n[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n\
             [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n",
        )
        .unwrap();
        let alt = |method| ImputeSpec {
            method,
            group: None,
        };
        let spec = UncertaintySpec {
            runs: 400,
            weight_noise: 0.0,
            imputation: vec![
                alt(crate::impute::ImputeMethod::Mean),
                alt(crate::impute::ImputeMethod::Median),
            ],
            ..UncertaintySpec::default()
        };
        let u = uncertainty(&pipe, &fw, &data, &spec).unwrap();
        let names: Vec<&str> = u.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["imputation"]);
        let band = |unit: &str| {
            let r = u.units.iter().find(|r| r.unit == unit).unwrap();
            (r.nominal, r.p05, r.p95)
        };
        assert_eq!(band("U0"), (Some(1), 1.0, 3.0));
        assert_eq!(band("U1"), (Some(2), 1.0, 2.0));
        assert_eq!(band("U2"), (Some(5), 5.0, 5.0));
        let bad = UncertaintySpec {
            imputation: spec.imputation.clone(),
            ..UncertaintySpec::default()
        };
        let e = uncertainty(&Pipeline::default(), &fw, &data, &bad).unwrap_err();
        assert!(e.to_string().contains("need an imputation step"), "{e}");
    }

    #[test]
    fn impossible_combinations_fail_up_front() {
        let (fw, data) = toy();
        let spec = UncertaintySpec {
            aggregation: vec![Aggregation::Geometric],
            ..UncertaintySpec::default()
        };
        let e = uncertainty(&Pipeline::default(), &fw, &data, &spec).unwrap_err();
        assert!(e.to_string().contains("needs positive values"), "{e}");
    }

    #[test]
    fn cancellation_and_progress() {
        let (fw, data) = toy();
        let spec = UncertaintySpec {
            runs: 2000,
            threads: Some(2),
            ..UncertaintySpec::default()
        };
        let cancel = AtomicBool::new(true);
        let e = uncertainty_with(
            &Pipeline::default(),
            &fw,
            &data,
            &spec,
            &Control {
                progress: None,
                cancel: Some(&cancel),
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("cancelled"));
        let last = std::sync::Mutex::new(0.0f64);
        let progress = |f: f64| {
            if let Ok(mut l) = last.lock() {
                *l = l.max(f);
            }
        };
        uncertainty_with(
            &Pipeline::default(),
            &fw,
            &data,
            &spec,
            &Control {
                progress: Some(&progress),
                cancel: None,
            },
        )
        .unwrap();
        assert_eq!(*last.lock().unwrap(), 1.0);
    }
}
