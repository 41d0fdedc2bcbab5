//! A route request as a person or a client writes it — place names, `30000USD`, `KP,suez` —
//! and its answer. The CLI and the API parse their input into a [`RouteRequest`] and call
//! [`plan`]; everything else (resolving names, building the shipment, choosing the
//! scenario) happens here, once.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::costing::{Cny, Shipment, TONNES_PER_TEU, Weights};
use crate::error::Error;
use crate::model::{CargoClass, Country, Mode, ModeSet, Regime, Set};
use crate::network::Network;
use crate::passage::{Passage, PassageSet};
use crate::routing::{Planner, Route};
use crate::scenario::Scenario;

/// What to route. Text fields take what people type: names in Chinese or English, UN/LOCODEs,
/// `LAT,LON`; amounts with a currency.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    pub from: String,
    pub to: String,
    #[serde(default = "default_cargo")]
    pub cargo: String,
    /// TEU, for containers.
    #[serde(default)]
    pub teu: Option<f64>,
    /// Tonnes; for containers defaults to [`TONNES_PER_TEU`] per TEU.
    #[serde(default)]
    pub tonnes: Option<f64>,
    /// Cargo value, e.g. `30000USD`; plain numbers are CNY.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default = "default_regime")]
    pub regime: String,
    /// Allowed modes (`road`, `rail`, `sea`, `air`, ...); empty: all.
    #[serde(default)]
    pub modes: Vec<String>,
    /// Countries (ISO codes), sea passages (`suez`, `panama`, `cape`, ...) and nodes to avoid.
    #[serde(default)]
    pub avoid: Vec<String>,
    /// Open the Arctic passages, closed by default.
    #[serde(default)]
    pub arctic: bool,
    #[serde(default)]
    pub month: Option<u8>,
    #[serde(default)]
    pub alternatives: usize,
    #[serde(default)]
    pub pareto: bool,
    #[serde(default)]
    pub value_of_time_cny_per_hour: Option<f64>,
    #[serde(default)]
    pub carbon_cny_per_tonne: Option<f64>,
    /// A scenario by name (see [`crate::defaults::Channels::plan`]); `None` or `base`: the
    /// network as it is. [`plan`] takes the scenario itself and ignores this field.
    #[serde(default)]
    pub scenario: Option<String>,
}

fn default_cargo() -> String {
    "container".into()
}

fn default_regime() -> String {
    "export".into()
}

impl RouteRequest {
    pub fn new(from: &str, to: &str) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
            cargo: default_cargo(),
            teu: None,
            tonnes: None,
            value: None,
            regime: default_regime(),
            modes: Vec::new(),
            avoid: Vec::new(),
            arctic: false,
            month: None,
            alternatives: 0,
            pareto: false,
            value_of_time_cny_per_hour: None,
            carbon_cny_per_tonne: None,
            scenario: None,
        }
    }

    /// The shipment this request describes, with names resolved on `net`.
    pub fn shipment(&self, net: &Network) -> Result<Shipment, Error> {
        let bad = |m: String| Error::InvalidQuery(m);
        let cargo: CargoClass = self.cargo.parse().map_err(bad)?;
        let teu = match cargo {
            CargoClass::Container => self.teu.unwrap_or(1.0),
            _ => self.teu.unwrap_or(0.0),
        };
        let tonnes = self.tonnes.unwrap_or(match cargo {
            CargoClass::Container => teu * TONNES_PER_TEU,
            _ => 1.0,
        });
        let value = match &self.value {
            Some(v) => v.parse::<Cny>().map_err(bad)?.0,
            None => 0.0,
        };
        let modes: ModeSet = if self.modes.is_empty() {
            Set::all()
        } else {
            self.modes
                .iter()
                .map(|m| m.parse::<Mode>())
                .collect::<Result<Vec<_>, _>>()
                .map(|v| Set::of(&v))
                .map_err(bad)?
        };
        let mut shipment = Shipment {
            cargo,
            teu,
            tonnes,
            value_cny: value,
            regime: self.regime.parse::<Regime>().map_err(bad)?,
            modes,
            avoid_countries: Vec::new(),
            avoid_nodes: Vec::new(),
            avoid_passages: if self.arctic {
                PassageSet::EMPTY
            } else {
                PassageSet::ARCTIC
            },
            month: self.month,
            weights: Weights {
                value_of_time_cny_per_hour: self.value_of_time_cny_per_hour,
                ..Weights::default()
            },
        };
        if let Some(c) = self.carbon_cny_per_tonne {
            shipment.weights.carbon_cny_per_tonne = c;
        }
        for item in self.avoid.iter().flat_map(|a| a.split(',')) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            match Avoid::parse(item, net)? {
                Avoid::Passage(p) => shipment.avoid_passages = shipment.avoid_passages.with(p),
                Avoid::Country(c) => shipment.avoid_countries.push(c),
                Avoid::Node(v) => shipment.avoid_nodes.push(v),
            }
        }
        shipment.check()?;
        Ok(shipment)
    }
}

