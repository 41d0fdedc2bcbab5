//! The yearly collection of a zone's data: the list of submissions, a zone's form, saving a
//! draft from JSON, submitting, approving and returning (the steps are
//! `kaifang_store::zone_data`'s), and checking a filled-in form without saving it.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kaifang_app::assess::{CheckReport, ZoneForm};
use kaifang_model::Decision;
use kaifang_store::zone_data::{SubmissionFilter, SubmissionItem, ValueInput};
use kaifang_work::submission::SubmissionState;
use serde::{Deserialize, Serialize};

use super::{allowed_zone, form_year, responsible_orgs, zone_of};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Items, Lang, ListQuery, OutputFormat, Table};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckBody {
    /// The filled-in form (the CSV of /api/zones/template, or wide iData with a Time column).
    pub csv: String,
    /// Relative change against the zone's previous year above which a value is flagged
    /// (default 0.5, i.e. ±50%).
    pub max_change: Option<f64>,
}

/// Checks a filled-in yearly form without saving it: every value's type, unit and valid range
/// against the framework (the first bad value is a 422 naming the row and field), zones known
/// to the registry, and values that jumped against the zone's previous year (warnings).
#[utoipa::path(post, path = "/api/zones/submissions/check", tag = "zones", request_body = CheckBody,
    responses((status = 200, body = CheckReport, description = "What the check found; nothing is saved"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "a bad value; `details` has file, row and field", body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CheckBody>,
) -> ApiResult<Json<CheckReport>> {
    ApiError::check(
        caller.actor().check_zone_data(),
        "check zone data",
        String::new,
    )?;
    Ok(Json(
        state
            .zones
            .check(&state.store, &body.csv, body.max_change)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SubmissionsQuery {
    pub year: Option<i32>,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: Option<String>,
    pub zone: Option<String>,
    /// `json` (default) or `xlsx`.
    pub format: Option<OutputFormat>,
    /// Language of the spreadsheet's headers: `zh` or `en`.
    pub lang: Option<Lang>,
}

/// A submission in the list, with its zone's names and how many values jumped.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionRow {
    #[serde(flatten)]
    pub item: SubmissionItem,
    pub zone_name: String,
    pub zone_name_en: String,
    /// Values that jumped more than ±50% against last year.
    pub warnings: usize,
}

fn submissions_table(items: &[SubmissionRow]) -> Table {
    Table {
        name: "zone-submissions",
        headers: &[
            ("开发区代码", "Zone code"),
            ("开发区", "Zone"),
            ("年份", "Year"),
            ("状态", "State"),
            ("已填指标数", "Values"),
            ("大幅变动提示", "Warnings"),
            ("报送人", "Submitted by"),
            ("报送时间", "Submitted at"),
            ("审核人", "Reviewed by"),
            ("审核时间", "Reviewed at"),
            ("退回原因", "Reason of return"),
            ("版本", "Version"),
        ],
        rows: items
            .iter()
            .map(|r| {
                let i = &r.item;
                vec![
                    i.zone_code.as_str().into(),
                    r.zone_name.as_str().into(),
                    i64::from(i.year).into(),
                    i.state.as_str().into(),
                    i.values.into(),
                    (r.warnings as i64).into(),
                    i.submitted_by.clone().into(),
                    i.submitted_at.clone().into(),
                    i.reviewed_by.clone().into(),
                    i.reviewed_at.clone().into(),
                    i.reason.clone().into(),
                    i.version.into(),
                ]
            })
            .collect(),
    }
}

/// Zones' yearly submissions: every zone's for provincial departments and leaders, one's own
/// zones' for zone and city staff; with the number of values that jumped against last year.
/// `?format=xlsx`.
#[utoipa::path(get, path = "/api/zones/submissions", tag = "zones", params(SubmissionsQuery),
    responses((status = 200, body = Items<SubmissionRow>, description = "The list, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submissions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SubmissionsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let actor = caller.actor();
    ApiError::check(actor.list_zone_data(), "read zone data", String::new)?;
    let e = state.zones.engine()?;
    let orgs = responsible_orgs(&state, &e).await?;
    let mut zones: Vec<String> = orgs
        .iter()
        .filter(|(_, ids)| actor.read_zone_data(ids).is_allowed())
        .map(|(code, _)| code.clone())
        .collect();
    if let Some(z) = q.zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        zones.retain(|c| c == z);
    }
    let filter = SubmissionFilter {
        year: q.year,
        state: match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(SubmissionState::from_key(s).ok_or_else(|| {
                ApiError::field(
                    "state",
                    format!("\"{s}\" is not one of draft, submitted, approved, returned"),
                )
            })?),
        },
        zones: Some(zones),
    };
    let input = state.zones.input(&state.store).await?;
    let mut rows = Vec::new();
    for item in state.store.zone_submissions(&filter).await? {
        let Ok(zone) = zone_of(&e, &item.zone_code) else {
            continue;
        };
        let sub = state
            .store
            .zone_submission(&item.zone_code, item.year)
            .await?;
        let warnings = ZoneForm::new(&e, &input, zone, item.year, Some(sub)).warnings;
        rows.push(SubmissionRow {
            zone_name: zone.name_zh.clone(),
            zone_name_en: zone.name_en.clone(),
            item,
            warnings,
        });
    }
    let lq = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    table::respond(&lq, &headers, rows, submissions_table)
}

/// A zone's form for a year: each indicator with its unit, valid range, last year's value
/// and where it comes from, the value entered, and whether it jumped; the submission's state,
/// version and history (`submission: null` before anything is saved).
#[utoipa::path(get, path = "/api/zones/{code}/submissions/{year}", tag = "zones",
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, body = ZoneForm, description = "The zone's form"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submission(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
) -> ApiResult<Json<ZoneForm>> {
    let zone = allowed_zone(&state, &caller, &code, "read zone data", |a, r| {
        a.read_zone_data(r)
    })
    .await?;
    let year = form_year(&year)?;
    Ok(Json(state.zones.form(&state.store, &zone, year).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FormValue {
    pub indicator: String,
    /// `null` or absent: not filled in.
    pub value: Option<f64>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    /// The version last read (0 for a zone and year with no submission yet).
    #[serde(default)]
    pub version: i64,
    pub values: Vec<FormValue>,
}

/// Saves the zone's values as a draft (or corrects a returned submission). Every value is
/// checked against the framework — known indicator, a number within its valid range — and
/// nothing is saved if one is wrong (422 naming `values[i].field`).
#[utoipa::path(put, path = "/api/zones/{code}/submissions/{year}", tag = "zones", request_body = DraftBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, body = ZoneForm, description = "The zone's form"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn save_draft(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    JsonBody(body): JsonBody<DraftBody>,
) -> ApiResult<Json<ZoneForm>> {
    let zone = allowed_zone(
        &state,
        &caller,
        &code,
        "fill in this zone's data",
        |a, r| a.edit_zone_data(r),
    )
    .await?;
    let year = form_year(&year)?;
    let values: Vec<ValueInput> = body
        .values
        .into_iter()
        .filter_map(|v| {
            v.value.map(|value| ValueInput {
                indicator: v.indicator.trim().to_string(),
                value,
                note: v.note,
            })
        })
        .collect();
    state
        .store
        .save_zone_draft(
            &caller.who(),
            &zone.code,
            year,
            body.version,
            &values,
            &state.zones.engine()?.framework,
        )
        .await?;
    Ok(Json(state.zones.form(&state.store, &zone, year).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    /// The version last read; a newer one means 409 `stale` with the current submission.
    pub version: i64,
    /// For a return: what the zone should correct.
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Copy)]
enum Step {
    Submit,
    Approve,
    Return,
}

async fn step(
    state: AppState,
    caller: Caller,
    code: String,
    year: String,
    body: StepBody,
    step: Step,
) -> ApiResult<Json<ZoneForm>> {
    let zone = match step {
        Step::Submit => {
            allowed_zone(&state, &caller, &code, "submit this zone's data", |a, r| {
                a.edit_zone_data(r)
            })
            .await?
        }
        Step::Approve | Step::Return => {
            allowed_zone(&state, &caller, &code, "review zone data", |a, r| {
                match a.read_zone_data(r) {
                    Decision::Allow => a.review_zone_data(),
                    other => other,
                }
            })
            .await?
        }
    };
    let year = form_year(&year)?;
    let who = caller.who();
    let store = &state.store;
    match step {
        Step::Submit => {
            store
                .submit_zone_data(&who, &zone.code, year, body.version)
                .await?
        }
        Step::Approve => {
            store
                .approve_zone_data(&who, &zone.code, year, body.version)
                .await?
        }
        Step::Return => {
            store
                .return_zone_data(&who, &zone.code, year, body.version, &body.reason)
                .await?
        }
    };
    Ok(Json(state.zones.form(store, &zone, year).await?))
}

/// Submits the zone's form for review (from draft or returned).
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/submit", tag = "zones", request_body = StepBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, body = ZoneForm, description = "The zone's form"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    JsonBody(body): JsonBody<StepBody>,
) -> ApiResult<Json<ZoneForm>> {
    step(state, caller, code, year, body, Step::Submit).await
}

/// Approves a submitted form (the owner of the `platforms` module): its values replace the
/// demo values in the assessment.
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/approve", tag = "zones", request_body = StepBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, body = ZoneForm, description = "The zone's form"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    JsonBody(body): JsonBody<StepBody>,
) -> ApiResult<Json<ZoneForm>> {
    step(state, caller, code, year, body, Step::Approve).await
}

/// Returns a submitted form to the zone with a reason (the owner of the `platforms` module).
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/return", tag = "zones", request_body = StepBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, body = ZoneForm, description = "The zone's form"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, description = "no reason given", body = ErrorBody)))]
pub async fn return_(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    JsonBody(body): JsonBody<StepBody>,
) -> ApiResult<Json<ZoneForm>> {
    step(state, caller, code, year, body, Step::Return).await
}
