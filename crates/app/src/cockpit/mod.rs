//! The leaders' cockpit (概览): every module's headline on one page, as seen by whoever asks.
//!
//! Each card is read from its module's own use case or store query — the trade summary, the
//! gateways' loads, the zones' ranking, the task summary, the appeal statistics, the alert
//! board, the investment figures — so a figure here is the figure on that module's page.
//! The cards are gathered at once; one that cannot be read (no trade imported yet, a module
//! the caller may not see) is left out with the reason in `unavailable`, and the rest stand.
//!
//! Scope: leaders, departments and administrators see the province; a city its city (its
//! trade, its zones, its tasks and appeals, the alerts it owns); a zone its own ranking and its
//! city's trade; an enterprise its own appeals and its own trade (the customs records that carry
//! its unified social credit code).

use std::collections::BTreeMap;

use kaifang_model::access::{Actor, AppealScope};
use kaifang_model::{OrgKind, RegionCode, Role};
use kaifang_store::Store;
use kaifang_store::alerts::AlertFilter;
use kaifang_store::rules::{Rules, format_date};
use kaifang_store::tasks::{OrgTaskSummary, TaskFilter};
use kaifang_trade::{Dimension, Filter, Flow, Period, Slice, TradeStore};
use serde::Serialize;
use time::Date;

pub mod sentences;

use crate::assess::{AssessRequest, AssessmentCache};
use crate::risk::RegistryCell;
use crate::trade::TradeData;
use crate::{AppError, AppResult};

/// Whose cockpit: what every card is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Province,
    /// A city's government: `region` is its GB/T 2260 code.
    City {
        org: i64,
        region: RegionCode,
    },
    /// A development zone's administration: `code` in the zones' registry, in `city`.
    Zone {
        org: i64,
        code: String,
        city: RegionCode,
    },
    /// An enterprise: `uscc` is its credit code when the registry records one.
    Enterprise {
        org: i64,
        uscc: Option<String>,
    },
}

/// The scope as the answer names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScopeName {
    /// `province`, `city`, `zone` or `enterprise`.
    pub kind: String,
    pub name_zh: String,
    pub name_en: String,
    /// The region code of a city, the registry code of a zone.
    pub code: Option<String>,
}

/// What each module shows whoever reads everything; what a city, zone or enterprise sees is
/// narrowed from it.
#[derive(Clone)]
pub struct Sources<'a> {
    pub store: &'a Store,
    pub trade: &'a TradeData,
    pub risk: &'a RegistryCell,
    pub zones: &'a AssessmentCache,
    pub rules: &'a Rules,
    /// The data directory holds the synthetic demo (its tasks, appeals and projects).
    pub demo: bool,
}

/// The whole cockpit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cockpit {
    pub scope: ScopeName,
    /// The day the figures were read for (China Standard Time), `YYYY-MM-DD`.
    pub today: String,
    pub trade: Option<TradeCard>,
    pub channels: Option<ChannelsCard>,
    pub zones: Option<ZonesCard>,
    pub directives: Option<DirectivesCard>,
    pub appeals: Option<AppealsCard>,
    pub risk: Option<RiskCard>,
    pub invest: Option<InvestCard>,
    /// What changed since last month: the largest moves, new alerts, newly overdue tasks;
    /// the most pressing first.
    pub changes: Vec<Change>,
    /// Cards left out, and why.
    pub unavailable: Vec<Unavailable>,
    /// The figures in sentences, as the monthly report states them (generated from the
    /// cards, one per card present).
    pub summary_zh: Vec<String>,
    pub summary_en: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unavailable {
    /// `trade`, `channels`, `zones`, `directives`, `appeals`, `risk` or `invest`.
    pub card: String,
    pub reason: String,
}

/// A value and its change on the same period a year earlier, percent (none when that was zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub value: f64,
    pub yoy_pct: Option<f64>,
}

impl From<kaifang_trade::Kpi> for Figure {
    fn from(k: kaifang_trade::Kpi) -> Figure {
        Figure {
            value: k.value_cny,
            yoy_pct: k.yoy_pct,
        }
    }
}

