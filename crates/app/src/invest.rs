//! Investment attraction (招商引资): the negative-list check, the projects pipeline and its
//! figures, and the project list as an Excel sheet — for both faces.
//!
//! The negative lists are `kaifang_invest`'s editions shipped with the program, plus any edition
//! file an administrator puts in the data directory's `negative-list/` folder (a new list needs
//! no new program). A project is checked when it is entered, against the national edition in
//! force that day, and keeps the edition's id and the answer.

use std::collections::BTreeMap;
use std::path::Path;

use kaifang_invest::industry::{Classification, IndustryCode};
use kaifang_invest::negative_list::{self, Check, Edition, Editions, Query, Scope, Verdict};
use kaifang_invest::pipeline::Stage;
use kaifang_invest::sheet::{self, Currency, Resolve, SheetProblem};
use kaifang_invest::stats::{Period, ProjectFacts, Stats};
use kaifang_model::OrgKind;
use kaifang_store::Store;
use kaifang_store::audit::Who;
use kaifang_store::invest::{
    NegativeCheck, NewProject, ProjectAction, ProjectDetail, ProjectStages,
};
use kaifang_store::rules::parse_date;
use kaifang_store::tasks::NewTask;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::{AppError, AppResult};

/// The average exchange rates of the US dollar that amounts in USD are converted at.
const USD_RATES: &str = include_str!("../../../data/invest/usd-cny.csv");

/// The editions of the negative list the platform knows.
#[derive(Debug)]
pub struct NegativeLists {
    editions: Editions,
}

/// An edition as the list of editions shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EditionSummary {
    pub id: String,
    #[schema(value_type = String)]
    pub scope: Scope,
    pub title_zh: String,
    pub title_en: String,
    pub decree: String,
    pub effective: String,
    pub source: String,
    pub items: usize,
    /// Items an official should check by hand (wording or industry codes uncertain).
    pub items_to_review: usize,
    /// In force today for its scope.
    pub current: bool,
}

/// A check of an industry code or a described activity against one edition.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckRequest {
    /// The edition's id (default: the national list in force today).
    pub edition: Option<String>,
    /// A GB/T 4754-2017 code: a section letter or 2 to 4 digits.
    pub industry: Option<String>,
    /// The activity in words (at most 2 000 characters).
    pub text: Option<String>,
}

