//! Development zones' yearly data (开发区年度数据报送): a zone's form for a year, saved as a
//! draft, submitted, then approved or returned with a reason by the department that owns the
//! assessment; and the assessment's input, the demo panel overlaid with approved values.
//!
//! The rules are `kaifang_work::submission`'s; values are checked against the framework with
//! `kaifang_assess::zones::check_entry`, the same check the yearly form's loader applies.
//! Every step, saving a draft included, goes through [`crate::step::Step`]: it writes the
//! submission, its history entry, its audit entry and its notifications in one transaction,
//! and only if the submission is still at the version the caller read (0 before there is one).

use std::collections::HashSet;

use kaifang_assess::{Framework, Location, Panel};
use kaifang_work::submission::{SubmissionEvent, SubmissionState, apply};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::Who;
use crate::notifications::{Notice, orgs_owning};
use crate::step::{Acting, Outcome, Step};
use crate::{Result, Store, StoreError, now};

/// Labels of where an assessment value comes from.
pub const SOURCE_SYNTHETIC: &str = "synthetic demo";
pub const SOURCE_APPROVED: &str = "approved submission";

/// Longest note on one value, and longest reason of a return.
const MAX_NOTE: usize = 500;
const MAX_REASON: usize = 2000;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SubmissionItem {
    pub id: i64,
    pub zone_code: String,
    pub year: i32,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: String,
    pub version: i64,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    /// Why it was last returned.
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Values filled in. Named `n_values` in JSON, so that a submission's own `values` (the
    /// list, beside the flattened item) is the only key of that name.
    #[sqlx(rename = "n_values")]
    #[serde(rename = "n_values")]
    pub values: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SubmissionValue {
    pub indicator: String,
    pub value: f64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SubmissionEventRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    /// `save`, `submit`, `approve` or `return`.
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: String,
    /// The reason of a return.
    pub body: String,
    /// The submission's version after the step.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Submission {
    #[serde(flatten)]
    pub item: SubmissionItem,
    pub values: Vec<SubmissionValue>,
    pub history: Vec<SubmissionEventRow>,
}

/// One value as the zone enters it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInput {
    pub indicator: String,
    pub value: f64,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub year: Option<i32>,
    pub state: Option<SubmissionState>,
    /// Only these zones (a zone's staff see their own); `None`: every zone.
    pub zones: Option<Vec<String>>,
}

/// An approved value that replaces the demo's.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ApprovedValue {
    pub zone_code: String,
    pub year: i32,
    pub indicator: String,
    pub value: f64,
    pub submission_id: i64,
    pub reviewed_at: Option<String>,
}

/// What the assessment runs on: the base panel with approved values laid over it.
#[derive(Debug, Clone)]
pub struct AssessmentInput {
    pub panel: Panel,
    pub approved: Vec<ApprovedValue>,
}

impl AssessmentInput {
    /// Where the value of `zone`, `year`, `indicator` comes from.
    pub fn source_of(&self, zone: &str, year: i32, indicator: &str) -> &'static str {
        if self
            .approved
            .iter()
            .any(|a| a.zone_code == zone && a.year == year && a.indicator == indicator)
        {
            SOURCE_APPROVED
        } else {
            SOURCE_SYNTHETIC
        }
    }
}

fn target(zone: &str, year: i32) -> String {
    format!("zone_submission:{zone}/{year}")
}

const ITEM_SELECT: &str = "SELECT s.id, s.zone_code, s.year, s.state, s.version, s.created_by, \
     s.submitted_by, s.submitted_at, s.reviewed_by, s.reviewed_at, s.reason, s.created_at, \
     s.updated_at, (SELECT COUNT(*) FROM zone_submission_values v WHERE v.submission_id = s.id) AS n_values \
     FROM zone_submissions s";

/// Checks the values against the framework and each other: known indicators, each once,
/// finite numbers within the valid range, notes of bounded length.
pub fn check_values(framework: &Framework, values: &[ValueInput]) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, v) in values.iter().enumerate() {
        let field = |f: &str| format!("values[{i}].{f}");
        if !v.value.is_finite() {
            return Err(StoreError::invalid(&field("value"), "must be a number"));
        }
        let at = Location::entry("values", "value", i + 1);
        kaifang_assess::zones::check_entry(
            framework,
            &v.indicator,
            &v.value.to_string(),
            None,
            &at,
        )
        .map_err(|e| {
            let f = e
                .location()
                .and_then(|l| l.field.clone())
                .unwrap_or_else(|| "value".into());
            let f = if f == "iCode" {
                "indicator".into()
            } else {
                f.to_lowercase()
            };
            StoreError::invalid(&field(&f), e.to_string())
        })?;
        if !seen.insert(v.indicator.as_str()) {
            return Err(StoreError::invalid(
                &field("indicator"),
                format!("{} is given twice", v.indicator),
            ));
        }
        if v.note.chars().count() > MAX_NOTE {
            return Err(StoreError::invalid(
                &field("note"),
                format!("at most {MAX_NOTE} characters"),
            ));
        }
    }
    Ok(())
}

