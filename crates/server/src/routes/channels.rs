//! Open channels: the freight network for the map, place search, route planning and
//! scenario comparison. Every logged-in role may read and route; nothing here writes.
//!
//! The answers come from `kaifang_channels` (the default network in `data/channels`, loaded
//! once per process); the handlers parse, call `Channels::plan` or `compare`, and shape.
//!
//! An unreachable destination is a valid question with an answer: `200` with no routes and
//! `unreachable` saying what blocks it. `422` is kept for input that cannot be a question
//! (an unknown or ambiguous place, an unknown cargo class, a negative quantity), and names
//! the field in `details.field`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kaifang_channels::defaults::Channels;
use kaifang_channels::formats::geojson;
use kaifang_channels::network::Network;
use kaifang_channels::query::RouteRequest;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Lang, ListQuery, OutputFormat, Table};
use kaifang_app::channels::{RouteComparison, RoutePlan};

/// Most places one search returns.
const MAX_PLACES: usize = 20;

fn channels(state: &AppState) -> ApiResult<Arc<Channels>> {
    Ok(state.channels.get()?)
}

// ---------------------------------------------------------------- network

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NetworkTable {
    #[default]
    Nodes,
    Links,
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct NetworkQuery {
    /// `json` (GeoJSON, default) or `xlsx` (the node or link table).
    pub format: Option<OutputFormat>,
    /// With `format=xlsx`: `nodes` (default) or `links`.
    pub table: Option<NetworkTable>,
    /// Language of the spreadsheet's headers: `zh` or `en` (default: from Accept-Language).
    pub lang: Option<Lang>,
}

fn node_table(net: &Network) -> Table {
    Table {
        name: "channel-nodes",
        headers: &[
            ("编号", "Id"),
            ("名称", "Name"),
            ("中文名称", "Chinese name"),
            ("类型", "Kind"),
            ("国家", "Country"),
            ("UN/LOCODE", "UN/LOCODE"),
            ("经度", "Longitude"),
            ("纬度", "Latitude"),
            ("口岸国家", "Crossing countries"),
            ("口岸方式", "Crossing way"),
            ("通关小时", "Clearance hours"),
            ("状态", "Status"),
            ("来源", "Source"),
        ],
        rows: net
            .nodes()
            .iter()
            .map(|n| {
                let x = n.kind.crossing();
                vec![
                    n.id.as_str().into(),
                    n.name.as_str().into(),
                    n.name_zh.as_str().into(),
                    n.kind.tag().into(),
                    n.country.as_str().into(),
                    n.locode.clone().into(),
                    n.position.lon.into(),
                    n.position.lat.into(),
                    x.map(|x| format!("{}-{}", x.countries.0, x.countries.1))
                        .into(),
                    x.map(|x| x.way.tag()).into(),
                    x.map(|x| x.clearance_hours).into(),
                    n.status.to_string().into(),
                    n.source.as_str().into(),
                ]
            })
            .collect(),
    }
}

fn link_table(net: &Network) -> Table {
    Table {
        name: "channel-links",
        headers: &[
            ("编号", "Id"),
            ("起点", "From"),
            ("终点", "To"),
            ("方式", "Mode"),
            ("里程 (km)", "Length (km)"),
            ("运行小时", "Moving hours"),
            ("每TEU运价 (元)", "Tariff per TEU (CNY)"),
            ("每吨运价 (元)", "Tariff per tonne (CNY)"),
            ("固定费用 (元)", "Fixed charge (CNY)"),
            ("每周班次", "Departures per week"),
            ("每周运力", "Capacity per week"),
            ("CO2 (g/吨公里)", "CO2 (g per t-km)"),
            ("状态", "Status"),
            ("来源", "Source"),
            ("时间来源", "Time source"),
            ("运价来源", "Tariff source"),
        ],
        rows: net
            .links()
            .iter()
            .map(|l| {
                vec![
                    l.id.as_str().into(),
                    net.node(l.from).id.as_str().into(),
                    net.node(l.to).id.as_str().into(),
                    l.mode.tag().into(),
                    l.length_km.into(),
                    l.hours.get().into(),
                    l.tariff.per_teu.into(),
                    l.tariff.per_tonne.into(),
                    l.tariff.fixed.into(),
                    l.departures_per_week.into(),
                    l.capacity_per_week.into(),
                    l.co2_g_per_tkm.into(),
                    l.status.to_string().into(),
                    l.source.as_str().into(),
                    l.time_source.as_str().into(),
                    l.tariff_source.as_str().into(),
                ]
            })
            .collect(),
    }
}

/// The default freight network as a GeoJSON FeatureCollection: a Point per node and a
/// LineString per link, their properties the columns of the network files (mode, status,
/// tariffs, sources; `feature` is `node` or `link`). `?format=xlsx&table=nodes|links` for
/// the tables as Excel.
#[utoipa::path(get, path = "/api/channels/network", tag = "channels", params(NetworkQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection, or an .xlsx file", content(
        (crate::openapi::FeatureCollection = "application/json"),
        ([u8] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorBody)))]