impl NegativeLists {
    /// The shipped editions and those in `folder` (each `*.toml` an edition), if it exists.
    pub fn load(folder: Option<&Path>) -> AppResult<NegativeLists> {
        let mut extra = Vec::new();
        if let Some(dir) = folder.filter(|d| d.is_dir()) {
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .map_err(|e| AppError::Input(format!("{}: {e}", dir.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for path in files.into_iter().take(100) {
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                if size > 1 << 20 {
                    return Err(AppError::Input(format!(
                        "{}: an edition file is at most 1 MB",
                        path.display()
                    )));
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| AppError::Input(format!("{}: {e}", path.display())))?;
                let edition = Edition::from_toml_str(&text, &path.display().to_string())
                    .map_err(|e| AppError::Input(e.to_string()))?;
                extra.push(edition);
            }
        }
        let editions = Editions::with(extra).map_err(|e| AppError::Input(e.to_string()))?;
        Ok(NegativeLists { editions })
    }

    pub fn editions(&self, today: Date) -> Vec<EditionSummary> {
        self.editions
            .list()
            .iter()
            .map(|e| EditionSummary {
                id: e.id.clone(),
                scope: e.scope,
                title_zh: e.title_zh.clone(),
                title_en: e.title_en.clone(),
                decree: e.decree.clone(),
                effective: e.effective.to_string(),
                source: e.source.clone(),
                items: e.items.len(),
                items_to_review: e.items.iter().filter(|i| i.review.is_some()).count(),
                current: self
                    .editions
                    .current(e.scope, today)
                    .is_some_and(|c| c.id == e.id),
            })
            .collect()
    }

    pub fn edition(&self, id: &str) -> AppResult<&Edition> {
        self.editions
            .get(id)
            .ok_or_else(|| AppError::NotFound(format!("negative-list edition {id}")))
    }

    /// The national edition in force on `on`.
    pub fn national(&self, on: Date) -> AppResult<&Edition> {
        self.editions.current(Scope::National, on).ok_or_else(|| {
            AppError::Internal(format!("no national negative list is in force on {on}"))
        })
    }

    /// Checks `req` against its edition (default: the national list in force on `today`).
    pub fn check(&self, req: &CheckRequest, today: Date) -> AppResult<Check> {
        let edition = match req.edition.as_deref().filter(|e| !e.is_empty()) {
            Some(id) => self
                .editions
                .get(id)
                .ok_or_else(|| AppError::field("edition", format!("no edition {id:?}")))?,
            None => self.national(today)?,
        };
        let industry = req
            .industry
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<IndustryCode>())
            .transpose()
            .map_err(|e| AppError::field("industry", e))?;
        if let Some(code) = &industry {
            Classification::gbt4754_2017()
                .check(code)
                .map_err(|e| AppError::field("industry", e))?;
        }
        let text = req
            .text
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let query = Query::new(industry, text).map_err(|e| AppError::field(e.field, e.message))?;
        Ok(negative_list::check(edition, &query))
    }
}

fn verdict_key(v: Verdict) -> &'static str {
    match v {
        Verdict::Prohibited => "prohibited",
        Verdict::Restricted => "restricted",
        Verdict::NotListed => "not_listed",
    }
}

/// A project to enter, as the API takes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProjectRequest {
    pub name: String,
    pub investor: String,
    /// ISO 3166-1 alpha-2 of the investor's country or region (`CN`: domestic), or its name.
    pub country: String,
    pub foreign_funded: bool,
    pub uscc: Option<String>,
    /// The investor as an enterprise of the registry, when it is one.
    pub investor_org_id: Option<i64>,
    /// GB/T 4754-2017 code.
    pub industry: String,
    /// In ten thousands of `currency`.
    pub amount: f64,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub arrived: Option<f64>,
    pub city_org_id: i64,
    pub zone_org_id: Option<i64>,
    pub lead_org_id: i64,
    #[schema(value_type = String)]
    pub stage: Stage,
    /// The day it reached that stage (`YYYY-MM-DD`).
    pub stage_on: String,
    #[serde(default)]
    pub note: String,
}

/// The country as ISO alpha-2: the code itself, or a Chinese or English name.
pub fn country_code(text: &str) -> Result<String, String> {
    let t = text.trim();
    let countries = &kaifang_trade::lookup::Lookups::get().countries;
    if matches!(t, "CN" | "中国" | "China") {
        return Ok("CN".into());
    }
    // Statistics tables use the short names people write; the customs table the formal ones.
    let short = match t {
        "俄罗斯" | "Russia" => Some("RU"),
        "香港" | "Hong Kong" => Some("HK"),
        "澳门" | "Macao" | "Macau" => Some("MO"),
        "台湾" | "Taiwan" => Some("TW"),
        "韩国" | "South Korea" | "Korea" => Some("KR"),
        _ => None,
    };
    if let Some(code) = short {
        return Ok(code.into());
    }
    countries
        .values()
        .find(|c| c.iso2 == t || c.name_zh == t || c.name_en.eq_ignore_ascii_case(t))
        .map(|c| c.iso2.clone())
        .ok_or_else(|| format!("{t:?} is not a country or region of the customs code table"))
}