/// Foreign trade of the latest month with data, in yuan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TradeCard {
    /// `YYYY-MM`.
    pub period: String,
    /// The city (GB/T 2260, prefecture level) the figures are of; none for the province.
    pub city: Option<String>,
    /// The enterprise (unified social credit code) whose own records the figures are of.
    pub enterprise: Option<String>,
    pub month: Figure,
    pub ytd: Figure,
    pub exports_month: Figure,
    pub exports_ytd: Figure,
    pub imports_month: Figure,
    pub imports_ytd: Figure,
    /// The last 13 months' totals, oldest first, with their change on a year earlier.
    pub trend: Vec<TrendMonth>,
    /// The five largest partners of the year to date with their change and their
    /// contribution to the total's growth.
    pub partners: Vec<PartnerFigure>,
    pub source: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendMonth {
    /// `YYYY-MM`.
    pub period: String,
    pub value: f64,
    pub yoy_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerFigure {
    /// Customs partner code.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub ytd: f64,
    pub yoy_pct: Option<f64>,
    pub share_pct: f64,
    /// Percentage points of last year's total.
    pub contribution_pp: Option<f64>,
}

/// The gateways of the freight network under the year's container demand.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelsCard {
    /// The year of trade records the demand is derived from.
    pub year: i32,
    pub total_teu: f64,
    /// TEU through seaports (the sea routes, including the borrowed ports abroad).
    pub sea_teu: f64,
    /// TEU through the land border crossings.
    pub border_teu: f64,
    /// The highest utilisation against a known capacity.
    pub busiest: Option<Gateway>,
    /// The gateway whose closure raises the cost of the freight most (or strands most).
    pub most_critical: Option<Gateway>,
    /// The five busiest by TEU.
    pub top: Vec<Gateway>,
    /// The link whose closure hurts most in the latest criticality study (freight studies);
    /// none until one has run.
    pub critical_link: Option<CriticalLink>,
    /// What the volumes are: modelled, not counted.
    pub source: String,
    pub synthetic: bool,
    /// Figures the data directory does not hold (China–Europe train counts).
    pub missing: Vec<String>,
}

/// The top link of a criticality study's ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CriticalLink {
    pub id: String,
    pub name: String,
    /// TEU a year left without a route when it is closed.
    pub unserved: f64,
    /// Change of the total generalized cost of the freight still served.
    pub cost_change: f64,
    /// The study's job, and when it finished.
    pub study: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gateway {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// `border_crossing` or `seaport`.
    pub kind: String,
    pub teu: f64,
    pub share_pct: f64,
    pub utilisation_pct: Option<f64>,
    pub closed_stranded_pct: f64,
    pub closed_cost_rise_pct: f64,
}

/// The development zones' ranking of the latest year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZonesCard {
    pub year: Option<i32>,
    pub previous_year: Option<i32>,
    pub ranked: usize,
    pub top: Vec<ZoneRank>,
    pub bottom: Vec<ZoneRank>,
    /// The largest rises and falls since the previous year.
    pub movers: Vec<ZoneRank>,
    /// The caller's own zones (a city's, or the zone itself); empty for the province.
    pub own: Vec<ZoneRank>,
    pub source: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneRank {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub rank: Option<u32>,
    pub previous_rank: Option<u32>,
    /// Previous rank minus this rank: +2 is up two places.
    pub movement: Option<i64>,
    /// The rank's 5–95 % interval under the uncertainty analysis.
    pub rank_p05: Option<f64>,
    pub rank_p95: Option<f64>,
}

/// Supervision tasks by light.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DirectivesCard {
    pub total: OrgTaskSummary,
    /// The lead organisations with the most overdue tasks first (at most eight).
    pub by_org: Vec<OrgTaskSummary>,
    pub source: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealsCard {
    pub total: u32,
    /// Not yet answered (or rejected).
    pub open: u32,
    /// Open and past the time limit.
    pub past_limit: u32,
    pub answered: u32,
    pub mean_days_to_answer: Option<f64>,
    /// Mean satisfaction, 1 to 5, over `rated` appeals.
    pub mean_satisfaction: Option<f64>,
    pub rated: u32,
    pub source: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiskCard {
    /// Open alerts by the highest level they reached.
    pub red: u32,
    pub orange: u32,
    pub yellow: u32,
    pub blue: u32,
    /// The most serious open alerts, newest first among equals (at most five).
    pub alerts: Vec<AlertBrief>,
    pub source: String,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertBrief {
    pub id: i64,
    pub indicator: String,
    pub subject_zh: String,
    pub subject_en: String,
    /// `red`, `orange`, `yellow` or `blue`.
    pub level: String,
    pub raised_at: String,
}

/// The investment pipeline, January to this month against the same months a year earlier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvestCard {
    pub year: i32,
    pub month: u8,
    pub signed_projects: u32,
    /// 万元 (ten thousand yuan).
    pub signed: f64,
    pub signed_yoy: Option<f64>,
    pub arrived: f64,
    pub arrived_yoy: Option<f64>,
    pub at_stage: Vec<kaifang_invest::stats::StageCount>,
    pub projects: usize,
    pub source: String,
    pub synthetic: bool,
}

/// One thing that moved since last month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// `alert` (raised in the last 30 days), `overdue` (a task that fell overdue in the last
    /// 30 days), `partner` (a trade partner's contribution to growth), `zone` (a move in the
    /// ranking).
    pub kind: String,
    /// The alert's or task's id, the partner's or zone's code.
    pub id: String,
    pub subject_zh: String,
    pub subject_en: String,
    /// The alert's level; the task's deadline; the partner's contribution (percentage
    /// points) and change; the zone's places moved and rank.
    pub level: Option<String>,
    pub value: Option<f64>,
    pub detail: Option<String>,
}

