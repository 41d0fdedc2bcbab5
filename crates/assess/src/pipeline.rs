//! The pipeline: which steps run, in which order, with which options, read from TOML.
//!
//! ```toml
//! [[step]]
//! kind = "denominate"
//! [[step]]
//! kind = "impute"
//! method = "mean"
//! group = "EurAsia_group"
//! [[step]]
//! kind = "outliers"
//! [[step]]
//! kind = "normalise"
//! method = "min_max"
//! [[step]]
//! kind = "aggregate"
//! method = "arithmetic"
//! ```
//!
//! Data preparation (`denominate`, `impute`, `screen`, `outliers`) comes first, in any order
//! and as often as wanted; then exactly one `normalise`, at most one `weights`, and the
//! `aggregate` step last. The parsed [`Pipeline`] holds the steps in that shape, so code that
//! runs it (or varies one part of it, as the uncertainty analysis does) never re-checks it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::aggregate::{self, AggregateSpec, Aggregation};
use crate::data::Data;
use crate::denominate;
use crate::error::{AssessError, Location};
use crate::framework::{Framework, display_name};
use crate::impute::{self, ImputeSpec};
use crate::matrix::Matrix;
use crate::normalise::{self, Normalisation};
use crate::outliers::{self, OutlierSpec, Treatment};
use crate::panel::Panel;
use crate::results::Results;
use crate::screen::{self, CountOn, ScreenSpec};
use crate::uncertainty::UncertaintySpec;
use crate::weights::{self, WeightSpec, Weights};

/// One `[[step]]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    Denominate,
    Impute(ImputeSpec),
    Screen(ScreenSpec),
    Outliers(OutlierSpec),
    Normalise(Normalisation),
    Weights(WeightSpec),
    Aggregate(Aggregation),
}

/// A data-preparation step (before normalisation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Prepare {
    Denominate,
    Impute(ImputeSpec),
    Screen(ScreenSpec),
    Outliers(OutlierSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    pub name: Option<String>,
    pub prepare: Vec<Prepare>,
    pub normalise: Normalisation,
    pub weights: WeightSpec,
    pub aggregate: AggregateSpec,
    pub uncertainty: Option<UncertaintySpec>,
}