fn negative_of(
    lists: &NegativeLists,
    industry: &IndustryCode,
    text: &str,
    on: Date,
) -> AppResult<NegativeCheck> {
    let edition = lists.national(on)?;
    let query = Query::new(
        Some(industry.clone()),
        Some(text.chars().take(2000).collect()),
    )
    .map_err(|e| AppError::field(e.field, e.message))?;
    let check = negative_list::check(edition, &query);
    Ok(NegativeCheck {
        edition: edition.id.clone(),
        verdict: verdict_key(check.verdict).into(),
        items: check.matches.iter().map(|m| m.item).collect(),
    })
}

/// Parses the request into the store's project, with its negative-list check.
pub fn new_project(
    lists: &NegativeLists,
    req: &ProjectRequest,
    today: Date,
    synthetic: bool,
) -> AppResult<NewProject> {
    let industry: IndustryCode = req
        .industry
        .trim()
        .parse()
        .map_err(|e| AppError::field("industry", e))?;
    Classification::gbt4754_2017()
        .check(&industry)
        .map_err(|e| AppError::field("industry", e))?;
    let country = country_code(&req.country).map_err(|m| AppError::field("country", m))?;
    let uscc = req
        .uscc
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| kaifang_trade::codes::parse_uscc(s).map(str::to_string))
        .transpose()
        .map_err(|m| AppError::field("uscc", m))?;
    let stage_on = parse_date("stage_on", &req.stage_on)?;
    let negative = negative_of(
        lists,
        &industry,
        &format!("{} {}", req.name, req.note),
        today,
    )?;
    Ok(NewProject {
        name: req.name.clone(),
        investor: req.investor.clone(),
        country,
        foreign_funded: req.foreign_funded,
        uscc,
        investor_org_id: req.investor_org_id,
        industry: industry.as_str().to_string(),
        amount: req.amount,
        currency: req.currency,
        arrived: req.arrived,
        city_org_id: req.city_org_id,
        zone_org_id: req.zone_org_id,
        lead_org_id: req.lead_org_id,
        stage: req.stage,
        stage_on,
        note: req.note.clone(),
        negative,
        synthetic,
    })
}

pub async fn create_project(
    store: &Store,
    lists: &NegativeLists,
    who: &Who,
    req: &ProjectRequest,
    today: Date,
) -> AppResult<ProjectDetail> {
    let p = new_project(lists, req, today, false)?;
    Ok(store.create_project(who, &p, today).await?)
}

/// A step on a project, as the API takes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProjectStepRequest {
    /// The version of the project the caller last read.
    pub version: i64,
    /// `advance`, `drop`, `note`, `problem`, `to_task` or `to_appeal`.
    pub action: String,
    /// For `advance`: the stage reached.
    #[schema(value_type = Option<String>)]
    pub to: Option<Stage>,
    /// For `advance` and `drop`: the day it happened (default today).
    pub on: Option<String>,
    /// For `advance` to funds arrived: the funds arrived, in the project's currency (万).
    pub arrived: Option<f64>,
    /// The note, the problem, or the reason for dropping.
    #[serde(default)]
    pub body: String,
    /// For `to_task` and `to_appeal`: the timeline entry that logged the problem.
    pub problem: Option<i64>,
    /// For `to_task`: the directive the task serves, its lead, and the deadline in working
    /// days from today (default 20).
    pub directive_id: Option<i64>,
    pub lead_org_id: Option<i64>,
    pub working_days: Option<u32>,
    /// For `to_appeal`: the appeal's category (default `other`).
    pub category: Option<String>,
}

