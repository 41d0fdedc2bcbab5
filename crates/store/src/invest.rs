//! Investment projects (招商引资项目库): each project with its investor, industry, amount,
//! city, zone and lead organisation; the day it reached each stage; and its timeline of steps,
//! notes and problems. Steps follow `kaifang_invest::pipeline`'s rules through the shared
//! [`Step`]: dated, audited, and refused as stale when someone else moved the project first.
//! A problem logged on a project can become a supervision task, or — when the investor is an
//! enterprise of the registry — that enterprise's appeal, in the same step.
//!
//! Projects are never deleted (the database refuses it): one that comes to nothing is dropped
//! with its reason, which the conversion figures need.

use std::collections::HashMap;

use kaifang_invest::pipeline::{self, Stage};
use kaifang_invest::sheet::Currency;
use serde::Serialize;
use sqlx::AnyConnection;
use time::Date;

use crate::appeals::{NewAppeal, insert_appeal};
use crate::audit::{self, Who};
use crate::notifications::{Notice, notify_orgs, orgs_owning};
use crate::rules::{format_date, parse_date};
use crate::step::{Acting, Outcome, Step};
use crate::tasks::{
    NewTask, OrgRef, Timeline, TimelineEvent, append_event, issue_task_from, timeline,
};
use crate::{Result, Store, StoreError, now};

/// The answer of the negative-list check a project was entered with.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NegativeCheck {
    /// The edition's id, e.g. `national-2024`.
    pub edition: String,
    /// `prohibited`, `restricted` or `not_listed`.
    pub verdict: String,
    /// The items that matched.
    pub items: Vec<u32>,
}

/// A project as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProjectItem {
    pub id: i64,
    pub name: String,
    pub investor: String,
    /// ISO 3166-1 alpha-2 of the investor's country or region (`CN`: domestic).
    pub country: String,
    pub foreign_funded: bool,
    pub uscc: Option<String>,
    /// The investor as an enterprise of the registry, when it is one.
    pub investor_org: Option<OrgRef>,
    /// GB/T 4754-2017 industry code.
    pub industry: String,
    /// In ten thousands of `currency` (万元 or 万美元).
    pub amount: f64,
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Funds arrived, in ten thousands of `currency`.
    pub arrived: Option<f64>,
    pub city: OrgRef,
    pub zone: Option<OrgRef>,
    pub lead: OrgRef,
    #[schema(value_type = String)]
    pub stage: Stage,
    /// The day it reached its stage.
    pub stage_on: String,
    pub drop_reason: Option<String>,
    pub negative: NegativeCheck,
    pub note: String,
    /// Synthetic demo data, not a real project.
    pub synthetic: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// The day a project reached a stage.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StageReached {
    #[schema(value_type = String)]
    pub stage: Stage,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProjectDetail {
    #[serde(flatten)]
    pub item: ProjectItem,
    pub stages: Vec<StageReached>,
    pub events: Vec<TimelineEvent>,
}

/// A project to enter. Its stages up to `stage` count as reached on `stage_on`.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub investor: String,
    pub country: String,
    pub foreign_funded: bool,
    pub uscc: Option<String>,
    pub investor_org_id: Option<i64>,
    pub industry: String,
    pub amount: f64,
    pub currency: Currency,
    pub arrived: Option<f64>,
    pub city_org_id: i64,
    pub zone_org_id: Option<i64>,
    pub lead_org_id: i64,
    pub stage: Stage,
    pub stage_on: Date,
    pub note: String,
    pub negative: NegativeCheck,
    pub synthetic: bool,
}