/// How many of each list a card keeps.
const TOP_PARTNERS: usize = 5;
const TOP_ZONES: usize = 3;
const TOP_ORGS: usize = 8;
const TOP_ALERTS: usize = 5;
const MAX_CHANGES: usize = 12;
/// "Since last month".
const RECENT_DAYS: i64 = 30;

impl Scope {
    /// The scope of `actor`, from its role and organisation.
    pub async fn of(store: &Store, zones: &AssessmentCache, actor: &Actor) -> AppResult<Scope> {
        if actor.reads_all() {
            return Ok(Scope::Province);
        }
        let org = store.org(actor.org_id).await?;
        let region = org
            .region_code
            .as_deref()
            .and_then(|r| r.parse::<RegionCode>().ok());
        match (actor.role, org.kind) {
            (Role::Enterprise, _) => Ok(Scope::Enterprise {
                org: org.id,
                uscc: org.uscc,
            }),
            (_, OrgKind::Zone) => {
                let registered = zones
                    .engine()?
                    .registry
                    .iter()
                    .find(|z| z.code == org.code)
                    .and_then(|z| z.city.parse::<RegionCode>().ok());
                let city = registered.or(region).ok_or_else(|| {
                    AppError::Internal(format!("zone {} has no city on record", org.code))
                })?;
                Ok(Scope::Zone {
                    org: org.id,
                    code: org.code,
                    city,
                })
            }
            _ => {
                let region = region.ok_or_else(|| {
                    AppError::Internal(format!("organisation {} has no region code", org.code))
                })?;
                Ok(Scope::City {
                    org: org.id,
                    region,
                })
            }
        }
    }

    /// The organisation whose own tasks, appeals and alerts are shown; none for the province.
    fn org(&self) -> Option<i64> {
        match self {
            Scope::Province => None,
            Scope::City { org, .. } | Scope::Zone { org, .. } | Scope::Enterprise { org, .. } => {
                Some(*org)
            }
        }
    }

    /// Whose trade is shown: the province's, a city's or an enterprise's own.
    fn trade_slice(&self) -> AppResult<TradeScope> {
        match self {
            Scope::Province => Ok(TradeScope::Province),
            Scope::City { region, .. } | Scope::Zone { city: region, .. } => {
                Ok(TradeScope::City(city_of(*region)))
            }
            Scope::Enterprise { uscc: Some(u), .. } => Ok(TradeScope::Enterprise(u.clone())),
            Scope::Enterprise { uscc: None, .. } => Err(AppError::NotFound(
                "this enterprise's unified social credit code (an administrator records it on the Organisations page)".into(),
            )),
        }
    }

    fn sees_zone(&self, code: &str, city: &str) -> bool {
        let city = city.parse::<RegionCode>().ok();
        match self {
            Scope::Province => true,
            Scope::City { region, .. } => city.is_some_and(|c| region.contains(c)),
            Scope::Zone { code: own, .. } => own == code,
            Scope::Enterprise { .. } => false,
        }
    }
}

/// Gathers every card `actor` may see, narrowed to `scope`, as of `today`: the latest trade
/// month, this year's investment.
pub async fn cockpit(src: &Sources<'_>, actor: &Actor, scope: &Scope, today: Date) -> Cockpit {
    cockpit_at(src, actor, scope, today, None).await
}

