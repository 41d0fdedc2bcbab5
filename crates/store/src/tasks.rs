//! Directives supervision (督查督办): meetings → directives → tasks, and each task's timeline.
//!
//! The rules (which event is allowed in which state, by whom) are `kaifang_work::task`'s. A
//! step on a task is a [`crate::step::Step`]: this module asks the rules and writes the new
//! state and the timeline entry; the shared step guards the version and adds the audit entry
//! and the notifications, all in one transaction.

use kaifang_work::Light;
use kaifang_work::task::{Party, Task, TaskEvent, TaskState};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use time::Date;

use crate::audit::{self, Who};
use crate::notifications::{Notice, notify_orgs, orgs_owning};
use crate::rules::{Rules, format_date, parse_date};
use crate::step::{Acting, Outcome, Step};
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub chair: String,
    /// Where the meeting's record comes from.
    pub source: String,
    #[sqlx(skip)]
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
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

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OrgRef {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl OrgRef {
    /// The organisation a LEFT JOIN found, if it found one.
    pub(crate) fn joined(
        id: Option<i64>,
        code: Option<String>,
        name_zh: Option<String>,
        name_en: Option<String>,
    ) -> Option<OrgRef> {
        Some(OrgRef {
            id: id?,
            code: code?,
            name_zh: name_zh?,
            name_en: name_en?,
        })
    }
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

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Milestone {
    pub id: i64,
    pub title: String,
    pub due_on: String,
    pub done_on: Option<String>,
}

/// One entry of a timeline (tasks and appeals alike).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct TimelineEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    #[sqlx(skip)]
    pub org: Option<OrgRef>,
    pub kind: String,
    pub body: String,
    #[schema(value_type = Object)]
    #[sqlx(try_from = "crate::db::JsonText")]
    pub data: serde_json::Value,
    /// Upload ids.
    #[sqlx(try_from = "crate::db::JsonText")]
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

const TASK_SELECT: &str = "SELECT t.id, t.directive_id, d.code AS directive_code, d.title AS directive_title, \
    t.title, t.issued_on, t.deadline, t.state, t.extension_until, t.extension_reason, t.closed_on, \
    t.version, t.updated_at, t.description, m.title AS meeting_title, d.quote, \
    o.id AS lead_id, o.code AS lead_code, o.name_zh AS lead_name_zh, o.name_en AS lead_name_en \
    FROM tasks t JOIN directives d ON d.id = t.directive_id JOIN meetings m ON m.id = d.meeting_id \
    JOIN organisations o ON o.id = t.lead_org_id";

/// A row of `TASK_SELECT`. Its light and overdue days depend on the day it is seen, so it
/// becomes a [`TaskDetail`] only given the rules and today.
#[derive(sqlx::FromRow)]
struct TaskRow {
    id: i64,
    directive_id: i64,
    directive_code: String,
    directive_title: String,
    title: String,
    issued_on: String,
    deadline: String,
    state: String,
    extension_until: Option<String>,
    extension_reason: Option<String>,
    closed_on: Option<String>,
    version: i64,
    updated_at: String,
    description: String,
    meeting_title: String,
    quote: String,
    lead_id: i64,
    lead_code: String,
    lead_name_zh: String,
    lead_name_en: String,
}

impl TaskRow {
    fn state(&self) -> Result<TaskState> {
        TaskState::from_key(&self.state)
            .ok_or_else(|| StoreError::Sqlite(format!("unknown task state {:?}", self.state)))
    }

    /// The task as the rules see it.
    fn rule(&self) -> Result<Task> {
        Ok(Task {
            state: self.state()?,
            deadline: parse_date("deadline", &self.deadline)?,
            extension_requested: self
                .extension_until
                .as_deref()
                .map(|d| parse_date("extension_until", d))
                .transpose()?,
        })
    }

    /// The task as seen on `today`, without its co-organisations, milestones and timeline.
    fn detail(self, rules: &Rules, today: Date) -> Result<TaskDetail> {
        let state = self.state()?;
        let deadline = parse_date("deadline", &self.deadline)?;
        let light = rules.light(today, deadline, state == TaskState::Closed);
        let overdue = if light == Light::Red {
            rules.calendar.working_days_between(deadline, today)
        } else {
            0
        };
        Ok(TaskDetail {
            item: TaskItem {
                id: self.id,
                directive_id: self.directive_id,
                directive_code: self.directive_code,
                directive_title: self.directive_title,
                title: self.title,
                lead: OrgRef {
                    id: self.lead_id,
                    code: self.lead_code,
                    name_zh: self.lead_name_zh,
                    name_en: self.lead_name_en,
                },
                co_orgs: Vec::new(),
                issued_on: self.issued_on,
                deadline: format_date(deadline),
                state: state.key().to_string(),
                extension_until: self.extension_until,
                closed_on: self.closed_on,
                light,
                overdue_working_days: overdue,
                deadline_provisional: !rules.calendar.knows(deadline.year()),
                version: self.version,
                updated_at: self.updated_at,
            },
            description: self.description,
            extension_reason: self.extension_reason,
            meeting_title: self.meeting_title,
            quote: self.quote,
            milestones: Vec::new(),
            events: Vec::new(),
        })
    }
}

async fn co_orgs(conn: &mut AnyConnection, task: i64) -> Result<Vec<OrgRef>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.code, o.name_zh, o.name_en FROM task_co_orgs c \
         JOIN organisations o ON o.id = c.org_id WHERE c.task_id = $1 ORDER BY o.code",
    )
    .bind(task)
    .fetch_all(conn)
    .await?)
}