/// One item of an avoid list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Avoid {
    Passage(Passage),
    Country(Country),
    Node(u32),
}

impl Avoid {
    /// A passage name first (`suez`, `cape`), then a two-letter country code, then a place.
    pub fn parse(item: &str, net: &Network) -> Result<Avoid, Error> {
        if let Ok(p) = item.parse::<Passage>() {
            return Ok(Avoid::Passage(p));
        }
        if let (2, Ok(c)) = (item.len(), item.parse::<Country>()) {
            return Ok(Avoid::Country(c));
        }
        Ok(Avoid::Node(net.resolve(item)?.node))
    }
}

/// The answer to a [`RouteRequest`].
#[derive(Debug, Clone, Serialize)]
pub struct RouteAnswer {
    pub from: String,
    pub to: String,
    pub scenario: Option<String>,
    /// The best route, then the alternatives; or the Pareto set when asked for.
    pub routes: Vec<Route>,
}

/// Resolves the request's places, builds its shipment and routes it on `net` under
/// `scenario`.
pub fn plan(
    net: &Network,
    scenario: Option<&Scenario>,
    req: &RouteRequest,
) -> Result<RouteAnswer, Error> {
    let from = net.resolve(&req.from)?.node;
    let to = net.resolve(&req.to)?.node;
    let shipment = req.shipment(net)?;
    let planner = Planner::new(net, &shipment, scenario);
    let routes = if req.pareto {
        planner.pareto(from, to)?
    } else {
        planner.alternatives(from, to, req.alternatives)?
    };
    Ok(RouteAnswer {
        from: net.node(from).id.clone(),
        to: net.node(to).id.clone(),
        scenario: scenario.map(|s| s.name.clone()),
        routes,
    })
}

/// The best route of one request under two scenarios (`None`: the network as it is).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: Option<String>,
    pub b: Option<String>,
    pub route_a: Option<Route>,
    pub route_b: Option<Route>,
    /// Why a side has no route.
    pub blocked_a: Option<String>,
    pub blocked_b: Option<String>,
}

pub fn compare(
    net: &Network,
    a: Option<&Scenario>,
    b: Option<&Scenario>,
    req: &RouteRequest,
) -> Result<Comparison, Error> {
    let mut single = req.clone();
    single.alternatives = 0;
    single.pareto = false;
    let side = |s: Option<&Scenario>| match plan(net, s, &single) {
        Ok(mut ans) => Ok((ans.routes.drain(..).next(), None)),
        Err(Error::NoRoute(why)) => Ok((None, Some(why.to_string()))),
        Err(e) => Err(e),
    };
    let (route_a, blocked_a) = side(a)?;
    let (route_b, blocked_b) = side(b)?;
    Ok(Comparison {
        a: a.map(|s| s.name.clone()),
        b: b.map(|s| s.name.clone()),
        route_a,
        route_b,
        blocked_a,
        blocked_b,
    })
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// A route in the published JSON shape:
/// `{"legs":[{"mode","from","to","km","hours","cost_cny","co2_kg"}],"total":{"km","hours","cost_cny","co2_kg"},"border_crossings":[...]}`.
pub fn route_json(r: &Route) -> Value {
    let legs: Vec<Value> = r
        .legs
        .iter()
        .map(|l| {
            json!({
                "mode": l.mode.tag(),
                "from": l.from,
                "to": l.to,
                "km": round(l.km, 1),
                "hours": round(l.hours, 1),
                "cost_cny": round(l.cost_cny, 0),
                "co2_kg": round(l.co2_kg, 1),
            })
        })
        .collect();
    let crossings: Vec<Value> = r
        .border_crossings
        .iter()
        .map(|c| {
            json!(format!(
                "{} ({}-{} {})",
                c.name, c.countries[0], c.countries[1], c.way
            ))
        })
        .collect();
    json!({
        "legs": legs,
        "total": {
            "km": round(r.total.km, 1),
            "hours": round(r.total.hours, 1),
            "cost_cny": round(r.total.cost_cny, 0),
            "co2_kg": round(r.total.co2_kg, 1),
        },
        "border_crossings": crossings,
    })
}

/// `{"routes": [...]}` in the published shape.
pub fn routes_json(routes: &[Route]) -> Value {
    json!({ "routes": routes.iter().map(route_json).collect::<Vec<_>>() })
}
