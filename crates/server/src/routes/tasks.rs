//! Directives supervision: meetings, directives, tasks, their timelines and the leaders'
//! summary.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kaifang_store::rules::{format_date, parse_date, today_in_china};
use kaifang_store::tasks::{
    Meeting, NewDirective, NewMeeting, NewTask, TaskAction, TaskDetail, TaskFilter, TaskItem,
    TaskSummary,
};
use kaifang_work::Light;
use kaifang_work::task::{Party, TaskState};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Cell, ListQuery, Table};

fn light_zh(l: Light) -> &'static str {
    match l {
        Light::Green => "正常",
        Light::Yellow => "临期",
        Light::Red => "逾期",
        Light::Grey => "已办结",
    }
}

fn task_table(items: &[TaskItem]) -> Table {
    Table {
        name: "tasks",
        headers: &[
            ("编号", "Id"),
            ("批示", "Directive"),
            ("任务", "Task"),
            ("牵头单位", "Lead"),
            ("配合单位", "Co-organisations"),
            ("交办日期", "Issued"),
            ("办理时限", "Deadline"),
            ("状态", "State"),
            ("亮灯", "Light"),
            ("逾期工作日", "Working days overdue"),
            ("办结日期", "Closed"),
        ],
        rows: items
            .iter()
            .map(|t| {
                vec![
                    t.id.into(),
                    format!("{} {}", t.directive_code, t.directive_title).into(),
                    t.title.as_str().into(),
                    t.lead.name_zh.as_str().into(),
                    Cell::Text(
                        t.co_orgs
                            .iter()
                            .map(|o| o.name_zh.as_str())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                    t.issued_on.as_str().into(),
                    t.deadline.as_str().into(),
                    t.state.as_str().into(),
                    light_zh(t.light).into(),
                    i64::from(t.overdue_working_days).into(),
                    t.closed_on.clone().into(),
                ]
            })
            .collect(),
    }
}

/// Whose tasks a caller may list: all (None) or one organisation's.
fn task_scope(caller: &Caller) -> ApiResult<Option<i64>> {
    let actor = caller.actor();
    ApiError::check(actor.read_tasks(), "read supervision tasks", String::new)?;
    Ok(actor.task_scope())
}

/// Meetings and their directives.
#[utoipa::path(get, path = "/api/meetings", tag = "directives",
    responses((status = 200, body = [Meeting]), (status = 403, body = ErrorBody)))]
