//! What moving a shipment over a link costs: charges, time (moving, the scheduled wait for a
//! departure, border clearance), CO2, and the generalized cost that weighs them together:
//!
//! ```text
//! generalized = charges + value_of_time × hours + carbon_price × t CO2 + value_of_time × reliability_weight × delay_sd
//! ```
//!
//! All terms are additive over links, so the cheapest route in generalized cost is a
//! shortest path. The reliability term adds up the links' delay standard deviations, an
//! upper bound on the route's (which would add variances); it penalises unreliable links
//! without breaking additivity.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;
use crate::model::{CargoClass, Country, Link, ModeSet, Node, NodeKind, Regime, Set, Status};
use crate::network::Arc;
use crate::passage::PassageSet;
use crate::scenario::Scenario;

/// Exchange rates to CNY for the currencies a value may be typed in. Estimates: rounded
/// averages of 2025 reference rates, good enough to weigh time against money.
pub const CNY_PER: [(&str, f64); 6] = [
    ("CNY", 1.0),
    ("USD", 7.1),
    ("EUR", 8.0),
    ("RUB", 0.085),
    ("KRW", 0.0051),
    ("JPY", 0.048),
];

/// An amount of money converted to CNY, parsed from `30000USD`, `30000 USD`, `2e5` (CNY) or
/// `CNY 1000`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cny(pub f64);

impl FromStr for Cny {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().replace([',', '_'], "");
        let upper = t.to_ascii_uppercase();
        let (number, rate) = CNY_PER
            .iter()
            .find_map(|(code, rate)| {
                upper
                    .strip_suffix(code)
                    .or_else(|| upper.strip_prefix(code))
                    .map(|n| (n.trim().to_string(), *rate))
            })
            .unwrap_or((upper.clone(), 1.0));
        let v: f64 = number
            .parse()
            .map_err(|_| format!("{s:?} is not an amount (e.g. 30000USD, 200000CNY, 25000EUR)"))?;
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!("{s:?}: an amount must be a non-negative number"));
        }
        Ok(Cny(v * rate))
    }
}

impl fmt::Display for Cny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.0} CNY", self.0)
    }
}

/// How the terms of the generalized cost are weighed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// CNY per hour of a shipment's time; `None` derives it from the cargo value.
    pub value_of_time_cny_per_hour: Option<f64>,
    /// Share of the cargo value lost per year in transit (capital, obsolescence), for the
    /// derived value of time. 0.15 is an estimate typical of manufactured goods.
    pub annual_holding_rate: f64,
    /// CNY per tonne CO2e. Estimate: the order of China's national carbon market prices in
    /// 2024–2025 (about 100 CNY/t).
    pub carbon_cny_per_tonne: f64,
    /// Hours of value of time charged per hour of delay standard deviation.
    pub reliability: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            value_of_time_cny_per_hour: None,
            annual_holding_rate: 0.15,
            carbon_cny_per_tonne: 100.0,
            reliability: 1.0,
        }
    }
}

/// What is to be moved, under which regime, and what the route must avoid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shipment {
    pub cargo: CargoClass,
    /// Twenty-foot equivalent units (containers); 0 for bulk and air freight.
    pub teu: f64,
    /// Gross weight of the goods, tonnes; the CO2 of a link is per tonne-km.
    pub tonnes: f64,
    pub value_cny: f64,
    pub regime: Regime,
    pub modes: ModeSet,
    pub avoid_countries: Vec<Country>,
    /// Node indices the route must not pass.
    pub avoid_nodes: Vec<u32>,
    pub avoid_passages: PassageSet,
    /// Month of travel (1–12) for seasonal links; `None`: a typical season.
    pub month: Option<u8>,
    pub weights: Weights,
}

/// Average payload of a loaded TEU, tonnes; an estimate used when a container shipment
/// gives no weight (loaded TEUs in Chinese foreign trade carry roughly 10–14 t).
pub const TONNES_PER_TEU: f64 = 12.0;