async fn load_item(
    conn: &mut AnyConnection,
    zone: &str,
    year: i32,
) -> Result<Option<SubmissionItem>> {
    Ok(sqlx::query_as(&format!(
        "{ITEM_SELECT} WHERE s.zone_code = $1 AND s.year = $2"
    ))
    .bind(zone)
    .bind(year)
    .fetch_optional(conn)
    .await?)
}

async fn load(conn: &mut AnyConnection, zone: &str, year: i32) -> Result<Option<Submission>> {
    let Some(item) = load_item(conn, zone, year).await? else {
        return Ok(None);
    };
    let values = sqlx::query_as(
        "SELECT indicator, value, note FROM zone_submission_values WHERE submission_id = $1 ORDER BY indicator",
    )
    .bind(item.id)
    .fetch_all(&mut *conn)
    .await?;
    let history = sqlx::query_as(
        "SELECT id, at, actor, kind, from_state, to_state, body, version FROM zone_submission_events \
         WHERE submission_id = $1 ORDER BY id",
    )
    .bind(item.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Submission {
        item,
        values,
        history,
    }))
}

fn state_of(item: &SubmissionItem) -> Result<SubmissionState> {
    SubmissionState::from_key(&item.state)
        .ok_or_else(|| StoreError::Sqlite(format!("unknown submission state {:?}", item.state)))
}

impl Store {
    /// Submissions, newest year first, then by zone.
    pub async fn zone_submissions(&self, f: &SubmissionFilter) -> Result<Vec<SubmissionItem>> {
        let mut items: Vec<SubmissionItem> = sqlx::query_as(&format!(
            "{ITEM_SELECT} WHERE ($1 IS NULL OR s.year = $1) AND ($2 IS NULL OR s.state = $2) \
             ORDER BY s.year DESC, s.zone_code"
        ))
        .bind(f.year)
        .bind(f.state.map(SubmissionState::key))
        .fetch_all(&self.pool)
        .await?;
        if let Some(zones) = &f.zones {
            items.retain(|i| zones.contains(&i.zone_code));
        }
        Ok(items)
    }

