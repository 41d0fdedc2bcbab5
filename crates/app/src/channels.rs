//! Route planning on the open-channels network, with one answer shape for the command line
//! (`kaifang route --format json`) and the API (`POST /api/channels/route`, `/compare`).
//!
//! An unreachable destination is a valid question with an answer: no routes, and
//! `unreachable` saying what blocks it. A request that cannot be a question (an unknown or
//! ambiguous place, an unknown cargo class, a negative quantity) is an [`AppError::Field`]
//! naming the request field; the engine's `RouteRequest::resolve` decides which.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use kaifang_channels::defaults::Channels;
use kaifang_channels::network::Network;
use kaifang_channels::query::RouteRequest;
use kaifang_channels::routing::Route;
use kaifang_channels::{Blockage, Error as ChannelsError};
use serde::Serialize;
use serde_json::json;

use crate::error::{AppError, AppResult};

/// The default freight network and its scenarios, loaded once on first use and shared.
#[derive(Clone, Default)]
pub struct ChannelsCell(Arc<OnceLock<Result<Arc<Channels>, String>>>);

impl ChannelsCell {
    pub fn get(&self) -> AppResult<Arc<Channels>> {
        self.0
            .get_or_init(|| {
                Channels::load()
                    .map(Arc::new)
                    .map_err(|e| format!("the default freight network does not load: {e}"))
            })
            .clone()
            .map_err(AppError::Internal)
    }
}

/// A node named in an answer, in both languages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceRef {
    pub id: String,
    pub name: String,
    pub name_zh: String,
}

/// One leg of a route: a run of links of one mode.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LegView {
    /// `road`, `rail`, `sea`, `air`, ...
    pub mode: String,
    pub from: String,
    pub to: String,
    pub from_zh: String,
    pub to_zh: String,
    pub km: f64,
    pub hours: f64,
    pub cost_cny: f64,
    pub co2_kg: f64,
    /// The links of the leg, by id.
    pub links: Vec<String>,
}

/// A GeoJSON LineString of `[lon, lat]` points.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineString {
    /// Always `LineString`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub coordinates: Vec<[f64; 2]>,
}

/// A route's totals.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub km: f64,
    pub hours: f64,
    pub cost_cny: f64,
    pub co2_kg: f64,
    /// Charges plus the money value of time, CO2 and unreliability: what the search minimises.
    pub generalized_cny: f64,
    pub wait_hours: f64,
    pub clearance_hours: f64,
}

/// A border crossing a route passes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Crossing {
    /// The crossing's node id.
    pub node: String,
    pub name: String,
    pub name_zh: String,
    /// ISO codes of the two countries.
    pub countries: [String; 2],
    /// `road` or `rail`.
    pub way: String,
    pub clearance_hours: f64,
}

/// A planned route.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteView {
    pub legs: Vec<LegView>,
    pub total: Totals,
    /// The border crossings passed.
    pub border_crossings: Vec<Crossing>,
    /// The crossings, seaports and airports passed.
    pub corridor: Vec<String>,
    /// Node ids from origin to destination.
    pub nodes: Vec<String>,
    /// ISO codes of the countries the route passes through.
    pub countries: BTreeSet<String>,
    pub geometry: LineString,
}

/// A restriction that blocks every route.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Blocker {
    /// `status`, `avoided countries`, `avoided nodes`, `avoided passages`, `customs regime`,
    /// `modes and cargo class`, `several restrictions together`, or for a sea route the
    /// blocked passage or the unreachable end.
    pub restriction: String,
    /// What of the route it forbids (ids, codes, passages).
    pub elements: Vec<String>,
}

/// Why no route exists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Blocked {
    pub message: String,
    /// What blocks it: each restriction that, lifted alone, lets a route through.
    pub blocked_by: Vec<Blocker>,
}

/// The answer to a route request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoutePlan {
    pub from: PlaceRef,
    pub to: PlaceRef,
    /// The scenario the routes were planned under (`null`: the network as it is).
    pub scenario: Option<String>,
    /// The best route, then the alternatives; or the Pareto set when asked for.
    pub routes: Vec<RouteView>,
    /// Set when there is no route, saying what blocks it.
    pub unreachable: Option<Blocked>,
}

/// Differences of the second route against the first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Difference {
    pub cost_cny: f64,
    pub hours: f64,
    pub co2_kg: f64,
}

/// The best route of one shipment under two scenarios.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteComparison {
    /// The first scenario (`base`: the network as it is).
    pub a: String,
    pub b: String,
    pub route_a: Option<RouteView>,
    pub route_b: Option<RouteView>,
    /// Why a side has no route.
    pub blocked_a: Option<String>,
    pub blocked_b: Option<String>,
    /// b − a, when both get through.
    pub difference: Option<Difference>,
}

/// A channels error as the caller's fault on the field it names, when it is one.
fn field_error(default_field: &'static str, e: ChannelsError) -> AppError {
    let (field, e) = match e {
        ChannelsError::Field { field, source } => (field, *source),
        other => (default_field, other),
    };
    match e {
        ChannelsError::AmbiguousPlace { query, candidates } => AppError::field(
            field,
            format!(
                "{query:?} matches several places: {}",
                candidates.join("; ")
            ),
        )
        .with_details(json!({ "candidates": candidates })),
        e @ (ChannelsError::UnknownPlace(_)
        | ChannelsError::InvalidQuery(_)
        | ChannelsError::Scenario { .. }) => AppError::field(field, e),
        other => AppError::Channels(other),
    }
}

