//! Freight studies on the province's network — an assignment under a scenario, the
//! criticality ranking, the project appraisal — with their parameters checked once, here, for
//! the command line and the API alike, and one result shape for both.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use kaifang_assign::appraisal::Economics;
use kaifang_assign::critical::Impact;
use kaifang_assign::study::{self, Appraisal, Inputs, Report, Which};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{AppError, AppResult};

/// Most elements a criticality run may be limited to.
pub const MAX_ONLY: usize = 500;

/// The studies' default inputs — network, scenarios, capacities, synthetic demand, candidate
/// projects — parsed once from the embedded data on first use and shared.
#[derive(Clone, Default)]
pub struct InputsCell(Arc<OnceLock<Result<Arc<Inputs>, String>>>);

impl InputsCell {
    pub fn get(&self) -> AppResult<Arc<Inputs>> {
        self.0
            .get_or_init(|| {
                Inputs::defaults()
                    .map(Arc::new)
                    .map_err(|e| format!("the freight study inputs do not load: {e}"))
            })
            .clone()
            .map_err(AppError::Internal)
    }
}

/// A study as asked for, before its parameters are checked: the body of
/// `POST /api/assign/runs`, and what the commands `assign`, `critical` and `appraise` build.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudyRequest {
    /// `assignment`, `critical` or `appraisal`.
    pub kind: String,
    /// `assignment` and `critical`: a scenario of the channels network (default `base`).
    pub scenario: Option<String>,
    /// `critical`: `all` (default), `links` or `nodes`.
    pub which: Option<String>,
    /// `critical`: only these link or node ids (default: every element the assignment uses).
    pub only: Option<Vec<String>>,
    /// `appraisal`: the capital budget of the portfolio, yuan (default: no limit).
    pub budget_cny: Option<f64>,
    /// `appraisal`: discount rate, 0 to < 1 (default 0.08).
    pub discount_rate: Option<f64>,
    /// `appraisal`: the year values are discounted to (default 2026).
    pub base_year: Option<i32>,
}

/// A study whose parameters have been checked against the inputs it will run on.
#[derive(Debug, Clone)]
pub enum Study {
    Assignment {
        scenario: Option<String>,
    },
    Critical {
        scenario: Option<String>,
        which: Which,
        only: Vec<String>,
    },
    Appraisal {
        economics: Economics,
        budget: f64,
    },
}

impl Study {
    /// The kind of the job that runs it: [`JOB_KIND_PREFIX`] and [`Study::kind`].
    pub fn job_kind(&self) -> String {
        format!("{JOB_KIND_PREFIX}{}", self.kind())
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Study::Assignment { .. } => "assignment",
            Study::Critical { .. } => "critical",
            Study::Appraisal { .. } => "appraisal",
        }
    }

    /// Checks a request against `inputs`: a field that does not fit the kind, an unknown
    /// scenario (with the known ones in `details.known`), an unknown `which`, an id in `only`
    /// that is not in the network, a discount rate outside [0, 1), a base year outside
    /// 2000–2100, a negative budget: each an [`AppError::Field`] naming the field.
    pub fn parse(inputs: &Inputs, r: StudyRequest) -> AppResult<Study> {
        let kind = r.kind.trim();
        let not_for = |given: &[(&str, bool)]| -> AppResult<()> {
            match given.iter().find(|(_, g)| *g) {
                Some((f, _)) => Err(AppError::field(
                    *f,
                    format!("does not apply to a run of kind {kind:?}"),
                )),
                None => Ok(()),
            }
        };
        match kind {
            "assignment" => {
                not_for(&[
                    ("which", r.which.is_some()),
                    ("only", r.only.is_some()),
                    ("budget_cny", r.budget_cny.is_some()),
                    ("discount_rate", r.discount_rate.is_some()),
                    ("base_year", r.base_year.is_some()),
                ])?;
                Ok(Study::Assignment {
                    scenario: scenario(inputs, r.scenario.as_deref())?,
                })
            }
            "critical" => {
                not_for(&[
                    ("budget_cny", r.budget_cny.is_some()),
                    ("discount_rate", r.discount_rate.is_some()),
                    ("base_year", r.base_year.is_some()),
                ])?;
                let which = match r.which.as_deref().map(str::trim) {
                    None | Some("") | Some("all") => Which::All,
                    Some("links") => Which::Links,
                    Some("nodes") => Which::Nodes,
                    Some(w) => {
                        return Err(AppError::field(
                            "which",
                            format!("{w:?} is not all, links or nodes"),
                        ));
                    }
                };
                let only = r.only.unwrap_or_default();
                if only.len() > MAX_ONLY {
                    return Err(AppError::field("only", format!("at most {MAX_ONLY} ids")));
                }
                let net = &inputs.network;
                if let Some(unknown) = only.iter().find(|id| {
                    !net.links().iter().any(|l| &l.id == *id)
                        && !net.nodes().iter().any(|n| &n.id == *id)
                }) {
                    return Err(AppError::field(
                        "only",
                        format!("{unknown:?} is not a link or node of the network"),
                    ));
                }
                Ok(Study::Critical {
                    scenario: scenario(inputs, r.scenario.as_deref())?,
                    which,
                    only,
                })
            }
            "appraisal" => {
                not_for(&[
                    ("scenario", r.scenario.is_some()),
                    ("which", r.which.is_some()),
                    ("only", r.only.is_some()),
                ])?;
                let defaults = Economics::default();
                let discount_rate = r.discount_rate.unwrap_or(defaults.discount_rate);
                if !(discount_rate.is_finite() && (0.0..1.0).contains(&discount_rate)) {
                    return Err(AppError::field(
                        "discount_rate",
                        "must be a number from 0 to below 1 (0.08 is 8 %)",
                    ));
                }
                let base_year = r.base_year.unwrap_or(defaults.base_year);
                if !(2000..=2100).contains(&base_year) {
                    return Err(AppError::field(
                        "base_year",
                        "must be a year from 2000 to 2100",
                    ));
                }
                let budget = r.budget_cny.unwrap_or(f64::INFINITY);
                if budget.is_nan() || budget < 0.0 {
                    return Err(AppError::field("budget_cny", "must be a number ≥ 0"));
                }
                Ok(Study::Appraisal {
                    economics: Economics {
                        discount_rate,
                        base_year,
                    },
                    budget,
                })
            }
            other => Err(AppError::field(
                "kind",
                format!("{other:?} is not assignment, critical or appraisal"),
            )),
        }
    }
}