/// The cockpit with trade and investment figures of `period` (a monthly bulletin's month);
/// tasks, appeals and alerts as they stand on `today`.
pub async fn cockpit_at(
    src: &Sources<'_>,
    actor: &Actor,
    scope: &Scope,
    today: Date,
    period: Option<Period>,
) -> Cockpit {
    let government = actor.role != Role::Enterprise;
    let (trade, channels, zones, directives, appeals, risk, invest, name) = tokio::join!(
        // Everyone sees trade, narrowed by the scope: an enterprise its own records.
        gated(true, trade_card(src, scope, period)),
        gated(government, channels_card(src)),
        gated(
            actor.read_zone_assessment().is_allowed(),
            zones_card(src, scope, actor.user_id)
        ),
        gated(
            actor.read_tasks().is_allowed(),
            directives_card(src, scope, today)
        ),
        gated(true, appeals_card(src, actor, today)),
        gated(actor.read_risk().is_allowed(), risk_card(src, scope, today)),
        gated(
            actor.read_projects().is_allowed(),
            invest_card(src, actor, today, period)
        ),
        scope_name(src.store, scope),
    );
    let mut unavailable = Vec::new();
    let trade = keep(&mut unavailable, "trade", trade);
    let channels = keep(&mut unavailable, "channels", channels);
    let zones = keep(&mut unavailable, "zones", zones);
    let directives: Option<(DirectivesCard, Vec<Change>)> =
        keep(&mut unavailable, "directives", directives);
    let appeals = keep(&mut unavailable, "appeals", appeals);
    let risk: Option<(RiskCard, Vec<Change>)> = keep(&mut unavailable, "risk", risk);
    let invest = keep(&mut unavailable, "invest", invest);

    let mut changes = Vec::new();
    let (risk, alerts_new) = split(risk);
    let (directives, overdue_new) = split(directives);
    changes.extend(alerts_new);
    changes.extend(overdue_new);
    changes.extend(trade.as_ref().map(partner_moves).unwrap_or_default());
    // A city or zone hears of its own zones' moves, the province of any.
    let province = *scope == Scope::Province;
    changes.extend(
        zones
            .as_ref()
            .map(|z| zone_moves(if province { &z.movers } else { &z.own }))
            .unwrap_or_default(),
    );
    changes.truncate(MAX_CHANGES);

    let mut c = Cockpit {
        scope: name,
        today: format_date(today),
        trade,
        channels,
        zones,
        directives,
        appeals,
        risk,
        invest,
        changes,
        unavailable,
        summary_zh: Vec::new(),
        summary_en: Vec::new(),
    };
    c.summary_zh = sentences::sentences(&c, sentences::Lang::Zh);
    c.summary_en = sentences::sentences(&c, sentences::Lang::En);
    c
}

/// The card, or its absence noted with the reason.
fn keep<C>(
    unavailable: &mut Vec<Unavailable>,
    card: &str,
    read: Option<AppResult<Option<C>>>,
) -> Option<C> {
    let reason = match read {
        None => "not shown to this role".to_string(),
        Some(Ok(Some(c))) => return Some(c),
        Some(Ok(None)) => "no data yet".to_string(),
        Some(Err(e)) => e.to_string(),
    };
    unavailable.push(Unavailable {
        card: card.into(),
        reason,
    });
    None
}

fn split<C>(x: Option<(C, Vec<Change>)>) -> (Option<C>, Vec<Change>) {
    match x {
        Some((c, v)) => (Some(c), v),
        None => (None, Vec::new()),
    }
}

/// Runs a card's reading only when the caller may see it.
async fn gated<T>(
    allowed: bool,
    card: impl std::future::Future<Output = AppResult<Option<T>>>,
) -> Option<AppResult<Option<T>>> {
    if allowed { Some(card.await) } else { None }
}

async fn scope_name(store: &Store, scope: &Scope) -> ScopeName {
    let (kind, code) = match scope {
        Scope::Province => {
            return ScopeName {
                kind: "province".into(),
                name_zh: "吉林省".into(),
                name_en: "Jilin Province".into(),
                code: Some("220000".into()),
            };
        }
        Scope::City { region, .. } => ("city", Some(region.to_string())),
        Scope::Zone { code, .. } => ("zone", Some(code.clone())),
        Scope::Enterprise { .. } => ("enterprise", None),
    };
    let org = match scope.org() {
        Some(id) => store.org(id).await.ok(),
        None => None,
    };
    ScopeName {
        kind: kind.into(),
        name_zh: org.as_ref().map(|o| o.name_zh.clone()).unwrap_or_default(),
        name_en: org.map(|o| o.name_en).unwrap_or_default(),
        code,
    }
}

