//! Directives supervision (督查督办): meetings → directives → tasks, and each task's timeline.
//!
//! The rules (which event is allowed in which state, by whom) are `kaifang_work::task`'s; this
//! module loads a task, asks the rules, and writes the new state, the timeline entry, the
//! audit entry and the notifications in one transaction, guarded by the task's version.

use kaifang_work::Light;
use kaifang_work::task::{Party, Task, TaskEvent, TaskState};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;
use time::Date;

use crate::audit::{self, Who};
use crate::notifications::{Notice, notify_orgs, orgs_owning};
use crate::rules::{Rules, format_date, parse_date};
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub chair: String,
    /// Where the meeting's record comes from.
    pub source: String,
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Directive {
    pub id: i64,
    pub meeting_id: i64,
    pub code: String,
    pub title: String,
    /// The words of the meeting the directive comes from.
    pub quote: String,
    pub tasks: i64,
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub title: String,
    pub held_on: Date,
    pub chair: String,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct NewDirective {
    pub code: String,
    pub title: String,
    pub quote: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A task as boards and lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskItem {
    pub id: i64,
    pub directive_id: i64,
    pub directive_code: String,
    pub directive_title: String,
    pub title: String,
    pub lead: OrgRef,
    pub co_orgs: Vec<OrgRef>,
    pub issued_on: String,
    pub deadline: String,
    /// `issued`, `signed_for`, `in_progress`, `submitted`, `returned` or `closed`.
    pub state: String,
    /// A requested new deadline awaiting the supervisor's decision.
    pub extension_until: Option<String>,
    pub closed_on: Option<String>,
    #[schema(value_type = String)]
    pub light: Light,
    /// Working days past the deadline (0 when not overdue).
    pub overdue_working_days: u32,
    /// True when the deadline lies in a year whose holiday notice is not yet published.
    pub deadline_provisional: bool,
    pub version: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Milestone {
    pub id: i64,
    pub title: String,
    pub due_on: String,
    pub done_on: Option<String>,
}

/// One entry of a timeline (tasks and appeals alike).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimelineEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub org: Option<OrgRef>,
    pub kind: String,
    pub body: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Upload ids.
    pub attachments: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub item: TaskItem,
    pub description: String,
    pub extension_reason: Option<String>,
    pub meeting_title: String,
    pub quote: String,
    pub milestones: Vec<Milestone>,
    pub events: Vec<TimelineEvent>,
}

#[derive(Debug, Clone)]
pub struct NewTask {
    pub directive_id: i64,
    pub title: String,
    pub description: String,
    pub lead_org_id: i64,
    pub co_org_ids: Vec<i64>,
    pub issued_on: Date,
    pub deadline: Date,
    pub milestones: Vec<(String, Date)>,
}

/// What someone does to a task. Transitions go through the rules; comments and milestones
/// do not change the state.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskAction {
    SignFor,
    Progress { body: String },
    Submit { body: String },
    Close { body: String },
    Return { reason: String },
    RequestExtension { until: Date, reason: String },
    DecideExtension { approve: bool, body: String },
    Comment { body: String },
    MilestoneDone { milestone_id: i64 },
}

impl TaskAction {
    pub fn kind(&self) -> &'static str {
        match self {
            TaskAction::SignFor => "sign_for",
            TaskAction::Progress { .. } => "progress",
            TaskAction::Submit { .. } => "submit",
            TaskAction::Close { .. } => "close",
            TaskAction::Return { .. } => "return",
            TaskAction::RequestExtension { .. } => "request_extension",
            TaskAction::DecideExtension { .. } => "decide_extension",
            TaskAction::Comment { .. } => "comment",
            TaskAction::MilestoneDone { .. } => "milestone_done",
        }
    }

    /// Who must act: the lead organisation, the supervisor, or (comments) any participant.
    pub fn party(&self) -> Option<Party> {
        match self {
            TaskAction::SignFor
            | TaskAction::Progress { .. }
            | TaskAction::Submit { .. }
            | TaskAction::RequestExtension { .. }
            | TaskAction::MilestoneDone { .. } => Some(Party::Lead),
            TaskAction::Close { .. }
            | TaskAction::Return { .. }
            | TaskAction::DecideExtension { .. } => Some(Party::Supervisor),
            TaskAction::Comment { .. } => None,
        }
    }

    fn event(&self) -> Option<TaskEvent> {
        Some(match self {
            TaskAction::SignFor => TaskEvent::SignFor,
            TaskAction::Progress { .. } => TaskEvent::ReportProgress,
            TaskAction::Submit { .. } => TaskEvent::Submit,
            TaskAction::Close { .. } => TaskEvent::Close,
            TaskAction::Return { reason } => TaskEvent::Return {
                reason: reason.clone(),
            },
            TaskAction::RequestExtension { until, reason } => TaskEvent::RequestExtension {
                until: *until,
                reason: reason.clone(),
            },
            TaskAction::DecideExtension { approve, .. } => {
                TaskEvent::DecideExtension { approve: *approve }
            }
            TaskAction::Comment { .. } | TaskAction::MilestoneDone { .. } => return None,
        })
    }

    fn body(&self) -> &str {
        match self {
            TaskAction::Progress { body }
            | TaskAction::Submit { body }
            | TaskAction::Close { body }
            | TaskAction::DecideExtension { body, .. }
            | TaskAction::Comment { body } => body,
            TaskAction::Return { reason } | TaskAction::RequestExtension { reason, .. } => reason,
            TaskAction::SignFor | TaskAction::MilestoneDone { .. } => "",
        }
    }
}