/// `None` for the network as it is; an unknown name is an error listing the known ones.
pub fn scenario(inputs: &Inputs, name: Option<&str>) -> AppResult<Option<String>> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "base");
    match name {
        None => Ok(None),
        Some(n) if inputs.scenarios.iter().any(|s| s.name == n) => Ok(Some(n.to_string())),
        Some(n) => {
            let known: Vec<&str> = std::iter::once("base")
                .chain(inputs.scenarios.iter().map(|s| s.name.as_str()))
                .collect();
            Err(AppError::field(
                "scenario",
                format!("no scenario {n:?} (known: {})", known.join(", ")),
            )
            .with_details(json!({ "known": known })))
        }
    }
}

/// A node's names, so that links (often without a name of their own) and ranked elements can
/// be labelled in the reader's language.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceName {
    pub name: String,
    pub name_zh: String,
}

/// The ranking of a criticality run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CriticalRanking {
    pub scenario: String,
    pub demand: String,
    pub which: Which,
    /// By demand left without a route, then by the rise in total generalized cost.
    pub ranking: Vec<Impact>,
}

/// What a study found, by kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Findings {
    Assignment(Report),
    Critical(CriticalRanking),
    Appraisal(Appraisal),
}

/// Freight studies run as jobs of kind `assign-<study>`.
pub const JOB_KIND_PREFIX: &str = "assign-";

/// A study's result: the job's result in the API and the command's `--format json`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StudyResult {
    /// `assignment`, `critical` or `appraisal`.
    pub kind: &'static str,
    /// True when the demand is synthetic (the embedded demo's, or derived from synthetic
    /// trade records).
    pub synthetic: bool,
    /// Every node's names by id.
    pub places: BTreeMap<String, PlaceName>,
    #[serde(flatten)]
    pub findings: Findings,
}

/// Runs a checked study on this (blocking) thread; `progress` sees the fraction done and may
/// stop the run (which then ends as [`AppError::Cancelled`]).
pub fn run(
    inputs: &Inputs,
    study: &Study,
    options: &kaifang_assign::assignment::Options,
    progress: &mut dyn FnMut(f64) -> ControlFlow<()>,
) -> AppResult<StudyResult> {
    let mut stopped = false;
    let mut report = |f: f64| {
        let flow = progress(f);
        stopped |= flow.is_break();
        flow
    };
    let findings = match study {
        Study::Assignment { scenario } => Findings::Assignment(study::assign(
            inputs,
            scenario.as_deref(),
            options,
            &mut report,
        )?),
        Study::Critical {
            scenario,
            which,
            only,
        } => {
            let ranking = study::critical(
                inputs,
                scenario.as_deref(),
                *which,
                only,
                options,
                &mut |done, total| report(done as f64 / total.max(1) as f64),
            )?;
            Findings::Critical(CriticalRanking {
                scenario: scenario.as_deref().unwrap_or("base").to_string(),
                demand: inputs.demand_label.clone(),
                which: *which,
                ranking,
            })
        }
        Study::Appraisal { economics, budget } => Findings::Appraisal(study::appraise(
            inputs,
            *economics,
            *budget,
            options,
            &mut |done, total| report(done as f64 / total.max(1) as f64),
        )?),
    };
    // A study stopped part-way returns what it had; a stopped run keeps no result.
    if stopped {
        return Err(AppError::Cancelled);
    }
    Ok(StudyResult {
        kind: study.kind(),
        synthetic: inputs.synthetic,
        places: places(inputs),
        findings,
    })
}

/// Names of every node in Chinese and English, by id.
pub fn places(inputs: &Inputs) -> BTreeMap<String, PlaceName> {
    inputs
        .network
        .nodes()
        .iter()
        .map(|n| {
            (
                n.id.clone(),
                PlaceName {
                    name: n.name.clone(),
                    name_zh: n.name_zh.clone(),
                },
            )
        })
        .collect()
}