/// What someone does to a project.
#[derive(Debug, Clone)]
pub enum ProjectAction {
    /// Move it to a later stage on `on`; `arrived` (in the project's currency) is needed when
    /// the funds arrive.
    Advance {
        to: Stage,
        on: Date,
        arrived: Option<f64>,
        body: String,
    },
    Drop {
        on: Date,
        reason: String,
    },
    Note {
        body: String,
    },
    /// A problem the project meets (land, permits, financing…), logged for follow-up.
    Problem {
        body: String,
    },
    /// Make a supervision task of the problem logged as timeline entry `problem`.
    ToTask {
        problem: i64,
        task: NewTask,
    },
    /// File the problem logged as timeline entry `problem` as the investor's appeal.
    ToAppeal {
        problem: i64,
        category: String,
    },
}

impl ProjectAction {
    fn kind(&self) -> &'static str {
        match self {
            ProjectAction::Advance { .. } => "advance",
            ProjectAction::Drop { .. } => "drop",
            ProjectAction::Note { .. } => "note",
            ProjectAction::Problem { .. } => "problem",
            ProjectAction::ToTask { .. } => "to_task",
            ProjectAction::ToAppeal { .. } => "to_appeal",
        }
    }
}

/// Which projects a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// Only those located in or led by this organisation (the caller's scope).
    pub scope: Option<i64>,
    pub stage: Option<Stage>,
    pub city_org_id: Option<i64>,
    pub zone_org_id: Option<i64>,
}

/// What the pipeline's figures need of one project.
#[derive(Debug, Clone)]
pub struct ProjectStages {
    pub city: String,
    pub zone: Option<String>,
    pub industry: String,
    pub country: String,
    pub foreign_funded: bool,
    pub amount: f64,
    pub currency: Currency,
    pub arrived: Option<f64>,
    pub reached: Vec<(Stage, Date)>,
}

/// At most this many projects in one list (a province's pipeline holds hundreds to thousands).
const LIST_LIMIT: i64 = 20_000;
const TEXT_LIMIT: usize = 500;
const BODY_LIMIT: usize = 4000;

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    name: String,
    investor: String,
    country: String,
    #[sqlx(try_from = "crate::db::Flag")]
    foreign_funded: bool,
    uscc: Option<String>,
    investor_org_id: Option<i64>,
    industry: String,
    amount: f64,
    #[sqlx(try_from = "String")]
    currency: Currency,
    arrived: Option<f64>,
    city_org_id: i64,
    zone_org_id: Option<i64>,
    lead_org_id: i64,
    #[sqlx(try_from = "String")]
    stage: Stage,
    stage_on: String,
    drop_reason: Option<String>,
    negative_list: String,
    negative_verdict: String,
    #[sqlx(try_from = "crate::db::JsonText")]
    negative_items: Vec<u32>,
    note: String,
    #[sqlx(try_from = "crate::db::Flag")]
    synthetic: bool,
    version: i64,
    created_at: String,
    updated_at: String,
}

const SELECT: &str = "SELECT id, name, investor, country, CAST(foreign_funded AS INTEGER) AS foreign_funded, uscc, investor_org_id, \
     industry, amount, currency, arrived, city_org_id, zone_org_id, lead_org_id, stage, stage_on, \
     drop_reason, negative_list, negative_verdict, negative_items, note, CAST(synthetic AS INTEGER) AS synthetic, version, \
     created_at, updated_at FROM invest_projects";