/// Plans `req` (under the scenario it names) on `ch`.
pub fn plan(ch: &Channels, req: &RouteRequest) -> AppResult<RoutePlan> {
    let net = &ch.network;
    let ends = req.resolve(net).map_err(|e| field_error("request", e))?;
    ch.scenario(req.scenario.as_deref())
        .map_err(|e| field_error("scenario", e))?;
    let (from, to) = (place(net, ends.from), place(net, ends.to));
    let (routes, unreachable) = match ch.plan(req) {
        Ok(a) => (a.routes.iter().map(|r| view(net, r)).collect(), None),
        Err(e) => (Vec::new(), Some(blocked(e)?)),
    };
    Ok(RoutePlan {
        from,
        to,
        scenario: req.scenario.clone().filter(|s| s != "base"),
        routes,
        unreachable,
    })
}

/// The best route of `req` under scenario `a` and under `b` (`None` or `base`: the network
/// as it is). The request's own scenario, alternatives and Pareto flag are ignored.
pub fn compare(
    ch: &Channels,
    req: &RouteRequest,
    a: Option<&str>,
    b: Option<&str>,
) -> AppResult<RouteComparison> {
    let name = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("base")
            .to_string()
    };
    let (a, b) = (name(a), name(b));
    ch.scenario(Some(&a))
        .map_err(|e| field_error("scenario_a", e))?;
    ch.scenario(Some(&b))
        .map_err(|e| field_error("scenario_b", e))?;
    let mut single = req.clone();
    single.alternatives = 0;
    single.pareto = false;
    single.scenario = Some(a.clone()).filter(|s| s != "base");
    single
        .resolve(&ch.network)
        .map_err(|e| field_error("request", e))?;
    let c = ch
        .compare(&single, &b)
        .map_err(|e| field_error("request", e))?;
    let net = &ch.network;
    let difference = match (&c.route_a, &c.route_b) {
        (Some(x), Some(y)) => Some(Difference {
            cost_cny: y.total.cost_cny - x.total.cost_cny,
            hours: y.total.hours - x.total.hours,
            co2_kg: y.total.co2_kg - x.total.co2_kg,
        }),
        _ => None,
    };
    Ok(RouteComparison {
        a,
        b,
        route_a: c.route_a.as_ref().map(|r| view(net, r)),
        route_b: c.route_b.as_ref().map(|r| view(net, r)),
        blocked_a: c.blocked_a,
        blocked_b: c.blocked_b,
        difference,
    })
}

fn place(net: &Network, node: u32) -> PlaceRef {
    let n = net.node(node);
    PlaceRef {
        id: n.id.clone(),
        name: n.name.clone(),
        name_zh: n.name_zh.clone(),
    }
}

/// A route with Chinese names on its legs, the countries it passes, and its line.
pub fn view(net: &Network, r: &Route) -> RouteView {
    let zh = |name: &str| {
        net.nodes()
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.name_zh.clone())
            .unwrap_or_default()
    };
    let legs = r
        .legs
        .iter()
        .map(|l| LegView {
            mode: l.mode.tag().to_string(),
            from: l.from.clone(),
            to: l.to.clone(),
            from_zh: zh(&l.from),
            to_zh: zh(&l.to),
            km: l.km,
            hours: l.hours,
            cost_cny: l.cost_cny,
            co2_kg: l.co2_kg,
            links: l.links.clone(),
        })
        .collect();
    let mut countries = BTreeSet::new();
    for id in &r.nodes {
        if let Some(n) = net.node_index(id).map(|i| net.node(i)) {
            match n.kind.crossing() {
                Some(x) => {
                    countries.insert(x.countries.0.to_string());
                    countries.insert(x.countries.1.to_string());
                }
                None => {
                    countries.insert(n.country.to_string());
                }
            }
        }
    }
    let mut line: Vec<[f64; 2]> = r.geometry.iter().map(|p| [p.lon, p.lat]).collect();
    // A route within one place is a point; a LineString needs two.
    if let [only] = line[..] {
        line.push(only);
    }
    let t = r.total;
    RouteView {
        legs,
        total: Totals {
            km: t.km,
            hours: t.hours,
            cost_cny: t.cost_cny,
            co2_kg: t.co2_kg,
            generalized_cny: t.generalized_cny,
            wait_hours: t.wait_hours,
            clearance_hours: t.clearance_hours,
        },
        border_crossings: r
            .border_crossings
            .iter()
            .map(|c| Crossing {
                node: c.node.clone(),
                name: c.name.clone(),
                name_zh: c.name_zh.clone(),
                countries: c.countries.clone(),
                way: c.way.tag().to_string(),
                clearance_hours: c.clearance_hours,
            })
            .collect(),
        corridor: r.corridor.clone(),
        nodes: r.nodes.clone(),
        countries,
        geometry: LineString {
            kind: "LineString",
            coordinates: line,
        },
    }
}

/// The answer to "why no route?", or the error when the failure is not about the route.
fn blocked(e: ChannelsError) -> AppResult<Blocked> {
    match e {
        ChannelsError::NoRoute(why) => Ok(Blocked {
            message: why.to_string(),
            blocked_by: why
                .blocked_by
                .iter()
                .map(|b| Blocker {
                    restriction: b.restriction.to_string(),
                    elements: b.elements.clone(),
                })
                .collect(),
        }),
        ChannelsError::Unreachable(u) => Ok(Blocked {
            message: u.to_string(),
            blocked_by: vec![match u.cause {
                Blockage::Passages { blocking, .. } => Blocker {
                    restriction: "avoided passages".into(),
                    elements: blocking.iter().map(|p| p.to_string()).collect(),
                },
                Blockage::Disconnected { .. } => Blocker {
                    restriction: "no lane connects the ends".into(),
                    elements: Vec::new(),
                },
            }],
        }),
        e @ (ChannelsError::Field { .. } | ChannelsError::InvalidQuery(_)) => {
            Err(field_error("regime", e))
        }
        other => Err(AppError::Channels(other)),
    }
}
