//! Drills (演练): "close crossing X / port Y / corridor Z for N weeks". The freight network is
//! assigned with and without the closure (`kaifang_assign::drill`) on the container demand
//! derived from a year of trade records; every flow the closure hits (it loses its route or
//! its cost per TEU rises) is traced back to the records that make it — by enterprise, city
//! and HS chapter — so the answer says whose trade, how much, and what the detour costs.
//!
//! Figures per year are scaled to the closure's weeks (weeks / 52): a closure of four weeks
//! touches about a thirteenth of a year's trade on the flows it hits. Bulk chapters (25–27)
//! are not in the container demand and are left out, and said so.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use kaifang_assign::drill::{DrillReport, FlowImpact};
use kaifang_assign::study::Inputs;
use kaifang_assign::trade_demand::{self, BULK_CHAPTERS};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::studies::{PlaceName, places};
use crate::trade::{TradeData, freight_demand};

/// A flow is hit when its cost per TEU rises by more than this share (congestion elsewhere
/// moves every cost a little) or it has no route left.
pub const TOLERANCE: f64 = 0.005;
/// The longest closure a drill models.
pub const MAX_WEEKS: u32 = 52;
/// Enterprises listed, the most affected first.
const TOP_ENTERPRISES: usize = 100;

/// A drill as asked for.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillRequest {
    /// What to close: crossing, port or node names or ids (中文 or English), or link ids.
    pub close: Vec<String>,
    /// How long, in weeks (1 to 52; default 4).
    pub weeks: Option<u32>,
    /// The year of trade records whose container flows are tested (default: the latest
    /// complete year).
    pub year: Option<i32>,
    /// A label to find the drill by later.
    pub name: Option<String>,
}

/// The trade of one enterprise on the flows the closure hits, over the closure's weeks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseImpact {
    /// Unified social credit code, when the records carry it.
    pub uscc: Option<String>,
    pub name: String,
    /// Its cities (GB/T 2260), largest first.
    pub cities: Vec<String>,
    pub value_cny: f64,
    /// Of that, on flows left without any route.
    pub stranded_cny: f64,
}

/// Affected trade of one city or HS chapter, over the closure's weeks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupImpact {
    pub key: String,
    pub value_cny: f64,
}

/// What a drill found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrillResult {
    pub name: Option<String>,
    pub close: Vec<String>,
    pub weeks: u32,
    /// The year of trade records tested.
    pub year: i32,
    /// The trade records (and so the demand) are synthetic demo data.
    pub synthetic: bool,
    /// TEU on the flows hit, and of those left without a route, over the weeks.
    pub teu_affected: f64,
    pub teu_stranded: f64,
    /// Trade value on the flows hit, and of it left without a route, over the weeks (yuan).
    pub value_affected_cny: f64,
    pub value_stranded_cny: f64,
    /// Extra generalized cost of the detours over the weeks (yuan): Σ (cost after − cost
    /// before) × TEU on the flows still served.
    pub extra_cost_cny: f64,
    /// Trade value of bulk chapters (25–27), not part of the container demand, over the
    /// weeks: not tested.
    pub bulk_not_tested_cny: f64,
    pub by_enterprise: Vec<EnterpriseImpact>,
    pub by_city: Vec<GroupImpact>,
    pub by_chapter: Vec<GroupImpact>,
    pub report: DrillReport,
    /// Every node's names by id.
    pub places: BTreeMap<String, PlaceName>,
}

/// A request checked: what a job runs.
#[derive(Debug, Clone)]
pub struct Drill {
    close: Vec<String>,
    weeks: u32,
    year: Option<i32>,
    name: Option<String>,
}

