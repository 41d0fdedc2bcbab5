//! A route request as a person or a client writes it — place names, `30000USD`, `KP,suez` —
//! and its answer. The CLI and the API parse their input into a [`RouteRequest`] and call
//! [`plan`]; everything else (resolving names, building the shipment, choosing the
//! scenario) happens here, once.

use serde::{Deserialize, Serialize};

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

/// Most alternatives one request may ask for: each is a further search of the network.
pub const MAX_ALTERNATIVES: usize = 5;

/// A request resolved on a network: its places found, its shipment built and checked.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub from: u32,
    pub to: u32,
    pub shipment: Shipment,
}

/// `e` as the error of request field `field`.
fn on(field: &'static str) -> impl Fn(Error) -> Error {
    move |e| Error::Field {
        field,
        source: Box::new(e),
    }
}

fn invalid(field: &'static str, message: &str) -> Error {
    on(field)(Error::InvalidQuery(message.to_string()))
}

impl RouteRequest {
    /// Resolves the request on `net` once: both places, the shipment with every amount,
    /// mode, regime and avoid item checked. Every error is an [`Error::Field`] naming the
    /// request field it comes from (an ambiguous place keeps its candidates inside).
    pub fn resolve(&self, net: &Network) -> Result<Resolved, Error> {
        let place = |field: &'static str, q: &str| {
            if q.trim().is_empty() {
                return Err(invalid(field, "a place is required"));
            }
            net.resolve(q).map(|p| p.node).map_err(on(field))
        };
        let from = place("from", &self.from)?;
        let to = place("to", &self.to)?;
        for (field, v) in [("teu", self.teu), ("tonnes", self.tonnes)] {
            if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
                return Err(invalid(field, "must be a positive number"));
            }
        }
        for (field, v) in [
            (
                "value_of_time_cny_per_hour",
                self.value_of_time_cny_per_hour,
            ),
            ("carbon_cny_per_tonne", self.carbon_cny_per_tonne),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                return Err(invalid(field, "must be a non-negative number"));
            }
        }
        if self.month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(invalid("month", "must be 1-12"));
        }
        if self.alternatives > MAX_ALTERNATIVES {
            return Err(invalid(
                "alternatives",
                &format!("at most {MAX_ALTERNATIVES}"),
            ));
        }
        let shipment = self.shipment(net)?;
        Ok(Resolved { from, to, shipment })
    }

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

    /// The shipment this request describes, with names resolved on `net`; errors name the
    /// field.
    pub fn shipment(&self, net: &Network) -> Result<Shipment, Error> {
        let bad = |field: &'static str| move |m: String| on(field)(Error::InvalidQuery(m));
        let cargo: CargoClass = self.cargo.parse().map_err(bad("cargo"))?;
        let teu = match cargo {
            CargoClass::Container => self.teu.unwrap_or(1.0),
            _ => self.teu.unwrap_or(0.0),
        };
        let tonnes = self.tonnes.unwrap_or(match cargo {
            CargoClass::Container => teu * TONNES_PER_TEU,
            _ => 1.0,
        });
        let value = match &self.value {
            Some(v) => v.parse::<Cny>().map_err(bad("value"))?.0,
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
                .map_err(bad("modes"))?
        };
        let mut shipment = Shipment {
            cargo,
            teu,
            tonnes,
            value_cny: value,
            regime: self.regime.parse::<Regime>().map_err(bad("regime"))?,
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
            match Avoid::parse(item, net).map_err(on("avoid"))? {
                Avoid::Passage(p) => shipment.avoid_passages = shipment.avoid_passages.with(p),
                Avoid::Country(c) => shipment.avoid_countries.push(c),
                Avoid::Node(v) => shipment.avoid_nodes.push(v),
            }
        }
        // What is left to check concerns the shipment as a whole: its weight and value.
        shipment.check().map_err(on("tonnes"))?;
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
    let Resolved { from, to, shipment } = req.resolve(net)?;
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