/// Parses a step request; `deadline` turns working days from today into a date.
pub fn project_action(
    req: &ProjectStepRequest,
    project: &ProjectDetail,
    today: Date,
    deadline: impl Fn(Date, u32) -> Date,
) -> AppResult<ProjectAction> {
    let on = || -> AppResult<Date> {
        match req.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(today),
            Some(s) => Ok(parse_date("on", s)?),
        }
    };
    let problem = || {
        req.problem
            .ok_or_else(|| AppError::field("problem", "name the timeline entry of the problem"))
    };
    Ok(match req.action.as_str() {
        "advance" => ProjectAction::Advance {
            to: req
                .to
                .ok_or_else(|| AppError::field("to", "the stage the project reached"))?,
            on: on()?,
            arrived: req.arrived,
            body: req.body.clone(),
        },
        "drop" => ProjectAction::Drop {
            on: on()?,
            reason: req.body.clone(),
        },
        "note" => ProjectAction::Note {
            body: req.body.clone(),
        },
        "problem" => ProjectAction::Problem {
            body: req.body.clone(),
        },
        "to_task" => {
            let problem = problem()?;
            let text = project
                .events
                .iter()
                .find(|e| e.id == problem && e.kind == "problem")
                .map(|e| e.body.clone())
                .ok_or_else(|| {
                    AppError::field(
                        "problem",
                        format!("entry {problem} is not a problem of this project"),
                    )
                })?;
            let days = req.working_days.unwrap_or(20);
            if !(1..=250).contains(&days) {
                return Err(AppError::field("working_days", "1 to 250"));
            }
            let p = &project.item;
            ProjectAction::ToTask {
                problem,
                task: NewTask {
                    directive_id: req.directive_id.ok_or_else(|| {
                        AppError::field("directive_id", "required to make a task")
                    })?,
                    title: format!("协调解决招商项目问题：{}", p.name)
                        .chars()
                        .take(200)
                        .collect(),
                    description: format!(
                        "由招商项目 #{}「{}」（{}，{}）登记的问题转办：\n{}",
                        p.id, p.name, p.investor, p.city.name_zh, text
                    ),
                    lead_org_id: req.lead_org_id.unwrap_or(p.lead.id),
                    co_org_ids: Vec::new(),
                    issued_on: today,
                    deadline: deadline(today, days),
                    milestones: Vec::new(),
                },
            }
        }
        "to_appeal" => ProjectAction::ToAppeal {
            problem: problem()?,
            category: req.category.clone().unwrap_or_else(|| "other".into()),
        },
        other => {
            return Err(AppError::field(
                "action",
                format!("{other:?} is not one of advance, drop, note, problem, to_task, to_appeal"),
            ));
        }
    })
}

/// One year's average rate of the US dollar, with its source.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RateUsed {
    pub year: i32,
    /// Yuan per dollar.
    pub rate: f64,
    /// The year whose published rate it is (the nearest published when `year` has none yet).
    pub rate_of: i32,
    pub source: String,
}

fn usd_rates() -> Vec<(i32, f64, String)> {
    csv::Reader::from_reader(USD_RATES.as_bytes())
        .records()
        .filter_map(|r| {
            let r = r.ok()?;
            Some((
                r.get(0)?.parse().ok()?,
                r.get(1)?.parse().ok()?,
                r.get(2)?.to_string(),
            ))
        })
        .collect()
}

/// The rate for `year`: its own, or the nearest year's published one.
fn rate_for(rates: &[(i32, f64, String)], year: i32) -> Option<RateUsed> {
    rates
        .iter()
        .min_by_key(|(y, _, _)| (y - year).abs() * 2 + i32::from(*y > year))
        .map(|(y, r, s)| RateUsed {
            year,
            rate: *r,
            rate_of: *y,
            source: s.clone(),
        })
}

/// The names of the keys the figures are grouped by.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyName {
    pub zh: String,
    pub en: String,
}

/// The pipeline's figures, with what a reader needs to defend them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvestStats {
    #[serde(flatten)]
    pub stats: Stats,
    /// Names of the cities, zones, industries and countries the groups are keyed by.
    pub names: BTreeMap<String, KeyName>,
    /// Amounts are in 万元 (ten thousand yuan); amounts in dollars were converted at these.
    pub unit: String,
    pub usd_rates: Vec<RateUsed>,
    /// Projects counted (in the caller's scope).
    pub projects: usize,
    /// Some of the projects are synthetic demo data.
    pub synthetic: bool,
}