/// Filters of the task lists; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only tasks this organisation leads or co-organises.
    pub org: Option<i64>,
    pub state: Option<TaskState>,
    pub light: Option<Light>,
    pub directive: Option<i64>,
}

/// One row of the leaders' summary.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrgTaskSummary {
    pub org: OrgRef,
    pub total: u32,
    /// Open and on track.
    pub green: u32,
    /// Open and due within the warning window.
    pub yellow: u32,
    /// Open and past the deadline.
    pub overdue: u32,
    pub closed: u32,
    /// Closed, but after the deadline.
    pub closed_late: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskSummary {
    /// The day the lights were computed for.
    pub today: String,
    pub total: OrgTaskSummary,
    pub by_org: Vec<OrgTaskSummary>,
}

pub(crate) fn org_ref(r: &SqliteRow, prefix: &str) -> Result<OrgRef> {
    Ok(OrgRef {
        id: r.try_get(format!("{prefix}id").as_str())?,
        code: r.try_get(format!("{prefix}code").as_str())?,
        name_zh: r.try_get(format!("{prefix}name_zh").as_str())?,
        name_en: r.try_get(format!("{prefix}name_en").as_str())?,
    })
}

const TASK_SELECT: &str = "SELECT t.id, t.directive_id, d.code AS directive_code, d.title AS directive_title, \
    t.title, t.issued_on, t.deadline, t.state, t.extension_until, t.extension_reason, t.closed_on, \
    t.version, t.updated_at, t.description, m.title AS meeting_title, d.quote, \
    o.id AS lead_id, o.code AS lead_code, o.name_zh AS lead_name_zh, o.name_en AS lead_name_en \
    FROM tasks t JOIN directives d ON d.id = t.directive_id JOIN meetings m ON m.id = d.meeting_id \
    JOIN organisations o ON o.id = t.lead_org_id";

struct TaskRow {
    item: TaskItem,
    description: String,
    extension_reason: Option<String>,
    meeting_title: String,
    quote: String,
}

fn task_row(r: &SqliteRow, rules: &Rules, today: Date) -> Result<TaskRow> {
    let state: String = r.try_get("state")?;
    let state = TaskState::from_key(&state)
        .ok_or_else(|| StoreError::Sqlite(format!("unknown task state {state:?}")))?;
    let deadline = parse_date("deadline", &r.try_get::<String, _>("deadline")?)?;
    let finished = state == TaskState::Closed;
    let light = rules.light(today, deadline, finished);
    let overdue = if light == Light::Red {
        rules.calendar.working_days_between(deadline, today)
    } else {
        0
    };
    Ok(TaskRow {
        item: TaskItem {
            id: r.try_get("id")?,
            directive_id: r.try_get("directive_id")?,
            directive_code: r.try_get("directive_code")?,
            directive_title: r.try_get("directive_title")?,
            title: r.try_get("title")?,
            lead: org_ref(r, "lead_")?,
            co_orgs: Vec::new(),
            issued_on: r.try_get("issued_on")?,
            deadline: format_date(deadline),
            state: state.key().to_string(),
            extension_until: r.try_get("extension_until")?,
            closed_on: r.try_get("closed_on")?,
            light,
            overdue_working_days: overdue,
            deadline_provisional: !rules.calendar.knows(deadline.year()),
            version: r.try_get("version")?,
            updated_at: r.try_get("updated_at")?,
        },
        description: r.try_get("description")?,
        extension_reason: r.try_get("extension_reason")?,
        meeting_title: r.try_get("meeting_title")?,
        quote: r.try_get("quote")?,
    })
}

