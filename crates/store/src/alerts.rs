//! Risk watch alerts (风险预警): what an evaluation's readings raise, and each alert's life
//! from raised to closed or dismissed (the rules: `kaifang_risk::alert`).
//!
//! An alert is one indicator × subject × period (`UNIQUE` in the table): evaluating the same
//! month twice, or every day, raises it once. While it is open, a new evaluation updates its
//! reading (the latest level and value; the highest level stays), so that the owner sees
//! whether it is still true; once it is closed or dismissed it is history, and the same
//! indicator and subject in a later period raises a new alert. Alerts and their timelines are
//! never deleted (the database refuses it by trigger).

use std::collections::HashMap;

use kaifang_risk::alert::{AlertEvent, AlertState, apply};
use kaifang_risk::{Level, Reading};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{self, Who};
use crate::notifications::{Notice, notify_orgs};
use crate::step::{Acting, Outcome, Step};
use crate::tasks::{
    NewTask, OrgRef, Timeline, TimelineEvent, append_event, issue_task_from, timeline,
};
use crate::{Result, Store, StoreError, now};

/// An alert as boards and lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlertItem {
    pub id: i64,
    /// The indicator's id in the registry.
    pub indicator: String,
    pub subject: String,
    pub subject_zh: String,
    pub subject_en: String,
    pub period: String,
    /// The highest level an evaluation gave it.
    #[schema(value_type = String)]
    pub level: Level,
    /// The latest evaluation's level (`normal` once the value is back below every threshold).
    #[schema(value_type = String)]
    pub current_level: Level,
    /// The latest value.
    pub value: f64,
    pub threshold: Option<f64>,
    /// The value comes from synthetic demo data.
    pub synthetic: bool,
    #[schema(value_type = String)]
    pub state: AlertState,
    /// The organisation that owns the indicator, or the one handling the alert.
    pub owner: Option<OrgRef>,
    /// The supervision task made from it, if any.
    pub task_id: Option<i64>,
    pub version: i64,
    pub raised_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub item: AlertItem,
    pub events: Vec<TimelineEvent>,
}

/// What someone does to an alert. `body`: the note, or the reason for closing or dismissing.
#[derive(Debug, Clone)]
pub enum AlertAction {
    Acknowledge {
        body: String,
    },
    /// Take it on, for `owner_org_id` (default: the acting organisation).
    Handle {
        owner_org_id: Option<i64>,
        body: String,
    },
    Note {
        body: String,
    },
    Close {
        reason: String,
    },
    Dismiss {
        reason: String,
    },
    /// Make a supervision task from it (red alerts only), in the same step.
    ToTask {
        task: NewTask,
    },
}

impl AlertAction {
    fn event(&self) -> AlertEvent {
        match self {
            AlertAction::Acknowledge { .. } => AlertEvent::Acknowledge,
            AlertAction::Handle { .. } => AlertEvent::Handle,
            AlertAction::Note { .. } => AlertEvent::Note,
            AlertAction::Close { .. } => AlertEvent::Close,
            AlertAction::Dismiss { .. } => AlertEvent::Dismiss,
            AlertAction::ToTask { .. } => AlertEvent::ToTask,
        }
    }

    fn body(&self) -> &str {
        match self {
            AlertAction::Acknowledge { body }
            | AlertAction::Handle { body, .. }
            | AlertAction::Note { body } => body,
            AlertAction::Close { reason } | AlertAction::Dismiss { reason } => reason,
            AlertAction::ToTask { task } => &task.title,
        }
    }
}

/// Which alerts a list shows.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only open ones (raised, acknowledged, handling).
    pub open: bool,
    /// At least this level (the highest reached).
    pub min_level: Option<Level>,
    pub owner_org_id: Option<i64>,
}

/// What an evaluation did to the alerts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RaiseReport {
    /// New alerts.
    pub raised: usize,
    /// Open alerts whose reading changed level.
    pub changed: usize,
    /// Readings that matched an alert with nothing new, or a closed one.
    pub unchanged: usize,
}

/// One reading to raise, with the code of the organisation that owns its indicator.
pub struct Raise<'a> {
    pub reading: &'a Reading,
    pub owner: &'a str,
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: i64,
    indicator: String,
    subject: String,
    subject_zh: String,
    subject_en: String,
    period: String,
    level: String,
    current_level: String,
    value: f64,
    threshold: Option<f64>,
    #[sqlx(try_from = "crate::db::Flag")]
    synthetic: bool,
    state: String,
    owner_org_id: Option<i64>,
    task_id: Option<i64>,
    version: i64,
    raised_at: String,
    updated_at: String,
    o_code: Option<String>,
    o_name_zh: Option<String>,
    o_name_en: Option<String>,
}

