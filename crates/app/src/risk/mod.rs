//! Risk watch: the registry's indicators (`kaifang_risk`) measured on the trade records and
//! on the directives' tasks and the enterprises' appeals, each classified by its thresholds.
//! The CLI's `kaifang risk evaluate` and `GET /api/risk/readings` are this one function.

pub mod channels;
pub mod drill;
pub mod forecast;

use std::sync::{Arc, OnceLock};

use kaifang_risk::{Level, Reading, Registry};
use kaifang_store::Store;
use kaifang_store::alerts::{Raise, RaiseReport};
use kaifang_store::audit::Who;
use kaifang_store::rules::{Rules, format_date};
use kaifang_trade::codes::Period;
use kaifang_trade::{Dimension, Filter, Flow, TradeStore};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::trade::TradeData;

/// The risk watch's state: the shipped registry, parsed on first use; the forecast bands of
/// the trade month last asked for; the gateways' loads of the current trade records, and the
/// freight network they are assigned on. Cheap to clone; clones share.
#[derive(Clone, Default)]
pub struct RegistryCell(
    Arc<OnceLock<Result<Arc<Registry>, String>>>,
    forecast::BandCache,
    channels::LoadCache,
    crate::studies::InputsCell,
);

impl RegistryCell {
    /// A risk watch that assigns freight on `inputs`, the network the freight studies use
    /// (one copy in memory, not two).
    pub fn with_inputs(inputs: crate::studies::InputsCell) -> RegistryCell {
        RegistryCell(
            Default::default(),
            Default::default(),
            Default::default(),
            inputs,
        )
    }

    /// The forecast bands' cache.
    pub fn bands(&self) -> &forecast::BandCache {
        &self.1
    }

    /// The gateways' loads (assigned TEU by crossing and port) of the current trade records.
    pub async fn loads(&self, trade: &TradeData) -> AppResult<Option<Arc<channels::GatewayLoads>>> {
        self.2.get(trade, self.3.get()?).await
    }

    pub fn get(&self) -> AppResult<Arc<Registry>> {
        self.0
            .get_or_init(|| {
                Registry::default_registry()
                    .map(Arc::new)
                    .map_err(|e| format!("the risk registry does not load: {e}"))
            })
            .clone()
            .map_err(AppError::Internal)
    }
}

/// How many readings reached each level.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LevelCounts {
    pub normal: usize,
    pub blue: usize,
    pub yellow: usize,
    pub orange: usize,
    pub red: usize,
}

/// Every indicator of the registry as measured now: the trade month's figures and today's
/// tasks and appeals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    /// The trade month evaluated (`2025-06`): the one asked for, or the latest with data;
    /// none when the trade store is empty.
    pub period: Option<String>,
    /// The day the tasks and appeals were read (China Standard Time).
    pub today: String,
    /// The trade figures come from the synthetic demo.
    pub synthetic_trade: bool,
    /// The tasks and appeals are the demo's (synthetic progress).
    pub synthetic_work: bool,
    pub counts: LevelCounts,
    /// The most serious first; within a level, by indicator.
    pub readings: Vec<Reading>,
    /// Indicators that could not be measured, and why.
    pub notes: Vec<String>,
}