impl Shipment {
    /// A container shipment of `teu` TEU worth `value_cny`, exported, all modes allowed,
    /// the Arctic passages avoided (ordinary container ships cannot use them most of the year).
    pub fn containers(teu: f64, value_cny: f64) -> Shipment {
        Shipment {
            cargo: CargoClass::Container,
            teu,
            tonnes: teu * TONNES_PER_TEU,
            value_cny,
            regime: Regime::Export,
            modes: Set::all(),
            avoid_countries: Vec::new(),
            avoid_nodes: Vec::new(),
            avoid_passages: PassageSet::ARCTIC,
            month: None,
            weights: Weights::default(),
        }
    }

    /// Checks the numbers a person typed: quantities positive and finite.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::InvalidQuery(m.to_string()));
        if !(self.tonnes.is_finite() && self.tonnes > 0.0) {
            return bad("the shipment needs a positive weight in tonnes");
        }
        if self.cargo == CargoClass::Container && !(self.teu.is_finite() && self.teu > 0.0) {
            return bad("a container shipment needs a positive number of TEU");
        }
        if !(self.value_cny.is_finite() && self.value_cny >= 0.0) {
            return bad("the cargo value must be a non-negative amount");
        }
        if self.month.is_some_and(|m| !(1..=12).contains(&m)) {
            return bad("the month must be 1-12");
        }
        let w = &self.weights;
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !(ok(w.annual_holding_rate)
            && ok(w.carbon_cny_per_tonne)
            && ok(w.reliability)
            && w.value_of_time_cny_per_hour.is_none_or(ok))
        {
            return bad("weights must be non-negative numbers");
        }
        if self.modes.is_empty() {
            return bad("no mode is allowed");
        }
        Ok(())
    }

    pub fn value_of_time(&self) -> f64 {
        self.weights
            .value_of_time_cny_per_hour
            .unwrap_or(self.value_cny * self.weights.annual_holding_rate / 8760.0)
    }
}

/// The cost of one arc (and of the node it enters) for a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ArcCost {
    pub km: f64,
    /// Moving time plus the expected wait for a departure plus clearance at the node entered.
    pub hours: f64,
    pub wait_hours: f64,
    pub clearance_hours: f64,
    pub charges_cny: f64,
    pub co2_kg: f64,
    pub delay_sd_hours: f64,
    pub generalized: f64,
}

impl ArcCost {
    pub fn add(&mut self, o: &ArcCost) {
        self.km += o.km;
        self.hours += o.hours;
        self.wait_hours += o.wait_hours;
        self.clearance_hours += o.clearance_hours;
        self.charges_cny += o.charges_cny;
        self.co2_kg += o.co2_kg;
        self.delay_sd_hours += o.delay_sd_hours;
        self.generalized += o.generalized;
    }
}

/// Which restrictions a search applies. All on for a query; the explanation of an
/// unreachable destination turns one off at a time to find what blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub status: bool,
    pub countries: bool,
    pub nodes: bool,
    pub passages: bool,
    pub regime: bool,
    pub modes: bool,
}

impl Rules {
    pub const ALL: Rules = Rules {
        status: true,
        countries: true,
        nodes: true,
        passages: true,
        regime: true,
        modes: true,
    };
}

/// A shipment's costs over a network under an optional scenario.
pub struct Costing<'a> {
    pub shipment: &'a Shipment,
    pub scenario: Option<&'a Scenario>,
    pub rules: Rules,
    vot: f64,
}

impl<'a> Costing<'a> {
    pub fn new(shipment: &'a Shipment, scenario: Option<&'a Scenario>) -> Self {
        Self {
            shipment,
            scenario,
            rules: Rules::ALL,
            vot: shipment.value_of_time(),
        }
    }

    #[must_use]
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    pub fn value_of_time(&self) -> f64 {
        self.vot
    }

    fn node_status<'s>(&'s self, i: u32, node: &'s Node) -> &'s Status {
        self.scenario
            .and_then(|s| s.node_status(i))
            .unwrap_or(&node.status)
    }