pub(crate) fn trade_source(t: &TradeStore) -> String {
    if t.synthetic() {
        "synthetic demo customs records generated by Kaifang (not official statistics)".into()
    } else {
        "customs statistics imported into this data directory".into()
    }
}

/// Whose trade a card shows.
enum TradeScope {
    Province,
    /// The prefecture-level code the records are kept by.
    City(String),
    /// The unified social credit code the records carry.
    Enterprise(String),
}

async fn trade_card(
    src: &Sources<'_>,
    scope: &Scope,
    period: Option<Period>,
) -> AppResult<Option<TradeCard>> {
    let whose = scope.trade_slice()?;
    let t = src.trade.read().await;
    let Some(latest) = period.or_else(|| t.latest_period()) else {
        return Ok(None);
    };
    let (card, city, enterprise) = match whose {
        TradeScope::Province => (province_trade(&t, latest).await?, None, None),
        TradeScope::City(code) => {
            let card = sliced_trade(&t, latest, Dimension::City, &code).await?;
            (card, Some(code), None)
        }
        TradeScope::Enterprise(uscc) => {
            let card = sliced_trade(&t, latest, Dimension::Enterprise, &uscc).await?;
            (card, None, Some(uscc))
        }
    };
    Ok(Some(TradeCard {
        city,
        enterprise,
        source: trade_source(&t),
        synthetic: t.synthetic(),
        ..card
    }))
}

/// The prefecture-level code the trade records are kept by.
fn city_of(c: RegionCode) -> String {
    kaifang_trade::codes::city_of(&c.to_string())
}

fn trend_months(points: &[kaifang_trade::TrendPoint]) -> Vec<TrendMonth> {
    let from = points.len().saturating_sub(13);
    points[from..]
        .iter()
        .map(|p| TrendMonth {
            period: p.period.to_string(),
            value: p.month.value_cny,
            yoy_pct: p.month.yoy_pct,
        })
        .collect()
}

fn partners(rows: Vec<kaifang_trade::Row>) -> Vec<PartnerFigure> {
    rows.into_iter()
        .take(TOP_PARTNERS)
        .map(|r| PartnerFigure {
            code: r.key,
            name_zh: r.name_zh,
            name_en: r.name_en,
            ytd: r.value_cny,
            yoy_pct: r.yoy_pct,
            share_pct: r.share_pct,
            contribution_pp: r.contribution_pp,
        })
        .collect()
}

fn blank_trade(p: Period) -> TradeCard {
    let zero = Figure {
        value: 0.0,
        yoy_pct: None,
    };
    TradeCard {
        period: p.to_string(),
        city: None,
        enterprise: None,
        month: zero,
        ytd: zero,
        exports_month: zero,
        exports_ytd: zero,
        imports_month: zero,
        imports_ytd: zero,
        trend: Vec::new(),
        partners: Vec::new(),
        source: String::new(),
        synthetic: false,
    }
}

async fn province_trade(t: &TradeStore, p: Period) -> AppResult<TradeCard> {
    let s = kaifang_trade::summary(t, p.year, p.month).await?;
    let trend = kaifang_trade::trend(t, None).await?;
    let mut card = TradeCard {
        month: s.month.into(),
        ytd: s.ytd.into(),
        trend: trend_months(&trend),
        partners: partners(s.top_partners),
        ..blank_trade(p)
    };
    for f in s.by_flow {
        match f.flow {
            Flow::Export => (card.exports_month, card.exports_ytd) = (f.month.into(), f.ytd.into()),
            Flow::Import => (card.imports_month, card.imports_ytd) = (f.month.into(), f.ytd.into()),
        }
    }
    Ok(card)
}