/// Whose timeline: the event tables share one layout.
#[derive(Clone, Copy)]
pub(crate) enum Timeline {
    Task,
    Appeal,
    Alert,
    Project,
}

impl Timeline {
    /// Table and key column; names come from this enum, never from input.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Timeline::Task => ("task_events", "task_id"),
            Timeline::Appeal => ("appeal_events", "appeal_id"),
            Timeline::Alert => ("risk_alert_events", "alert_id"),
            Timeline::Project => ("invest_project_events", "project_id"),
        }
    }
}

/// A timeline entry with the organisation its actor acted for, if any.
#[derive(sqlx::FromRow)]
struct EventRow {
    #[sqlx(flatten)]
    event: TimelineEvent,
    o_id: Option<i64>,
    o_code: Option<String>,
    o_name_zh: Option<String>,
    o_name_en: Option<String>,
}

/// The timeline of one task or appeal, oldest first.
pub(crate) async fn timeline(
    conn: &mut AnyConnection,
    of: Timeline,
    id: i64,
) -> Result<Vec<TimelineEvent>> {
    let (table, key) = of.table();
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT e.id, e.at, e.actor, e.kind, e.body, e.data, e.attachments, \
         o.id AS o_id, o.code AS o_code, o.name_zh AS o_name_zh, o.name_en AS o_name_en \
         FROM {table} e LEFT JOIN organisations o ON o.id = e.org_id \
         WHERE e.{key} = $1 ORDER BY e.id"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TimelineEvent {
            org: OrgRef::joined(r.o_id, r.o_code, r.o_name_zh, r.o_name_en),
            ..r.event
        })
        .collect())
}