pub async fn network(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<NetworkQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ch = channels(&state)?;
    match q.format.unwrap_or_default() {
        OutputFormat::Json => {
            let doc = geojson::write(&ch.network).map_err(ApiError::internal)?;
            Ok(Json(doc).into_response())
        }
        OutputFormat::Xlsx => {
            let list = ListQuery {
                format: Some(OutputFormat::Xlsx),
                lang: q.lang,
                limit: None,
            };
            let net = &ch.network;
            let t = match q.table.unwrap_or_default() {
                NetworkTable::Nodes => node_table(net),
                NetworkTable::Links => link_table(net),
            };
            table::respond(&list, &headers, vec![()], |_| t)
        }
    }
}

// ---------------------------------------------------------------- places

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PlaceQuery {
    /// Part of a name in Chinese or English, a UN/LOCODE or a node id; empty: the cities
    /// and gateways first.
    #[serde(default)]
    pub q: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaceItem {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    /// `city`, `seaport`, `rail_terminal`, `dry_port`, `airport`, `border_crossing`, `transfer_hub`.
    pub kind: &'static str,
    pub country: String,
    pub locode: Option<String>,
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaceList {
    pub items: Vec<PlaceItem>,
}

/// Places of the network matching `q` (Chinese or English name, UN/LOCODE, node id), exact
/// matches first, at most 20: what the route planner's inputs offer.
#[utoipa::path(get, path = "/api/channels/places", tag = "channels", params(PlaceQuery),
    responses((status = 200, body = PlaceList), (status = 401, body = ErrorBody)))]
pub async fn places(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<PlaceQuery>,
) -> ApiResult<Json<PlaceList>> {
    let ch = channels(&state)?;
    let query = q.q.trim();
    let lower = query.to_lowercase();
    let mut hits: Vec<(u8, usize)> = ch
        .network
        .nodes()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let locode = n.locode.as_deref().unwrap_or("");
            let rank = if query.is_empty() {
                // Cities first, then the rest, in file order.
                if n.kind.tag() == "city" { 1 } else { 2 }
            } else if n.name_zh == query
                || n.name.eq_ignore_ascii_case(query)
                || locode.eq_ignore_ascii_case(query)
                || n.id.eq_ignore_ascii_case(query)
            {
                0
            } else if n.name_zh.starts_with(query) || n.name.to_lowercase().starts_with(&lower) {
                1
            } else if n.name_zh.contains(query)
                || n.name.to_lowercase().contains(&lower)
                || locode.to_lowercase().contains(&lower)
                || n.id.contains(&lower)
            {
                2
            } else {
                return None;
            };
            Some((rank, i))
        })
        .collect();
    hits.sort();
    let items = hits
        .into_iter()
        .take(MAX_PLACES)
        .map(|(_, i)| {
            let n = &ch.network.nodes()[i];
            PlaceItem {
                id: n.id.clone(),
                name: n.name.clone(),
                name_zh: n.name_zh.clone(),
                kind: n.kind.tag(),
                country: n.country.to_string(),
                locode: n.locode.clone(),
                lon: n.position.lon,
                lat: n.position.lat,
            }
        })
        .collect();
    Ok(Json(PlaceList { items }))
}

// ---------------------------------------------------------------- route

/// A cargo value: a number (CNY) or text with its currency (`30000USD`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Amount {
    Cny(f64),
    Text(String),
}

/// A shipment to route. Places take Chinese or English names, UN/LOCODEs, node ids or
/// `LAT,LON` (snapped to the nearest node).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteBody {
    pub from: String,
    pub to: String,
    /// `container` (default), `bulk` or `air`.
    pub cargo: Option<String>,
    /// TEU, for containers (default 1).
    pub teu: Option<f64>,
    /// Tonnes (default 12 per TEU for containers, 1 otherwise).
    pub tonnes: Option<f64>,
    /// Cargo value in CNY; it sets the value of time.
    pub value_cny: Option<f64>,
    /// Cargo value as a number (CNY) or with its currency, e.g. `"30000USD"`; instead of `value_cny`.
    pub value: Option<Amount>,
    /// `export` (default), `import`, `transit` (domestic-trade goods across foreign territory) or `domestic`.
    pub regime: Option<String>,
    /// Allowed modes (`road`, `rail`, `sea`, `air`, ...); empty: all.
    #[serde(default)]
    pub modes: Vec<String>,
    /// Countries (ISO codes), sea passages (`suez`, `panama`, `cape`, ...) and places to avoid.
    #[serde(default)]
    pub avoid: Vec<String>,
    /// Open the Arctic passages (closed by default).
    #[serde(default)]
    pub arctic: bool,
    /// Month of travel, 1-12, for seasonal links.
    pub month: Option<u8>,
    /// Alternatives through other corridors besides the best route, 0-5.
    #[serde(default)]
    pub alternatives: usize,
    /// The Pareto set over cost, time and CO2 instead of alternatives.
    #[serde(default)]
    pub pareto: bool,
    /// A scenario by name (see `/api/channels/scenarios`); absent or `base`: the network as it is.
    pub scenario: Option<String>,
    /// CNY per hour of the shipment's time (default: from its value).
    pub value_of_time_cny_per_hour: Option<f64>,
    /// CNY per tonne of CO2 (default 100).
    pub carbon_cny_per_tonne: Option<f64>,
}