/// The figures for January to `month` of `year` (default: today's), of the projects in
/// `scope` (`None`: all).
pub async fn stats(
    store: &Store,
    scope: Option<i64>,
    year: Option<i32>,
    month: Option<u8>,
    today: Date,
) -> AppResult<InvestStats> {
    let year = year.unwrap_or(today.year());
    let month = month.unwrap_or(u8::from(today.month()));
    let period = Period::new(year, month).ok_or_else(|| {
        AppError::field(
            if (1..=12).contains(&month) {
                "year"
            } else {
                "month"
            },
            "a year from 1990 to 2100 and a month from 1 to 12",
        )
    })?;
    let projects = store.project_stages(scope).await?;
    let synthetic = store.any_synthetic_project().await?;
    let rates = usd_rates();
    let mut used: BTreeMap<i32, RateUsed> = BTreeMap::new();
    let facts: Vec<ProjectFacts> = projects
        .iter()
        .map(|p| to_facts(p, &rates, &mut used))
        .collect();
    let stats = kaifang_invest::stats::stats(&facts, period);
    let names = names_of(store, &stats).await?;
    Ok(InvestStats {
        stats,
        names,
        unit: "万元".into(),
        usd_rates: used.into_values().collect(),
        projects: projects.len(),
        synthetic,
    })
}

/// A project's facts in 万元: dollars at the average rate of the year the amount counts in
/// (the signing year for the amount, the arrival year for the funds).
fn to_facts(
    p: &ProjectStages,
    rates: &[(i32, f64, String)],
    used: &mut BTreeMap<i32, RateUsed>,
) -> ProjectFacts {
    let reached: BTreeMap<Stage, Date> = p.reached.iter().copied().collect();
    let mut cny = |v: f64, on: Option<&Date>| match p.currency {
        Currency::Cny => v,
        Currency::Usd => {
            let year = on.map(|d| d.year()).unwrap_or(2024);
            match rate_for(rates, year) {
                Some(r) => {
                    let rate = r.rate;
                    used.entry(year).or_insert(r);
                    v * rate
                }
                None => v,
            }
        }
    };
    let amount = cny(p.amount, reached.get(&Stage::Signed));
    let arrived = p.arrived.map(|a| cny(a, reached.get(&Stage::FundsArrived)));
    let industry = p
        .industry
        .parse::<IndustryCode>()
        .ok()
        .and_then(|c| c.division().map(str::to_string))
        .unwrap_or_else(|| p.industry.clone());
    ProjectFacts {
        city: p.city.clone(),
        zone: p.zone.clone(),
        industry,
        country: p.country.clone(),
        foreign: p.foreign_funded,
        amount,
        arrived,
        reached,
    }
}

async fn names_of(store: &Store, s: &Stats) -> AppResult<BTreeMap<String, KeyName>> {
    let orgs = store.orgs(None).await?;
    let mut names = BTreeMap::new();
    for o in orgs {
        names.insert(
            o.code.clone(),
            KeyName {
                zh: o.name_zh.clone(),
                en: o.name_en.clone(),
            },
        );
    }
    let classification = Classification::gbt4754_2017();
    for g in &s.by_industry {
        if let Some(e) = g
            .key
            .parse::<IndustryCode>()
            .ok()
            .and_then(|c| classification.name(&c))
        {
            names.insert(
                g.key.clone(),
                KeyName {
                    zh: e.name_zh.clone(),
                    en: e.name_en.clone(),
                },
            );
        }
    }
    let countries = &kaifang_trade::lookup::Lookups::get().countries;
    for g in &s.by_country {
        let name = if g.key == "CN" {
            Some(("中国（内资）".to_string(), "China (domestic)".to_string()))
        } else {
            countries
                .values()
                .find(|c| c.iso2 == g.key)
                .map(|c| (c.name_zh.clone(), c.name_en.clone()))
        };
        if let Some((zh, en)) = name {
            names.insert(g.key.clone(), KeyName { zh, en });
        }
    }
    // Only the keys the figures use.
    let used: std::collections::BTreeSet<&str> =
        [&s.by_city, &s.by_zone, &s.by_industry, &s.by_country]
            .into_iter()
            .flatten()
            .map(|g| g.key.as_str())
            .collect();
    names.retain(|k, _| used.contains(k.as_str()));
    Ok(names)
}