pub async fn meetings(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Meeting>>> {
    task_scope(&caller)?;
    Ok(Json(state.store.meetings().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DirectiveBody {
    pub code: String,
    pub title: String,
    /// The words of the meeting it comes from.
    pub quote: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MeetingBody {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    #[serde(default)]
    pub chair: String,
    pub source: String,
    #[serde(default)]
    pub directives: Vec<DirectiveBody>,
}

fn directives(list: Vec<DirectiveBody>) -> Vec<NewDirective> {
    list.into_iter()
        .map(|d| NewDirective {
            code: d.code,
            title: d.title,
            quote: d.quote,
        })
        .collect()
}

/// Record a meeting and its directives (the supervising office).
#[utoipa::path(post, path = "/api/meetings", tag = "directives", request_body = MeetingBody,
    responses((status = 201, body = Meeting), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<MeetingBody>,
) -> ApiResult<(StatusCode, Json<Meeting>)> {
    ApiError::check(
        caller.actor().supervise_tasks(),
        "record meetings",
        String::new,
    )?;
    let m = NewMeeting {
        title: b.title,
        held_on: parse_date("held_on", &b.held_on)?,
        chair: b.chair,
        source: b.source,
    };
    let meeting = state
        .store
        .create_meeting(&caller.who(), &m, &directives(b.directives))
        .await?;
    Ok((StatusCode::CREATED, Json(meeting)))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct TaskQuery {
    /// Only tasks this organisation leads or co-organises.
    pub org: Option<i64>,
    /// `issued`, `signed_for`, `in_progress`, `submitted`, `returned` or `closed`.
    pub state: Option<String>,
    /// `green`, `yellow`, `red` or `grey`.
    pub light: Option<String>,
    pub directive: Option<i64>,
}

impl TaskQuery {
    fn filter(self) -> ApiResult<TaskFilter> {
        let state = self
            .state
            .as_deref()
            .map(|s| {
                TaskState::from_key(s).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "state: {s:?} is not one of issued, signed_for, in_progress, submitted, returned, closed"
                    ))
                })
            })
            .transpose()?;
        let light = self
            .light
            .as_deref()
            .map(|l| match l {
                "green" => Ok(Light::Green),
                "yellow" => Ok(Light::Yellow),
                "red" => Ok(Light::Red),
                "grey" => Ok(Light::Grey),
                other => Err(ApiError::invalid(format!(
                    "light: {other:?} is not one of green, yellow, red, grey"
                ))),
            })
            .transpose()?;
        Ok(TaskFilter {
            org: self.org,
            state,
            light,
            directive: self.directive,
        })
    }
}

/// Tasks the caller may see, with traffic lights as of today (China time). `?format=xlsx`.
#[utoipa::path(get, path = "/api/tasks", tag = "directives", params(ListQuery, TaskQuery),
    responses((status = 200, body = crate::table::Items<TaskItem>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    Query(f): Query<TaskQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let scope = task_scope(&caller)?;
    let items = state
        .store
        .tasks(&f.filter()?, scope, &state.rules, today_in_china())
        .await?;
    table::respond(&q, &headers, items, task_table)
}

/// The leaders' summary: per lead organisation, tasks on track, due soon, overdue and closed.
/// `?format=xlsx` for the table per organisation.
#[utoipa::path(get, path = "/api/tasks/summary", tag = "directives", params(ListQuery),
    responses((status = 200, body = TaskSummary), (status = 403, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let scope = task_scope(&caller)?;
    let summary = state
        .store
        .task_summary(scope, &state.rules, today_in_china())
        .await?;
    table::respond_with(&q, &headers, summary, summary_table)
}

fn summary_table(s: &TaskSummary) -> Table {
    Table {
        name: "task-summary",
        headers: &[
            ("牵头单位", "Lead organisation"),
            ("任务总数", "Tasks"),
            ("正常推进", "On track"),
            ("临期", "Due soon"),
            ("逾期未办结", "Overdue"),
            ("已办结", "Closed"),
            ("其中逾期办结", "Closed late"),
        ],
        rows: s
            .by_org
            .iter()
            .chain(std::iter::once(&s.total))
            .map(|r| {
                vec![
                    r.org.name_zh.as_str().into(),
                    i64::from(r.total).into(),
                    i64::from(r.green).into(),
                    i64::from(r.yellow).into(),
                    i64::from(r.overdue).into(),
                    i64::from(r.closed).into(),
                    i64::from(r.closed_late).into(),
                ]
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MilestoneBody {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskBody {
    pub directive_id: i64,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub lead_org_id: i64,
    #[serde(default)]
    pub co_org_ids: Vec<i64>,
    /// `YYYY-MM-DD`; or give `working_days` instead.
    pub deadline: Option<String>,
    /// The deadline as working days from today, counted on the Chinese calendar.
    pub working_days: Option<u32>,
    #[serde(default)]
    pub milestones: Vec<MilestoneBody>,
}

/// Issue a task from a directive (the supervising office).
#[utoipa::path(post, path = "/api/tasks", tag = "directives", request_body = TaskBody,
    responses((status = 201, body = TaskDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<TaskBody>,
) -> ApiResult<(StatusCode, Json<TaskDetail>)> {
    ApiError::check(caller.actor().supervise_tasks(), "issue tasks", String::new)?;
    let today = today_in_china();
    let deadline = match (b.deadline.as_deref(), b.working_days) {
        (Some(d), None) => parse_date("deadline", d)?,
        (None, Some(n)) if n > 0 => state.rules.calendar.add_working_days(today, n).date,
        _ => {
            return Err(ApiError::invalid(
                "deadline: give either a date or a number of working days greater than 0",
            ));
        }
    };
    let milestones = b
        .milestones
        .into_iter()
        .map(|m| Ok((m.title, parse_date("milestones.due_on", &m.due_on)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    let new = NewTask {
        directive_id: b.directive_id,
        title: b.title,
        description: b.description,
        lead_org_id: b.lead_org_id,
        co_org_ids: b.co_org_ids,
        issued_on: today,
        deadline,
        milestones,
    };
    let task = state
        .store
        .create_task(&caller.who(), &new, &state.rules)
        .await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// One task with its milestones and timeline.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "directives",
    responses((status = 200, body = TaskDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<TaskDetail>> {
    let (lead, co) = state.store.task_orgs(id).await?;
    ApiError::check(
        caller.actor().read_task(lead, &co),
        "read this task",
        || format!("task {id}"),
    )?;
    Ok(Json(
        state.store.task(id, &state.rules, today_in_china()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskEventKind {
    SignFor,
    Progress,
    Submit,
    Close,
    Return,
    RequestExtension,
    DecideExtension,
    Comment,
    MilestoneDone,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskEventBody {
    /// The version of the task the caller last read; a newer one means 409 with the current
    /// task in `details.current`.
    pub version: i64,
    pub kind: TaskEventKind,
    /// Progress report, comment, closing note, or the reason of a return or extension request.
    #[serde(default)]
    pub body: String,
    /// For `request_extension`: the new deadline asked for, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// For `decide_extension`.
    pub approve: Option<bool>,
    /// For `milestone_done`.
    pub milestone_id: Option<i64>,
    /// Upload ids of attached files (upload them first to /api/uploads).
    #[serde(default)]
    pub attachments: Vec<i64>,
}

fn task_action(b: &TaskEventBody) -> ApiResult<TaskAction> {
    let body = b.body.clone();
    Ok(match b.kind {
        TaskEventKind::SignFor => TaskAction::SignFor,
        TaskEventKind::Progress => TaskAction::Progress { body },
        TaskEventKind::Submit => TaskAction::Submit { body },
        TaskEventKind::Close => TaskAction::Close { body },
        TaskEventKind::Return => TaskAction::Return { reason: body },
        TaskEventKind::RequestExtension => TaskAction::RequestExtension {
            until: parse_date(
                "until",
                b.until
                    .as_deref()
                    .ok_or_else(|| ApiError::invalid("until: required for an extension request"))?,
            )?,
            reason: body,
        },
        TaskEventKind::DecideExtension => TaskAction::DecideExtension {
            approve: b
                .approve
                .ok_or_else(|| ApiError::invalid("approve: required to decide an extension"))?,
            body,
        },
        TaskEventKind::Comment => TaskAction::Comment { body },
        TaskEventKind::MilestoneDone => TaskAction::MilestoneDone {
            milestone_id: b
                .milestone_id
                .ok_or_else(|| ApiError::invalid("milestone_id: required"))?,
        },
    })
}

/// Act on a task: sign for it, report progress, submit, close, return, ask for or decide an
/// extension, comment, tick off a milestone.
#[utoipa::path(post, path = "/api/tasks/{id}/events", tag = "directives", request_body = TaskEventBody,
    responses((status = 200, body = TaskDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current task in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<TaskEventBody>,
) -> ApiResult<Json<TaskDetail>> {
    let (lead, co) = state.store.task_orgs(id).await?;
    let actor = caller.actor();
    let action = task_action(&b)?;
    let decision = match action.party() {
        Some(Party::Lead) => actor.lead_task(lead, &co),
        Some(Party::Supervisor) => actor.supervise_task(lead, &co),
        None => actor.comment_task(lead, &co),
    };
    ApiError::check(
        decision,
        &format!("{} this task", action.kind().replace('_', " ")),
        || format!("task {id}"),
    )?;
    let today = today_in_china();
    let task = state
        .store
        .act_on_task(
            &caller.who(),
            id,
            b.version,
            &action,
            &b.attachments,
            &state.rules,
            today,
        )
        .await?;
    tracing::debug!(task = id, kind = action.kind(), today = %format_date(today), "task event");
    Ok(Json(task))
}