/// Measures every indicator of the registry of `cell` (which keeps the forecast bands and the
/// gateways' loads between calls). `period` (the trade month) defaults to the latest with
/// data; the tasks and appeals are read as of `today`.
pub async fn evaluate(
    cell: &RegistryCell,
    store: &Store,
    trade: &TradeData,
    rules: &Rules,
    period: Option<Period>,
    today: time::Date,
) -> AppResult<Evaluation> {
    let registry = &*cell.get()?;
    let mut readings = Vec::new();
    let (period, synthetic_trade) = {
        let t = trade.read().await;
        let period = period.or_else(|| t.latest_period());
        if let Some(p) = period {
            readings.extend(trade_readings(registry, &t, p).await?);
        }
        (period, t.synthetic())
    };
    if let (Some(p), Some(i)) = (period, registry.get("trade.forecast_deviation")) {
        for b in &cell.bands().get(trade, Some(p)).await?.series {
            // The subject's names carry the figures an alert on it must show: the actual
            // month, what its history predicted, and the 95 % band.
            let band = &b.band;
            let zh = format!(
                "{}（实际 {}，预期 {}，95% 区间 {}–{}）",
                b.name_zh,
                yuan_zh(band.actual),
                yuan_zh(band.expected),
                yuan_zh(band.lower_95),
                yuan_zh(band.upper_95)
            );
            let en = format!(
                "{} (actual {}, expected {}, 95 % band {}–{})",
                b.name_en,
                yuan_en(band.actual),
                yuan_en(band.expected),
                yuan_en(band.lower_95),
                yuan_en(band.upper_95)
            );
            readings.push(i.read((&b.series, &zh, &en), &b.period, b.deviation, b.synthetic));
        }
    }
    let day = format_date(today);
    let mut notes = Vec::new();
    let loads = match cell.loads(trade).await {
        Ok(l) => l,
        // The other indicators stand without the channels': say why they are missing.
        Err(e) => {
            notes.push(format!(
                "channel dependence not measured: the container demand could not be derived from the trade records ({e})"
            ));
            None
        }
    };
    if let Some(loads) = loads {
        let year = loads.year.to_string();
        for g in &loads.gateways {
            let subject = format!("node:{}", g.id);
            let names = (subject.as_str(), g.name_zh.as_str(), g.name.as_str());
            push(
                &mut readings,
                registry,
                "channels.gateway_share",
                names,
                &year,
                Some(g.share_pct),
                loads.synthetic,
            );
            push(
                &mut readings,
                registry,
                "channels.gateway_value_share",
                names,
                &year,
                Some(g.value_share_pct),
                loads.synthetic,
            );
            push(
                &mut readings,
                registry,
                "channels.gateway_utilisation",
                names,
                &year,
                g.utilisation_pct,
                loads.synthetic,
            );
            push(
                &mut readings,
                registry,
                "channels.gateway_closure_stranded",
                names,
                &year,
                Some(g.closed_stranded_pct),
                loads.synthetic,
            );
            push(
                &mut readings,
                registry,
                "channels.gateway_closure_cost",
                names,
                &year,
                Some(g.closed_cost_rise_pct),
                loads.synthetic,
            );
        }
    }
    // The demo's tasks and appeals are synthetic, as its trade records may be.
    let demo_work = store.is_demo().await?;
    // Figures of a day are filed under its month: an alert is one indicator × subject ×
    // period, and a daily evaluation must not raise the same overdue tasks every day.
    let month = &day[..day.len().min(7)];
    readings.extend(governance_readings(registry, store, rules, today, month, demo_work).await?);
    readings.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then_with(|| a.indicator.cmp(&b.indicator))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let mut counts = LevelCounts::default();
    for r in &readings {
        *match r.level {
            Level::Normal => &mut counts.normal,
            Level::Blue => &mut counts.blue,
            Level::Yellow => &mut counts.yellow,
            Level::Orange => &mut counts.orange,
            Level::Red => &mut counts.red,
        } += 1;
    }
    Ok(Evaluation {
        period: period.map(|p| p.to_string()),
        today: day,
        synthetic_trade,
        synthetic_work: demo_work,
        counts,
        readings,
        notes,
    })
}

/// Readings at this level or above raise an alert; blue ones are shown with the indicators
/// but raise nothing, so that the board holds what someone must act on.
pub const ALERT_FROM: Level = Level::Yellow;

/// An evaluation and what it did to the alerts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Raised {
    pub evaluation: Evaluation,
    pub alerts: RaiseReport,
}