/// The registries a sheet names, resolved from the organisation list and the code tables.
struct Registry {
    orgs: Vec<kaifang_store::accounts::Org>,
}

impl Registry {
    fn find(&self, text: &str, kinds: &[OrgKind]) -> Result<&kaifang_store::accounts::Org, String> {
        let t = text.trim();
        self.orgs
            .iter()
            .filter(|o| kinds.contains(&o.kind))
            .find(|o| o.code == t || o.name_zh == t || o.name_en.eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!("{t:?} is not in the organisation registry (use its code or Chinese name)")
            })
    }
}

impl Resolve for Registry {
    fn city(&self, text: &str) -> Result<i64, String> {
        self.find(text, &[OrgKind::City]).map(|o| o.id)
    }

    fn zone(&self, text: &str, city: i64) -> Result<i64, String> {
        let zone = self.find(text, &[OrgKind::Zone])?;
        let city_region = self
            .orgs
            .iter()
            .find(|o| o.id == city)
            .and_then(|o| o.region_code.clone());
        if kaifang_store::invest::in_city(city_region.as_deref(), zone.region_code.as_deref()) {
            Ok(zone.id)
        } else {
            Err(format!("{} is not in that city", zone.name_zh))
        }
    }

    fn lead(&self, text: &str) -> Result<i64, String> {
        self.find(text, &[OrgKind::Department, OrgKind::City, OrgKind::Zone])
            .map(|o| o.id)
    }

    fn country(&self, text: &str) -> Result<String, String> {
        country_code(text)
    }