impl Drill {
    /// Checks the request's bounds (before any work is queued).
    pub fn parse(r: DrillRequest) -> AppResult<Drill> {
        let close: Vec<String> = r
            .close
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if close.is_empty() {
            return Err(AppError::field(
                "close",
                "name at least one crossing, port or link",
            ));
        }
        if close.len() > kaifang_assign::drill::MAX_CLOSED {
            return Err(AppError::field(
                "close",
                format!("at most {} elements", kaifang_assign::drill::MAX_CLOSED),
            ));
        }
        if let Some(long) = close.iter().find(|c| c.chars().count() > 100) {
            return Err(AppError::field(
                "close",
                format!(
                    "{:?}… is longer than 100 characters",
                    long.chars().take(20).collect::<String>()
                ),
            ));
        }
        let weeks = r.weeks.unwrap_or(4);
        if !(1..=MAX_WEEKS).contains(&weeks) {
            return Err(AppError::field("weeks", format!("1 to {MAX_WEEKS}")));
        }
        if let Some(y) = r.year
            && !(2000..=2100).contains(&y)
        {
            return Err(AppError::field(
                "year",
                format!("{y} is not between 2000 and 2100"),
            ));
        }
        let name = r
            .name
            .map(|n| n.trim().chars().take(100).collect::<String>())
            .filter(|n| !n.is_empty());
        Ok(Drill {
            close,
            weeks,
            year: r.year,
            name,
        })
    }
}

impl Drill {
    /// Checks that every name is a place or link of `inputs`' network, so that a mistyped
    /// name is refused at once rather than failing the job later.
    pub fn check_places(&self, inputs: &Inputs) -> AppResult<()> {
        let net = &inputs.network;
        for c in &self.close {
            if net.link_index(c).is_none()
                && let Err(e) = net.resolve(c)
            {
                return Err(AppError::field("close", format!("{c:?}: {e}")));
            }
        }
        Ok(())
    }
}

/// One group of trade records: (city, partner, flow, chapter, uscc, enterprise) and value.
struct Cell {
    city: String,
    partner: String,
    flow: String,
    chapter: String,
    uscc: Option<String>,
    enterprise: String,
    value: f64,
}

/// Runs a checked drill. `progress` sees the fraction done and may stop it.
pub async fn run(
    trade: &TradeData,
    base: Arc<Inputs>,
    drill: &Drill,
    mut progress: impl FnMut(f64) -> ControlFlow<()> + Send + 'static,
) -> AppResult<DrillResult> {
    let (year, demand, cells) = {
        let t = trade.read().await;
        let latest = t.latest_period().ok_or_else(|| {
            AppError::field(
                "year",
                "the trade store holds no records; import some first",
            )
        })?;
        let year = drill.year.unwrap_or(if latest.month == 12 {
            latest.year
        } else {
            latest.year - 1
        });
        let demand = freight_demand(&t, year).await?;
        let query = format!(
            "SELECT city, partner_iso2, flow, chapter, uscc, enterprise, SUM(value_cny) \
             FROM records WHERE year = {year} AND city IS NOT NULL AND partner_iso2 IS NOT NULL \
             AND chapter IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6"
        );
        let r = t.sql(&query, 5_000_000).await?;
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        let cells: Vec<Cell> = r
            .rows
            .iter()
            .filter(|row| row.len() == 7)
            .map(|row| Cell {
                city: text(&row[0]).unwrap_or_default(),
                partner: text(&row[1]).unwrap_or_default(),
                flow: text(&row[2]).unwrap_or_default(),
                chapter: text(&row[3]).unwrap_or_default(),
                uscc: text(&row[4]),
                enterprise: text(&row[5]).unwrap_or_default(),
                value: row[6].as_f64().unwrap_or(0.0),
            })
            .collect();
        (year, demand, cells)
    };
    let drill = drill.clone();
    let _ = progress(0.05);
    tokio::task::spawn_blocking(move || {
        let mut inputs = Inputs::clone(&base);
        inputs.demand = demand.rows;
        inputs.demand_label = format!("container demand derived from the {}", demand.label);
        inputs.synthetic = demand.synthetic;
        let options = kaifang_assign::study::default_options();
        let report =
            kaifang_assign::drill::drill(&inputs, None, &drill.close, &options, &mut |f| {
                progress(0.05 + 0.85 * f)
            })?;
        trace(&inputs, drill, year, demand.synthetic, report, &cells)
    })
    .await
    .map_err(AppError::from)?
}

/// One enterprise's affected trade: in all, without a route, and by city.
#[derive(Default)]
struct Tally {
    value: f64,
    stranded: f64,
    cities: HashMap<String, f64>,
}