/// The trade of one city or one enterprise: the province's figures narrowed to `key` of `dim`.
async fn sliced_trade(
    t: &TradeStore,
    p: Period,
    dim: Dimension,
    key: &str,
) -> AppResult<TradeCard> {
    let mut slice = Slice::default();
    slice.add(dim, key)?;
    let at = |points: &[kaifang_trade::TrendPoint]| {
        points
            .iter()
            .find(|x| x.period == p)
            .map(|x| (Figure::from(x.month), Figure::from(x.ytd)))
    };
    let (total, exports, imports) = tokio::try_join!(
        kaifang_trade::trend_in(t, None, &slice),
        kaifang_trade::trend_in(t, Some(Flow::Export), &slice),
        kaifang_trade::trend_in(t, Some(Flow::Import), &slice),
    )?;
    let mut f = Filter::new(p.year, p.month)?;
    f.top = Some(TOP_PARTNERS);
    let by_partner = kaifang_trade::breakdown_in(t, Dimension::Partner, &f, &slice).await?;
    let mut card = TradeCard {
        trend: trend_months(&total),
        partners: partners(by_partner.rows),
        ..blank_trade(p)
    };
    if let Some((m, y)) = at(&total) {
        (card.month, card.ytd) = (m, y);
    }
    if let Some((m, y)) = at(&exports) {
        (card.exports_month, card.exports_ytd) = (m, y);
    }
    if let Some((m, y)) = at(&imports) {
        (card.imports_month, card.imports_ytd) = (m, y);
    }
    Ok(card)
}

fn gateway(g: &crate::risk::channels::GatewayLoad) -> Gateway {
    Gateway {
        id: g.id.clone(),
        name_zh: g.name_zh.clone(),
        name_en: g.name.clone(),
        kind: g.kind.clone(),
        teu: g.teu,
        share_pct: g.share_pct,
        utilisation_pct: g.utilisation_pct,
        closed_stranded_pct: g.closed_stranded_pct,
        closed_cost_rise_pct: g.closed_cost_rise_pct,
    }
}