    /// One zone's submission for a year, with its values and history.
    pub async fn zone_submission(&self, zone: &str, year: i32) -> Result<Submission> {
        let mut conn = self.pool.acquire().await?;
        load(&mut conn, zone, year)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("the submission of {zone} for {year}")))
    }

    /// Saves the form's values as a draft, replacing the values saved before; `version` is
    /// the one the caller read (0 when there is no submission yet). The zone code must have
    /// been checked against the registry by the caller. Nothing is written if any value is
    /// wrong.
    pub async fn save_zone_draft(
        &self,
        who: &Who,
        zone: &str,
        year: i32,
        version: i64,
        values: &[ValueInput],
        framework: &Framework,
    ) -> Result<Submission> {
        if !(2000..=2100).contains(&year) {
            return Err(StoreError::invalid("year", format!("{year} is not a year")));
        }
        check_values(framework, values)?;
        let step = ZoneStep {
            zone,
            year,
            event: SubmissionEvent::Save,
            values,
            reason: "",
        };
        self.step(&step, who, version).await
    }

    /// Submits a draft or a returned submission for review.
    pub async fn submit_zone_data(
        &self,
        who: &Who,
        zone: &str,
        year: i32,
        version: i64,
    ) -> Result<Submission> {
        let step = ZoneStep::review(zone, year, SubmissionEvent::Submit, "");
        self.step(&step, who, version).await
    }

    /// Approves a submitted submission: its values enter the assessment.
    pub async fn approve_zone_data(
        &self,
        who: &Who,
        zone: &str,
        year: i32,
        version: i64,
    ) -> Result<Submission> {
        let step = ZoneStep::review(zone, year, SubmissionEvent::Approve, "");
        self.step(&step, who, version).await
    }

    /// Returns a submitted submission to the zone with a reason.
    pub async fn return_zone_data(
        &self,
        who: &Who,
        zone: &str,
        year: i32,
        version: i64,
        reason: &str,
    ) -> Result<Submission> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "say what the zone should correct",
            ));
        }
        if reason.chars().count() > MAX_REASON {
            return Err(StoreError::invalid(
                "reason",
                format!("at most {MAX_REASON} characters"),
            ));
        }
        let step = ZoneStep::review(zone, year, SubmissionEvent::Return, reason);
        self.step(&step, who, version).await
    }

    /// Approved values, of one year or all.
    pub async fn approved_zone_values(&self, year: Option<i32>) -> Result<Vec<ApprovedValue>> {
        Ok(sqlx::query_as(
            "SELECT s.zone_code, s.year, v.indicator, v.value, s.id AS submission_id, s.reviewed_at \
             FROM zone_submission_values v JOIN zone_submissions s ON s.id = v.submission_id \
             WHERE s.state = 'approved' AND ($1 IS NULL OR s.year = $1) \
             ORDER BY s.year, s.zone_code, v.indicator",
        )
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The assessment's input: `base` (the synthetic demo panel) with every approved value
    /// in place of the demo's. Approved values of zones the panel does not rank are left out.
    pub async fn zone_assessment_input(
        &self,
        base: &Panel,
        framework: &Framework,
    ) -> Result<AssessmentInput> {
        let approved: Vec<ApprovedValue> = self
            .approved_zone_values(None)
            .await?
            .into_iter()
            .filter(|a| base.units().iter().any(|u| u.code == a.zone_code))
            .collect();
        if approved.is_empty() {
            return Ok(AssessmentInput {
                panel: base.clone(),
                approved,
            });
        }
        let mut cells = Vec::with_capacity(approved.len());
        for a in &approved {
            let j = framework
                .indicators()
                .iter()
                .position(|n| n.code == a.indicator)
                .ok_or_else(|| {
                    StoreError::Sqlite(format!(
                        "approved value of unknown indicator {} (submission {})",
                        a.indicator, a.submission_id
                    ))
                })?;
            cells.push((a.zone_code.clone(), a.year, j, a.value));
        }
        let source = format!("{} + approved submissions", base.source());
        let panel = base
            .overlay(&source, &cells)
            .map_err(|e| StoreError::Sqlite(e.to_string()))?;
        Ok(AssessmentInput { panel, approved })
    }
}

/// One event on one zone's submission for a year. Saving a draft may start the submission;
/// every other event needs one.
struct ZoneStep<'a> {
    zone: &'a str,
    year: i32,
    event: SubmissionEvent,
    /// The values of a draft being saved.
    values: &'a [ValueInput],
    /// The reason of a return.
    reason: &'a str,
}

impl<'a> ZoneStep<'a> {
    fn review(zone: &'a str, year: i32, event: SubmissionEvent, reason: &'a str) -> Self {
        ZoneStep {
            zone,
            year,
            event,
            values: &[],
            reason,
        }
    }
}