impl Default for Pipeline {
    /// Min–max to [0, 100], framework weights, arithmetic mean.
    fn default() -> Self {
        Pipeline {
            name: None,
            prepare: Vec::new(),
            normalise: Normalisation::default(),
            weights: WeightSpec::default(),
            aggregate: AggregateSpec::default(),
            uncertainty: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineFile {
    name: Option<String>,
    #[serde(default)]
    step: Vec<toml::Value>,
    uncertainty: Option<UncertaintySpec>,
}

impl Pipeline {
    pub fn from_toml_path(path: impl AsRef<Path>) -> Result<Self, AssessError> {
        let path = path.as_ref();
        let name = display_name(path);
        let text = std::fs::read_to_string(path).map_err(|source| AssessError::Io {
            at: Location::file(&name),
            source,
        })?;
        Self::from_toml_str(&name, &text)
    }

    pub fn from_toml_str(file: &str, text: &str) -> Result<Self, AssessError> {
        let doc: PipelineFile = toml::from_str(text).map_err(|e| AssessError::Toml {
            at: Location::file(file),
            message: e.message().to_string(),
        })?;
        let mut steps = Vec::with_capacity(doc.step.len());
        let mut levels = BTreeMap::new();
        for (i, mut v) in doc.step.into_iter().enumerate() {
            let at = Location::entry(file, "step", i + 1);
            // `levels` (per-level methods of the aggregate step) is taken out before the
            // step is parsed, because the method tables inside it are themselves steps'
            // shapes.
            if let Some(t) = v.as_table_mut()
                && t.get("kind").and_then(|k| k.as_str()) == Some("aggregate")
                && let Some(l) = t.remove("levels")
            {
                levels = parse_levels(l, &at)?;
            }
            let step: Step = v
                .try_into()
                .map_err(|e: toml::de::Error| AssessError::Toml {
                    at: at.clone(),
                    message: e.message().to_string(),
                })?;
            steps.push((at, step));
        }
        let mut p = Pipeline {
            name: doc.name,
            uncertainty: doc.uncertainty,
            ..Pipeline::default()
        };
        let mut normalise = None;
        let mut weights = None;
        let mut aggregate = None;
        let n = steps.len();
        for (i, (at, step)) in steps.into_iter().enumerate() {
            let late = |what: &str| {
                AssessError::invalid(
                    at.clone().field("kind"),
                    format!("{what} must come before normalise"),
                )
            };
            match step {
                Step::Denominate | Step::Impute(_) | Step::Screen(_) | Step::Outliers(_)
                    if normalise.is_some() =>
                {
                    return Err(late("data preparation"));
                }
                Step::Denominate => p.prepare.push(Prepare::Denominate),
                Step::Impute(s) if s.method.panel().is_some() => {
                    if s.group.is_some() {
                        return Err(AssessError::invalid(
                            at.field("group"),
                            "latest and linear imputation work along each unit's years; a group does not apply",
                        ));
                    }
                    if p.prepare.iter().any(|x| !is_panel_step(x)) {
                        return Err(AssessError::invalid(
                            at.field("method"),
                            "panel imputation (latest, linear) must come before the other data steps",
                        ));
                    }
                    p.prepare.push(Prepare::Impute(s))
                }
                Step::Impute(s) => p.prepare.push(Prepare::Impute(s)),
                Step::Screen(s) => {
                    if !(0.0..=1.0).contains(&s.threshold) {
                        return Err(AssessError::invalid(
                            at.field("threshold"),
                            "the threshold is a fraction in [0, 1]",
                        ));
                    }
                    p.prepare.push(Prepare::Screen(s))
                }
                Step::Outliers(s) => p.prepare.push(Prepare::Outliers(s)),
                Step::Normalise(s) => {
                    if normalise.replace(s).is_some() {
                        return Err(AssessError::invalid(
                            at.field("kind"),
                            "normalise appears twice",
                        ));
                    }
                }
                Step::Weights(s) => {
                    if normalise.is_none() {
                        return Err(AssessError::invalid(
                            at.field("kind"),
                            "weights must come after normalise",
                        ));
                    }
                    if weights.replace(s).is_some() {
                        return Err(AssessError::invalid(
                            at.field("kind"),
                            "weights appears twice",
                        ));
                    }
                }
                Step::Aggregate(s) => {
                    if i + 1 != n {
                        return Err(AssessError::invalid(
                            at.field("kind"),
                            "aggregate must be the last step",
                        ));
                    }
                    if normalise.is_none() {
                        return Err(AssessError::invalid(
                            at.field("kind"),
                            "aggregate needs a normalise step before it",
                        ));
                    }
                    aggregate = Some(s);
                }
            }
        }
        p.normalise = normalise.ok_or_else(|| {
            AssessError::invalid(
                Location::file(file).field("step"),
                "the pipeline has no normalise step",
            )
        })?;
        p.aggregate = AggregateSpec {
            method: aggregate.ok_or_else(|| {
                AssessError::invalid(
                    Location::file(file).field("step"),
                    "the pipeline has no aggregate step",
                )
            })?,
            levels,
        };
        p.weights = weights.unwrap_or_default();
        Ok(p)
    }
}

impl Pipeline {
    /// The same pipeline with some weights set by hand ("would we still be 7th with other
    /// weights?"): codes of framework nodes → weight relative to their siblings. Under a
    /// data-driven method (equal, entropy, PCA, optimised) the overrides replace the method,
    /// so the answer is against the framework's weights with these changes.
    pub fn with_weight_overrides(&self, overrides: BTreeMap<String, f64>) -> Pipeline {
        let mut all = match &self.weights {
            WeightSpec::Manual { overrides } => overrides.clone(),
            _ => BTreeMap::new(),
        };
        all.extend(overrides);
        Pipeline {
            weights: WeightSpec::Manual { overrides: all },
            ..self.clone()
        }
    }
}

fn is_panel_step(p: &Prepare) -> bool {
    matches!(p, Prepare::Impute(s) if s.method.panel().is_some())
}

impl Pipeline {
    /// Whether the pipeline imputes along time, and so needs panel data.
    pub fn needs_panel(&self) -> bool {
        self.prepare.iter().any(is_panel_step)
    }
}

/// The cross-section of `year` after the pipeline's panel imputations, and the pipeline
/// without them: the two inputs [`run`], the uncertainty and the sensitivity analyses take.
/// The reports say what the panel steps filled.
pub fn cross_section(
    pipeline: &Pipeline,
    panel: &Panel,
    year: i32,
) -> Result<(Pipeline, Data, Vec<StepReport>), AssessError> {
    let mut cur = std::borrow::Cow::Borrowed(panel);
    let mut reports = Vec::new();
    for step in pipeline.prepare.iter().take_while(|s| is_panel_step(s)) {
        if let Prepare::Impute(spec) = step
            && let Some(method) = spec.method.panel()
        {
            let (next, filled) = cur.impute(method);
            let still_missing = next
                .values(year)
                .map(|m| {
                    (0..m.cols())
                        .map(|j| m.rows() - crate::stats::count_present(m.col(j)))
                        .sum()
                })
                .unwrap_or(0);
            reports.push(StepReport::Impute {
                filled,
                still_missing,
            });
            cur = std::borrow::Cow::Owned(next);
        }
    }
    let data = cur.year(year)?;
    let rest = Pipeline {
        prepare: pipeline
            .prepare
            .iter()
            .filter(|s| !is_panel_step(s))
            .cloned()
            .collect(),
        ..pipeline.clone()
    };
    Ok((rest, data, reports))
}

/// Runs the pipeline on one year of a panel.
pub fn run_panel(
    pipeline: &Pipeline,
    framework: &Framework,
    panel: &Panel,
    year: i32,
) -> Result<Results, AssessError> {
    let (rest, data, panel_steps) = cross_section(pipeline, panel, year)?;
    let mut results = run(&rest, framework, &data)?;
    results.prepend_steps(panel_steps);
    Ok(results)
}

/// `levels = { 2 = { method = "geometric" } }`: level number → aggregation.
fn parse_levels(
    v: toml::Value,
    at: &Location,
) -> Result<BTreeMap<usize, Aggregation>, AssessError> {
    let at = || at.clone().field("levels");
    let toml::Value::Table(t) = v else {
        return Err(AssessError::invalid(
            at(),
            "levels is a table: level number = { method = ... }",
        ));
    };
    let mut out = BTreeMap::new();
    for (k, m) in t {
        let level = match k.parse::<usize>() {
            Ok(l) if l >= 2 => l,
            _ => {
                return Err(AssessError::invalid(
                    at(),
                    format!("\"{k}\" is not an aggregate level (a whole number ≥ 2)"),
                ));
            }
        };
        let method: Aggregation = m
            .try_into()
            .map_err(|e: toml::de::Error| AssessError::Toml {
                at: at(),
                message: format!("level {level}: {}", e.message()),
            })?;
        out.insert(level, method);
    }
    Ok(out)
}

/// What a step did, for the record shown next to the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StepReport {
    Denominate { indicators: Vec<String> },
    Impute { filled: usize, still_missing: usize },
    Screen { removed: Vec<String> },
    Outliers { treated: Vec<TreatedIndicator> },
    Normalise { method: String },
    Weights { weights: Weights },
    Aggregate { method: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TreatedIndicator {
    pub code: String,
    #[serde(flatten)]
    pub treatment: Treatment,
}

/// The data after preparation, its normalised indicators and the weights: everything the
/// aggregation needs.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub data: Data,
    pub normalised: Matrix,
    pub weights: Weights,
    pub steps: Vec<StepReport>,
}

/// Runs the data-preparation steps only.
pub fn prepare_data(
    prepare: &[Prepare],
    framework: &Framework,
    data: &Data,
) -> Result<(Data, Vec<StepReport>), AssessError> {
    let mut cur = data.clone();
    // Index of each current unit in the data as loaded, for screening on loaded data.
    let mut origin: Vec<usize> = (0..data.units().len()).collect();
    let mut reports = Vec::new();
    for step in prepare {
        match step {
            Prepare::Denominate => {
                let (d, done) = denominate::denominate(&cur, framework)?;
                cur = d;
                reports.push(StepReport::Denominate { indicators: done });
            }
            Prepare::Impute(spec) if spec.method.panel().is_some() => {
                return Err(AssessError::step(
                    "impute",
                    "latest and linear imputation need panel data: a Time column with several years",
                ));
            }
            Prepare::Impute(spec) => {
                let groups = match &spec.group {
                    None => None,
                    Some(g) => Some(cur.group(g).ok_or_else(|| {
                        AssessError::step("impute", format!("the data has no group column {g}"))
                    })?),
                };
                let mut values = cur.values().clone();
                let mut filled = 0;
                for j in 0..values.cols() {
                    filled += impute::impute_column(values.col_mut(j), spec.method, groups);
                }
                let still_missing = (0..values.cols())
                    .map(|j| values.rows() - crate::stats::count_present(values.col(j)))
                    .sum();
                cur = cur.with_values(values);
                reports.push(StepReport::Impute {
                    filled,
                    still_missing,
                });
            }
            Prepare::Screen(spec) => {
                let avail = match spec.count_on {
                    CountOn::Current => screen::availability(cur.values()),
                    CountOn::Loaded => {
                        let all = screen::availability(data.values());
                        origin.iter().map(|&i| all[i]).collect()
                    }
                };
                let keep = screen::keep(&avail, spec.threshold);
                if keep.is_empty() {
                    return Err(AssessError::step(
                        "screen",
                        "no unit has enough data to pass the threshold",
                    ));
                }
                let removed = (0..cur.units().len())
                    .filter(|i| !keep.contains(i))
                    .map(|i| cur.units()[i].code.clone())
                    .collect();
                origin = keep.iter().map(|&i| origin[i]).collect();
                cur = cur.select_units(&keep);
                reports.push(StepReport::Screen { removed });
            }
            Prepare::Outliers(spec) => {
                let mut values = cur.values().clone();
                let mut treated = Vec::new();
                for (j, ind) in framework.indicators().iter().enumerate() {
                    let (col, t) = outliers::treat_column(values.col(j), spec);
                    if t != Treatment::None {
                        values.col_mut(j).copy_from_slice(&col);
                        treated.push(TreatedIndicator {
                            code: ind.code.clone(),
                            treatment: t,
                        });
                    }
                }
                cur = cur.with_values(values);
                reports.push(StepReport::Outliers { treated });
            }
        }
    }
    Ok((cur, reports))
}

/// Normalises every indicator column.
pub fn normalise_all(
    framework: &Framework,
    values: &Matrix,
    method: &Normalisation,
) -> Result<Matrix, AssessError> {
    let cols = framework
        .indicators()
        .iter()
        .enumerate()
        .map(|(j, node)| normalise::normalise_column(values.col(j), node, method))
        .collect::<Result<Vec<_>, _>>()?;
    Matrix::from_columns(values.rows(), cols)
        .ok_or_else(|| AssessError::step("normalise", "internal size mismatch"))
}

/// Everything up to (not including) aggregation.
pub fn prepare(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
) -> Result<Prepared, AssessError> {
    let (data, mut steps) = prepare_data(&pipeline.prepare, framework, data)?;
    let normalised = normalise_all(framework, data.values(), &pipeline.normalise)?;
    steps.push(StepReport::Normalise {
        method: pipeline.normalise.label(),
    });
    let weights = weights::weights(
        &pipeline.weights,
        framework,
        &normalised,
        &pipeline.aggregate,
    )?;
    steps.push(StepReport::Weights {
        weights: weights.normalised(framework),
    });
    Ok(Prepared {
        data,
        normalised,
        weights,
        steps,
    })
}

/// Runs the whole pipeline.
pub fn run(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
) -> Result<Results, AssessError> {
    let Prepared {
        data,
        normalised,
        weights,
        mut steps,
    } = prepare(pipeline, framework, data)?;
    let scores = aggregate::aggregate(framework, &normalised, &weights, &pipeline.aggregate)?;
    steps.push(StepReport::Aggregate {
        method: pipeline.aggregate.label(),
    });
    Ok(Results::new(
        framework,
        data.units().to_vec(),
        scores,
        &weights,
        data.groups().to_vec(),
        steps,
    ))
}

/// Loads a pipeline (TOML), a framework (iMeta CSV, or TOML when the name ends in `.toml`)
/// and data (iData CSV), and runs.
pub fn run_paths(
    pipeline: impl AsRef<Path>,
    framework: impl AsRef<Path>,
    data: impl AsRef<Path>,
) -> Result<Results, AssessError> {
    let (pipeline, framework, data) = load(pipeline, framework, data)?;
    run(&pipeline, &framework, &data)
}

/// Loads the three inputs of [`run`].
pub fn load(
    pipeline: impl AsRef<Path>,
    framework: impl AsRef<Path>,
    data: impl AsRef<Path>,
) -> Result<(Pipeline, Framework, Data), AssessError> {
    let pipeline = Pipeline::from_toml_path(pipeline)?;
    let framework = load_framework(framework)?;
    let data = Data::from_idata_path(data, &framework)?;
    Ok((pipeline, framework, data))
}

/// A framework from TOML when the name ends in `.toml`, otherwise from an iMeta CSV.
pub fn load_framework(path: impl AsRef<Path>) -> Result<Framework, AssessError> {
    let path = path.as_ref();
    if path.extension().is_some_and(|e| e == "toml") {
        Framework::from_toml_path(path)
    } else {
        Framework::from_imeta_path(path)
    }
}