async fn co_orgs(conn: &mut SqliteConnection, task: i64) -> Result<Vec<OrgRef>> {
    let rows = sqlx::query(
        "SELECT o.id, o.code, o.name_zh, o.name_en FROM task_co_orgs c \
         JOIN organisations o ON o.id = c.org_id WHERE c.task_id = $1 ORDER BY o.code",
    )
    .bind(task)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| org_ref(r, "")).collect()
}

/// Whose timeline: the two event tables share one layout.
#[derive(Clone, Copy)]
pub(crate) enum Timeline {
    Task,
    Appeal,
}

/// The timeline of one task or appeal, oldest first.
pub(crate) async fn timeline(
    conn: &mut SqliteConnection,
    of: Timeline,
    id: i64,
) -> Result<Vec<TimelineEvent>> {
    // Table and column names come from this enum, never from input.
    let (table, key) = match of {
        Timeline::Task => ("task_events", "task_id"),
        Timeline::Appeal => ("appeal_events", "appeal_id"),
    };
    sqlx::query(&format!(
        "SELECT e.id, e.at, e.actor, e.org_id, e.kind, e.body, e.data, e.attachments, \
         o.id AS o_id, o.code AS o_code, o.name_zh AS o_name_zh, o.name_en AS o_name_en \
         FROM {table} e LEFT JOIN organisations o ON o.id = e.org_id \
         WHERE e.{key} = $1 ORDER BY e.id"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(timeline_event)
    .collect()
}

fn timeline_event(r: &SqliteRow) -> Result<TimelineEvent> {
    let data: String = r.try_get("data")?;
    let attachments: String = r.try_get("attachments")?;
    let org_id: Option<i64> = r.try_get("org_id")?;
    Ok(TimelineEvent {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        org: match org_id {
            Some(_) => Some(OrgRef {
                id: r.try_get("o_id")?,
                code: r.try_get("o_code")?,
                name_zh: r.try_get("o_name_zh")?,
                name_en: r.try_get("o_name_en")?,
            }),
            None => None,
        },
        kind: r.try_get("kind")?,
        body: r.try_get("body")?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        attachments: serde_json::from_str(&attachments).unwrap_or_default(),
    })
}

/// The uploads named as attachments must exist and belong to the acting organisation (or be
/// readable by it): nobody attaches another organisation's file by guessing its id.
pub(crate) async fn check_attachments(
    conn: &mut SqliteConnection,
    org_id: Option<i64>,
    ids: &[i64],
) -> Result<()> {
    if ids.len() > 20 {
        return Err(StoreError::invalid("attachments", "at most 20 files"));
    }
    for id in ids {
        let owner: Option<i64> = sqlx::query_scalar("SELECT org_id FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        match (owner, org_id) {
            (None, _) => {
                return Err(StoreError::invalid(
                    "attachments",
                    format!("upload {id} does not exist"),
                ));
            }
            (Some(o), Some(mine)) if o != mine => {
                return Err(StoreError::invalid(
                    "attachments",
                    format!("upload {id} belongs to another organisation"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn non_empty(field: &str, v: &str, max: usize) -> Result<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(v.to_string())
}

/// Where actors act from: the organisation of a logged-in user (none for the command line).
pub(crate) async fn actor_org(conn: &mut SqliteConnection, who: &Who) -> Result<Option<i64>> {
    match who.user_id {
        Some(u) => Ok(sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1")
            .bind(u)
            .fetch_optional(conn)
            .await?),
        None => Ok(None),
    }
}

impl Store {
    pub async fn create_meeting(
        &self,
        who: &Who,
        m: &NewMeeting,
        directives: &[NewDirective],
    ) -> Result<Meeting> {
        let mut tx = self.pool.begin().await?;
        let id = insert_meeting(&mut tx, m, directives).await?;
        audit::append(
            &mut tx,
            who,
            "meeting.create",
            Some(&format!("meeting:{id}")),
            serde_json::json!({ "title": m.title, "directives": directives.len() }),
        )
        .await?;
        tx.commit().await?;
        self.meeting(id).await
    }

    pub async fn meetings(&self) -> Result<Vec<Meeting>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM meetings ORDER BY held_on DESC, id")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.meeting(id).await?);
        }
        Ok(out)
    }

    pub async fn meeting(&self, id: i64) -> Result<Meeting> {
        let r = sqlx::query("SELECT id, title, held_on, chair, source FROM meetings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("meeting {id}")))?;
        let directives = sqlx::query(
            "SELECT d.id, d.meeting_id, d.code, d.title, d.quote, \
             (SELECT COUNT(*) FROM tasks t WHERE t.directive_id = d.id) AS tasks \
             FROM directives d WHERE d.meeting_id = $1 ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|d| {
            Ok(Directive {
                id: d.try_get("id")?,
                meeting_id: d.try_get("meeting_id")?,
                code: d.try_get("code")?,
                title: d.try_get("title")?,
                quote: d.try_get("quote")?,
                tasks: d.try_get("tasks")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Meeting {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            held_on: r.try_get("held_on")?,
            chair: r.try_get("chair")?,
            source: r.try_get("source")?,
            directives,
        })
    }

    pub async fn create_task(&self, who: &Who, t: &NewTask, rules: &Rules) -> Result<TaskDetail> {
        let mut tx = self.pool.begin().await?;
        let id = insert_task(&mut tx, who, t).await?;
        audit::append(
            &mut tx,
            who,
            "task.create",
            Some(&format!("task:{id}")),
            serde_json::json!({ "title": t.title, "lead": t.lead_org_id, "co": t.co_org_ids, "deadline": format_date(t.deadline) }),
        )
        .await?;
        let mut orgs = vec![t.lead_org_id];
        orgs.extend(&t.co_org_ids);
        notify_orgs(
            &mut tx,
            &orgs,
            who.user_id,
            &Notice {
                kind: "task.issued",
                title: format!("新任务：{}（截止 {}）", t.title, format_date(t.deadline)),
                link: format!("/tasks/{id}"),
                dedupe: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.task(id, rules, t.issued_on).await
    }

    /// Tasks matching `filter`, as seen on `today`; `visible_to` limits them to the tasks an
    /// organisation leads or co-organises (None: all).
    pub async fn tasks(
        &self,
        filter: &TaskFilter,
        visible_to: Option<i64>,
        rules: &Rules,
        today: Date,
    ) -> Result<Vec<TaskItem>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "{TASK_SELECT} WHERE ($1 IS NULL OR t.lead_org_id = $1 OR EXISTS (SELECT 1 FROM task_co_orgs c WHERE c.task_id = t.id AND c.org_id = $1)) \
             AND ($2 IS NULL OR t.lead_org_id = $2 OR EXISTS (SELECT 1 FROM task_co_orgs c WHERE c.task_id = t.id AND c.org_id = $2)) \
             AND ($3 IS NULL OR t.state = $3) AND ($4 IS NULL OR t.directive_id = $4) \
             ORDER BY t.deadline, t.id"
        ))
        .bind(visible_to)
        .bind(filter.org)
        .bind(filter.state.map(TaskState::key))
        .bind(filter.directive)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let mut item = task_row(r, rules, today)?.item;
            if filter.light.is_some_and(|l| l != item.light) {
                continue;
            }
            item.co_orgs = co_orgs(&mut conn, item.id).await?;
            out.push(item);
        }
        Ok(out)
    }

    pub async fn task(&self, id: i64, rules: &Rules, today: Date) -> Result<TaskDetail> {
        let mut conn = self.pool.acquire().await?;
        let r = sqlx::query(&format!("{TASK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
        let row = task_row(&r, rules, today)?;
        let mut item = row.item;
        item.co_orgs = co_orgs(&mut conn, id).await?;
        let milestones = sqlx::query(
            "SELECT id, title, due_on, done_on FROM milestones WHERE task_id = $1 ORDER BY due_on, id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|m| {
            Ok(Milestone {
                id: m.try_get("id")?,
                title: m.try_get("title")?,
                due_on: m.try_get("due_on")?,
                done_on: m.try_get("done_on")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let events = timeline(&mut conn, Timeline::Task, id).await?;
        Ok(TaskDetail {
            item,
            description: row.description,
            extension_reason: row.extension_reason,
            meeting_title: row.meeting_title,
            quote: row.quote,
            milestones,
            events,
        })
    }

    /// The lead and co-organisations of a task, for the access policy.
    pub async fn task_orgs(&self, id: i64) -> Result<(i64, Vec<i64>)> {
        let lead: i64 = sqlx::query_scalar("SELECT lead_org_id FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
        let co: Vec<i64> = sqlx::query_scalar("SELECT org_id FROM task_co_orgs WHERE task_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok((lead, co))
    }

    /// Applies `action` to task `id` if it is still at `version`; the caller has checked that
    /// the actor may act as the action's party. Returns the task after it.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_on_task(
        &self,
        who: &Who,
        id: i64,
        version: i64,
        action: &TaskAction,
        attachments: &[i64],
        rules: &Rules,
        today: Date,
    ) -> Result<TaskDetail> {
        let mut tx = self.pool.begin().await?;
        let org = actor_org(&mut tx, who).await?;
        check_attachments(&mut tx, org, attachments).await?;
        let r = sqlx::query(
            "SELECT state, deadline, extension_until, version, lead_org_id, title FROM tasks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("task {id}")))?;
        let current_version: i64 = r.try_get("version")?;
        if current_version != version {
            drop(tx);
            return Err(self.stale_task(id, version, rules, today).await);
        }
        let state: String = r.try_get("state")?;
        let before = Task {
            state: TaskState::from_key(&state)
                .ok_or_else(|| StoreError::Sqlite(format!("unknown task state {state:?}")))?,
            deadline: parse_date("deadline", &r.try_get::<String, _>("deadline")?)?,
            extension_requested: r
                .try_get::<Option<String>, _>("extension_until")?
                .map(|d| parse_date("extension_until", &d))
                .transpose()?,
        };
        let lead: i64 = r.try_get("lead_org_id")?;
        let title: String = r.try_get("title")?;
        let after = match (action.event(), action.party()) {
            (Some(event), Some(party)) => before
                .apply(party, &event)
                .map_err(|e| StoreError::Transition(e.to_string()))?,
            _ if before.state == TaskState::Closed => {
                return Err(StoreError::Transition(
                    "cannot change the task while it is closed: the task is closed".into(),
                ));
            }
            _ => before.clone(),
        };
        let mut data = serde_json::json!({ "from": before.state.key(), "to": after.state.key() });
        match action {
            TaskAction::RequestExtension { until, .. } => {
                data["until"] = format_date(*until).into();
            }
            TaskAction::DecideExtension { approve, .. } => {
                data["approve"] = (*approve).into();
                data["deadline"] = format_date(after.deadline).into();
            }
            TaskAction::MilestoneDone { milestone_id } => {
                let n = sqlx::query(
                    "UPDATE milestones SET done_on = $1 WHERE id = $2 AND task_id = $3 AND done_on IS NULL",
                )
                .bind(format_date(today))
                .bind(milestone_id)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::invalid(
                        "milestone_id",
                        format!("milestone {milestone_id} of task {id} does not exist or is done"),
                    ));
                }
                data["milestone_id"] = (*milestone_id).into();
            }
            _ => {}
        }
        let body = action.body().trim();
        if body.chars().count() > 4000 {
            return Err(StoreError::invalid("body", "at most 4000 characters"));
        }
        if matches!(
            action,
            TaskAction::Comment { .. } | TaskAction::Progress { .. }
        ) && body.is_empty()
            && attachments.is_empty()
        {
            return Err(StoreError::invalid(
                "body",
                "a progress report or comment needs text or an attachment",
            ));
        }
        let reason = match action {
            TaskAction::RequestExtension { reason, .. } => Some(reason.trim().to_string()),
            TaskAction::DecideExtension { .. } => None,
            _ => {
                sqlx::query_scalar("SELECT extension_reason FROM tasks WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        let closed_on = (after.state == TaskState::Closed).then(|| format_date(today));
        let n = sqlx::query(
            "UPDATE tasks SET state = $1, deadline = $2, extension_until = $3, extension_reason = $4, \
             closed_on = COALESCE(closed_on, $5), version = version + 1, updated_at = $6 \
             WHERE id = $7 AND version = $8",
        )
        .bind(after.state.key())
        .bind(format_date(after.deadline))
        .bind(after.extension_requested.map(format_date))
        .bind(reason)
        .bind(closed_on)
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            drop(tx);
            return Err(self.stale_task(id, version, rules, today).await);
        }
        sqlx::query(
            "INSERT INTO task_events (task_id, at, user_id, actor, org_id, kind, body, data, attachments) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(now())
        .bind(who.user_id)
        .bind(&who.actor)
        .bind(org)
        .bind(action.kind())
        .bind(body)
        .bind(data.to_string())
        .bind(serde_json::to_string(attachments).unwrap_or_else(|_| "[]".into()))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            who,
            &format!("task.{}", action.kind()),
            Some(&format!("task:{id}")),
            data.clone(),
        )
        .await?;
        let recipients = match action.party() {
            Some(Party::Lead) => orgs_owning(&mut tx, "directives").await?,
            Some(Party::Supervisor) => vec![lead],
            None => {
                let mut all = orgs_owning(&mut tx, "directives").await?;
                all.push(lead);
                all.extend(
                    sqlx::query_scalar::<_, i64>(
                        "SELECT org_id FROM task_co_orgs WHERE task_id = $1",
                    )
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?,
                );
                all
            }
        };
        notify_orgs(
            &mut tx,
            &recipients,
            who.user_id,
            &Notice {
                kind: "task.event",
                title: format!("{}：{}（{}）", title, action_zh(action), who.actor),
                link: format!("/tasks/{id}"),
                dedupe: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.task(id, rules, today).await
    }

    async fn stale_task(&self, id: i64, version: i64, rules: &Rules, today: Date) -> StoreError {
        match self.task(id, rules, today).await {
            Ok(current) => StoreError::stale(
                &format!("task {id}"),
                version,
                current.item.version,
                &current,
            ),
            Err(e) => e,
        }
    }

    /// The leaders' summary: per lead organisation, how many tasks are on track, due soon,
    /// overdue, closed and closed late, as seen on `today`.
    pub async fn task_summary(
        &self,
        visible_to: Option<i64>,
        rules: &Rules,
        today: Date,
    ) -> Result<TaskSummary> {
        let items = self
            .tasks(&TaskFilter::default(), visible_to, rules, today)
            .await?;
        let mut by: BTreeMap<String, OrgTaskSummary> = BTreeMap::new();
        let blank = |org: OrgRef| OrgTaskSummary {
            org,
            total: 0,
            green: 0,
            yellow: 0,
            overdue: 0,
            closed: 0,
            closed_late: 0,
        };
        let mut total = blank(OrgRef {
            id: 0,
            code: "total".into(),
            name_zh: "合计".into(),
            name_en: "Total".into(),
        });
        for t in &items {
            let row = by
                .entry(t.lead.code.clone())
                .or_insert_with(|| blank(t.lead.clone()));
            for s in [&mut *row, &mut total] {
                s.total += 1;
                match t.light {
                    Light::Green => s.green += 1,
                    Light::Yellow => s.yellow += 1,
                    Light::Red => s.overdue += 1,
                    Light::Grey => {
                        s.closed += 1;
                        if t.closed_on
                            .as_deref()
                            .is_some_and(|c| c > t.deadline.as_str())
                        {
                            s.closed_late += 1;
                        }
                    }
                }
            }
        }
        let mut by_org: Vec<OrgTaskSummary> = by.into_values().collect();
        by_org.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.total.cmp(&a.total)));
        Ok(TaskSummary {
            today: format_date(today),
            total,
            by_org,
        })
    }
}

fn action_zh(a: &TaskAction) -> &'static str {
    match a {
        TaskAction::SignFor => "已签收",
        TaskAction::Progress { .. } => "报送进展",
        TaskAction::Submit { .. } => "提请办结",
        TaskAction::Close { .. } => "已办结",
        TaskAction::Return { .. } => "已退回",
        TaskAction::RequestExtension { .. } => "申请延期",
        TaskAction::DecideExtension { approve: true, .. } => "延期已批准",
        TaskAction::DecideExtension { approve: false, .. } => "延期未批准",
        TaskAction::Comment { .. } => "新留言",
        TaskAction::MilestoneDone { .. } => "完成节点",
    }
}

pub(crate) async fn insert_meeting(
    conn: &mut SqliteConnection,
    m: &NewMeeting,
    directives: &[NewDirective],
) -> Result<i64> {
    let title = non_empty("title", &m.title, 200)?;
    let source = non_empty("source", &m.source, 1000)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (title, held_on, chair, source, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(title)
    .bind(format_date(m.held_on))
    .bind(m.chair.trim())
    .bind(source)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    for d in directives {
        insert_directive(conn, id, d).await?;
    }
    Ok(id)
}

pub(crate) async fn insert_directive(
    conn: &mut SqliteConnection,
    meeting: i64,
    d: &NewDirective,
) -> Result<i64> {
    let code = non_empty("code", &d.code, 20)?;
    let title = non_empty("title", &d.title, 200)?;
    let quote = non_empty("quote", &d.quote, 4000)?;
    sqlx::query_scalar(
        "INSERT INTO directives (meeting_id, code, title, quote, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(meeting)
    .bind(&code)
    .bind(title)
    .bind(quote)
    .bind(now())
    .fetch_one(conn)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!("directive {code} exists in this meeting already"))
        } else {
            e.into()
        }
    })
}

pub(crate) async fn insert_task(
    conn: &mut SqliteConnection,
    who: &Who,
    t: &NewTask,
) -> Result<i64> {
    let title = non_empty("title", &t.title, 200)?;
    if t.description.chars().count() > 4000 {
        return Err(StoreError::invalid(
            "description",
            "at most 4000 characters",
        ));
    }
    if t.deadline < t.issued_on {
        return Err(StoreError::invalid(
            "deadline",
            "must not be before the day the task is issued",
        ));
    }
    if t.co_org_ids.contains(&t.lead_org_id) {
        return Err(StoreError::invalid(
            "co_org_ids",
            "the lead organisation is not also a co-organisation",
        ));
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM directives WHERE id = $1")
        .bind(t.directive_id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(StoreError::invalid(
            "directive_id",
            format!("directive {} does not exist", t.directive_id),
        ));
    }
    for (field, org) in std::iter::once(("lead_org_id", &t.lead_org_id))
        .chain(t.co_org_ids.iter().map(|o| ("co_org_ids", o)))
    {
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
                .bind(org)
                .fetch_optional(&mut *conn)
                .await?;
        match kind.as_deref() {
            None => {
                return Err(StoreError::invalid(
                    field,
                    format!("organisation {org} does not exist"),
                ));
            }
            Some("enterprise") => {
                return Err(StoreError::invalid(
                    field,
                    "tasks go to departments, cities and zones, not to enterprises",
                ));
            }
            _ => {}
        }
    }
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (directive_id, title, description, lead_org_id, issued_on, deadline, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'issued', $7, $7) RETURNING id",
    )
    .bind(t.directive_id)
    .bind(title)
    .bind(t.description.trim())
    .bind(t.lead_org_id)
    .bind(format_date(t.issued_on))
    .bind(format_date(t.deadline))
    .bind(&at)
    .fetch_one(&mut *conn)
    .await?;
    for org in &t.co_org_ids {
        sqlx::query(
            "INSERT INTO task_co_orgs (task_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(org)
        .execute(&mut *conn)
        .await?;
    }
    for (title, due) in &t.milestones {
        let title = non_empty("milestones.title", title, 200)?;
        if *due > t.deadline {
            return Err(StoreError::invalid(
                "milestones.due_on",
                "a milestone falls after the task's deadline",
            ));
        }
        sqlx::query("INSERT INTO milestones (task_id, title, due_on) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(title)
            .bind(format_date(*due))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO task_events (task_id, at, user_id, actor, kind, body, data) VALUES ($1, $2, $3, $4, 'issued', '', $5)",
    )
    .bind(id)
    .bind(&at)
    .bind(who.user_id)
    .bind(&who.actor)
    .bind(serde_json::json!({ "deadline": format_date(t.deadline) }).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