impl ProjectRow {
    fn item(self, orgs: &HashMap<i64, OrgRef>) -> Result<ProjectItem> {
        let org = |id: i64| {
            orgs.get(&id).cloned().ok_or_else(|| {
                StoreError::Sqlite(format!("project {}: organisation {id} is missing", self.id))
            })
        };
        Ok(ProjectItem {
            id: self.id,
            investor_org: self.investor_org_id.and_then(|o| orgs.get(&o).cloned()),
            city: org(self.city_org_id)?,
            zone: self.zone_org_id.map(org).transpose()?,
            lead: org(self.lead_org_id)?,
            name: self.name,
            investor: self.investor,
            country: self.country,
            foreign_funded: self.foreign_funded,
            uscc: self.uscc,
            industry: self.industry,
            amount: self.amount,
            currency: self.currency,
            arrived: self.arrived,
            stage: self.stage,
            stage_on: self.stage_on,
            drop_reason: self.drop_reason,
            negative: NegativeCheck {
                edition: self.negative_list,
                verdict: self.negative_verdict,
                items: self.negative_items,
            },
            note: self.note,
            synthetic: self.synthetic,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

async fn all_orgs(conn: &mut AnyConnection) -> Result<HashMap<i64, OrgRef>> {
    let rows: Vec<OrgRef> = sqlx::query_as("SELECT id, code, name_zh, name_en FROM organisations")
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<ProjectRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

fn text(field: &str, s: &str, max: usize, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(t.to_string())
}

fn amount(field: &str, v: f64) -> Result<f64> {
    if v.is_finite() && (0.0..=kaifang_invest::sheet::MAX_AMOUNT).contains(&v) {
        Ok(v)
    } else {
        Err(StoreError::invalid(
            field,
            format!(
                "{v} is outside 0 to {} (ten thousands)",
                kaifang_invest::sheet::MAX_AMOUNT
            ),
        ))
    }
}

/// An organisation's kind and region code, or why it cannot be used as `field`.
async fn org_of(
    conn: &mut AnyConnection,
    field: &str,
    id: i64,
) -> Result<(String, Option<String>)> {
    sqlx::query_as("SELECT kind, region_code FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::invalid(field, format!("organisation {id} does not exist")))
}

/// Whether a zone of region `zone` lies in a city of region `city` (either unknown: yes).
pub fn in_city(city: Option<&str>, zone: Option<&str>) -> bool {
    use kaifang_model::RegionCode;
    match (
        city.and_then(|c| c.parse::<RegionCode>().ok()),
        zone.and_then(|z| z.parse::<RegionCode>().ok()),
    ) {
        (Some(c), Some(z)) => c.contains(z),
        _ => true,
    }
}

/// Checks a new project and writes it with its stages and first timeline entry.
async fn insert_project(
    conn: &mut AnyConnection,
    by: &Acting<'_>,
    p: &NewProject,
    today: Date,
    origin: &serde_json::Value,
) -> Result<i64> {
    let name = text("name", &p.name, TEXT_LIMIT, true)?;
    let investor = text("investor", &p.investor, TEXT_LIMIT, true)?;
    let note = text("note", &p.note, BODY_LIMIT, false)?;
    if p.country.len() != 2 || !p.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(StoreError::invalid(
            "country",
            "an ISO 3166-1 alpha-2 code such as DE",
        ));
    }
    amount("amount", p.amount)?;
    if let Some(a) = p.arrived {
        amount("arrived", a)?;
    }
    if matches!(p.stage, Stage::FundsArrived | Stage::Production) && p.arrived.is_none() {
        return Err(StoreError::invalid(
            "arrived",
            "the funds have arrived at this stage: say how much",
        ));
    }
    // A list may hold projects already dropped: entered so, with the reason in the note.
    let (reached, drop_reason) = match p.stage.rank() {
        Some(rank) => (Stage::FORWARD[..=rank].to_vec(), None),
        None if note.is_empty() => {
            return Err(StoreError::invalid(
                "note",
                "a project entered as dropped needs the reason in its note",
            ));
        }
        None => (vec![Stage::Lead, Stage::Dropped], Some(note.clone())),
    };
    if p.stage_on > today {
        return Err(StoreError::invalid(
            "stage_on",
            format!("{} is in the future", format_date(p.stage_on)),
        ));
    }
    let (city_kind, city_region) = org_of(conn, "city_org_id", p.city_org_id).await?;
    if city_kind != "city" {
        return Err(StoreError::invalid(
            "city_org_id",
            "must be a city of the registry",
        ));
    }
    if let Some(z) = p.zone_org_id {
        let (kind, region) = org_of(conn, "zone_org_id", z).await?;
        let same_city = in_city(city_region.as_deref(), region.as_deref());
        if kind != "zone" || !same_city {
            return Err(StoreError::invalid(
                "zone_org_id",
                "must be a development zone of the project's city",
            ));
        }
    }
    org_of(conn, "lead_org_id", p.lead_org_id).await?;
    if let Some(e) = p.investor_org_id {
        let (kind, _) = org_of(conn, "investor_org_id", e).await?;
        if kind != "enterprise" {
            return Err(StoreError::invalid(
                "investor_org_id",
                "must be an enterprise of the registry",
            ));
        }
    }
    let at = now();
    let on = format_date(p.stage_on);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invest_projects (name, investor, country, foreign_funded, uscc, investor_org_id, \
         industry, amount, currency, arrived, city_org_id, zone_org_id, lead_org_id, stage, stage_on, \
         negative_list, negative_verdict, negative_items, note, synthetic, version, created_at, updated_at, \
         drop_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, $21, $21, $22) \
         RETURNING id",
    )
    .bind(&name)
    .bind(&investor)
    .bind(&p.country)
    .bind(p.foreign_funded)
    .bind(&p.uscc)
    .bind(p.investor_org_id)
    .bind(&p.industry)
    .bind(p.amount)
    .bind(p.currency.key())
    .bind(p.arrived)
    .bind(p.city_org_id)
    .bind(p.zone_org_id)
    .bind(p.lead_org_id)
    .bind(p.stage.key())
    .bind(&on)
    .bind(&p.negative.edition)
    .bind(&p.negative.verdict)
    .bind(serde_json::to_string(&p.negative.items).unwrap_or_else(|_| "[]".into()))
    .bind(&note)
    .bind(p.synthetic)
    .bind(&at)
    .bind(&drop_reason)
    .fetch_one(&mut *conn)
    .await?;
    insert_stages(conn, id, &reached, &on).await?;
    let data = serde_json::json!({
        "stage": p.stage.key(), "on": on, "negative_list": p.negative.edition,
        "negative_verdict": p.negative.verdict, "origin": origin,
    });
    append_event(
        conn,
        Timeline::Project,
        id,
        by,
        "created",
        &note,
        &data,
        &[],
    )
    .await?;
    audit::append(
        conn,
        by.who,
        "invest.project.create",
        Some(&format!("invest_project:{id}")),
        serde_json::json!({ "name": name, "stage": p.stage.key(), "amount": p.amount,
            "currency": p.currency.key(), "origin": origin }),
    )
    .await?;
    Ok(id)
}

async fn insert_stages(
    conn: &mut AnyConnection,
    id: i64,
    stages: &[Stage],
    on: &str,
) -> Result<()> {
    for s in stages {
        sqlx::query(
            "INSERT INTO invest_project_stages (project_id, stage, reached_on) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(s.key())
        .bind(on)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Enters project `p` (checked against the negative list by the caller, who passes the
    /// answer in `p.negative`).
    pub async fn create_project(
        &self,
        who: &Who,
        p: &NewProject,
        today: Date,
    ) -> Result<ProjectDetail> {
        let mut tx = self.begin_write().await?;
        let org = crate::step::actor_org(&mut tx, who).await?;
        let by = Acting { who, org };
        let id = insert_project(&mut tx, &by, p, today, &serde_json::json!("entered")).await?;
        tx.commit().await?;
        self.project(id).await
    }

    /// Enters every project of an imported list, or none: one transaction, and the first
    /// problem refuses the whole list (`row` names the sheet row it came from).
    pub async fn import_projects(
        &self,
        who: &Who,
        rows: &[(u32, NewProject)],
        file: &str,
        today: Date,
    ) -> Result<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let org = crate::step::actor_org(&mut tx, who).await?;
        let by = Acting { who, org };
        let mut ids = Vec::with_capacity(rows.len());
        for (row, p) in rows {
            let origin = serde_json::json!({ "import": file, "row": row });
            let id = insert_project(&mut tx, &by, p, today, &origin)
                .await
                .map_err(|e| match e {
                    StoreError::Invalid { field, message } => StoreError::Invalid {
                        field,
                        message: format!("{file}, row {row}: {message}"),
                    },
                    other => other,
                })?;
            ids.push(id);
        }
        audit::append(
            &mut tx,
            who,
            "invest.project.import",
            Some(&format!("file:{file}")),
            serde_json::json!({ "projects": ids.len(), "first": ids.first(), "last": ids.last() }),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Projects matching `filter`, the latest changed first.
    pub async fn projects(&self, filter: &ProjectFilter) -> Result<Vec<ProjectItem>> {
        let mut conn = self.pool.acquire().await?;
        let orgs = all_orgs(&mut conn).await?;
        let rows: Vec<ProjectRow> = sqlx::query_as(&format!(
            "{SELECT} WHERE ($1 IS NULL OR city_org_id = $1 OR zone_org_id = $1 OR lead_org_id = $1) \
             AND ($2 IS NULL OR stage = $2) AND ($3 IS NULL OR city_org_id = $3) \
             AND ($4 IS NULL OR zone_org_id = $4) ORDER BY updated_at DESC, id DESC LIMIT $5"
        ))
        .bind(filter.scope)
        .bind(filter.stage.map(Stage::key))
        .bind(filter.city_org_id)
        .bind(filter.zone_org_id)
        .bind(LIST_LIMIT)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter().map(|r| r.item(&orgs)).collect()
    }

    pub async fn project(&self, id: i64) -> Result<ProjectDetail> {
        let mut conn = self.pool.acquire().await?;
        let row = load(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("project {id}")))?;
        let orgs = all_orgs(&mut conn).await?;
        let stages: Vec<(String, String)> = sqlx::query_as(
            "SELECT stage, reached_on FROM invest_project_stages WHERE project_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut stages: Vec<StageReached> = stages
            .into_iter()
            .filter_map(|(s, on)| {
                Some(StageReached {
                    stage: Stage::try_from(s).ok()?,
                    on,
                })
            })
            .collect();
        stages.sort_by_key(|s| s.stage);
        let events = timeline(&mut conn, Timeline::Project, id).await?;
        Ok(ProjectDetail {
            item: row.item(&orgs)?,
            stages,
            events,
        })
    }

    /// Every project in `scope` with the days it reached its stages, for the figures.
    pub async fn project_stages(&self, scope: Option<i64>) -> Result<Vec<ProjectStages>> {
        let mut conn = self.pool.acquire().await?;
        let orgs = all_orgs(&mut conn).await?;
        let rows: Vec<ProjectRow> = sqlx::query_as(&format!(
            "{SELECT} WHERE ($1 IS NULL OR city_org_id = $1 OR zone_org_id = $1 OR lead_org_id = $1) \
             LIMIT $2"
        ))
        .bind(scope)
        .bind(LIST_LIMIT)
        .fetch_all(&mut *conn)
        .await?;
        let reached: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT project_id, stage, reached_on FROM invest_project_stages")
                .fetch_all(&mut *conn)
                .await?;
        let mut by_project: HashMap<i64, Vec<(Stage, Date)>> = HashMap::new();
        for (id, s, on) in reached {
            if let (Ok(s), Ok(d)) = (Stage::try_from(s), parse_date("reached_on", &on)) {
                by_project.entry(id).or_default().push((s, d));
            }
        }
        let code = |id: i64| orgs.get(&id).map(|o| o.code.clone()).unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| ProjectStages {
                city: code(r.city_org_id),
                zone: r.zone_org_id.map(code),
                industry: r.industry,
                country: r.country,
                foreign_funded: r.foreign_funded,
                amount: r.amount,
                currency: r.currency,
                arrived: r.arrived,
                reached: by_project.remove(&r.id).unwrap_or_default(),
            })
            .collect())
    }

    /// Enters the demo's projects with their histories in one transaction: each project, then
    /// its steps, each through the same rules, timeline and audit as a step taken by hand.
    pub async fn seed_projects(
        &self,
        who: &Who,
        projects: &[(NewProject, Vec<ProjectAction>)],
        today: Date,
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let by = Acting { who, org: None };
        for (p, steps) in projects {
            let id = insert_project(&mut tx, &by, p, today, &serde_json::json!("demo")).await?;
            for action in steps {
                let row = load(&mut tx, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("project {id}")))?;
                let version = row.version;
                let step = ProjectStep { id, action, today };
                let outcome = step
                    .apply(&mut tx, &by, row, version)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Sqlite(format!("project {id} changed while seeded"))
                    })?;
                audit::append(
                    &mut tx,
                    who,
                    &outcome.action,
                    Some(&step.target()),
                    outcome.details,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(projects.len())
    }

    /// Whether any project is synthetic demo data (figures that include one say so).
    pub async fn any_synthetic_project(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invest_projects WHERE synthetic")
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Takes `action` on project `id`, which the caller read at `version`.
    pub async fn act_on_project(
        &self,
        who: &Who,
        id: i64,
        version: i64,
        action: &ProjectAction,
        today: Date,
    ) -> Result<ProjectDetail> {
        self.step(&ProjectStep { id, action, today }, who, version)
            .await
    }
}

struct ProjectStep<'a> {
    id: i64,
    action: &'a ProjectAction,
    today: Date,
}

/// The problem a timeline entry logged on project `id`, or why it cannot be followed up.
async fn problem_text(conn: &mut AnyConnection, id: i64, event: i64) -> Result<String> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT kind, body, data FROM invest_project_events WHERE id = $1 AND project_id = $2",
    )
    .bind(event)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((_, body, _)) = row.filter(|(k, _, _)| k == "problem") else {
        return Err(StoreError::invalid(
            "problem",
            format!("entry {event} of this project's timeline is not a problem"),
        ));
    };
    let follow_ups: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM invest_project_events WHERE project_id = $1 AND kind IN ('to_task', 'to_appeal')",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let followed = follow_ups.iter().any(|d| {
        serde_json::from_str::<serde_json::Value>(d)
            .is_ok_and(|v| v["problem"].as_i64() == Some(event))
    });
    if followed {
        return Err(StoreError::Transition(format!(
            "the problem of entry {event} is already followed up"
        )));
    }
    Ok(body)
}

impl Step for ProjectStep<'_> {
    type Row = ProjectRow;
    type View = ProjectDetail;

    fn name(&self) -> String {
        format!("project {}", self.id)
    }

    fn target(&self) -> String {
        format!("invest_project:{}", self.id)
    }

    async fn load(&self, conn: &mut AnyConnection) -> Result<Option<ProjectRow>> {
        load(conn, self.id).await
    }

    fn version(row: &ProjectRow) -> i64 {
        row.version
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        by: &Acting<'_>,
        row: ProjectRow,
        version: i64,
    ) -> Result<Option<Outcome>> {
        let id = self.id;
        let since = parse_date("stage_on", &row.stage_on)?;
        let transition = |e: pipeline::StepError| StoreError::Transition(e.to_string());
        let mut stage = row.stage;
        let mut stage_on = row.stage_on.clone();
        let mut arrived = row.arrived;
        let mut drop_reason = row.drop_reason.clone();
        let mut data = serde_json::json!({});
        let mut notice_orgs: Vec<i64> = Vec::new();
        let body = match self.action {
            ProjectAction::Advance {
                to,
                on,
                arrived: a,
                body,
            } => {
                let passed = pipeline::advance(row.stage, since, *to, *on, self.today)
                    .map_err(transition)?;
                if passed.contains(&Stage::FundsArrived) {
                    let a = a.ok_or_else(|| {
                        StoreError::invalid(
                            "arrived",
                            pipeline::StepError::NoArrivedAmount.to_string(),
                        )
                    })?;
                    arrived = Some(amount("arrived", a)?);
                } else if let Some(a) = a {
                    arrived = Some(amount("arrived", *a)?);
                }
                stage = *to;
                stage_on = format_date(*on);
                insert_stages(conn, id, &passed, &stage_on).await?;
                data = serde_json::json!({ "from": row.stage.key(), "to": to.key(), "on": stage_on,
                    "passed": passed.iter().map(|s| s.key()).collect::<Vec<_>>(), "arrived": arrived });
                text("body", body, BODY_LIMIT, false)?
            }
            ProjectAction::Drop { on, reason } => {
                let reason = text("reason", reason, BODY_LIMIT, false)?;
                pipeline::drop_project(row.stage, since, *on, self.today, &reason)
                    .map_err(transition)?;
                stage = Stage::Dropped;
                stage_on = format_date(*on);
                drop_reason = Some(reason.clone());
                insert_stages(conn, id, &[Stage::Dropped], &stage_on).await?;
                data = serde_json::json!({ "from": row.stage.key(), "on": stage_on });
                reason
            }
            ProjectAction::Note { body } | ProjectAction::Problem { body } => {
                text("body", body, BODY_LIMIT, true)?
            }
            ProjectAction::ToTask { problem, task } => {
                problem_text(conn, id, *problem).await?;
                let t = issue_task_from(
                    conn,
                    by.who,
                    task,
                    serde_json::json!({ "from_project": id, "problem": problem }),
                    "新任务（招商项目）",
                )
                .await?;
                data = serde_json::json!({ "problem": problem, "task_id": t });
                task.title.clone()
            }
            ProjectAction::ToAppeal { problem, category } => {
                let body = problem_text(conn, id, *problem).await?;
                let Some(enterprise) = row.investor_org_id else {
                    return Err(StoreError::invalid(
                        "problem",
                        "the investor is not an enterprise of the registry, so it has no appeals; \
                         make a supervision task instead",
                    ));
                };
                let title: String = format!("{}：{}", row.name, body)
                    .chars()
                    .take(200)
                    .collect();
                let a = insert_appeal(
                    conn,
                    by.who,
                    &NewAppeal {
                        enterprise_org_id: enterprise,
                        category: category.clone(),
                        title,
                        description: format!(
                            "{body}\n\n（招商项目 {id}「{}」登记的问题 / logged on investment project {id}）",
                            row.name
                        ),
                        filed_on: self.today,
                    },
                    &[],
                )
                .await?;
                notice_orgs = orgs_owning(conn, "appeals").await?;
                notify_orgs(
                    conn,
                    &notice_orgs,
                    by.who.user_id,
                    &Notice {
                        kind: "appeal.filed",
                        title: format!("新诉求（招商项目）：{}", row.name),
                        link: format!("/appeals/{a}"),
                        dedupe: None,
                    },
                )
                .await?;
                data = serde_json::json!({ "problem": problem, "appeal_id": a });
                body
            }
        };
        let updated = sqlx::query(
            "UPDATE invest_projects SET stage = $1, stage_on = $2, arrived = $3, drop_reason = $4, \
             version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
        )
        .bind(stage.key())
        .bind(&stage_on)
        .bind(arrived)
        .bind(&drop_reason)
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        let kind = self.action.kind();
        append_event(conn, Timeline::Project, id, by, kind, &body, &data, &[]).await?;
        // The lead organisation hears of steps others take on its project.
        let notice = (Some(row.lead_org_id) != by.org && notice_orgs.is_empty()).then(|| {
            (
                vec![row.lead_org_id],
                Notice {
                    kind: "invest.project",
                    title: format!("招商项目「{}」：{}", row.name, stage.name_zh()),
                    link: format!("/invest/projects/{id}"),
                    dedupe: None,
                },
            )
        });
        Ok(Some(Outcome {
            action: format!("invest.project.{kind}"),
            details: data,
            notice,
        }))
    }

    async fn view(&self, store: &Store) -> Result<ProjectDetail> {
        store.project(self.id).await
    }

    fn view_version(view: &ProjectDetail) -> i64 {
        view.item.version
    }
}