async fn channels_card(src: &Sources<'_>) -> AppResult<Option<ChannelsCard>> {
    let Some(loads) = src.risk.loads(src.trade).await? else {
        return Ok(None);
    };
    let g = &loads.gateways;
    let sum = |kind: &str| g.iter().filter(|x| x.kind == kind).map(|x| x.teu).sum();
    let busiest = g
        .iter()
        .filter(|x| x.utilisation_pct.is_some())
        .max_by(|a, b| {
            a.utilisation_pct
                .partial_cmp(&b.utilisation_pct)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    // Stranded freight is the worse loss; the cost rise breaks ties and ranks the rest.
    let most_critical = g.iter().max_by(|a, b| {
        (a.closed_stranded_pct, a.closed_cost_rise_pct)
            .partial_cmp(&(b.closed_stranded_pct, b.closed_cost_rise_pct))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(Some(ChannelsCard {
        year: loads.year,
        total_teu: loads.total_teu,
        sea_teu: sum("seaport"),
        border_teu: sum("border_crossing"),
        busiest: busiest.map(gateway),
        most_critical: most_critical.map(gateway),
        top: g.iter().take(5).map(gateway).collect(),
        critical_link: critical_link(src.store).await?,
        source: format!(
            "modelled: the container demand of {} ({}) assigned on the default freight network; not counted traffic",
            loads.year, loads.demand
        ),
        synthetic: loads.synthetic,
        missing: vec![
            "China–Europe train counts and sea-route sailings: no counted traffic is kept in the data directory".into(),
        ],
    }))
}

/// The first link of the latest criticality study's ranking.
async fn critical_link(store: &Store) -> AppResult<Option<CriticalLink>> {
    let kind = format!("{}critical", crate::studies::JOB_KIND_PREFIX);
    let Some(job) = store.latest_succeeded(&kind).await? else {
        return Ok(None);
    };
    let Some(result) = &job.result else {
        return Ok(None);
    };
    let top = result["ranking"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["element"]["kind"] == "link");
    Ok(top.map(|r| {
        let id = r["element"]["id"].as_str().unwrap_or_default().to_string();
        CriticalLink {
            name: r["element"]["name"].as_str().unwrap_or(&id).to_string(),
            id,
            unserved: r["unserved"].as_f64().unwrap_or(0.0),
            cost_change: r["cost_change"].as_f64().unwrap_or(0.0),
            study: job.id.clone(),
            finished_at: job.finished_at.clone(),
        }
    }))
}

fn zone_rank(u: &kaifang_assess::report::UnitReport) -> ZoneRank {
    ZoneRank {
        code: u.code.clone(),
        name_zh: u.name.clone(),
        name_en: u.name_en.clone(),
        rank: u.rank,
        previous_rank: u.previous_rank,
        movement: u.movement,
        rank_p05: u.rank_interval.as_ref().map(|b| b.p05),
        rank_p95: u.rank_interval.as_ref().map(|b| b.p95),
    }
}

async fn zones_card(src: &Sources<'_>, scope: &Scope, user: i64) -> AppResult<Option<ZonesCard>> {
    let a = src
        .zones
        .assess(src.store, &AssessRequest::default(), Some(user))
        .await?;
    let r = &a.report;
    let engine = src.zones.engine()?;
    let city: BTreeMap<&str, &str> = engine
        .registry
        .iter()
        .map(|z| (z.code.as_str(), z.city.as_str()))
        .collect();
    let ranked: Vec<_> = r.units.iter().filter(|u| u.rank.is_some()).collect();
    let mut movers: Vec<_> = ranked
        .iter()
        .filter(|u| u.movement.is_some_and(|m| m != 0))
        .collect();
    movers.sort_by_key(|u| std::cmp::Reverse(u.movement.map_or(0, i64::abs)));
    let own = match scope {
        Scope::Province => Vec::new(),
        _ => r
            .units
            .iter()
            .filter(|u| scope.sees_zone(&u.code, city.get(u.code.as_str()).copied().unwrap_or("")))
            .map(zone_rank)
            .collect(),
    };
    Ok(Some(ZonesCard {
        year: r.year,
        previous_year: r.previous_year,
        ranked: ranked.len(),
        top: ranked
            .iter()
            .take(TOP_ZONES)
            .map(|u| zone_rank(u))
            .collect(),
        bottom: ranked
            .iter()
            .rev()
            .take(TOP_ZONES)
            .rev()
            .map(|u| zone_rank(u))
            .collect(),
        movers: movers
            .iter()
            .take(2 * TOP_ZONES)
            .map(|u| zone_rank(u))
            .collect(),
        own,
        source: r.source.clone(),
        synthetic: r.synthetic,
    }))
}

fn recent(today: Date) -> String {
    format_date(today - time::Duration::days(RECENT_DAYS))
}

/// The overdue tasks (red light) `visible` leads, or all of them.
pub(crate) async fn overdue_tasks(
    src: &Sources<'_>,
    visible: Option<i64>,
    today: Date,
) -> AppResult<Vec<kaifang_store::tasks::TaskItem>> {
    let filter = TaskFilter {
        light: Some(kaifang_work::Light::Red),
        ..TaskFilter::default()
    };
    Ok(src.store.tasks(&filter, visible, src.rules, today).await?)
}

async fn directives_card(
    src: &Sources<'_>,
    scope: &Scope,
    today: Date,
) -> AppResult<Option<(DirectivesCard, Vec<Change>)>> {
    let visible = scope.org();
    let summary = src.store.task_summary(visible, src.rules, today).await?;
    let overdue = overdue_tasks(src, visible, today).await?;
    let since = recent(today);
    // A task fell overdue in the window when its deadline in force passed within it.
    let mut fell: Vec<_> = overdue
        .into_iter()
        .filter(|t| t.deadline.as_str() >= since.as_str())
        .collect();
    fell.sort_by(|a, b| b.deadline.cmp(&a.deadline));
    let changes = fell
        .into_iter()
        .map(|t| Change {
            kind: "overdue".into(),
            id: t.id.to_string(),
            subject_zh: t.title.clone(),
            subject_en: t.title,
            level: Some("red".into()),
            value: Some(f64::from(t.overdue_working_days)),
            detail: Some(format!("{} · {}", t.deadline, t.lead.code)),
        })
        .collect();
    let mut by_org = summary.by_org;
    by_org.truncate(TOP_ORGS);
    Ok(Some((
        DirectivesCard {
            total: summary.total,
            by_org,
            source:
                "supervision tasks kept in Kaifang (directives of the meetings, data/directives)"
                    .into(),
            synthetic: src.demo,
        },
        changes,
    )))
}

async fn appeals_card(
    src: &Sources<'_>,
    actor: &Actor,
    today: Date,
) -> AppResult<Option<AppealsCard>> {
    let scope = match actor.appeal_scope() {
        AppealScope::All => None,
        s => Some(s),
    };
    let s = src.store.appeal_stats(scope, src.rules, today).await?;
    let t = s.total;
    Ok(Some(AppealsCard {
        total: t.total,
        open: t.open,
        past_limit: t.escalated,
        answered: t.answered,
        mean_days_to_answer: t.mean_days_to_answer,
        mean_satisfaction: t.mean_satisfaction,
        rated: t.rated,
        source: "enterprise appeals kept in Kaifang".into(),
        synthetic: src.demo,
    }))
}

async fn risk_card(
    src: &Sources<'_>,
    scope: &Scope,
    today: Date,
) -> AppResult<Option<(RiskCard, Vec<Change>)>> {
    use kaifang_risk::Level;
    let mut open = src
        .store
        .alerts(&AlertFilter {
            open: true,
            min_level: None,
            owner_org_id: scope.org(),
        })
        .await?;
    let count = |l: Level| open.iter().filter(|a| a.level == l).count() as u32;
    let (red, orange, yellow, blue) = (
        count(Level::Red),
        count(Level::Orange),
        count(Level::Yellow),
        count(Level::Blue),
    );
    open.sort_by(|a, b| b.level.cmp(&a.level).then(b.raised_at.cmp(&a.raised_at)));
    let brief = |a: &kaifang_store::alerts::AlertItem| AlertBrief {
        id: a.id,
        indicator: a.indicator.clone(),
        subject_zh: a.subject_zh.clone(),
        subject_en: a.subject_en.clone(),
        level: a.level.as_str().into(),
        raised_at: a.raised_at.clone(),
    };
    let since = recent(today);
    let changes = open
        .iter()
        .filter(|a| a.raised_at.as_str() >= since.as_str() && a.level >= Level::Orange)
        .map(|a| Change {
            kind: "alert".into(),
            id: a.id.to_string(),
            subject_zh: a.subject_zh.clone(),
            subject_en: a.subject_en.clone(),
            level: Some(a.level.as_str().into()),
            value: Some(a.value),
            detail: Some(a.indicator.clone()),
        })
        .collect();
    Ok(Some((
        RiskCard {
            red,
            orange,
            yellow,
            blue,
            alerts: open.iter().take(TOP_ALERTS).map(brief).collect(),
            source: "the risk watch's alerts (indicators in data/risk)".into(),
            synthetic: open.iter().any(|a| a.synthetic),
        },
        changes,
    )))
}

async fn invest_card(
    src: &Sources<'_>,
    actor: &Actor,
    today: Date,
    period: Option<Period>,
) -> AppResult<Option<InvestCard>> {
    let (year, month) = match period {
        Some(p) => (Some(p.year), u8::try_from(p.month).ok()),
        None => (None, None),
    };
    let s = crate::invest::stats(src.store, actor.project_scope(), year, month, today).await?;
    let t = &s.stats.total;
    Ok(Some(InvestCard {
        year: s.stats.year,
        month: s.stats.month,
        signed_projects: t.signed_projects,
        signed: t.signed,
        signed_yoy: t.signed_yoy,
        arrived: t.arrived,
        arrived_yoy: t.arrived_yoy,
        at_stage: s.stats.at_stage.clone(),
        projects: s.projects,
        source: "investment projects kept in Kaifang".into(),
        synthetic: s.synthetic,
    }))
}

/// The partners that moved the total most, by their contribution to growth.
fn partner_moves(t: &TradeCard) -> Vec<Change> {
    let mut moved: Vec<_> = t
        .partners
        .iter()
        .filter(|p| p.contribution_pp.is_some_and(|c| c.abs() >= 0.5))
        .collect();
    moved.sort_by(|a, b| {
        let key = |p: &PartnerFigure| p.contribution_pp.map_or(0.0, f64::abs);
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    moved
        .into_iter()
        .take(3)
        .map(|p| Change {
            kind: "partner".into(),
            id: p.code.clone(),
            subject_zh: p.name_zh.clone(),
            subject_en: p.name_en.clone(),
            level: None,
            value: p.contribution_pp,
            detail: p.yoy_pct.map(|y| format!("{y:+.1}%")),
        })
        .collect()
}

/// The zones that moved two places or more in the ranking.
fn zone_moves(zones: &[ZoneRank]) -> Vec<Change> {
    let mut moved: Vec<&ZoneRank> = zones.iter().collect();
    moved.sort_by_key(|m| std::cmp::Reverse(m.movement.map_or(0, i64::abs)));
    moved
        .into_iter()
        .filter(|m| m.movement.is_some_and(|d| d.abs() >= 2))
        .take(3)
        .map(|m| Change {
            kind: "zone".into(),
            id: m.code.clone(),
            subject_zh: m.name_zh.clone(),
            subject_en: m.name_en.clone(),
            level: None,
            value: m.movement.map(|d| d as f64),
            detail: m.rank.map(|r| r.to_string()),
        })
        .collect()
}