/// Traces the flows the closure hits back to the records.
fn trace(
    inputs: &Inputs,
    drill: Drill,
    year: i32,
    synthetic: bool,
    report: DrillReport,
    cells: &[Cell],
) -> AppResult<DrillResult> {
    let scale = f64::from(drill.weeks) / 52.0;
    let (region, partner) = trade_demand::places()?;
    // The flows by (regime, origin, destination): the regime is the class's second word.
    let flows: HashMap<(&str, &str, &str), &FlowImpact> = report
        .flows
        .iter()
        .map(|f| {
            let regime = f.class.rsplit(' ').next().unwrap_or("");
            ((regime, f.origin.as_str(), f.destination.as_str()), f)
        })
        .collect();
    let mut enterprises: HashMap<(Option<String>, String), Tally> = HashMap::new();
    let mut cities: HashMap<String, f64> = HashMap::new();
    let mut chapters: HashMap<String, f64> = HashMap::new();
    let (mut value, mut stranded, mut bulk) = (0.0, 0.0, 0.0);
    for c in cells {
        if BULK_CHAPTERS.contains(&c.chapter.as_str()) {
            bulk += c.value;
            continue;
        }
        let (Some(city), Some(abroad)) = (region.get(&c.city), partner.get(&c.partner)) else {
            continue;
        };
        let key = if c.flow == "import" {
            (c.flow.as_str(), abroad.as_str(), city.as_str())
        } else {
            (c.flow.as_str(), city.as_str(), abroad.as_str())
        };
        let Some(f) = flows.get(&key).filter(|f| f.affected(TOLERANCE)) else {
            continue;
        };
        let v = c.value * scale;
        let lost = if f.drill_cost.is_none() { v } else { 0.0 };
        value += v;
        stranded += lost;
        let e = enterprises
            .entry((c.uscc.clone(), c.enterprise.clone()))
            .or_default();
        e.value += v;
        e.stranded += lost;
        *e.cities.entry(c.city.clone()).or_default() += v;
        *cities.entry(c.city.clone()).or_default() += v;
        *chapters.entry(c.chapter.clone()).or_default() += v;
    }
    let mut by_enterprise: Vec<EnterpriseImpact> = enterprises
        .into_iter()
        .map(|((uscc, name), t)| {
            let (v, lost) = (t.value, t.stranded);
            let mut cs: Vec<(String, f64)> = t.cities.into_iter().collect();
            cs.sort_by(|a, b| b.1.total_cmp(&a.1));
            EnterpriseImpact {
                uscc,
                name,
                cities: cs.into_iter().map(|(c, _)| c).collect(),
                value_cny: v,
                stranded_cny: lost,
            }
        })
        .collect();
    by_enterprise.sort_by(|a, b| b.value_cny.total_cmp(&a.value_cny));
    by_enterprise.truncate(TOP_ENTERPRISES);
    let groups = |m: HashMap<String, f64>| {
        let mut g: Vec<GroupImpact> = m
            .into_iter()
            .map(|(key, value_cny)| GroupImpact { key, value_cny })
            .collect();
        g.sort_by(|a, b| b.value_cny.total_cmp(&a.value_cny));
        g
    };
    let hit = report.flows.iter().filter(|f| f.affected(TOLERANCE));
    let (mut teu, mut teu_lost, mut extra) = (0.0, 0.0, 0.0);
    for f in hit {
        teu += f.amount * scale;
        match f.drill_cost {
            None => teu_lost += f.amount * scale,
            Some(c) => extra += (c - f.base_cost) * f.amount * scale,
        }
    }
    Ok(DrillResult {
        name: drill.name,
        close: drill.close,
        weeks: drill.weeks,
        year,
        synthetic,
        teu_affected: teu,
        teu_stranded: teu_lost,
        value_affected_cny: value,
        value_stranded_cny: stranded,
        extra_cost_cny: extra,
        bulk_not_tested_cny: bulk * scale,
        by_enterprise,
        by_city: groups(cities),
        by_chapter: groups(chapters),
        places: places(inputs),
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaifang_store::audit::Who;
    use kaifang_store::{DataDir, Store};

    async fn demo() -> (tempfile::TempDir, TradeData) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let store = Store::open(&dir, true).await.unwrap();
        let trade = TradeData::open(dir.root()).unwrap();
        let options = kaifang_trade::demo::DemoOptions {
            rows: 30_000,
            enterprises: 300,
            ..Default::default()
        };
        crate::trade::generate_demo(&store, &trade, &Who::cli("test"), options, |_| true)
            .await
            .unwrap();
        (tmp, trade)
    }

    fn request(close: &[&str], weeks: u32) -> Drill {
        Drill::parse(DrillRequest {
            close: close.iter().map(|s| s.to_string()).collect(),
            weeks: Some(weeks),
            ..Default::default()
        })
        .unwrap()
    }

    #[tokio::test]
    async fn closing_hunchuns_crossings_names_the_enterprises_whose_trade_used_them() {
        let (_tmp, trade) = demo().await;
        let inputs = Arc::new(Inputs::defaults().unwrap());
        let d = request(&["cn-ru-hunchun-rail", "cn-ru-hunchun-road"], 4);
        let r = run(&trade, inputs.clone(), &d, |_| ControlFlow::Continue(()))
            .await
            .unwrap();
        assert!(r.synthetic);
        assert!(r.report.rerouted > 0.0, "the base uses Hunchun's crossings");
        assert!(r.teu_affected > 0.0 && r.value_affected_cny > 0.0, "{r:?}");
        assert!(!r.by_enterprise.is_empty(), "enterprises are named");
        assert!(
            r.by_enterprise
                .windows(2)
                .all(|w| w[0].value_cny >= w[1].value_cny)
        );
        let cities: f64 = r.by_city.iter().map(|c| c.value_cny).sum();
        assert!((cities - r.value_affected_cny).abs() < 1e-6 * r.value_affected_cny);
        assert!(r.value_stranded_cny <= r.value_affected_cny);
        // Every flow counted as hit really is, and the enterprises' trade is on such flows.
        assert!(
            r.report
                .flows
                .iter()
                .filter(|f| f.affected(TOLERANCE))
                .all(|f| f.drill_cost.is_none_or(|c| c > f.base_cost))
        );

        // Twice the weeks, twice the figures: the scaling is linear.
        let eight = run(
            &trade,
            inputs.clone(),
            &request(&["cn-ru-hunchun-rail", "cn-ru-hunchun-road"], 8),
            |_| ControlFlow::Continue(()),
        )
        .await
        .unwrap();
        assert!(
            (eight.value_affected_cny - 2.0 * r.value_affected_cny).abs()
                < 1e-6 * eight.value_affected_cny
        );
    }

    #[tokio::test]
    async fn a_crossing_no_flow_uses_affects_no_one() {
        let (_tmp, trade) = demo().await;
        let inputs = Arc::new(Inputs::defaults().unwrap());
        // Find a crossing the base assignment leaves unused by running a drill on it.
        let r = run(&trade, inputs, &request(&["cn-kp-quanhe"], 4), |_| {
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
        if r.report.rerouted == 0.0 {
            assert_eq!(r.value_affected_cny, 0.0, "{r:?}");
            assert!(r.by_enterprise.is_empty());
        } else {
            assert!(r.value_affected_cny > 0.0);
        }
    }

    #[test]
    fn requests_are_bounded() {
        let bad = |r: DrillRequest| Drill::parse(r).is_err();
        assert!(bad(DrillRequest::default()));
        assert!(bad(DrillRequest {
            close: vec!["x".into()],
            weeks: Some(0),
            ..Default::default()
        }));
        assert!(bad(DrillRequest {
            close: vec!["x".into()],
            weeks: Some(53),
            ..Default::default()
        }));
        assert!(bad(DrillRequest {
            close: vec!["x".repeat(101)],
            ..Default::default()
        }));
        assert!(bad(DrillRequest {
            close: vec!["x".into(); 51],
            ..Default::default()
        }));
        assert!(bad(DrillRequest {
            close: vec!["x".into()],
            year: Some(1800),
            ..Default::default()
        }));
        assert!(!bad(DrillRequest {
            close: vec!["珲春".into()],
            ..Default::default()
        }));
    }
}
