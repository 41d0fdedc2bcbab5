//! Channel dependence: how much of the province's container freight passes each border
//! crossing and seaport, and how full each is, from the base assignment of the container
//! demand derived from a year of trade records (the same demand a drill tests). A crossing
//! that carries most of the freight is a single point of failure; one near its capacity
//! cannot take the detours when another closes.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use kaifang_assign::study::Inputs;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::trade::{TradeData, freight_demand};

/// One crossing's or port's load.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GatewayLoad {
    /// Network node id.
    pub id: String,
    pub name: String,
    pub name_zh: String,
    /// `border_crossing` or `seaport`.
    pub kind: String,
    /// Assigned TEU per year.
    pub teu: f64,
    /// Of all the demand's TEU, percent.
    pub share_pct: f64,
    /// Value of the goods through it, yuan per year (each class at its mean value per TEU),
    /// and its share of the demand's value, percent.
    pub value_cny: f64,
    pub value_share_pct: f64,
    /// Assigned TEU over the annual capacity, percent; none without a known capacity.
    pub utilisation_pct: Option<f64>,
    /// If it closed (the criticality ranking's re-solve): the demand left without a route, as
    /// a percent of all TEU, and the rise of the total generalized cost of the freight still
    /// served, percent.
    pub closed_stranded_pct: f64,
    pub closed_cost_rise_pct: f64,
}

/// The gateways' loads of one year's demand.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GatewayLoads {
    /// The year of trade records the demand comes from.
    pub year: i32,
    pub demand: String,
    pub synthetic: bool,
    pub total_teu: f64,
    /// The busiest first.
    pub gateways: Vec<GatewayLoad>,
}

/// The year a channel reading is about: the latest complete year of records.
async fn year(trade: &TradeData) -> Option<i32> {
    let latest = trade.read().await.latest_period()?;
    Some(if latest.month == 12 {
        latest.year
    } else {
        latest.year - 1
    })
}

/// Assigns the container demand of the latest complete year; none when the trade store is
/// empty.
pub async fn loads(trade: &TradeData, base: Arc<Inputs>) -> AppResult<Option<GatewayLoads>> {
    let Some(year) = year(trade).await else {
        return Ok(None);
    };
    let demand = {
        let t = trade.read().await;
        freight_demand(&t, year).await?
    };
    tokio::task::spawn_blocking(move || {
        let mut inputs = Inputs::clone(&base);
        inputs.demand = demand.rows;
        inputs.demand_label = format!("container demand derived from the {}", demand.label);
        inputs.synthetic = demand.synthetic;
        let report = kaifang_assign::study::assign(
            &inputs,
            None,
            &kaifang_assign::study::default_options(),
            &mut |_| ControlFlow::Continue(()),
        )?;
        let total_teu: f64 = inputs.demand.iter().map(|d| d.amount).sum();
        let total_value: f64 = inputs
            .demand
            .iter()
            .map(|d| d.amount * d.value_cny_per_unit)
            .sum();
        // Each used gateway closed in turn: the criticality ranking, on these few elements.
        let used: Vec<String> = report
            .nodes
            .iter()
            .filter(|n| (n.kind == "border_crossing" || n.kind == "seaport") && n.volume > 0.0)
            .map(|n| n.id.clone())
            .collect();
        let ranking = if used.is_empty() {
            Vec::new()
        } else {
            kaifang_assign::study::critical(
                &inputs,
                None,
                kaifang_assign::study::Which::Nodes,
                &used,
                &kaifang_assign::study::default_options(),
                &mut |_, _| ControlFlow::Continue(()),
            )?
        };
        let pct = |x: f64, of: f64| if of > 0.0 { 100.0 * x / of } else { 0.0 };
        let mut gateways: Vec<GatewayLoad> = report
            .nodes
            .iter()
            .filter(|n| used.contains(&n.id))
            .map(|n| {
                let closed = ranking.iter().find(|i| i.element.id == n.id);
                GatewayLoad {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    name_zh: n.name_zh.clone(),
                    kind: n.kind.clone(),
                    teu: n.volume,
                    value_cny: n.value_cny,
                    value_share_pct: pct(n.value_cny, total_value),
                    share_pct: if total_teu > 0.0 {
                        100.0 * n.volume / total_teu
                    } else {
                        0.0
                    },
                    utilisation_pct: n.capacity.is_finite().then_some(100.0 * n.utilisation),
                    closed_stranded_pct: closed.map_or(0.0, |i| pct(i.unserved, total_teu)),
                    closed_cost_rise_pct: closed
                        .map_or(0.0, |i| pct(i.cost_change, report.total_cost)),
                }
            })
            .collect();
        gateways.sort_by(|a, b| b.teu.total_cmp(&a.teu));
        Ok(Some(GatewayLoads {
            year,
            demand: inputs.demand_label,
            synthetic: inputs.synthetic,
            total_teu,
            gateways,
        }))
    })
    .await
    .map_err(AppError::from)?
}

/// The loads of one trade generation, computed once. Cheap to clone; clones share.
#[derive(Clone, Default)]
pub struct LoadCache(Arc<Mutex<Option<Held>>>);

/// The trade generation the loads were computed for, and the loads (none: no records).
type Held = (u64, Option<Arc<GatewayLoads>>);

impl LoadCache {
    pub async fn get(
        &self,
        trade: &TradeData,
        base: Arc<Inputs>,
    ) -> AppResult<Option<Arc<GatewayLoads>>> {
        let generation = trade.read().await.manifest().generation;
        if let Some((g, l)) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && *g == generation
        {
            return Ok(l.clone());
        }
        let l = loads(trade, base).await?.map(Arc::new);
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((generation, l.clone()));
        Ok(l)
    }
}