/// Appends an entry to the timeline of one task or appeal.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn append_event(
    conn: &mut AnyConnection,
    of: Timeline,
    id: i64,
    by: &Acting<'_>,
    kind: &str,
    body: &str,
    data: &serde_json::Value,
    attachments: &[i64],
) -> Result<()> {
    let (table, key) = of.table();
    sqlx::query(&format!(
        "INSERT INTO {table} ({key}, at, user_id, actor, org_id, kind, body, data, attachments) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(id)
    .bind(now())
    .bind(by.who.user_id)
    .bind(&by.who.actor)
    .bind(by.org)
    .bind(kind)
    .bind(body)
    .bind(data.to_string())
    .bind(serde_json::to_string(attachments).unwrap_or_else(|_| "[]".into()))
    .execute(conn)
    .await?;
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

impl Store {
    pub async fn create_meeting(
        &self,
        who: &Who,
        m: &NewMeeting,
        directives: &[NewDirective],
    ) -> Result<Meeting> {
        let mut tx = self.begin_write().await?;
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
        let mut meeting: Meeting =
            sqlx::query_as("SELECT id, title, held_on, chair, source FROM meetings WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("meeting {id}")))?;
        meeting.directives = sqlx::query_as(
            "SELECT d.id, d.meeting_id, d.code, d.title, d.quote, \
             (SELECT COUNT(*) FROM tasks t WHERE t.directive_id = d.id) AS tasks \
             FROM directives d WHERE d.meeting_id = $1 ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(meeting)
    }

    pub async fn create_task(&self, who: &Who, t: &NewTask, rules: &Rules) -> Result<TaskDetail> {
        let mut tx = self.begin_write().await?;
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
        let rows: Vec<TaskRow> = sqlx::query_as(&format!(
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
        for r in rows {
            let mut item = r.detail(rules, today)?.item;
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
        let mut task = load_task(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("task {id}")))?
            .detail(rules, today)?;
        task.item.co_orgs = co_orgs(&mut conn, id).await?;
        task.milestones = sqlx::query_as(
            "SELECT id, title, due_on, done_on FROM milestones WHERE task_id = $1 ORDER BY due_on, id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        task.events = timeline(&mut conn, Timeline::Task, id).await?;
        Ok(task)
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
        let step = TaskStep {
            id,
            action,
            attachments,
            rules,
            today,
        };
        self.step(&step, who, version).await
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

async fn load_task(conn: &mut AnyConnection, id: i64) -> Result<Option<TaskRow>> {
    Ok(sqlx::query_as(&format!("{TASK_SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// One action on one task.
struct TaskStep<'a> {
    id: i64,
    action: &'a TaskAction,
    attachments: &'a [i64],
    rules: &'a Rules,
    today: Date,
}

impl Step for TaskStep<'_> {
    type Row = TaskRow;
    type View = TaskDetail;

    fn name(&self) -> String {
        format!("task {}", self.id)
    }

    fn target(&self) -> String {
        format!("task:{}", self.id)
    }

    fn attachments(&self) -> &[i64] {
        self.attachments
    }

    async fn load(&self, conn: &mut AnyConnection) -> Result<Option<TaskRow>> {
        load_task(conn, self.id).await
    }

    fn version(row: &TaskRow) -> i64 {
        row.version
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        by: &Acting<'_>,
        row: TaskRow,
        version: i64,
    ) -> Result<Option<Outcome>> {
        let (id, action, today) = (self.id, self.action, self.today);
        let before = row.rule()?;
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
                .execute(&mut *conn)
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
            && self.attachments.is_empty()
        {
            return Err(StoreError::invalid(
                "body",
                "a progress report or comment needs text or an attachment",
            ));
        }
        let reason = match action {
            TaskAction::RequestExtension { reason, .. } => Some(reason.trim().to_string()),
            TaskAction::DecideExtension { .. } => None,
            _ => row.extension_reason,
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
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        append_event(
            conn,
            Timeline::Task,
            id,
            by,
            action.kind(),
            body,
            &data,
            self.attachments,
        )
        .await?;
        let lead = row.lead_id;
        let recipients = match action.party() {
            Some(Party::Lead) => orgs_owning(conn, "directives").await?,
            Some(Party::Supervisor) => vec![lead],
            None => {
                let mut all = orgs_owning(conn, "directives").await?;
                all.push(lead);
                all.extend(
                    sqlx::query_scalar::<_, i64>(
                        "SELECT org_id FROM task_co_orgs WHERE task_id = $1",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?,
                );
                all
            }
        };
        let notice = Notice {
            kind: "task.event",
            title: format!("{}：{}（{}）", row.title, action_zh(action), by.who.actor),
            link: format!("/tasks/{id}"),
            dedupe: None,
        };
        Ok(Some(Outcome {
            action: format!("task.{}", action.kind()),
            details: data,
            notice: Some((recipients, notice)),
        }))
    }

    async fn view(&self, store: &Store) -> Result<TaskDetail> {
        store.task(self.id, self.rules, self.today).await
    }

    fn view_version(view: &TaskDetail) -> i64 {
        view.item.version
    }
}

pub(crate) async fn insert_meeting(
    conn: &mut AnyConnection,
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
    conn: &mut AnyConnection,
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

/// Issues task `t` made from another record (`origin`, e.g. `{"from_alert": 3}`) inside that
/// record's step: the task, its audit entry and the notice to its organisations, headed
/// `title` (e.g. "新任务（风险预警）").
pub(crate) async fn issue_task_from(
    conn: &mut AnyConnection,
    who: &Who,
    t: &NewTask,
    origin: serde_json::Value,
    heading: &str,
) -> Result<i64> {
    let id = insert_task(&mut *conn, who, t).await?;
    let mut details = serde_json::json!({ "title": t.title, "lead": t.lead_org_id });
    if let (Some(d), serde_json::Value::Object(o)) = (details.as_object_mut(), origin) {
        d.extend(o);
    }
    audit::append(
        &mut *conn,
        who,
        "task.create",
        Some(&format!("task:{id}")),
        details,
    )
    .await?;
    let mut orgs = vec![t.lead_org_id];
    orgs.extend(&t.co_org_ids);
    notify_orgs(
        &mut *conn,
        &orgs,
        who.user_id,
        &Notice {
            kind: "task.issued",
            title: format!("{heading}：{}", t.title),
            link: format!("/tasks/{id}"),
            dedupe: None,
        },
    )
    .await?;
    Ok(id)
}

pub(crate) async fn insert_task(conn: &mut AnyConnection, who: &Who, t: &NewTask) -> Result<i64> {
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
