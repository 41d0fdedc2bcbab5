//! Enterprise appeals (诉求办理) and the roundtable for foreign-funded enterprises.
//!
//! As with tasks, `kaifang_work::appeal` holds the rules, and each step on an appeal goes
//! through [`crate::step::Step`]: its new state, timeline entry, audit entry and notifications
//! in one transaction, guarded by version.

pub use kaifang_model::AppealScope;
use kaifang_work::appeal::{Appeal, AppealEvent, AppealState, Party};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use time::Date;

use crate::audit::{self, Who};
use crate::notifications::{Notice, notify_orgs, orgs_owning};
use crate::rules::{Rules, format_date, parse_date};
use crate::step::{Acting, Outcome, Step, check_attachments};
use crate::tasks::{OrgRef, Timeline, TimelineEvent, append_event, timeline};
use crate::{Result, Store, StoreError, now};

/// The categories of appeal, after the kinds of problem MOFCOM's complaint rules and the
/// provinces' roundtables list.
pub const CATEGORIES: &[(&str, &str, &str)] = &[
    ("market_access", "市场准入", "Market access"),
    ("customs", "通关便利", "Customs clearance"),
    ("tax", "税费", "Tax and fees"),
    ("land", "用地", "Land"),
    ("labour", "用工", "Labour"),
    ("financing", "融资", "Financing"),
    ("logistics", "物流运输", "Logistics"),
    ("permits", "审批许可", "Permits and licences"),
    ("ip", "知识产权", "Intellectual property"),
    ("other", "其他", "Other"),
];

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AppealItem {
    pub id: i64,
    pub enterprise: OrgRef,
    pub category: String,
    pub title: String,
    /// `filed`, `accepted`, `rejected`, `assigned`, `answered` or `rated`.
    pub state: String,
    pub filed_on: String,
    pub accepted_on: Option<String>,
    pub assigned: Option<OrgRef>,
    pub answered_on: Option<String>,
    pub score: Option<i64>,
    /// The limit now running: acceptance while filed, the answer once accepted.
    pub deadline: Option<String>,
    pub deadline_provisional: bool,
    /// Open and past its limit: the leaders see it.
    pub escalated: bool,
    pub version: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AppealDetail {
    #[serde(flatten)]
    pub item: AppealItem,
    pub description: String,
    pub answer: Option<String>,
    pub reject_reason: Option<String>,
    pub events: Vec<TimelineEvent>,
    /// Roundtable meetings whose agenda lists this appeal.
    pub roundtables: Vec<RoundtableRef>,
}

#[derive(Debug, Clone)]
pub struct NewAppeal {
    pub enterprise_org_id: i64,
    pub category: String,
    pub title: String,
    pub description: String,
    pub filed_on: Date,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppealAction {
    /// Accept, and assign to `assign_to` at once when given.
    Accept {
        assign_to: Option<i64>,
        body: String,
    },
    Reject {
        reason: String,
    },
    Assign {
        org_id: i64,
        body: String,
    },
    Answer {
        body: String,
    },
    Rate {
        score: u8,
        body: String,
    },
    Comment {
        body: String,
    },
}

impl AppealAction {
    pub fn kind(&self) -> &'static str {
        match self {
            AppealAction::Accept { .. } => "accept",
            AppealAction::Reject { .. } => "reject",
            AppealAction::Assign { .. } => "assign",
            AppealAction::Answer { .. } => "answer",
            AppealAction::Rate { .. } => "rate",
            AppealAction::Comment { .. } => "comment",
        }
    }

    /// Who must act; comments are anyone's who can see the appeal.
    pub fn party(&self) -> Option<Party> {
        match self {
            AppealAction::Accept { .. }
            | AppealAction::Reject { .. }
            | AppealAction::Assign { .. } => Some(Party::Intake),
            AppealAction::Answer { .. } => Some(Party::Handler),
            AppealAction::Rate { .. } => Some(Party::Enterprise),
            AppealAction::Comment { .. } => None,
        }
    }

    fn body(&self) -> &str {
        match self {
            AppealAction::Accept { body, .. }
            | AppealAction::Assign { body, .. }
            | AppealAction::Answer { body }
            | AppealAction::Rate { body, .. }
            | AppealAction::Comment { body } => body,
            AppealAction::Reject { reason } => reason,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatRow {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub total: u32,
    pub open: u32,
    pub escalated: u32,
    pub rejected: u32,
    pub answered: u32,
    /// Mean working days from filing to acceptance, over accepted appeals.
    pub mean_days_to_accept: Option<f64>,
    /// Mean working days from acceptance to the answer, over answered appeals.
    pub mean_days_to_answer: Option<f64>,
    /// Mean satisfaction (1–5) over rated appeals.
    pub mean_satisfaction: Option<f64>,
    pub rated: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AppealStats {
    pub today: String,
    pub limits: StatLimits,
    pub total: StatRow,
    pub by_category: Vec<StatRow>,
    pub by_department: Vec<StatRow>,
    /// How many rated appeals got each score, 1 to 5.
    pub satisfaction: [u32; 5],
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatLimits {
    pub accept_working_days: u32,
    pub resolve_working_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct RoundtableRef {
    pub id: i64,
    pub title: String,
    pub held_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Roundtable {
    pub id: i64,
    pub title: String,
    pub held_on: String,
    pub minutes: String,
    #[sqlx(skip)]
    pub items: Vec<AgendaItem>,
    pub version: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AgendaItem {
    pub position: i64,
    pub title: String,
    pub appeal_id: Option<i64>,
    /// The linked appeal's title and state, when the reader may see it.
    pub appeal_title: Option<String>,
    pub appeal_state: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewRoundtable {
    pub title: String,
    pub held_on: Date,
    pub minutes: String,
    pub items: Vec<(String, Option<i64>)>,
}

const APPEAL_SELECT: &str = "SELECT a.id, a.category, a.title, a.state, a.filed_on, a.accepted_on, \
    a.answered_on, a.score, a.version, a.updated_at, a.description, a.answer, a.reject_reason, \
    e.id AS e_id, e.code AS e_code, e.name_zh AS e_name_zh, e.name_en AS e_name_en, \
    h.id AS h_id, h.code AS h_code, h.name_zh AS h_name_zh, h.name_en AS h_name_en \
    FROM appeals a JOIN organisations e ON e.id = a.enterprise_org_id \
    LEFT JOIN organisations h ON h.id = a.assigned_org_id";

/// A row of `APPEAL_SELECT`. Its deadline and escalation depend on the day it is seen, so it
/// becomes an [`AppealDetail`] only given the rules and today.
#[derive(sqlx::FromRow)]
struct AppealRow {
    id: i64,
    category: String,
    title: String,
    state: String,
    filed_on: String,
    accepted_on: Option<String>,
    answered_on: Option<String>,
    score: Option<i64>,
    version: i64,
    updated_at: String,
    description: String,
    answer: Option<String>,
    reject_reason: Option<String>,
    e_id: i64,
    e_code: String,
    e_name_zh: String,
    e_name_en: String,
    h_id: Option<i64>,
    h_code: Option<String>,
    h_name_zh: Option<String>,
    h_name_en: Option<String>,
}

impl AppealRow {
    /// The appeal as the rules see it.
    fn rule(&self) -> Result<Appeal> {
        Ok(Appeal {
            state: AppealState::from_key(&self.state).ok_or_else(|| {
                StoreError::Sqlite(format!("unknown appeal state {:?}", self.state))
            })?,
            filed_on: parse_date("filed_on", &self.filed_on)?,
            accepted_on: self
                .accepted_on
                .as_deref()
                .map(|d| parse_date("accepted_on", d))
                .transpose()?,
        })
    }

    /// The appeal as seen on `today`, without its timeline and roundtables.
    fn detail(self, rules: &Rules, today: Date) -> Result<AppealDetail> {
        let rule = self.rule()?;
        let deadline = rule.deadline(&rules.calendar, &rules.limits);
        Ok(AppealDetail {
            item: AppealItem {
                id: self.id,
                enterprise: OrgRef {
                    id: self.e_id,
                    code: self.e_code,
                    name_zh: self.e_name_zh,
                    name_en: self.e_name_en,
                },
                category: self.category,
                title: self.title,
                state: rule.state.as_str().to_string(),
                filed_on: format_date(rule.filed_on),
                accepted_on: self.accepted_on,
                assigned: OrgRef::joined(self.h_id, self.h_code, self.h_name_zh, self.h_name_en),
                answered_on: self.answered_on,
                score: self.score,
                deadline: deadline.map(|d| format_date(d.date)),
                deadline_provisional: deadline.is_some_and(|d| d.provisional),
                escalated: rule.escalated(&rules.calendar, &rules.limits, today),
                version: self.version,
                updated_at: self.updated_at,
            },
            description: self.description,
            answer: self.answer,
            reject_reason: self.reject_reason,
            events: Vec::new(),
            roundtables: Vec::new(),
        })
    }
}

async fn load_appeal(conn: &mut AnyConnection, id: i64) -> Result<Option<AppealRow>> {
    Ok(sqlx::query_as(&format!("{APPEAL_SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

fn category_known(c: &str) -> bool {
    CATEGORIES.iter().any(|(k, _, _)| *k == c)
}

impl Store {
    pub async fn file_appeal(
        &self,
        who: &Who,
        a: &NewAppeal,
        attachments: &[i64],
        rules: &Rules,
    ) -> Result<AppealDetail> {
        let mut tx = self.begin_write().await?;
        let id = insert_appeal(&mut tx, who, a, attachments).await?;
        let intake = orgs_owning(&mut tx, "appeals").await?;
        notify_orgs(
            &mut tx,
            &intake,
            who.user_id,
            &Notice {
                kind: "appeal.filed",
                title: format!("新诉求：{}", a.title.trim()),
                link: format!("/appeals/{id}"),
                dedupe: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.appeal(id, rules, a.filed_on).await
    }

    pub async fn appeals(
        &self,
        scope: Option<AppealScope>,
        rules: &Rules,
        today: Date,
    ) -> Result<Vec<AppealItem>> {
        let (filed_by, assigned_to) = match scope {
            None | Some(AppealScope::All) => (None, None),
            Some(AppealScope::FiledBy(o)) => (Some(o), None),
            Some(AppealScope::AssignedTo(o)) => (None, Some(o)),
        };
        let rows: Vec<AppealRow> = sqlx::query_as(&format!(
            "{APPEAL_SELECT} WHERE ($1 IS NULL OR a.enterprise_org_id = $1) AND ($2 IS NULL OR a.assigned_org_id = $2) \
             ORDER BY a.filed_on DESC, a.id DESC"
        ))
        .bind(filed_by)
        .bind(assigned_to)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok(r.detail(rules, today)?.item))
            .collect()
    }

    /// The enterprise and the assigned organisation of an appeal, for the access policy.
    pub async fn appeal_orgs(&self, id: i64) -> Result<(i64, Option<i64>)> {
        sqlx::query_as("SELECT enterprise_org_id, assigned_org_id FROM appeals WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("appeal {id}")))
    }

    pub async fn appeal(&self, id: i64, rules: &Rules, today: Date) -> Result<AppealDetail> {
        let mut conn = self.pool.acquire().await?;
        let mut appeal = load_appeal(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("appeal {id}")))?
            .detail(rules, today)?;
        appeal.events = timeline(&mut conn, Timeline::Appeal, id).await?;
        appeal.roundtables = sqlx::query_as(
            "SELECT DISTINCT r.id, r.title, r.held_on FROM roundtables r \
             JOIN roundtable_items i ON i.roundtable_id = r.id WHERE i.appeal_id = $1 ORDER BY r.held_on",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(appeal)
    }

    /// Applies `action` to appeal `id` if it is still at `version`; the caller has checked that
    /// the actor may act as the action's party.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_on_appeal(
        &self,
        who: &Who,
        id: i64,
        version: i64,
        action: &AppealAction,
        attachments: &[i64],
        rules: &Rules,
        today: Date,
    ) -> Result<AppealDetail> {
        let step = AppealStep {
            id,
            action,
            attachments,
            rules,
            today,
        };
        self.step(&step, who, version).await
    }

    /// Statistics over the appeals in `scope`: by category and by department, working days to
    /// accept and to answer, and satisfaction.
    pub async fn appeal_stats(
        &self,
        scope: Option<AppealScope>,
        rules: &Rules,
        today: Date,
    ) -> Result<AppealStats> {
        let items = self.appeals(scope, rules, today).await?;
        #[derive(Default)]
        struct Acc {
            name: (String, String),
            total: u32,
            open: u32,
            escalated: u32,
            rejected: u32,
            answered: u32,
            accept_days: Vec<u32>,
            answer_days: Vec<u32>,
            scores: Vec<i64>,
        }
        let mut total = Acc {
            name: ("合计".into(), "Total".into()),
            ..Acc::default()
        };
        let mut by_cat: BTreeMap<String, Acc> = BTreeMap::new();
        let mut by_dept: BTreeMap<String, Acc> = BTreeMap::new();
        let mut satisfaction = [0u32; 5];
        let days = |a: &str, b: &str| -> Option<u32> {
            let a = parse_date("date", a).ok()?;
            let b = parse_date("date", b).ok()?;
            Some(rules.calendar.working_days_between(a, b))
        };
        for a in &items {
            let state = AppealState::from_key(&a.state);
            let cat = CATEGORIES
                .iter()
                .find(|(k, _, _)| *k == a.category)
                .map(|(_, zh, en)| (zh.to_string(), en.to_string()))
                .unwrap_or_else(|| (a.category.clone(), a.category.clone()));
            let mut targets: Vec<&mut Acc> = Vec::new();
            let c = by_cat.entry(a.category.clone()).or_default();
            c.name = cat;
            targets.push(c);
            targets.push(&mut total);
            for acc in targets {
                acc.total += 1;
                acc.open += u32::from(state.is_some_and(|s| s.is_open()));
                acc.escalated += u32::from(a.escalated);
                acc.rejected += u32::from(state == Some(AppealState::Rejected));
                acc.answered += u32::from(a.answered_on.is_some());
                if let Some(d) = a.accepted_on.as_deref().and_then(|x| days(&a.filed_on, x)) {
                    acc.accept_days.push(d);
                }
                if let (Some(x), Some(y)) = (a.accepted_on.as_deref(), a.answered_on.as_deref())
                    && let Some(d) = days(x, y)
                {
                    acc.answer_days.push(d);
                }
                acc.scores.extend(a.score);
            }
            if let Some(h) = &a.assigned {
                let d = by_dept.entry(h.code.clone()).or_default();
                d.name = (h.name_zh.clone(), h.name_en.clone());
                d.total += 1;
                d.open += u32::from(state.is_some_and(|s| s.is_open()));
                d.escalated += u32::from(a.escalated);
                d.answered += u32::from(a.answered_on.is_some());
                if let (Some(x), Some(y)) = (a.accepted_on.as_deref(), a.answered_on.as_deref())
                    && let Some(n) = days(x, y)
                {
                    d.answer_days.push(n);
                }
                d.scores.extend(a.score);
            }
            if let Some(s) = a.score.filter(|s| (1..=5).contains(s)) {
                satisfaction[(s - 1) as usize] += 1;
            }
        }
        let mean = |v: &[u32]| {
            (!v.is_empty()).then(|| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64)
        };
        let finish = |key: String, a: Acc| StatRow {
            key,
            name_zh: a.name.0,
            name_en: a.name.1,
            total: a.total,
            open: a.open,
            escalated: a.escalated,
            rejected: a.rejected,
            answered: a.answered,
            mean_days_to_accept: mean(&a.accept_days),
            mean_days_to_answer: mean(&a.answer_days),
            mean_satisfaction: (!a.scores.is_empty())
                .then(|| a.scores.iter().sum::<i64>() as f64 / a.scores.len() as f64),
            rated: a.scores.len() as u32,
        };
        Ok(AppealStats {
            today: format_date(today),
            limits: StatLimits {
                accept_working_days: rules.limits.accept_working_days,
                resolve_working_days: rules.limits.resolve_working_days,
            },
            total: finish("total".into(), total),
            by_category: by_cat.into_iter().map(|(k, a)| finish(k, a)).collect(),
            by_department: by_dept.into_iter().map(|(k, a)| finish(k, a)).collect(),
            satisfaction,
        })
    }

    // -----------------------------------------------------------------------------------------
    // the roundtable

    pub async fn roundtables(&self) -> Result<Vec<Roundtable>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM roundtables ORDER BY held_on DESC, id DESC")
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.roundtable(id).await?);
        }
        Ok(out)
    }

    pub async fn roundtable(&self, id: i64) -> Result<Roundtable> {
        let mut roundtable: Roundtable = sqlx::query_as(
            "SELECT id, title, held_on, minutes, version, updated_at FROM roundtables WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("roundtable {id}")))?;
        roundtable.items = sqlx::query_as(
            "SELECT i.position, i.title, i.appeal_id, a.title AS appeal_title, a.state AS appeal_state \
             FROM roundtable_items i LEFT JOIN appeals a ON a.id = i.appeal_id \
             WHERE i.roundtable_id = $1 ORDER BY i.position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(roundtable)
    }

    pub async fn create_roundtable(&self, who: &Who, r: &NewRoundtable) -> Result<Roundtable> {
        let mut tx = self.begin_write().await?;
        let id = insert_roundtable(&mut tx, r).await?;
        audit::append(
            &mut tx,
            who,
            "roundtable.create",
            Some(&format!("roundtable:{id}")),
            serde_json::json!({ "title": r.title, "items": r.items.len() }),
        )
        .await?;
        tx.commit().await?;
        self.roundtable(id).await
    }

    /// Replaces the agenda and minutes of a roundtable if it is still at `version`.
    pub async fn update_roundtable(
        &self,
        who: &Who,
        id: i64,
        version: i64,
        r: &NewRoundtable,
    ) -> Result<Roundtable> {
        validate_roundtable(r)?;
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE roundtables SET title = $1, held_on = $2, minutes = $3, version = version + 1, updated_at = $4 \
             WHERE id = $5 AND version = $6",
        )
        .bind(r.title.trim())
        .bind(format_date(r.held_on))
        .bind(r.minutes.trim())
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            drop(tx);
            let current = self.roundtable(id).await?;
            return Err(StoreError::stale(
                &format!("roundtable {id}"),
                version,
                current.version,
                &current,
            ));
        }
        sqlx::query("DELETE FROM roundtable_items WHERE roundtable_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_items(&mut tx, id, &r.items).await?;
        audit::append(
            &mut tx,
            who,
            "roundtable.update",
            Some(&format!("roundtable:{id}")),
            serde_json::json!({ "title": r.title, "items": r.items.len(), "minutes_chars": r.minutes.chars().count() }),
        )
        .await?;
        tx.commit().await?;
        self.roundtable(id).await
    }
}

fn appeal_action_zh(a: &AppealAction) -> &'static str {
    match a {
        AppealAction::Accept {
            assign_to: Some(_), ..
        } => "已受理并交办",
        AppealAction::Accept { .. } => "已受理",
        AppealAction::Reject { .. } => "不予受理",
        AppealAction::Assign { .. } => "已交办",
        AppealAction::Answer { .. } => "已答复",
        AppealAction::Rate { .. } => "企业已评价",
        AppealAction::Comment { .. } => "新留言",
    }
}

/// One action on one appeal.
struct AppealStep<'a> {
    id: i64,
    action: &'a AppealAction,
    attachments: &'a [i64],
    rules: &'a Rules,
    today: Date,
}

impl Step for AppealStep<'_> {
    type Row = AppealRow;
    type View = AppealDetail;

    fn name(&self) -> String {
        format!("appeal {}", self.id)
    }

    fn target(&self) -> String {
        format!("appeal:{}", self.id)
    }

    fn attachments(&self) -> &[i64] {
        self.attachments
    }

    async fn load(&self, conn: &mut AnyConnection) -> Result<Option<AppealRow>> {
        load_appeal(conn, self.id).await
    }

    fn version(row: &AppealRow) -> i64 {
        row.version
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        by: &Acting<'_>,
        row: AppealRow,
        version: i64,
    ) -> Result<Option<Outcome>> {
        let (id, action, today) = (self.id, self.action, self.today);
        let body = action.body().trim().to_string();
        if body.chars().count() > 4000 {
            return Err(StoreError::invalid("body", "at most 4000 characters"));
        }
        let transition = |a: &Appeal, p: Party, e: &AppealEvent| {
            a.apply(p, e, today)
                .map_err(|e| StoreError::Transition(e.to_string()))
        };
        let before = row.rule()?;
        let mut assigned = row.h_id;
        let mut data = serde_json::json!({ "from": before.state.as_str() });
        let after = match action {
            AppealAction::Accept { assign_to, .. } => {
                let a = transition(&before, Party::Intake, &AppealEvent::Accept)?;
                match assign_to {
                    Some(o) => {
                        check_handler(&mut *conn, *o).await?;
                        assigned = Some(*o);
                        data["assigned_org_id"] = (*o).into();
                        transition(&a, Party::Intake, &AppealEvent::Assign)?
                    }
                    None => a,
                }
            }
            AppealAction::Reject { reason } => transition(
                &before,
                Party::Intake,
                &AppealEvent::Reject {
                    reason: reason.clone(),
                },
            )?,
            AppealAction::Assign { org_id, .. } => {
                check_handler(&mut *conn, *org_id).await?;
                assigned = Some(*org_id);
                data["assigned_org_id"] = (*org_id).into();
                transition(&before, Party::Intake, &AppealEvent::Assign)?
            }
            AppealAction::Answer { body } => {
                if body.trim().is_empty() {
                    return Err(StoreError::invalid("body", "the answer must not be empty"));
                }
                transition(&before, Party::Handler, &AppealEvent::Answer)?
            }
            AppealAction::Rate { score, .. } => {
                data["score"] = (*score).into();
                transition(
                    &before,
                    Party::Enterprise,
                    &AppealEvent::Rate { score: *score },
                )?
            }
            AppealAction::Comment { body } => {
                if body.trim().is_empty() && self.attachments.is_empty() {
                    return Err(StoreError::invalid(
                        "body",
                        "a comment needs text or an attachment",
                    ));
                }
                if !before.state.is_open() && before.state != AppealState::Answered {
                    return Err(StoreError::Transition(format!(
                        "cannot comment on the appeal while it is {}: the appeal is finished",
                        before.state.as_str()
                    )));
                }
                before.clone()
            }
        };
        data["to"] = after.state.as_str().into();
        let day = format_date(today);
        let answered_on = (after.state == AppealState::Answered
            && before.state != AppealState::Answered)
            .then(|| day.clone());
        let closed_on =
            matches!(after.state, AppealState::Rejected | AppealState::Rated).then(|| day.clone());
        let n = sqlx::query(
            "UPDATE appeals SET state = $1, accepted_on = $2, assigned_org_id = $3, \
             answered_on = COALESCE($4, answered_on), \
             answer = CASE WHEN $5 IS NULL THEN answer ELSE $5 END, \
             reject_reason = CASE WHEN $6 IS NULL THEN reject_reason ELSE $6 END, \
             score = COALESCE($7, score), closed_on = COALESCE(closed_on, $8), \
             version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
        )
        .bind(after.state.as_str())
        .bind(after.accepted_on.map(format_date))
        .bind(assigned)
        .bind(answered_on)
        .bind(matches!(action, AppealAction::Answer { .. }).then(|| body.clone()))
        .bind(matches!(action, AppealAction::Reject { .. }).then(|| body.clone()))
        .bind(match action {
            AppealAction::Rate { score, .. } => Some(i64::from(*score)),
            _ => None,
        })
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
            Timeline::Appeal,
            id,
            by,
            action.kind(),
            &body,
            &data,
            self.attachments,
        )
        .await?;
        // Everyone involved hears of each step, except the one who took it.
        let mut to = vec![row.e_id];
        to.extend(assigned);
        to.extend(orgs_owning(conn, "appeals").await?);
        let notice = Notice {
            kind: "appeal.event",
            title: format!("诉求「{}」：{}", row.title, appeal_action_zh(action)),
            link: format!("/appeals/{id}"),
            dedupe: None,
        };
        Ok(Some(Outcome {
            action: format!("appeal.{}", action.kind()),
            details: data,
            notice: Some((to, notice)),
        }))
    }

    async fn view(&self, store: &Store) -> Result<AppealDetail> {
        store.appeal(self.id, self.rules, self.today).await
    }

    fn view_version(view: &AppealDetail) -> i64 {
        view.item.version
    }
}

/// Appeals go to government organisations, never to another enterprise.
async fn check_handler(conn: &mut AnyConnection, org: i64) -> Result<()> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
        .bind(org)
        .fetch_optional(conn)
        .await?;
    match kind.as_deref() {
        None => Err(StoreError::invalid(
            "org_id",
            format!("organisation {org} does not exist"),
        )),
        Some("enterprise") => Err(StoreError::invalid(
            "org_id",
            "appeals are assigned to departments, cities or zones",
        )),
        Some(_) => Ok(()),
    }
}

pub(crate) async fn insert_appeal(
    conn: &mut AnyConnection,
    who: &Who,
    a: &NewAppeal,
    attachments: &[i64],
) -> Result<i64> {
    if !category_known(&a.category) {
        let list: Vec<&str> = CATEGORIES.iter().map(|(k, _, _)| *k).collect();
        return Err(StoreError::invalid(
            "category",
            format!("{:?} is not one of {}", a.category, list.join(", ")),
        ));
    }
    let title = a.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(StoreError::invalid("title", "1 to 200 characters"));
    }
    let description = a.description.trim();
    if description.is_empty() || description.chars().count() > 8000 {
        return Err(StoreError::invalid("description", "1 to 8000 characters"));
    }
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
        .bind(a.enterprise_org_id)
        .fetch_optional(&mut *conn)
        .await?;
    if kind.as_deref() != Some("enterprise") {
        return Err(StoreError::invalid(
            "enterprise_org_id",
            "appeals are filed by enterprises",
        ));
    }
    check_attachments(conn, Some(a.enterprise_org_id), attachments).await?;
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO appeals (enterprise_org_id, category, title, description, state, filed_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'filed', $5, $6, $6) RETURNING id",
    )
    .bind(a.enterprise_org_id)
    .bind(&a.category)
    .bind(title)
    .bind(description)
    .bind(format_date(a.filed_on))
    .bind(&at)
    .fetch_one(&mut *conn)
    .await?;
    let data = serde_json::json!({ "to": "filed", "category": a.category });
    let by = Acting {
        who,
        org: Some(a.enterprise_org_id),
    };
    append_event(
        conn,
        Timeline::Appeal,
        id,
        &by,
        "file",
        "",
        &data,
        attachments,
    )
    .await?;
    audit::append(
        conn,
        who,
        "appeal.file",
        Some(&format!("appeal:{id}")),
        data,
    )
    .await?;
    Ok(id)
}

fn validate_roundtable(r: &NewRoundtable) -> Result<()> {
    let t = r.title.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(StoreError::invalid("title", "1 to 200 characters"));
    }
    if r.minutes.chars().count() > 20000 {
        return Err(StoreError::invalid("minutes", "at most 20000 characters"));
    }
    if r.items.len() > 50 {
        return Err(StoreError::invalid("items", "at most 50 agenda items"));
    }
    for (i, (title, _)) in r.items.iter().enumerate() {
        if title.trim().is_empty() || title.chars().count() > 200 {
            return Err(StoreError::invalid(
                &format!("items[{i}].title"),
                "1 to 200 characters",
            ));
        }
    }
    Ok(())
}

async fn insert_items(
    conn: &mut AnyConnection,
    roundtable: i64,
    items: &[(String, Option<i64>)],
) -> Result<()> {
    for (i, (title, appeal)) in items.iter().enumerate() {
        if let Some(a) = appeal {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM appeals WHERE id = $1")
                .bind(a)
                .fetch_optional(&mut *conn)
                .await?;
            if exists.is_none() {
                return Err(StoreError::invalid(
                    &format!("items[{i}].appeal_id"),
                    format!("appeal {a} does not exist"),
                ));
            }
        }
        sqlx::query(
            "INSERT INTO roundtable_items (roundtable_id, position, title, appeal_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(roundtable)
        .bind(i as i64 + 1)
        .bind(title.trim())
        .bind(appeal)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(crate) async fn insert_roundtable(conn: &mut AnyConnection, r: &NewRoundtable) -> Result<i64> {
    validate_roundtable(r)?;
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO roundtables (title, held_on, minutes, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(r.title.trim())
    .bind(format_date(r.held_on))
    .bind(r.minutes.trim())
    .bind(&at)
    .fetch_one(&mut *conn)
    .await?;
    insert_items(conn, id, &r.items).await?;
    Ok(id)
}