    /// Whether the shipment may pass (or start or end at) a node.
    pub fn node_open(&self, i: u32, node: &Node) -> bool {
        let s = self.shipment;
        if self.rules.status && !self.node_status(i, node).usable(s.month) {
            return false;
        }
        if self.rules.nodes && s.avoid_nodes.contains(&i) {
            return false;
        }
        if self.rules.countries && s.avoid_countries.iter().any(|c| node.in_country(*c)) {
            return false;
        }
        if let NodeKind::BorderCrossing(x) = &node.kind {
            if self.rules.regime && !x.regimes.contains(s.regime) {
                return false;
            }
            // Domestic goods cross no border at all.
            if self.rules.regime && s.regime == Regime::Domestic {
                return false;
            }
        }
        if self.rules.regime && s.regime == Regime::Domestic && node.country != Country::CN {
            return false;
        }
        true
    }

    /// Whether the shipment may use a link at all (status, mode, cargo, regime, passages).
    pub fn link_open(&self, i: u32, link: &Link) -> bool {
        let s = self.shipment;
        let status = self
            .scenario
            .and_then(|sc| sc.link_status(i, link))
            .unwrap_or(&link.status);
        if self.rules.status && !status.usable(s.month) {
            return false;
        }
        if self.rules.modes && !(s.modes.contains(link.mode) && link.cargo.contains(s.cargo)) {
            return false;
        }
        if self.rules.regime && !link.regimes.contains(s.regime) {
            return false;
        }
        if self.rules.passages && link.passages.intersects(s.avoid_passages) {
            return false;
        }
        true
    }

    /// The cost of walking `arc` into `head`, or `None` when it may not be used.
    pub fn arc(&self, arc: &Arc, link: &Link, head: &Node) -> Option<ArcCost> {
        if !self.link_open(arc.link, link) || !self.node_open(arc.head, head) {
            return None;
        }
        let s = self.shipment;
        let edit = self.scenario.and_then(|sc| sc.link_edit(arc.link));
        let hours = edit.and_then(|e| e.hours).unwrap_or(link.hours.get());
        let tariff = edit.and_then(|e| e.tariff).unwrap_or(link.tariff);
        let departures = edit
            .and_then(|e| e.departures_per_week)
            .or(link.departures_per_week);
        // Arriving at random, a shipment waits half the headway on average.
        let wait = departures.map_or(0.0, |d| 0.5 * 168.0 / d);
        let clearance = head.kind.crossing().map_or(0.0, |x| x.clearance_hours);
        // Containers pay by the box, bulk and air freight by weight: a link quotes both so
        // that either kind of shipment can be charged, never both at once.
        let charges = tariff.fixed
            + match s.cargo {
                CargoClass::Container => tariff.per_teu * s.teu,
                CargoClass::Bulk | CargoClass::AirFreight => tariff.per_tonne * s.tonnes,
            };
        let co2_kg = link.co2_g_per_tkm * s.tonnes * link.length_km / 1000.0;
        let total_hours = hours + wait + clearance;
        let generalized = charges
            + self.vot * total_hours
            + s.weights.carbon_cny_per_tonne * co2_kg / 1000.0
            + self.vot * s.weights.reliability * link.delay_sd_hours;
        Some(ArcCost {
            km: link.length_km,
            hours: total_hours,
            wait_hours: wait,
            clearance_hours: clearance,
            charges_cny: charges,
            co2_kg,
            delay_sd_hours: link.delay_sd_hours,
            generalized,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money() {
        assert_eq!("30000USD".parse::<Cny>(), Ok(Cny(213_000.0)));
        assert_eq!("1,000 CNY".parse::<Cny>(), Ok(Cny(1000.0)));
        assert_eq!("500".parse::<Cny>(), Ok(Cny(500.0)));
        assert!("lots".parse::<Cny>().is_err());
        assert!("-5USD".parse::<Cny>().is_err());
    }

    #[test]
    fn shipment_checks() {
        let mut s = Shipment::containers(1.0, 1e5);
        assert!(s.check().is_ok());
        s.tonnes = f64::NAN;
        assert!(s.check().is_err());
        let mut s = Shipment::containers(0.0, 1e5);
        s.tonnes = 5.0;
        assert!(s.check().is_err());
    }
}
