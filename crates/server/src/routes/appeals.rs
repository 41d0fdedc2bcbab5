//! Enterprise appeals and the roundtable for foreign-funded enterprises.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kaifang_store::appeals::{
    AppealAction, AppealDetail, AppealItem, AppealStats, CATEGORIES, NewAppeal, NewRoundtable,
    Roundtable,
};
use kaifang_store::rules::{parse_date, today_in_china};
use kaifang_work::appeal::Party;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, ListQuery, Table};

fn category_zh(key: &str) -> &str {
    CATEGORIES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, _)| *zh)
        .unwrap_or(key)
}

fn appeal_table(items: &[AppealItem]) -> Table {
    Table {
        name: "appeals",
        headers: &[
            ("编号", "Id"),
            ("企业", "Enterprise"),
            ("类别", "Category"),
            ("诉求", "Appeal"),
            ("状态", "State"),
            ("提交日期", "Filed"),
            ("受理日期", "Accepted"),
            ("承办单位", "Assigned to"),
            ("答复日期", "Answered"),
            ("办理时限", "Deadline"),
            ("超时", "Escalated"),
            ("满意度", "Satisfaction"),
        ],
        rows: items
            .iter()
            .map(|a| {
                vec![
                    a.id.into(),
                    a.enterprise.name_zh.as_str().into(),
                    category_zh(&a.category).into(),
                    a.title.as_str().into(),
                    a.state.as_str().into(),
                    a.filed_on.as_str().into(),
                    a.accepted_on.clone().into(),
                    a.assigned.as_ref().map(|o| o.name_zh.clone()).into(),
                    a.answered_on.clone().into(),
                    a.deadline.clone().into(),
                    a.escalated.into(),
                    a.score.into(),
                ]
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// The categories an appeal may have.
#[utoipa::path(get, path = "/api/appeals/categories", tag = "appeals",
    responses((status = 200, body = [Category]), (status = 401, body = ErrorBody)))]
pub async fn categories(_caller: Caller) -> Json<Vec<Category>> {
    Json(
        CATEGORIES
            .iter()
            .map(|&(key, name_zh, name_en)| Category {
                key,
                name_zh,
                name_en,
            })
            .collect(),
    )
}

/// Appeals the caller may see: an enterprise its own, a department those assigned to it,
/// intake and leaders all. `?format=xlsx`.
#[utoipa::path(get, path = "/api/appeals", tag = "appeals", params(ListQuery),
    responses((status = 200, body = crate::table::Items<AppealItem>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let items = state
        .store
        .appeals(
            Some(caller.actor().appeal_scope()),
            &state.rules,
            today_in_china(),
        )
        .await?;
    table::respond(&q, &headers, items, appeal_table)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealBody {
    /// One of the keys of /api/appeals/categories.
    pub category: String,
    pub title: String,
    pub description: String,
    /// Upload ids of attached files.
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// File an appeal (enterprise staff, for their own enterprise).
#[utoipa::path(post, path = "/api/appeals", tag = "appeals", request_body = AppealBody,
    responses((status = 201, body = AppealDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<AppealBody>,
) -> ApiResult<(StatusCode, Json<AppealDetail>)> {
    let actor = caller.actor();
    ApiError::check(actor.file_appeal(), "file appeals", String::new)?;
    let new = NewAppeal {
        enterprise_org_id: actor.org_id,
        category: b.category,
        title: b.title,
        description: b.description,
        filed_on: today_in_china(),
    };
    let appeal = state
        .store
        .file_appeal(&caller.who(), &new, &b.attachments, &state.rules)
        .await?;
    Ok((StatusCode::CREATED, Json(appeal)))
}

/// Statistics over the appeals the caller may see: by category and department, working days to
/// accept and to answer, satisfaction.
/// `?format=xlsx` for the rows by category and by department.
#[utoipa::path(get, path = "/api/appeals/stats", tag = "appeals", params(ListQuery),
    responses((status = 200, body = AppealStats), (status = 401, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let stats = state
        .store
        .appeal_stats(
            Some(caller.actor().appeal_scope()),
            &state.rules,
            today_in_china(),
        )
        .await?;
    table::respond_with(&q, &headers, stats, stats_table)
}

fn stats_table(s: &AppealStats) -> Table {
    let opt = |v: Option<f64>| v.map(|x| (x * 10.0).round() / 10.0).into();
    let rows = s
        .by_category
        .iter()
        .map(|r| ("类别", r))
        .chain(s.by_department.iter().map(|r| ("承办单位", r)))
        .chain(std::iter::once(("合计", &s.total)));
    Table {
        name: "appeal-statistics",
        headers: &[
            ("分组", "Grouping"),
            ("名称", "Name"),
            ("总数", "Total"),
            ("办理中", "Open"),
            ("超时", "Escalated"),
            ("不予受理", "Rejected"),
            ("已答复", "Answered"),
            ("平均受理工作日", "Mean working days to accept"),
            ("平均答复工作日", "Mean working days to answer"),
            ("平均满意度", "Mean satisfaction"),
            ("评价数", "Rated"),
        ],
        rows: rows
            .map(|(group, r)| {
                vec![
                    group.into(),
                    r.name_zh.as_str().into(),
                    i64::from(r.total).into(),
                    i64::from(r.open).into(),
                    i64::from(r.escalated).into(),
                    i64::from(r.rejected).into(),
                    i64::from(r.answered).into(),
                    opt(r.mean_days_to_accept),
                    opt(r.mean_days_to_answer),
                    opt(r.mean_satisfaction),
                    i64::from(r.rated).into(),
                ]
            })
            .collect(),
    }
}

/// One appeal with its timeline.
#[utoipa::path(get, path = "/api/appeals/{id}", tag = "appeals",
    responses((status = 200, body = AppealDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AppealDetail>> {
    let (enterprise, assigned) = state.store.appeal_orgs(id).await?;
    ApiError::check(
        caller.actor().read_appeal(enterprise, assigned),
        "read this appeal",
        || format!("appeal {id}"),
    )?;
    Ok(Json(
        state
            .store
            .appeal(id, &state.rules, today_in_china())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealEventKind {
    Accept,
    Reject,
    Assign,
    Answer,
    Rate,
    Comment,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealEventBody {
    /// The version of the appeal the caller last read.
    pub version: i64,
    pub kind: AppealEventKind,
    /// The answer, the reason of a rejection, or a comment.
    #[serde(default)]
    pub body: String,
    /// For `assign`, and optionally `accept`: the organisation that handles it.
    pub org_id: Option<i64>,
    /// For `rate`: 1 (very unsatisfied) to 5 (very satisfied).
    pub score: Option<u8>,
    #[serde(default)]
    pub attachments: Vec<i64>,
}

fn appeal_action(b: &AppealEventBody) -> ApiResult<AppealAction> {
    let body = b.body.clone();
    Ok(match b.kind {
        AppealEventKind::Accept => AppealAction::Accept {
            assign_to: b.org_id,
            body,
        },
        AppealEventKind::Reject => AppealAction::Reject { reason: body },
        AppealEventKind::Assign => AppealAction::Assign {
            org_id: b
                .org_id
                .ok_or_else(|| ApiError::invalid("org_id: required to assign"))?,
            body,
        },
        AppealEventKind::Answer => AppealAction::Answer { body },
        AppealEventKind::Rate => AppealAction::Rate {
            score: b
                .score
                .ok_or_else(|| ApiError::invalid("score: required, 1 to 5"))?,
            body,
        },
        AppealEventKind::Comment => AppealAction::Comment { body },
    })
}

/// Act on an appeal: accept (and assign), reject, assign, answer, rate, comment.
#[utoipa::path(post, path = "/api/appeals/{id}/events", tag = "appeals", request_body = AppealEventBody,
    responses((status = 200, body = AppealDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current appeal in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AppealEventBody>,
) -> ApiResult<Json<AppealDetail>> {
    let (enterprise, assigned) = state.store.appeal_orgs(id).await?;
    let actor = caller.actor();
    let action = appeal_action(&b)?;
    let decision = match action.party() {
        Some(Party::Intake) => actor.intake_appeal(enterprise, assigned),
        Some(Party::Handler) => actor.answer_appeal(enterprise, assigned),
        Some(Party::Enterprise) => actor.own_appeal(enterprise, assigned),
        None => actor.comment_appeal(enterprise, assigned),
    };
    ApiError::check(decision, &format!("{} this appeal", action.kind()), || {
        format!("appeal {id}")
    })?;
    let appeal = state
        .store
        .act_on_appeal(
            &caller.who(),
            id,
            b.version,
            &action,
            &b.attachments,
            &state.rules,
            today_in_china(),
        )
        .await?;
    Ok(Json(appeal))
}

/// Roundtable meetings with their agendas and minutes; `?format=xlsx` for the agendas, one
/// row per item.
#[utoipa::path(get, path = "/api/roundtables", tag = "appeals", params(ListQuery),
    responses((status = 200, body = [Roundtable]), (status = 403, body = ErrorBody)))]
pub async fn roundtables(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_roundtables(),
        "read roundtables",
        String::new,
    )?;
    let list = state.store.roundtables().await?;
    table::respond_with(&q, &headers, list, |l| roundtable_table(l))
}

fn roundtable_table(list: &[Roundtable]) -> Table {
    Table {
        name: "roundtables",
        headers: &[
            ("会议", "Meeting"),
            ("日期", "Date"),
            ("序号", "Item"),
            ("议题", "Agenda item"),
            ("关联诉求", "Appeal"),
            ("诉求状态", "Appeal state"),
        ],
        rows: list
            .iter()
            .flat_map(|r| {
                r.items.iter().map(move |i| {
                    vec![
                        r.title.as_str().into(),
                        r.held_on.as_str().into(),
                        i.position.into(),
                        i.title.as_str().into(),
                        i.appeal_title.clone().into(),
                        i.appeal_state.clone().into(),
                    ]
                })
            })
            .collect(),
    }
}

/// One roundtable meeting.
#[utoipa::path(get, path = "/api/roundtables/{id}", tag = "appeals",
    responses((status = 200, body = Roundtable), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn roundtable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Roundtable>> {
    ApiError::check(
        caller.actor().read_roundtables(),
        "read roundtables",
        String::new,
    )?;
    Ok(Json(state.store.roundtable(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AgendaItemBody {
    pub title: String,
    /// An appeal this item discusses.
    pub appeal_id: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoundtableBody {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub items: Vec<AgendaItemBody>,
    /// Required when updating: the version last read.
    pub version: Option<i64>,
}

fn new_roundtable(b: RoundtableBody) -> ApiResult<NewRoundtable> {
    Ok(NewRoundtable {
        title: b.title,
        held_on: parse_date("held_on", &b.held_on)?,
        minutes: b.minutes,
        items: b
            .items
            .into_iter()
            .map(|i| (i.title, i.appeal_id))
            .collect(),
    })
}

/// Schedule a roundtable meeting with its agenda (intake of appeals).
#[utoipa::path(post, path = "/api/roundtables", tag = "appeals", request_body = RoundtableBody,
    responses((status = 201, body = Roundtable), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_roundtable(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<RoundtableBody>,
) -> ApiResult<(StatusCode, Json<Roundtable>)> {
    ApiError::check(
        caller.actor().intake_appeals(),
        "run the roundtable",
        String::new,
    )?;
    let r = state
        .store
        .create_roundtable(&caller.who(), &new_roundtable(b)?)
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Replace a roundtable's agenda and minutes (intake of appeals); needs `version`.
#[utoipa::path(put, path = "/api/roundtables/{id}", tag = "appeals", request_body = RoundtableBody,
    responses((status = 200, body = Roundtable), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`stale`, with the current roundtable in details.current", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_roundtable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<RoundtableBody>,
) -> ApiResult<Json<Roundtable>> {
    ApiError::check(
        caller.actor().intake_appeals(),
        "run the roundtable",
        String::new,
    )?;
    let version = b
        .version
        .ok_or_else(|| ApiError::invalid("version: required to update"))?;
    Ok(Json(
        state
            .store
            .update_roundtable(&caller.who(), id, version, &new_roundtable(b)?)
            .await?,
    ))
}