/// Parses each field on its own, so that a refusal names the field.
/// The request as the engine reads it: `value` takes a number (yuan) or text with a
/// currency (`30000USD`), `value_cny` a number; everything else is checked by
/// `RouteRequest::resolve`, which names the field.
fn to_request(b: &RouteBody) -> ApiResult<RouteRequest> {
    let value = match (&b.value, b.value_cny) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "value",
                "give value or value_cny, not both",
            ));
        }
        (Some(Amount::Cny(v)), None) => {
            if !(v.is_finite() && *v >= 0.0) {
                return Err(ApiError::field("value", "must be a non-negative amount"));
            }
            Some(v.to_string())
        }
        (Some(Amount::Text(t)), None) => Some(t.clone()),
        (None, Some(v)) => {
            if !(v.is_finite() && v >= 0.0) {
                return Err(ApiError::field(
                    "value_cny",
                    "must be a non-negative amount",
                ));
            }
            Some(v.to_string())
        }
        (None, None) => None,
    };
    let mut req = RouteRequest::new(&b.from, &b.to);
    if let Some(c) = &b.cargo {
        req.cargo = c.clone();
    }
    if let Some(r) = &b.regime {
        req.regime = r.clone();
    }
    req.teu = b.teu;
    req.tonnes = b.tonnes;
    req.value = value;
    req.modes = b.modes.clone();
    req.avoid = b.avoid.clone();
    req.arctic = b.arctic;
    req.month = b.month;
    req.alternatives = b.alternatives;
    req.pareto = b.pareto;
    req.scenario = b.scenario.clone().filter(|s| s != "base");
    req.value_of_time_cny_per_hour = b.value_of_time_cny_per_hour;
    req.carbon_cny_per_tonne = b.carbon_cny_per_tonne;
    Ok(req)
}

/// Routes a shipment: the best route and up to `alternatives` through other corridors, or
/// with `pareto` the Pareto set over cost, time and CO2. Each route has its legs (mode, from,
/// to, km, hours, cost_cny, co2_kg), totals, border crossings, the countries it passes and its
/// line as GeoJSON. When nothing gets through, `routes` is empty and `unreachable` says what
/// blocks it (status 200: the question was valid). 422 names the field of bad input.
#[utoipa::path(post, path = "/api/channels/route", tag = "channels", request_body = RouteBody,
    responses((status = 200, body = RoutePlan),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn route(
    State(state): State<AppState>,
    _caller: Caller,
    JsonBody(body): JsonBody<RouteBody>,
) -> ApiResult<Json<RoutePlan>> {
    let ch = state.channels.get()?;
    let req = to_request(&body)?;
    Ok(Json(kaifang_app::channels::plan(&ch, &req)?))
}

// ---------------------------------------------------------------- scenarios

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScenarioItem {
    pub name: String,
    pub description: String,
    /// How many elements the scenario edits.
    pub edits: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScenarioList {
    pub items: Vec<ScenarioItem>,
}

/// The named scenarios of the default network (`base`, the network as it is, is implied).
#[utoipa::path(get, path = "/api/channels/scenarios", tag = "channels",
    responses((status = 200, body = ScenarioList), (status = 401, body = ErrorBody)))]
pub async fn scenarios(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<ScenarioList>> {
    let ch = channels(&state)?;
    let items = ch
        .scenarios
        .iter()
        .map(|s| ScenarioItem {
            name: s.name.clone(),
            description: s.description.clone(),
            edits: s.edit_count(),
        })
        .collect();
    Ok(Json(ScenarioList { items }))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareBody {
    /// The shipment; its `scenario`, `alternatives` and `pareto` are ignored.
    pub request: RouteBody,
    /// Absent or `base`: the network as it is.
    pub scenario_a: Option<String>,
    pub scenario_b: Option<String>,
}

/// The best route of one shipment under two scenarios, with the difference (b − a) in cost,
/// hours and CO2 when both get through; a side with no route says why in `blocked_a`/`blocked_b`.
#[utoipa::path(post, path = "/api/channels/compare", tag = "channels", request_body = CompareBody,
    responses((status = 200, body = RouteComparison),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compare(
    State(state): State<AppState>,
    _caller: Caller,
    JsonBody(body): JsonBody<CompareBody>,
) -> ApiResult<Json<RouteComparison>> {
    let ch = state.channels.get()?;
    let req = to_request(&body.request)?;
    Ok(Json(kaifang_app::channels::compare(
        &ch,
        &req,
        body.scenario_a.as_deref(),
        body.scenario_b.as_deref(),
    )?))
}