impl AlertRow {
    fn item(self) -> Result<AlertItem> {
        let corrupt = |what: &str, v: &str| {
            StoreError::Sqlite(format!("alert {}: {what} {v:?} is unknown", self.id))
        };
        let level = Level::parse(&self.level).ok_or_else(|| corrupt("level", &self.level))?;
        let current_level = Level::parse(&self.current_level)
            .ok_or_else(|| corrupt("level", &self.current_level))?;
        let state =
            AlertState::from_key(&self.state).ok_or_else(|| corrupt("state", &self.state))?;
        Ok(AlertItem {
            id: self.id,
            indicator: self.indicator,
            subject: self.subject,
            subject_zh: self.subject_zh,
            subject_en: self.subject_en,
            period: self.period,
            level,
            current_level,
            value: self.value,
            threshold: self.threshold,
            synthetic: self.synthetic,
            state,
            owner: OrgRef::joined(
                self.owner_org_id,
                self.o_code,
                self.o_name_zh,
                self.o_name_en,
            ),
            task_id: self.task_id,
            version: self.version,
            raised_at: self.raised_at,
            updated_at: self.updated_at,
        })
    }
}

const SELECT: &str = "SELECT a.id, a.indicator, a.subject, a.subject_zh, a.subject_en, a.period, \
     a.level, a.current_level, a.value, a.threshold, CAST(a.synthetic AS INTEGER) AS synthetic, a.state, a.owner_org_id, \
     a.task_id, a.version, a.raised_at, a.updated_at, \
     o.code AS o_code, o.name_zh AS o_name_zh, o.name_en AS o_name_en \
     FROM risk_alerts a LEFT JOIN organisations o ON o.id = a.owner_org_id";

/// At most this many alerts in one list: the board pages by filter, not by scrolling.
const LIST_LIMIT: i64 = 2000;

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<AlertRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

async fn org_id(conn: &mut AnyConnection, code: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM organisations WHERE code = $1")
            .bind(code)
            .fetch_optional(conn)
            .await?,
    )
}

/// Leaders' organisations: they hear of orange and red alerts besides the owner.
async fn leader_orgs(conn: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM users WHERE role = 'leader' AND NOT disabled",
    )
    .fetch_all(conn)
    .await?)
}

fn title(r: &Reading) -> String {
    format!(
        "{}预警：{} {}（{}）",
        r.level.name_zh(),
        r.indicator,
        r.subject_zh,
        r.period
    )
}

/// Keeps `r` as its indicator's, subject's and period's reading (the latest evaluation wins).
async fn keep_reading(conn: &mut AnyConnection, r: &Reading, at: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO risk_readings (indicator, subject, subject_zh, subject_en, period, value, level, \
         threshold, synthetic, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (indicator, subject, period) DO UPDATE SET subject_zh = excluded.subject_zh, \
         subject_en = excluded.subject_en, value = excluded.value, level = excluded.level, \
         threshold = excluded.threshold, synthetic = excluded.synthetic, evaluated_at = excluded.evaluated_at",
    )
    .bind(&r.indicator)
    .bind(&r.subject)
    .bind(&r.subject_zh)
    .bind(&r.subject_en)
    .bind(&r.period)
    .bind(r.value)
    .bind(r.level.as_str())
    .bind(r.threshold)
    .bind(r.synthetic)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Tells the owner organisation, and from orange the leaders, that alert `id` reached the
/// level of `r` (once per alert and level).
async fn announce(
    conn: &mut AnyConnection,
    id: i64,
    r: &Reading,
    owner: Option<i64>,
    leaders: &[i64],
) -> Result<()> {
    let mut orgs: Vec<i64> = owner.into_iter().collect();
    if r.level >= Level::Orange {
        orgs.extend(leaders);
    }
    notify_orgs(
        conn,
        &orgs,
        None,
        &Notice {
            kind: "risk.alert",
            title: title(r),
            link: format!("/risk/alerts/{id}"),
            dedupe: Some(format!("risk:{id}:{}", r.level.as_str())),
        },
    )
    .await?;
    Ok(())
}

/// One kept reading of an indicator's history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct HistoryPoint {
    pub period: String,
    pub value: f64,
    /// `normal`, `blue`, `yellow`, `orange` or `red`.
    pub level: String,
    pub threshold: Option<f64>,
    #[sqlx(try_from = "crate::db::Flag")]
    pub synthetic: bool,
    pub evaluated_at: String,
}

/// At most this many periods in one indicator's history.
const HISTORY_LIMIT: i64 = 240;

