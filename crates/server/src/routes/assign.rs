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

use std::ops::ControlFlow;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kaifang_app::studies::{self, Study, StudyRequest, StudyResult};
use kaifang_assign::study::{self, Inputs};
use kaifang_store::jobs::{Job, JobStatus};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::jobs::{JobContext, JobError, Starter, Work};
use crate::state::AppState;
use crate::table::{self, Lang, ListQuery, OutputFormat, Table};

/// Job kinds are prefixed so that `/api/assign/runs/{id}` shows only freight studies.
const KIND_PREFIX: &str = kaifang_app::studies::JOB_KIND_PREFIX;

fn inputs(state: &AppState) -> ApiResult<Arc<Inputs>> {
    Ok(state.assign.get()?)
}

fn may_read(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_freight_studies(),
        "read freight studies",
        String::new,
    )
}

/// A study's result as the JSON the tables read.
fn to_json(result: &StudyResult) -> ApiResult<Value> {
    serde_json::to_value(result).map_err(ApiError::internal)
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
    responses((status = 200, body = StudyResult, description = "The assignment report, or with `format=xlsx` the bottleneck table as an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn base(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<BaseQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let inputs = inputs(&state)?;
    let study = Study::Assignment {
        scenario: studies::scenario(&inputs, q.scenario.as_deref())?,
    };
    // Milliseconds on the default network, but CPU-bound: off the async workers all the same.
    let result = tokio::task::spawn_blocking(move || {
        studies::run(&inputs, &study, &study::default_options(), &mut |_| {
            ControlFlow::Continue(())
        })
    })
    .await
    .map_err(ApiError::internal)??;
    let value = to_json(&result)?;
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    xlsx_or_json(&list, &headers, value, bottleneck_table)
}

// ---------------------------------------------------------------- runs

/// Start a freight study as a background job: `assignment` (loads under a scenario),
/// `critical` (each link and node closed in turn, ranked by unserved demand, then cost) or
/// `appraisal` (each candidate project against the base; NPV, BCR; the best portfolio within
/// `budget_cny`). Answers 202 with the job; follow it at `/api/assign/runs/{id}`.
#[utoipa::path(post, path = "/api/assign/runs", tag = "assign", request_body = StudyRequest,
    responses((status = 202, body = Job), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<StudyRequest>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    may_read(&caller)?;
    let inputs = inputs(&state)?;
    // Another instance starting it over parses the same request again.
    let resume = serde_json::json!({ "request": body });
    let study = Study::parse(&inputs, body)?;
    let kind = study.job_kind();
    let starter = Starter {
        user_id: Some(caller.principal.id),
        org_id: Some(caller.principal.org.id),
    };
    let job = state
        .jobs
        .spawn_resumable(&kind, starter, resume, study_work(inputs, study))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// A freight study as a job's work: CPU-bound, so off the async workers; it stops between
/// steps when cancelled.
pub(crate) fn study_work(inputs: Arc<Inputs>, study: Study) -> Work {
    Box::new(move |ctx: JobContext| {
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let result = studies::run(&inputs, &study, &study::default_options(), &mut |f| {
                    ctx.progress(f);
                    if ctx.cancelled() {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })?;
                serde_json::to_value(result).map_err(|e| JobError::Failed(e.to_string()))
            })
            .await
            .unwrap_or_else(|e| Err(JobError::Failed(format!("the study crashed: {e}"))))
        })
    })
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