/// Whether an evaluation that raises alerts ran on `today` (China Standard Time): the daily
/// one, on demand, or the demo's first. The daily loop then waits for tomorrow.
pub async fn evaluated_on(store: &Store, today: time::Date) -> AppResult<bool> {
    let Some(at) = store.last_recorded("risk.evaluate").await? else {
        return Ok(false);
    };
    // Midnight in China is 16:00 UTC the day before; timestamps are RFC 3339 UTC text,
    // which compares in time order.
    let midnight = time::PrimitiveDateTime::new(today, time::Time::MIDNIGHT).assume_offset(
        time::UtcOffset::from_hms(8, 0, 0).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(at >= kaifang_store::format_ts(midnight))
}

/// Evaluates every indicator (as [`evaluate`]) and raises an alert for each reading at
/// [`ALERT_FROM`] or above, de-duplicated by indicator × subject × period; open alerts get
/// the new reading. The daily evaluation, `kaifang risk evaluate --raise` and
/// `POST /api/risk/evaluate` are this one function.
pub async fn evaluate_and_raise(
    cell: &RegistryCell,
    store: &Store,
    trade: &TradeData,
    rules: &Rules,
    period: Option<Period>,
    today: time::Date,
    who: &Who,
) -> AppResult<Raised> {
    let evaluation = evaluate(cell, store, trade, rules, period, today).await?;
    let registry = cell.get()?;
    let raises: Vec<Raise<'_>> = evaluation
        .readings
        .iter()
        .filter_map(|r| {
            registry.get(&r.indicator).map(|i| Raise {
                reading: r,
                owner: &i.owner,
            })
        })
        .collect();
    let alerts = store.raise_alerts(who, &raises, ALERT_FROM).await?;
    store
        .record(
            who,
            "risk.evaluate",
            None,
            serde_json::json!({
                "period": evaluation.period,
                "today": evaluation.today,
                "readings": evaluation.readings.len(),
                "raised": alerts.raised,
                "changed": alerts.changed,
            }),
        )
        .await?;
    Ok(Raised { evaluation, alerts })
}

const PROVINCE: (&str, &str, &str) = ("province", "全省", "the province");

/// An amount of yuan as a Chinese reader writes it: 亿元 from a hundred million, 万元 below.
fn yuan_zh(v: f64) -> String {
    if v.abs() >= 1e8 {
        format!("{:.2} 亿元", v / 1e8)
    } else {
        format!("{:.2} 万元", v / 1e4)
    }
}

/// An amount of yuan for an English reader: billions, millions or thousands.
fn yuan_en(v: f64) -> String {
    match v.abs() {
        a if a >= 1e9 => format!("{:.2} bn yuan", v / 1e9),
        a if a >= 1e6 => format!("{:.2} M yuan", v / 1e6),
        _ => format!("{:.1} k yuan", v / 1e3),
    }
}

/// Reads `id` into `out` when the registry has it (a deployment may drop indicators).
fn push(
    out: &mut Vec<Reading>,
    registry: &Registry,
    id: &str,
    subject: (&str, &str, &str),
    period: &str,
    value: Option<f64>,
    synthetic: bool,
) {
    if let (Some(i), Some(v)) = (registry.get(id), value) {
        out.push(i.read(subject, period, v, synthetic));
    }
}

async fn trade_readings(registry: &Registry, t: &TradeStore, p: Period) -> AppResult<Vec<Reading>> {
    let synthetic = t.synthetic();
    let period = p.to_string();
    let ytd = Filter::new(p.year, p.month)?;
    let mut out = Vec::new();

    let summary = kaifang_trade::summary(t, p.year, p.month).await?;
    push(
        &mut out,
        registry,
        "trade.month_yoy",
        PROVINCE,
        &period,
        summary.month.yoy_pct,
        synthetic,
    );
    push(
        &mut out,
        registry,
        "trade.ytd_yoy",
        PROVINCE,
        &period,
        summary.ytd.yoy_pct,
        synthetic,
    );

    let c = kaifang_trade::concentration(t, &ytd).await?;
    push(
        &mut out,
        registry,
        "trade.partner_hhi",
        PROVINCE,
        &period,
        Some(c.by_partner.hhi),
        synthetic,
    );
    push(
        &mut out,
        registry,
        "trade.product_hhi",
        PROVINCE,
        &period,
        Some(c.by_product.hhi),
        synthetic,
    );

    // The largest partner is the subject of its share, so that the reading says who it is.
    let partners = kaifang_trade::breakdown(t, Dimension::Partner, &ytd).await?;
    if let Some(top) = partners.rows.first() {
        let subject = format!("partner:{}", top.key);
        push(
            &mut out,
            registry,
            "trade.top1_partner_share",
            (&subject, &top.name_zh, &top.name_en),
            &period,
            Some(top.share_pct),
            synthetic,
        );
        let top3: f64 = partners.rows.iter().take(3).map(|r| r.share_pct).sum();
        push(
            &mut out,
            registry,
            "trade.top3_partner_share",
            PROVINCE,
            &period,
            Some(top3),
            synthetic,
        );
    }
    let exports = Filter {
        flow: Some(Flow::Export),
        ..ytd
    };
    let markets = kaifang_trade::breakdown(t, Dimension::Partner, &exports).await?;
    if let Some(top) = markets.rows.first() {
        let subject = format!("partner:{}", top.key);
        push(
            &mut out,
            registry,
            "trade.export_top1_market_share",
            (&subject, &top.name_zh, &top.name_en),
            &period,
            Some(top.share_pct),
            synthetic,
        );
    }
    let ten = Filter {
        top: Some(10),
        ..ytd
    };
    let firms = kaifang_trade::breakdown(t, Dimension::Enterprise, &ten).await?;
    if !firms.rows.is_empty() {
        let share: f64 = firms.rows.iter().map(|r| r.share_pct).sum();
        push(
            &mut out,
            registry,
            "trade.enterprise_top10_share",
            PROVINCE,
            &period,
            Some(share),
            synthetic,
        );
    }
    if registry.get("trade.import_single_source").is_some() {
        out.extend(single_sources(registry, t, p, &ytd).await?);
    }
    if let Some(v) = net_entry(t, &ytd).await? {
        push(
            &mut out,
            registry,
            "trade.enterprise_net_entry",
            PROVINCE,
            &period,
            Some(v),
            synthetic,
        );
    }
    Ok(out)
}

/// Chapters imported this year with at least this share of all imports are watched for a
/// single source: smaller ones are not a provincial dependency.
const MATERIAL_IMPORT_SHARE: f64 = 0.01;
/// At most this many chapters read, the largest imports first.
const SINGLE_SOURCE_CHAPTERS: usize = 10;

fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// For the largest import chapters of the year to date: the share of the largest partner
/// (a product bought mostly from one country is a dependency, whatever the total's spread).
async fn single_sources(
    registry: &Registry,
    t: &TradeStore,
    p: Period,
    ytd: &Filter,
) -> AppResult<Vec<Reading>> {
    let query = format!(
        "SELECT chapter, partner, SUM(value_cny) FROM records WHERE flow = 'import' \
         AND year = {} AND month <= {} AND chapter IS NOT NULL AND partner IS NOT NULL \
         GROUP BY 1, 2",
        p.year, p.month
    );
    let r = t.sql(&query, 1_000_000).await?;
    let mut by_chapter: std::collections::HashMap<String, (f64, String, f64)> =
        std::collections::HashMap::new();
    let mut all = 0.0;
    for row in r.rows.iter().filter(|row| row.len() == 3) {
        let (Some(chapter), Some(partner)) = (text_of(&row[0]), text_of(&row[1])) else {
            continue;
        };
        let v = row[2].as_f64().unwrap_or(0.0);
        all += v;
        let e = by_chapter.entry(chapter).or_default();
        e.0 += v;
        if v > e.2 {
            (e.1, e.2) = (partner, v);
        }
    }
    let mut chapters: Vec<(String, (f64, String, f64))> = by_chapter
        .into_iter()
        .filter(|(_, (v, _, _))| all > 0.0 && *v >= MATERIAL_IMPORT_SHARE * all)
        .collect();
    chapters.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    chapters.truncate(SINGLE_SOURCE_CHAPTERS);
    if chapters.is_empty() {
        return Ok(Vec::new());
    }
    let imports = Filter {
        flow: Some(Flow::Import),
        ..*ytd
    };
    let names = kaifang_trade::breakdown(t, Dimension::Chapter, &imports).await?;
    let partners = kaifang_trade::breakdown(t, Dimension::Partner, &imports).await?;
    let name_of = |rows: &[kaifang_trade::Row], key: &str| {
        rows.iter()
            .find(|r| r.key == key)
            .map(|r| (r.name_zh.clone(), r.name_en.clone()))
            .unwrap_or_else(|| (key.to_string(), key.to_string()))
    };
    let mut out = Vec::new();
    for (chapter, (total, top, top_value)) in chapters {
        let (czh, cen) = name_of(&names.rows, &chapter);
        let (pzh, pen) = name_of(&partners.rows, &top);
        let subject = format!("chapter:{chapter}");
        let zh = format!("第{chapter}章 {czh}（最大来源：{pzh}）");
        let en = format!("HS {chapter} {cen} (largest source: {pen})");
        push(
            &mut out,
            registry,
            "trade.import_single_source",
            (&subject, &zh, &en),
            &p.to_string(),
            Some(100.0 * top_value / total),
            t.synthetic(),
        );
    }
    Ok(out)
}

/// Exporters and importers that entered this year to date (active, not in the same months
/// last year) less those that left, percent of last year's active ones; as the trade page's
/// enterprise dynamics count them. None without last year's.
async fn net_entry(t: &TradeStore, ytd: &Filter) -> AppResult<Option<f64>> {
    let d = kaifang_trade::enterprise_dynamics(t, ytd, 0).await?;
    let (mut net, mut before) = (0.0, 0.0);
    for f in &d.by_flow {
        net += f.entrants as f64 - f.exits as f64;
        before += f.active_prev as f64;
    }
    Ok((before > 0.0).then(|| 100.0 * net / before))
}

async fn governance_readings(
    registry: &Registry,
    store: &Store,
    rules: &Rules,
    today: time::Date,
    day: &str,
    synthetic: bool,
) -> AppResult<Vec<Reading>> {
    let mut out = Vec::new();
    // Development zones report a year's data by the end of March of the next.
    let due = time::Date::from_calendar_date(today.year(), time::Month::March, 31)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if today > due {
        let year = today.year() - 1;
        let filed = store
            .zone_submissions(&kaifang_store::zone_data::SubmissionFilter {
                year: Some(year),
                state: None,
                zones: None,
            })
            .await?;
        let zones = kaifang_assess::zones::registry().map_err(AppError::Form)?;
        let missing = zones
            .iter()
            .filter(|z| z.zone_type.assessed())
            .filter(|z| {
                !filed.iter().any(|s| {
                    s.zone_code == z.code && matches!(s.state.as_str(), "submitted" | "approved")
                })
            })
            .count();
        push(
            &mut out,
            registry,
            "governance.zone_data_overdue",
            PROVINCE,
            day,
            Some(missing as f64),
            synthetic,
        );
    }
    let tasks = store.task_summary(None, rules, today).await?;
    for o in &tasks.by_org {
        let subject = format!("org:{}", o.org.code);
        push(
            &mut out,
            registry,
            "governance.overdue_tasks",
            (&subject, &o.org.name_zh, &o.org.name_en),
            day,
            Some(f64::from(o.overdue)),
            synthetic,
        );
    }
    let appeals = store.appeal_stats(None, rules, today).await?;
    for d in &appeals.by_department {
        let subject = format!("org:{}", d.key);
        push(
            &mut out,
            registry,
            "governance.appeals_escalated",
            (&subject, &d.name_zh, &d.name_en),
            day,
            Some(f64::from(d.escalated)),
            synthetic,
        );
    }
    push(
        &mut out,
        registry,
        "governance.appeal_satisfaction",
        PROVINCE,
        day,
        appeals.total.mean_satisfaction,
        synthetic,
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaifang_store::DataDir;
    use kaifang_store::audit::Who;

    /// Three partners with 600, 300 and 100 this June and 2 000 in all a year earlier.
    const RECORDS: &str = "period,flow,commodity,partner,trade_mode,region,value_cny\n\
        2025-06,export,87032300,344,0110,220104,600\n\
        2025-06,export,87032300,304,0110,220104,300\n\
        2025-06,import,87089900,116,0110,220104,100\n\
        2024-06,export,87032300,344,0110,220104,2000\n";

    /// A data directory with the organisations and the trade records of `csv` imported.
    async fn fixture(csv: &str) -> (tempfile::TempDir, Store, TradeData) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let store = Store::open(&dir, true).await.unwrap();
        store.initialise_registry(&Who::cli("test")).await.unwrap();
        let trade = TradeData::open(dir.root()).unwrap();
        let path = tmp.path().join("records.csv");
        std::fs::write(&path, csv).unwrap();
        crate::trade::import(
            &store,
            &trade,
            &Who::cli("test"),
            vec![path],
            &[],
            Default::default(),
            None,
            |_| true,
        )
        .await
        .unwrap();
        (tmp, store, trade)
    }

    #[tokio::test]
    async fn indicators_are_measured_and_classified_as_computed_by_hand() {
        let (_tmp, store, trade) = fixture(RECORDS).await;
        let rules = Rules::from_config(&Default::default()).unwrap();
        let today = time::macros::date!(2025 - 07 - 01);
        let e = evaluate(&Default::default(), &store, &trade, &rules, None, today)
            .await
            .unwrap();
        assert_eq!(e.period.as_deref(), Some("2025-06"));
        assert!(!e.synthetic_trade && !e.synthetic_work);
        let get = |id: &str| {
            e.readings
                .iter()
                .find(|r| r.indicator == id)
                .unwrap_or_else(|| panic!("no reading of {id}"))
        };
        // Shares 60, 30 and 10 %: 3 600 + 900 + 100.
        let hhi = get("trade.partner_hhi");
        assert!((hhi.value - 4600.0).abs() < 1e-6, "{}", hhi.value);
        assert_eq!((hhi.level, hhi.threshold), (Level::Red, Some(4000.0)));
        let top1 = get("trade.top1_partner_share");
        assert_eq!(top1.subject, "partner:344");
        assert!((top1.value - 60.0).abs() < 1e-9);
        assert_eq!(top1.level, Level::Red);
        assert!((get("trade.top3_partner_share").value - 100.0).abs() < 1e-9);
        // Exports: Russia 600 of 900.
        let market = get("trade.export_top1_market_share");
        assert!((market.value - 200.0 / 3.0).abs() < 1e-9);
        // 1 000 against 2 000 a year earlier.
        let yoy = get("trade.month_yoy");
        assert!((yoy.value + 50.0).abs() < 1e-9);
        assert_eq!(yoy.level, Level::Red);
        // The one imported chapter comes from Japan alone.
        let single = get("trade.import_single_source");
        assert_eq!(single.subject, "chapter:87");
        assert!((single.value - 100.0).abs() < 1e-9);
        assert_eq!(single.level, Level::Red);
        // After March, every ranked zone lacks last year's data here.
        let ranked = kaifang_assess::zones::registry()
            .unwrap()
            .iter()
            .filter(|z| z.zone_type.assessed())
            .count();
        assert_eq!(get("governance.zone_data_overdue").value, ranked as f64);
        // No rated appeal: no satisfaction reading, rather than a made-up one.
        assert!(
            e.readings
                .iter()
                .all(|r| r.indicator != "governance.appeal_satisfaction")
        );
        // The most serious first, and the counts add up.
        assert!(e.readings.windows(2).all(|w| w[0].level >= w[1].level));
        let c = &e.counts;
        assert_eq!(
            c.normal + c.blue + c.yellow + c.orange + c.red,
            e.readings.len()
        );
    }

    #[tokio::test]
    async fn readings_raise_alerts_once_and_alerts_live_from_raised_to_closed() {
        use kaifang_risk::AlertState;
        use kaifang_store::StoreError;
        use kaifang_store::alerts::{AlertAction, AlertFilter};

        let (_tmp, store, trade) = fixture(RECORDS).await;
        let who = Who::cli("test");
        let rules = Rules::from_config(&Default::default()).unwrap();
        let today = time::macros::date!(2025 - 07 - 01);
        let cell = RegistryCell::default();
        let first = evaluate_and_raise(&cell, &store, &trade, &rules, None, today, &who)
            .await
            .unwrap();
        let due = first
            .evaluation
            .readings
            .iter()
            .filter(|r| r.level >= ALERT_FROM)
            .count();
        assert!(
            due >= 3,
            "the fixture is concentrated enough to raise alerts"
        );
        assert_eq!(first.alerts.raised, due);
        // The same month again: nothing new.
        let again = evaluate_and_raise(&cell, &store, &trade, &rules, None, today, &who)
            .await
            .unwrap();
        assert_eq!(again.alerts.raised, 0);
        assert_eq!(again.alerts.unchanged, due);
        let alerts = store
            .alerts(&AlertFilter {
                open: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(alerts.len(), due);
        assert!(alerts.windows(2).all(|w| w[0].level >= w[1].level));
        let hhi = alerts
            .iter()
            .find(|a| a.indicator == "trade.partner_hhi")
            .expect("the partner concentration is red");
        assert_eq!((hhi.level, hhi.state), (Level::Red, AlertState::Raised));
        assert_eq!(hhi.owner.as_ref().map(|o| o.code.as_str()), Some("jl-doc"));

        // Its life: acknowledged, handled, closed with a reason; then history.
        let ack = store
            .act_on_alert(
                &who,
                hhi.id,
                hhi.version,
                &AlertAction::Acknowledge {
                    body: String::new(),
                },
            )
            .await
            .unwrap();
        let stale = store
            .act_on_alert(
                &who,
                hhi.id,
                hhi.version,
                &AlertAction::Note {
                    body: "late".into(),
                },
            )
            .await;
        assert!(matches!(stale, Err(StoreError::Stale { .. })), "{stale:?}");
        let closing_early = store
            .act_on_alert(
                &who,
                hhi.id,
                ack.item.version,
                &AlertAction::Close {
                    reason: "done".into(),
                },
            )
            .await;
        assert!(
            matches!(closing_early, Err(StoreError::Transition(_))),
            "{closing_early:?}"
        );
        let no_reason = store
            .act_on_alert(
                &who,
                hhi.id,
                ack.item.version,
                &AlertAction::Dismiss { reason: " ".into() },
            )
            .await;
        assert!(
            matches!(no_reason, Err(StoreError::Invalid { .. })),
            "{no_reason:?}"
        );
        let handling = store
            .act_on_alert(
                &who,
                hhi.id,
                ack.item.version,
                &AlertAction::Handle {
                    owner_org_id: None,
                    body: "diversify partners".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(handling.item.state, AlertState::Handling);
        let closed = store
            .act_on_alert(
                &who,
                hhi.id,
                handling.item.version,
                &AlertAction::Close {
                    reason: "new markets opened".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(closed.item.state, AlertState::Closed);
        let kinds: Vec<&str> = closed.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["raised", "acknowledge", "handle", "close"]);
        assert_eq!(closed.events[3].body, "new markets opened");
        let after = store
            .act_on_alert(
                &who,
                hhi.id,
                closed.item.version,
                &AlertAction::Note { body: "x".into() },
            )
            .await;
        assert!(matches!(after, Err(StoreError::Transition(_))), "{after:?}");
        // A closed alert is not raised again for its period.
        let third = evaluate_and_raise(&cell, &store, &trade, &rules, None, today, &who)
            .await
            .unwrap();
        assert_eq!(third.alerts.raised, 0);
        let log = store
            .audit_of(&format!("risk_alert:{}", hhi.id))
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "risk.alert.raise",
                "risk.alert.acknowledge",
                "risk.alert.handle",
                "risk.alert.close"
            ]
        );
    }

    /// Three years of steady seasonal exports, then a month at a fifth of its usual value:
    /// the forecast band flags it, and the evaluation raises it.
    #[tokio::test]
    async fn a_collapse_below_the_forecast_band_is_a_red_reading_and_an_alert() {
        let mut csv = String::from("period,flow,commodity,partner,trade_mode,region,value_cny\n");
        for year in 2022..=2024 {
            for month in 1..=12u32 {
                let season = [0.9, 0.8, 1.0, 1.0, 1.05, 1.1, 1.1, 1.05, 1.0, 1.0, 1.0, 1.1]
                    [month as usize - 1];
                let wiggle = f64::from((year * 7 + month as i32 * 13) % 5) * 2.0;
                let v = 10_000.0 * season * (1.0 + 0.01 * f64::from(year - 2022)) + wiggle;
                csv.push_str(&format!(
                    "{year}-{month:02},export,87032300,643,0110,220104,{v:.0}\n"
                ));
            }
        }
        csv.push_str("2025-01,export,87032300,643,0110,220104,1800\n");
        let (_tmp, store, trade) = fixture(&csv).await;
        let who = Who::cli("test");

        let bands = forecast::bands(&trade, None).await.unwrap();
        assert_eq!(bands.period.as_deref(), Some("2025-01"));
        let total = bands
            .series
            .iter()
            .find(|b| b.series == "total")
            .expect("the total's band");
        assert!(
            total.band.outside_95 && total.band.actual < total.band.lower_95,
            "{total:?}"
        );
        assert!(total.deviation > 2.0, "{total:?}");
        let russia = bands
            .series
            .iter()
            .find(|b| b.series == "partner:643")
            .expect("Russia's band");
        assert!((russia.band.actual - 1800.0).abs() < 1e-6);

        let rules = Rules::from_config(&Default::default()).unwrap();
        let today = time::macros::date!(2025 - 02 - 10);
        let r = evaluate_and_raise(
            &Default::default(),
            &store,
            &trade,
            &rules,
            None,
            today,
            &who,
        )
        .await
        .unwrap();
        let reading = r
            .evaluation
            .readings
            .iter()
            .find(|x| x.indicator == "trade.forecast_deviation" && x.subject == "total")
            .expect("a reading of the total's deviation");
        assert_eq!(reading.level, Level::Red);
        // The alert shows what was expected against what came: 1 800 yuan, far below.
        assert!(
            reading.subject_zh.contains("实际 0.18 万元") && reading.subject_zh.contains("预期"),
            "{}",
            reading.subject_zh
        );
        assert!(
            reading.subject_en.contains("actual 1.8 k yuan"),
            "{}",
            reading.subject_en
        );
        let alerts = store.alerts(&Default::default()).await.unwrap();
        assert!(
            alerts
                .iter()
                .any(|a| a.indicator == "trade.forecast_deviation" && a.subject == "total"),
            "{alerts:?}"
        );

        // The series in full: history up to the month, twelve months ahead, and its accuracy.
        let s = forecast::series(&trade, "total", None).await.unwrap();
        assert_eq!(s.history.last().map(|h| h.period.as_str()), Some("2025-01"));
        assert_eq!(s.history.len(), 36);
        assert_eq!(s.months.first().map(String::as_str), Some("2025-02"));
        assert_eq!(s.forecast.mean.len(), 12);
        assert!(s.accuracy.is_some());
        assert!(matches!(
            forecast::series(&trade, "partner:999", None).await,
            Err(AppError::NotFound(_))
        ));
    }

    /// Three exporters in June 2024, two in June 2025 of which one new: one entrant, two
    /// exits, against three a year earlier.
    #[tokio::test]
    async fn net_entry_is_entrants_less_exits_over_last_years_active_enterprises() {
        let firms = [
            "91220101MA00000013",
            "91220101MA00000026",
            "91220101MA00000039",
            "91220101MA0000004C",
        ];
        let mut csv = String::from(
            "period,flow,commodity,partner,trade_mode,region,value_cny,uscc,enterprise\n",
        );
        for (period, who) in [
            ("2024-06", [0, 1, 2].as_slice()),
            ("2025-06", [0, 3].as_slice()),
        ] {
            for &f in who {
                csv.push_str(&format!(
                    "{period},export,87032300,643,0110,220104,100,{},firm{f}\n",
                    firms[f]
                ));
            }
        }
        let (_tmp, store, trade) = fixture(&csv).await;
        let rules = Rules::from_config(&Default::default()).unwrap();
        let e = evaluate(
            &Default::default(),
            &store,
            &trade,
            &rules,
            None,
            time::macros::date!(2025 - 07 - 01),
        )
        .await
        .unwrap();
        let r = e
            .readings
            .iter()
            .find(|r| r.indicator == "trade.enterprise_net_entry")
            .expect("a net entry reading");
        assert!((r.value - 100.0 * (1.0 - 2.0) / 3.0).abs() < 1e-9, "{r:?}");
        assert_eq!(r.level, Level::Red);
    }
}
