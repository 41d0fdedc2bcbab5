//! Freight studies on the province's network: thin faces over `kaifang_assign::study`.
//!
//! The base assignment (loads, utilisation, bottlenecks) is cheap and answered at once for the
//! map's first paint. The three studies — an assignment under a scenario, the criticality
//! ranking (each link and node closed in turn) and the project appraisal — run as background
//! jobs of the house kind: `POST /api/assign/runs` answers 202 with the job, and
//! `GET /api/assign/runs/{id}` (the job record, as `/api/jobs/{id}`) carries the progress and,
//! once finished, the result. Every answer names its demand, which is synthetic.
//!
//! Government roles read and run them (`Actor::read_freight_studies`); enterprises get 403.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kaifang_assign::appraisal::Economics;
use kaifang_assign::study::{self, Inputs, Which};
use kaifang_store::jobs::{Job, JobStatus};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::jobs::{JobContext, JobError, Starter};
use crate::state::AppState;
use crate::table::{self, Lang, ListQuery, OutputFormat, Table};

/// Job kinds are prefixed so that `/api/assign/runs/{id}` shows only freight studies.
const KIND_PREFIX: &str = "assign-";
/// Most elements a criticality run may be limited to.
const MAX_ONLY: usize = 500;

fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("{field}: {message}")).with_details(json!({ "field": field }))
}

fn inputs(state: &AppState) -> ApiResult<Arc<Inputs>> {
    state.assign.get().map_err(ApiError::internal)
}

fn may_read(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_freight_studies(),
        "read freight studies",
        String::new,
    )
}

/// `None` for the network as it is; an unknown name is 422 listing the known ones.
fn scenario(inputs: &Inputs, name: Option<&str>) -> ApiResult<Option<String>> {
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
            Err(ApiError::invalid(format!(
                "scenario: no scenario {n:?} (known: {})",
                known.join(", ")
            ))
            .with_details(json!({ "field": "scenario", "known": known })))
        }
    }
}

/// Names of every node in Chinese and English, so that links (which often have no name of
/// their own) and ranked elements can be labelled in the reader's language.
fn places(inputs: &Inputs) -> BTreeMap<String, Value> {
    inputs
        .network
        .nodes()
        .iter()
        .map(|n| {
            (
                n.id.clone(),
                json!({ "name": n.name, "name_zh": n.name_zh }),
            )
        })
        .collect()
}

/// A study's result as JSON with `kind`, `synthetic` and the place names added.
fn labelled(kind: &str, inputs: &Inputs, value: impl serde::Serialize) -> Result<Value, String> {
    let mut v = serde_json::to_value(value).map_err(|e| e.to_string())?;
    if let Value::Object(m) = &mut v {
        m.insert("kind".into(), json!(kind));
        // The demand is the generated demo's: every answer says so, as trade answers do.
        m.insert("synthetic".into(), json!(true));
        m.insert("places".into(), json!(places(inputs)));
    }
    Ok(v)
}

fn run_error(e: kaifang_assign::Error) -> JobError {
    JobError::Failed(e.to_string())
}

// ---------------------------------------------------------------- tables

fn kind_label(lang_zh: bool, node: bool) -> &'static str {
    match (lang_zh, node) {
        (true, true) => "节点",
        (true, false) => "线路",
        (false, true) => "node",
        (false, false) => "link",
    }
}