impl Store {
    /// The kept readings of one indicator and subject, oldest period first.
    pub async fn reading_history(
        &self,
        indicator: &str,
        subject: &str,
    ) -> Result<Vec<HistoryPoint>> {
        let mut points: Vec<HistoryPoint> = sqlx::query_as(
            "SELECT period, value, level, threshold, CAST(synthetic AS INTEGER) AS synthetic, evaluated_at FROM risk_readings \
             WHERE indicator = $1 AND subject = $2 ORDER BY period DESC LIMIT $3",
        )
        .bind(indicator)
        .bind(subject)
        .bind(HISTORY_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        points.reverse();
        Ok(points)
    }

    /// Raises an alert for every reading at `from` or above, and updates the open alerts the
    /// readings touch; all in one transaction with its audit entries and notifications.
    /// Readings below `from` only update an open alert of the same key (its level falls).
    /// Every reading is kept as its indicator's history (`reading_history`).
    pub async fn raise_alerts(
        &self,
        who: &Who,
        raises: &[Raise<'_>],
        from: Level,
    ) -> Result<RaiseReport> {
        let mut tx = self.begin_write().await?;
        let mut report = RaiseReport::default();
        let mut owners: HashMap<&str, Option<i64>> = HashMap::new();
        let leaders = leader_orgs(&mut tx).await?;
        let by = Acting { who, org: None };
        let at = now();
        for Raise { reading: r, owner } in raises {
            keep_reading(&mut tx, r, &at).await?;
            let existing: Option<(i64, String, String, String, f64)> = sqlx::query_as(
                "SELECT id, state, level, current_level, value FROM risk_alerts \
                 WHERE indicator = $1 AND subject = $2 AND period = $3",
            )
            .bind(&r.indicator)
            .bind(&r.subject)
            .bind(&r.period)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id, state, highest, current, value)) = existing else {
                if r.level < from {
                    continue;
                }
                let owner_id = match owners.get(owner) {
                    Some(o) => *o,
                    None => {
                        let o = org_id(&mut tx, owner).await?;
                        owners.insert(owner, o);
                        o
                    }
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO risk_alerts (indicator, subject, subject_zh, subject_en, period, level, \
                     current_level, value, threshold, synthetic, state, owner_org_id, version, raised_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, 'raised', $10, 1, $11, $11) RETURNING id",
                )
                .bind(&r.indicator)
                .bind(&r.subject)
                .bind(&r.subject_zh)
                .bind(&r.subject_en)
                .bind(&r.period)
                .bind(r.level.as_str())
                .bind(r.value)
                .bind(r.threshold)
                .bind(r.synthetic)
                .bind(owner_id)
                .bind(&at)
                .fetch_one(&mut *tx)
                .await?;
                let data = serde_json::json!({
                    "level": r.level.as_str(), "value": r.value, "threshold": r.threshold,
                    "synthetic": r.synthetic,
                });
                append_event(&mut tx, Timeline::Alert, id, &by, "raised", "", &data, &[]).await?;
                audit::append(&mut tx, who, "risk.alert.raise", Some(&format!("risk_alert:{id}")), serde_json::json!({
                    "indicator": r.indicator, "subject": r.subject, "period": r.period, "level": r.level.as_str(), "value": r.value,
                })).await?;
                announce(&mut tx, id, r, owner_id, &leaders).await?;
                report.raised += 1;
                continue;
            };
            let open = AlertState::from_key(&state).is_some_and(AlertState::open);
            let current = Level::parse(&current).unwrap_or(Level::Normal);
            let highest = Level::parse(&highest).unwrap_or(Level::Normal);
            if !open || (current == r.level && value == r.value) {
                report.unchanged += 1;
                continue;
            }
            let new_highest = highest.max(r.level);
            sqlx::query(
                "UPDATE risk_alerts SET level = $1, current_level = $2, value = $3, threshold = $4, \
                 version = version + 1, updated_at = $5 WHERE id = $6",
            )
            .bind(new_highest.as_str())
            .bind(r.level.as_str())
            .bind(r.value)
            .bind(r.threshold)
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if current == r.level {
                // The value moved within its level: the alert shows it, the timeline need not.
                report.unchanged += 1;
                continue;
            }
            let data = serde_json::json!({
                "from": current.as_str(), "to": r.level.as_str(), "value": r.value, "threshold": r.threshold,
            });
            append_event(
                &mut tx,
                Timeline::Alert,
                id,
                &by,
                "level_changed",
                "",
                &data,
                &[],
            )
            .await?;
            audit::append(
                &mut tx,
                who,
                "risk.alert.level",
                Some(&format!("risk_alert:{id}")),
                data,
            )
            .await?;
            if r.level > highest {
                let owner: Option<i64> =
                    sqlx::query_scalar("SELECT owner_org_id FROM risk_alerts WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                announce(&mut tx, id, r, owner, &leaders).await?;
            }
            report.changed += 1;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Alerts matching `filter`, the most serious and newest first.
    pub async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<AlertItem>> {
        let rows: Vec<AlertRow> = sqlx::query_as(&format!(
            "{SELECT} WHERE ($1 = 0 OR a.state IN ('raised', 'acknowledged', 'handling')) \
             AND ($2 IS NULL OR a.owner_org_id = $2) ORDER BY a.id DESC LIMIT $3"
        ))
        .bind(i64::from(filter.open))
        .bind(filter.owner_org_id)
        .bind(LIST_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        let mut items = rows
            .into_iter()
            .map(AlertRow::item)
            .collect::<Result<Vec<_>>>()?;
        if let Some(min) = filter.min_level {
            items.retain(|a| a.level >= min);
        }
        // Stable: within a level, the newest first as read.
        items.sort_by_key(|a| std::cmp::Reverse(a.level));
        Ok(items)
    }

    pub async fn alert(&self, id: i64) -> Result<AlertDetail> {
        let mut conn = self.pool.acquire().await?;
        let row = load(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))?;
        let events = timeline(&mut conn, Timeline::Alert, id).await?;
        Ok(AlertDetail {
            item: row.item()?,
            events,
        })
    }

    /// Takes `action` on alert `id`, which the caller read at `version`.
    pub async fn act_on_alert(
        &self,
        who: &Who,
        id: i64,
        version: i64,
        action: &AlertAction,
    ) -> Result<AlertDetail> {
        self.step(&AlertStep { id, action }, who, version).await
    }
}

struct AlertStep<'a> {
    id: i64,
    action: &'a AlertAction,
}

impl Step for AlertStep<'_> {
    type Row = AlertRow;
    type View = AlertDetail;

    fn name(&self) -> String {
        format!("alert {}", self.id)
    }

    fn target(&self) -> String {
        format!("risk_alert:{}", self.id)
    }

    async fn load(&self, conn: &mut AnyConnection) -> Result<Option<AlertRow>> {
        load(conn, self.id).await
    }

    fn version(row: &AlertRow) -> i64 {
        row.version
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        by: &Acting<'_>,
        row: AlertRow,
        version: i64,
    ) -> Result<Option<Outcome>> {
        let (id, action) = (self.id, self.action);
        let event = action.event();
        let body = action.body().trim().to_string();
        if body.chars().count() > 4000 {
            return Err(StoreError::invalid("body", "at most 4000 characters"));
        }
        if event.needs_reason() && body.is_empty() {
            return Err(StoreError::invalid(
                "body",
                match event {
                    AlertEvent::Note => "a note must say something",
                    _ => "say why (the reason stays on the alert's timeline)",
                },
            ));
        }
        let before = row.item()?;
        let after = apply(before.state, before.level, before.task_id.is_some(), event)
            .map_err(|e| StoreError::Transition(e.to_string()))?;
        let mut owner = before.owner.as_ref().map(|o| o.id);
        let mut task_id = before.task_id;
        let mut data = serde_json::json!({ "from": before.state.key(), "to": after.key() });
        match action {
            AlertAction::Handle { owner_org_id, .. } => {
                let o = owner_org_id.or(by.org).or(owner);
                if let Some(o) = o {
                    let exists: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
                            .bind(o)
                            .fetch_optional(&mut *conn)
                            .await?;
                    if exists.is_none() {
                        return Err(StoreError::invalid(
                            "owner_org_id",
                            format!("organisation {o} does not exist"),
                        ));
                    }
                }
                owner = o;
                data["owner_org_id"] = owner.into();
            }
            AlertAction::ToTask { task } => {
                let t = issue_task_from(
                    &mut *conn,
                    by.who,
                    task,
                    serde_json::json!({ "from_alert": id }),
                    "新任务（风险预警）",
                )
                .await?;
                task_id = Some(t);
                owner = owner.or(Some(task.lead_org_id));
                data["task_id"] = t.into();
            }
            _ => {}
        }
        let updated = sqlx::query(
            "UPDATE risk_alerts SET state = $1, owner_org_id = $2, task_id = $3, version = version + 1, \
             updated_at = $4 WHERE id = $5 AND version = $6",
        )
        .bind(after.key())
        .bind(owner)
        .bind(task_id)
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        append_event(
            &mut *conn,
            Timeline::Alert,
            id,
            by,
            event.key(),
            &body,
            &data,
            &[],
        )
        .await?;
        let notice = owner.filter(|o| Some(*o) != by.org).map(|o| {
            (
                vec![o],
                Notice {
                    kind: "risk.alert",
                    title: format!(
                        "预警 {} {}：{}",
                        before.indicator,
                        before.subject_zh,
                        after.key()
                    ),
                    link: format!("/risk/alerts/{id}"),
                    dedupe: None,
                },
            )
        });
        Ok(Some(Outcome {
            action: format!("risk.alert.{}", event.key()),
            details: data,
            notice,
        }))
    }

    async fn view(&self, store: &Store) -> Result<AlertDetail> {
        store.alert(self.id).await
    }

    fn view_version(view: &AlertDetail) -> i64 {
        view.item.version
    }
}