    fn uscc(&self, text: &str) -> Result<String, String> {
        kaifang_trade::codes::parse_uscc(text).map(str::to_string)
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub file: String,
    pub imported: usize,
    pub ids: Vec<i64>,
}

/// Imports the project list in `bytes` (an .xlsx) — every row, or none: any problem of any
/// row refuses the file with every problem named (`AppError::Sheet`). `allowed` says whether
/// the caller may enter a project of that city, zone and lead.
pub async fn import_sheet(
    store: &Store,
    lists: &NegativeLists,
    who: &Who,
    file: &str,
    bytes: Vec<u8>,
    today: Date,
    allowed: impl Fn(i64, Option<i64>, i64) -> bool,
) -> AppResult<ImportReport> {
    let registry = Registry {
        orgs: store.orgs(None).await?,
    };
    // Reading a workbook is CPU work: off the async workers.
    let rows = tokio::task::spawn_blocking(move || sheet::read_xlsx(&bytes, today, &registry))
        .await?
        .map_err(AppError::Sheet)?;
    let mut problems = Vec::new();
    let mut projects = Vec::with_capacity(rows.len());
    for r in rows {
        if !allowed(r.city, r.zone, r.lead) {
            problems.push(SheetProblem {
                row: r.row,
                column: String::new(),
                field: "city".into(),
                message: "you may not enter projects of this city, zone and lead organisation"
                    .into(),
            });
            continue;
        }
        let negative = negative_of(lists, &r.industry, &format!("{} {}", r.name, r.note), today)?;
        projects.push((
            r.row,
            NewProject {
                name: r.name,
                investor: r.investor,
                country: r.country,
                foreign_funded: r.foreign,
                uscc: r.uscc,
                investor_org_id: None,
                industry: r.industry.as_str().to_string(),
                amount: r.amount,
                currency: r.currency,
                arrived: r.arrived,
                city_org_id: r.city,
                zone_org_id: r.zone,
                lead_org_id: r.lead,
                stage: r.stage,
                stage_on: r.stage_on,
                note: r.note,
                negative,
                synthetic: false,
            },
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Sheet(problems));
    }
    let ids = store.import_projects(who, &projects, file, today).await?;
    Ok(ImportReport {
        file: file.to_string(),
        imported: ids.len(),
        ids,
    })
}

/// The demo's synthetic projects (`data/invest/demo-projects.toml`), dated back from the day
/// they are loaded.
const DEMO_PROJECTS: &str = include_str!("../../../data/invest/demo-projects.toml");

#[derive(Debug, Deserialize)]
struct DemoFile {
    project: Vec<DemoProject>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoProject {
    name: String,
    investor: String,
    country: String,
    foreign_funded: bool,
    industry: String,
    amount: f64,
    currency: Currency,
    arrived: Option<f64>,
    city: String,
    zone: Option<String>,
    lead: String,
    /// `[stage, days before today]`, oldest first.
    steps: Vec<(String, i64)>,
    /// `[days before today, reason]`.
    dropped: Option<(i64, String)>,
    #[serde(default)]
    problems: Vec<String>,
    #[serde(default)]
    note: String,
}

/// Loads the demo's projects into a new demo directory; returns how many.
pub async fn seed_demo(store: &Store, lists: &NegativeLists, today: Date) -> AppResult<usize> {
    let file: DemoFile = toml::from_str(DEMO_PROJECTS)
        .map_err(|e| AppError::Internal(format!("data/invest/demo-projects.toml: {e}")))?;
    let orgs = store.orgs(None).await?;
    let org = |code: &str| {
        orgs.iter()
            .find(|o| o.code == code)
            .map(|o| o.id)
            .ok_or_else(|| AppError::Internal(format!("demo project: no organisation {code}")))
    };
    let day = |ago: i64| today - time::Duration::days(ago);
    let bad = |m: String| AppError::Internal(format!("data/invest/demo-projects.toml: {m}"));
    let mut projects = Vec::with_capacity(file.project.len());
    for d in file.project {
        let mut steps = d.steps.iter().map(|(stage, ago)| {
            Stage::parse(stage)
                .map(|s| (s, day(*ago)))
                .ok_or_else(|| bad(format!("{}: unknown stage {stage}", d.name)))
        });
        let (first, first_on) = steps
            .next()
            .ok_or_else(|| bad(format!("{}: no steps", d.name)))??;
        let req = ProjectRequest {
            name: d.name.clone(),
            investor: d.investor,
            country: d.country,
            foreign_funded: d.foreign_funded,
            uscc: None,
            investor_org_id: None,
            industry: d.industry,
            amount: d.amount,
            currency: d.currency,
            arrived: if matches!(first, Stage::FundsArrived | Stage::Production) {
                d.arrived
            } else {
                None
            },
            city_org_id: org(&d.city)?,
            zone_org_id: d.zone.as_deref().map(org).transpose()?,
            lead_org_id: org(&d.lead)?,
            stage: first,
            stage_on: first_on.to_string(),
            note: d.note,
        };
        let new = new_project(lists, &req, today, true)?;
        let mut actions = Vec::new();
        for step in steps {
            let (to, on) = step?;
            actions.push(ProjectAction::Advance {
                to,
                on,
                arrived: (to.rank() >= Stage::FundsArrived.rank())
                    .then_some(d.arrived)
                    .flatten(),
                body: String::new(),
            });
        }
        for p in d.problems {
            actions.push(ProjectAction::Problem { body: p });
        }
        if let Some((ago, reason)) = d.dropped {
            actions.push(ProjectAction::Drop {
                on: day(ago),
                reason,
            });
        }
        projects.push((new, actions));
    }
    Ok(store
        .seed_projects(&Who::cli("demo"), &projects, today)
        .await?)
}