/// Capacitated links and nodes, busiest first: what the bottleneck table and its Excel show.
fn bottleneck_table(report: &Value, lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    let places = &report["places"];
    let place = |id: &str| {
        let p = &places[id];
        let name = if zh { &p["name_zh"] } else { &p["name"] };
        name.as_str().unwrap_or(id).to_string()
    };
    let mut rows: Vec<(f64, Vec<table::Cell>)> = Vec::new();
    for l in report["links"].as_array().into_iter().flatten() {
        let Some(u) = l["utilisation"].as_f64() else {
            continue;
        };
        let from = l["from"].as_str().unwrap_or_default();
        let to = l["to"].as_str().unwrap_or_default();
        let named = l["name"].as_str().filter(|n| !n.is_empty());
        let name = match named {
            Some(n) if !zh => n.to_string(),
            _ => format!("{} – {}", place(from), place(to)),
        };
        let volume = l["volume_forward"].as_f64().unwrap_or(0.0)
            + l["volume_backward"].as_f64().unwrap_or(0.0);
        rows.push((
            u,
            vec![
                kind_label(zh, false).into(),
                l["id"].as_str().unwrap_or_default().into(),
                name.into(),
                l["mode"].as_str().unwrap_or_default().into(),
                volume.into(),
                l["capacity"].as_f64().into(),
                u.into(),
                l["delay_hours"].as_f64().into(),
            ],
        ));
    }
    for n in report["nodes"].as_array().into_iter().flatten() {
        let u = n["utilisation"].as_f64().unwrap_or(0.0);
        let id = n["id"].as_str().unwrap_or_default();
        rows.push((
            u,
            vec![
                kind_label(zh, true).into(),
                id.into(),
                place(id).into(),
                n["kind"].as_str().unwrap_or_default().into(),
                n["volume"].as_f64().into(),
                n["capacity"].as_f64().into(),
                u.into(),
                n["delay_hours"].as_f64().into(),
            ],
        ));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    Table {
        name: "freight-bottlenecks",
        headers: &[
            ("类别", "Element"),
            ("编号", "Id"),
            ("名称", "Name"),
            ("方式/类型", "Mode or kind"),
            ("运量 (TEU/年)", "Volume (TEU/yr)"),
            ("能力 (TEU/年，每方向)", "Capacity (TEU/yr, per direction)"),
            ("利用率", "Volume / capacity"),
            ("延误 (小时)", "Delay (hours)"),
        ],
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    }
}

fn critical_table(result: &Value, lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    let places = &result["places"];
    let rows = result["ranking"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| {
            let e = &r["element"];
            let id = e["id"].as_str().unwrap_or_default();
            let node = e["kind"] == "node";
            let name = if node && zh {
                places[id]["name_zh"]
                    .as_str()
                    .or(e["name"].as_str())
                    .unwrap_or(id)
            } else {
                e["name"].as_str().unwrap_or(id)
            };
            vec![
                (i as i64 + 1).into(),
                kind_label(zh, node).into(),
                id.into(),
                name.into(),
                r["unserved"].as_f64().into(),
                r["cost_change"].as_f64().into(),
                r["rerouted"].as_f64().into(),
                r["relative_gap"].as_f64().into(),
            ]
        })
        .collect();
    Table {
        name: "freight-criticality",
        headers: &[
            ("排名", "Rank"),
            ("类别", "Element"),
            ("编号", "Id"),
            ("名称", "Name"),
            ("未满足需求 (TEU/年)", "Unserved (TEU/yr)"),
            ("成本变化 (元/年)", "Cost change (CNY/yr)"),
            ("改道运量 (TEU/年)", "Rerouted (TEU/yr)"),
            ("相对间隙", "Relative gap"),
        ],
        rows,
    }
}

fn appraisal_table(result: &Value, lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    let chosen: Vec<u64> = result["portfolio"]["chosen"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let rows = result["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, p)| {
            let name = if zh {
                p["name_zh"]
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .or(p["name"].as_str())
            } else {
                p["name"].as_str()
            };
            vec![
                (i as i64 + 1).into(),
                p["id"].as_str().unwrap_or_default().into(),
                name.unwrap_or_default().into(),
                p["npv"].as_f64().into(),
                p["bcr"].as_f64().into(),
                p["annual_saving"].as_f64().into(),
                p["capex_cny"].as_f64().into(),
                p["opening_year"].as_i64().into(),
                chosen.contains(&(i as u64)).into(),
                p["source"].as_str().unwrap_or_default().into(),
            ]
        })
        .collect();
    Table {
        name: "freight-projects",
        headers: &[
            ("排名", "Rank"),
            ("编号", "Id"),
            ("项目", "Project"),
            ("净现值 (元)", "NPV (CNY)"),
            ("效益费用比", "Benefit-cost ratio"),
            ("年节约 (元/年)", "Annual saving (CNY/yr)"),
            ("投资 (元)", "Capital cost (CNY)"),
            ("开通年份", "Opening year"),
            ("入选组合", "In the portfolio"),
            ("来源", "Source"),
        ],
        rows,
    }
}

fn xlsx_or_json(
    q: &ListQuery,
    headers: &HeaderMap,
    value: Value,
    table: fn(&Value, Lang) -> Table,
) -> ApiResult<Response> {
    let lang = q.lang(headers);
    table::respond_with(q, headers, value, |v| table(v, lang))
}

// ---------------------------------------------------------------- base

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BaseQuery {
    /// A scenario of the channels network; absent or `base`: the network as it is.
    pub scenario: Option<String>,
    /// `json` (default) or `xlsx` (the bottleneck table).
    pub format: Option<OutputFormat>,
    /// Spreadsheet header language: `zh` or `en` (default: from Accept-Language).
    pub lang: Option<Lang>,
}

/// The assignment of the (synthetic) demand on the default network under a scenario, at once:
/// link and node volumes, capacities (estimates), utilisation and delays, with each link's
/// line. `?format=xlsx`: the bottleneck table (capacitated links and nodes, busiest first).
#[utoipa::path(get, path = "/api/assign/base", tag = "assign", params(BaseQuery),
    responses((status = 200, description = "The assignment report: `{ scenario, demand, synthetic, total_cost, relative_gap, links, nodes, unserved, places }`, or an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn base(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<BaseQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let inputs = inputs(&state)?;
    let sc = scenario(&inputs, q.scenario.as_deref())?;
    // Milliseconds on the default network, but CPU-bound: off the async workers all the same.
    let value = tokio::task::spawn_blocking(move || {
        let report = study::assign(
            &inputs,
            sc.as_deref(),
            &study::default_options(),
            &mut |_| ControlFlow::Continue(()),
        )
        .map_err(|e| e.to_string())?;
        labelled("assignment", &inputs, report)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    xlsx_or_json(&list, &headers, value, bottleneck_table)
}

// ---------------------------------------------------------------- runs

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
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

enum Study {
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
    fn kind(&self) -> &'static str {
        match self {
            Study::Assignment { .. } => "assignment",
            Study::Critical { .. } => "critical",
            Study::Appraisal { .. } => "appraisal",
        }
    }
}

fn parse_run(inputs: &Inputs, b: RunBody) -> ApiResult<Study> {
    let not_for = |field: &str, kind: &str| {
        invalid(field, format!("does not apply to a run of kind {kind:?}"))
    };
    match b.kind.trim() {
        "assignment" => {
            for (f, given) in [
                ("which", b.which.is_some()),
                ("only", b.only.is_some()),
                ("budget_cny", b.budget_cny.is_some()),
                ("discount_rate", b.discount_rate.is_some()),
                ("base_year", b.base_year.is_some()),
            ] {
                if given {
                    return Err(not_for(f, "assignment"));
                }
            }
            Ok(Study::Assignment {
                scenario: scenario(inputs, b.scenario.as_deref())?,
            })
        }
        "critical" => {
            for (f, given) in [
                ("budget_cny", b.budget_cny.is_some()),
                ("discount_rate", b.discount_rate.is_some()),
                ("base_year", b.base_year.is_some()),
            ] {
                if given {
                    return Err(not_for(f, "critical"));
                }
            }
            let which = match b.which.as_deref().map(str::trim) {
                None | Some("") | Some("all") => Which::All,
                Some("links") => Which::Links,
                Some("nodes") => Which::Nodes,
                Some(w) => {
                    return Err(invalid(
                        "which",
                        format!("{w:?} is not all, links or nodes"),
                    ));
                }
            };
            let only = b.only.unwrap_or_default();
            if only.len() > MAX_ONLY {
                return Err(invalid("only", format!("at most {MAX_ONLY} ids")));
            }
            let net = &inputs.network;
            if let Some(unknown) = only.iter().find(|id| {
                !net.links().iter().any(|l| &l.id == *id)
                    && !net.nodes().iter().any(|n| &n.id == *id)
            }) {
                return Err(invalid(
                    "only",
                    format!("{unknown:?} is not a link or node of the network"),
                ));
            }
            Ok(Study::Critical {
                scenario: scenario(inputs, b.scenario.as_deref())?,
                which,
                only,
            })
        }
        "appraisal" => {
            for (f, given) in [
                ("scenario", b.scenario.is_some()),
                ("which", b.which.is_some()),
                ("only", b.only.is_some()),
            ] {
                if given {
                    return Err(not_for(f, "appraisal"));
                }
            }
            let defaults = Economics::default();
            let discount_rate = b.discount_rate.unwrap_or(defaults.discount_rate);
            if !(discount_rate.is_finite() && (0.0..1.0).contains(&discount_rate)) {
                return Err(invalid(
                    "discount_rate",
                    "must be a number from 0 to below 1 (0.08 is 8 %)",
                ));
            }
            let base_year = b.base_year.unwrap_or(defaults.base_year);
            if !(2000..=2100).contains(&base_year) {
                return Err(invalid("base_year", "must be a year from 2000 to 2100"));
            }
            let budget = b.budget_cny.unwrap_or(f64::INFINITY);
            if budget.is_nan() || budget < 0.0 {
                return Err(invalid("budget_cny", "must be a number ≥ 0"));
            }
            Ok(Study::Appraisal {
                economics: Economics {
                    discount_rate,
                    base_year,
                },
                budget,
            })
        }
        other => Err(invalid(
            "kind",
            format!("{other:?} is not assignment, critical or appraisal"),
        )),
    }
}

/// Runs a study on this (blocking) thread, reporting progress to the job.
fn run_study(inputs: &Inputs, study: Study, ctx: &JobContext) -> Result<Value, JobError> {
    let options = study::default_options();
    let kind = study.kind();
    let stop = |ctx: &JobContext| {
        if ctx.cancelled() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let value = match study {
        Study::Assignment { scenario } => {
            let report = study::assign(inputs, scenario.as_deref(), &options, &mut |f| {
                ctx.progress(f);
                stop(ctx)
            })
            .map_err(run_error)?;
            labelled(kind, inputs, report)
        }
        Study::Critical {
            scenario,
            which,
            only,
        } => {
            let ranking = study::critical(
                inputs,
                scenario.as_deref(),
                which,
                &only,
                &options,
                &mut |done, total| {
                    ctx.progress(done as f64 / total.max(1) as f64);
                    stop(ctx)
                },
            )
            .map_err(run_error)?;
            labelled(
                kind,
                inputs,
                json!({
                    "scenario": scenario.as_deref().unwrap_or("base"),
                    "demand": inputs.demand_label,
                    "which": which,
                    "ranking": ranking,
                }),
            )
        }
        Study::Appraisal { economics, budget } => {
            let appraisal =
                study::appraise(inputs, economics, budget, &options, &mut |done, total| {
                    ctx.progress(done as f64 / total.max(1) as f64);
                    stop(ctx)
                })
                .map_err(run_error)?;
            let mut v = labelled(kind, inputs, appraisal);
            // JSON has no infinity: no budget reads as null, not as a huge number.
            if let Ok(Value::Object(m)) = &mut v
                && budget.is_infinite()
            {
                m.insert("budget".into(), Value::Null);
            }
            v
        }
    };
    // A study stopped part-way returns what it had; a cancelled job keeps no result.
    if ctx.cancelled() {
        return Err(JobError::Cancelled);
    }
    value.map_err(JobError::Failed)
}

/// Start a freight study as a background job: `assignment` (loads under a scenario),
/// `critical` (each link and node closed in turn, ranked by unserved demand, then cost) or
/// `appraisal` (each candidate project against the base; NPV, BCR; the best portfolio within
/// `budget_cny`). Answers 202 with the job; follow it at `/api/assign/runs/{id}`.
#[utoipa::path(post, path = "/api/assign/runs", tag = "assign", request_body = RunBody,
    responses((status = 202, body = Job), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<RunBody>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    may_read(&caller)?;
    let inputs = inputs(&state)?;
    let study = parse_run(&inputs, body)?;
    let kind = format!("{KIND_PREFIX}{}", study.kind());
    let starter = Starter {
        user_id: Some(caller.principal.id),
        org_id: Some(caller.principal.org.id),
    };
    let job = state
        .jobs
        .spawn(&kind, starter, move |ctx| async move {
            tokio::task::spawn_blocking(move || run_study(&inputs, study, &ctx))
                .await
                .unwrap_or_else(|e| Err(JobError::Failed(format!("the study crashed: {e}"))))
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// `json` (default) or `xlsx`: the finished run's table (bottlenecks, criticality ranking
    /// or project ranking, by kind).
    pub format: Option<OutputFormat>,
    /// Spreadsheet header language: `zh` or `en` (default: from Accept-Language).
    pub lang: Option<Lang>,
}

/// A freight study's job: status, progress from 0 to 1, the message of a failure, and the
/// result once it has succeeded (the same record as `/api/jobs/{id}`). `?format=xlsx`: the
/// result's table, once finished.
#[utoipa::path(get, path = "/api/assign/runs/{id}", tag = "assign", params(RunQuery),
    responses((status = 200, body = Job), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let not_found = || ApiError::not_found(format!("freight study {id}"));
    let job = match state.jobs.get(&id).await {
        Ok(job) => job,
        Err(kaifang_store::StoreError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let visible = caller
        .actor()
        .read_started_by(job.user_id.unwrap_or(-1), job.org_id.unwrap_or(-1))
        .is_allowed();
    if !visible || !job.kind.starts_with(KIND_PREFIX) {
        return Err(not_found());
    }
    if q.format.unwrap_or_default() == OutputFormat::Json {
        return Ok(Json(job).into_response());
    }
    let Some(result) = job.result.filter(|_| job.status == JobStatus::Succeeded) else {
        return Err(ApiError::conflict(format!(
            "freight study {id} has no result to export ({})",
            job.status.as_str()
        )));
    };
    let table = match &job.kind[KIND_PREFIX.len()..] {
        "critical" => critical_table,
        "appraisal" => appraisal_table,
        _ => bottleneck_table,
    };
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    xlsx_or_json(&list, &headers, result, table)
}