impl Step for ZoneStep<'_> {
    /// `None` while there is no submission yet, which counts as version 0.
    type Row = Option<SubmissionItem>;
    type View = Submission;

    fn name(&self) -> String {
        format!("the submission of {} for {}", self.zone, self.year)
    }

    fn target(&self) -> String {
        target(self.zone, self.year)
    }

    async fn load(&self, conn: &mut AnyConnection) -> Result<Option<Self::Row>> {
        let item = load_item(conn, self.zone, self.year).await?;
        Ok(if item.is_none() && self.event != SubmissionEvent::Save {
            None
        } else {
            Some(item)
        })
    }

    fn version(row: &Self::Row) -> i64 {
        row.as_ref().map_or(0, |i| i.version)
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        by: &Acting<'_>,
        row: Self::Row,
        version: i64,
    ) -> Result<Option<Outcome>> {
        let (zone, year, event, who) = (self.zone, self.year, self.event, by.who);
        let saving = event == SubmissionEvent::Save;
        let at = now();
        let (id, from, to, values) = match &row {
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO zone_submissions (zone_code, year, state, version, created_by, created_at, updated_at) \
                     VALUES ($1, $2, 'draft', 1, $3, $4, $4) RETURNING id",
                )
                .bind(zone)
                .bind(year)
                .bind(&who.actor)
                .bind(&at)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| {
                    if StoreError::is_unique_violation(&e) {
                        StoreError::Conflict(format!(
                            "the submission of {zone} for {year} was created by someone else; reload and try again"
                        ))
                    } else {
                        e.into()
                    }
                })?;
                (id, None, SubmissionState::Draft, self.values.len() as i64)
            }
            Some(item) => {
                let from = state_of(item)?;
                let to = apply(from, event).map_err(|e| StoreError::Transition(e.to_string()))?;
                if event == SubmissionEvent::Submit && item.values == 0 {
                    return Err(StoreError::invalid(
                        "values",
                        "fill in at least one value before submitting",
                    ));
                }
                let query = match event {
                    SubmissionEvent::Save => sqlx::query(
                        "UPDATE zone_submissions SET state = $1, version = version + 1, updated_at = $2 \
                         WHERE id = $3 AND version = $4",
                    )
                    .bind(to.key())
                    .bind(&at)
                    .bind(item.id)
                    .bind(version),
                    SubmissionEvent::Submit => sqlx::query(
                        "UPDATE zone_submissions SET state = $1, version = version + 1, updated_at = $2, \
                         submitted_by = $3, submitted_at = $2 WHERE id = $4 AND version = $5",
                    )
                    .bind(to.key())
                    .bind(&at)
                    .bind(&who.actor)
                    .bind(item.id)
                    .bind(version),
                    SubmissionEvent::Return => sqlx::query(
                        "UPDATE zone_submissions SET state = $1, version = version + 1, updated_at = $2, \
                         reviewed_by = $3, reviewed_at = $2, reason = $6 WHERE id = $4 AND version = $5",
                    )
                    .bind(to.key())
                    .bind(&at)
                    .bind(&who.actor)
                    .bind(item.id)
                    .bind(version)
                    .bind(self.reason),
                    SubmissionEvent::Approve => sqlx::query(
                        "UPDATE zone_submissions SET state = $1, version = version + 1, updated_at = $2, \
                         reviewed_by = $3, reviewed_at = $2 WHERE id = $4 AND version = $5",
                    )
                    .bind(to.key())
                    .bind(&at)
                    .bind(&who.actor)
                    .bind(item.id)
                    .bind(version),
                };
                if query.execute(&mut *conn).await?.rows_affected() == 0 {
                    return Ok(None);
                }
                let values = if saving {
                    sqlx::query("DELETE FROM zone_submission_values WHERE submission_id = $1")
                        .bind(item.id)
                        .execute(&mut *conn)
                        .await?;
                    self.values.len() as i64
                } else {
                    item.values
                };
                (item.id, Some(from), to, values)
            }
        };
        if saving {
            for v in self.values {
                sqlx::query(
                    "INSERT INTO zone_submission_values (submission_id, indicator, value, note) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(&v.indicator)
                .bind(v.value)
                .bind(v.note.trim())
                .execute(&mut *conn)
                .await?;
            }
        }
        let version = version + 1;
        sqlx::query(
            "INSERT INTO zone_submission_events (submission_id, at, user_id, actor, kind, from_state, to_state, body, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(now())
        .bind(who.user_id)
        .bind(&who.actor)
        .bind(event.key())
        .bind(from.map(SubmissionState::key))
        .bind(to.key())
        .bind(self.reason)
        .bind(version)
        .execute(&mut *conn)
        .await?;
        let mut details = serde_json::json!({ "values": values });
        details["from"] = from.map(SubmissionState::key).into();
        details["to"] = to.key().into();
        details["version"] = version.into();
        if !self.reason.is_empty() {
            details["reason"] = self.reason.into();
        }
        let notice = match event {
            SubmissionEvent::Save => None,
            SubmissionEvent::Submit => Some((
                orgs_owning(conn, "platforms").await?,
                format!("{zone} {year} 年度数据已报送，待审核（{}）", who.actor),
            )),
            SubmissionEvent::Approve | SubmissionEvent::Return => {
                let submitter = row
                    .as_ref()
                    .map(|i| i.submitted_by.as_deref().unwrap_or(&i.created_by));
                let submitter_org: Option<i64> =
                    sqlx::query_scalar("SELECT org_id FROM users WHERE username = $1")
                        .bind(submitter)
                        .fetch_optional(&mut *conn)
                        .await?;
                let verb = if event == SubmissionEvent::Approve {
                    "已审核通过"
                } else {
                    "被退回修改"
                };
                Some((
                    submitter_org.into_iter().collect(),
                    format!("{zone} {year} 年度数据{verb}（{}）", who.actor),
                ))
            }
        };
        Ok(Some(Outcome {
            action: format!("zone_data.{}", event.key()),
            details,
            notice: notice.map(|(orgs, title)| {
                (
                    orgs,
                    Notice {
                        kind: "zone_data.event",
                        title,
                        link: format!("/zones/data?zone={zone}&year={year}"),
                        dedupe: None,
                    },
                )
            }),
        }))
    }

    async fn view(&self, store: &Store) -> Result<Submission> {
        store.zone_submission(self.zone, self.year).await
    }

    fn view_version(view: &Submission) -> i64 {
        view.item.version
    }
}
