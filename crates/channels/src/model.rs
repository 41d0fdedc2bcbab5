//! The vocabulary of the multimodal freight network: what a node and a link are, and the
//! small closed sets their attributes take (modes, cargo classes, customs regimes, status).
//!
//! Attributes are parsed once into these types when a network is loaded, so the costing and
//! the search never meet a negative length, a zero speed, a border crossing without its
//! country pair or a planned link without its project.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::geo::LonLat;
use crate::passage::PassageSet;

/// An ISO 3166-1 alpha-2 country code, upper case (`CN`, `RU`, `KP`, `KR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    pub const CN: Country = Country(*b"CN");

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for Country {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.trim().as_bytes();
        match b {
            [a, c] if a.is_ascii_alphabetic() && c.is_ascii_alphabetic() => {
                Ok(Country([a.to_ascii_uppercase(), c.to_ascii_uppercase()]))
            }
            _ => Err(format!(
                "{s:?} is not an ISO 3166 alpha-2 country code (e.g. CN, RU, KP)"
            )),
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Declares a closed vocabulary: an enum whose variants are written as fixed tags in files
/// and queries, with `FromStr`, `Display` and `Serialize` all using the tag.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $tag:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub const fn tag(self) -> &'static str {
                match self { $($name::$v => $tag),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let t = s.trim().to_ascii_lowercase();
                $name::ALL.iter().copied().find(|v| v.tag() == t).ok_or_else(|| {
                    let known: Vec<&str> = $name::ALL.iter().map(|v| v.tag()).collect();
                    format!("unknown {} {s:?} (known: {})", stringify!($name), known.join(", "))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.tag())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.tag())
            }
        }
    };
}

vocabulary!(
    /// How a link carries freight.
    Mode {
        Road = "road",
        Rail = "rail",
        Sea = "sea",
        Air = "air",
        InlandWaterway = "inland_waterway",
        /// The crossing of a border line itself (a bridge, a gate), between a border-crossing
        /// node and the first node beyond it.
        BorderCrossing = "border_crossing",
        /// A change of mode inside one place (terminal handling, a short haul between yards).
        Transfer = "transfer",
    }
);

impl Mode {
    /// Modes whose links follow the ground and so may cross a border only at a crossing.
    pub const fn is_land(self) -> bool {
        matches!(
            self,
            Mode::Road | Mode::Rail | Mode::InlandWaterway | Mode::BorderCrossing | Mode::Transfer
        )
    }

    /// Default well-to-wheel greenhouse-gas intensity, g CO2e per tonne-km.
    ///
    /// Rounded central values of the default intensities of the GLEC Framework v3 (Smart
    /// Freight Centre, 2023), which ISO 14083:2023 adopts as its method: heavy truck at an
    /// average load, average freight rail (diesel and electric), deep-sea container ship,
    /// inland barge, long-haul air freight. They are defaults for comparing corridors, not
    /// an emissions inventory; a link with a measured figure overrides its mode's.
    pub const fn default_co2_g_per_tkm(self) -> f64 {
        match self {
            Mode::Road => 75.0,
            Mode::Rail => 22.0,
            Mode::Sea => 12.0,
            Mode::InlandWaterway => 31.0,
            Mode::Air => 800.0,
            Mode::BorderCrossing | Mode::Transfer => 0.0,
        }
    }
}

vocabulary!(
    /// What kind of cargo a shipment is, and so which links may carry it.
    CargoClass {
        Container = "container",
        Bulk = "bulk",
        AirFreight = "air",
    }
);

vocabulary!(
    /// The customs regime a shipment moves under.
    Regime {
        Export = "export",
        Import = "import",
        /// Chinese domestic-trade goods carried across foreign territory between two Chinese
        /// places (e.g. Hunchun → Vladivostok → a southern Chinese port, allowed through the
        /// ports the General Administration of Customs names since 2023-06-01).
        DomesticTransit = "transit",
        /// Goods moving inside one country, crossing no border.
        Domestic = "domestic",
    }
);

/// A small set over one of the vocabularies above, one bit per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Set<T> {
    bits: u16,
    _of: std::marker::PhantomData<T>,
}

pub trait Member: Copy + 'static {
    const ALL: &'static [Self];
    fn bit(self) -> u16;
}

impl<T: Member> Set<T> {
    pub const fn empty() -> Self {
        Self {
            bits: 0,
            _of: std::marker::PhantomData,
        }
    }

    pub fn all() -> Self {
        T::ALL.iter().fold(Self::empty(), |s, v| s.with(*v))
    }

    pub fn of(items: &[T]) -> Self {
        items.iter().fold(Self::empty(), |s, v| s.with(*v))
    }

    #[must_use]
    pub fn with(mut self, v: T) -> Self {
        self.bits |= v.bit();
        self
    }

    #[must_use]
    pub fn without(mut self, v: T) -> Self {
        self.bits &= !v.bit();
        self
    }

    pub fn contains(self, v: T) -> bool {
        self.bits & v.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    pub fn iter(self) -> impl Iterator<Item = T> {
        T::ALL.iter().copied().filter(move |v| self.contains(*v))
    }
}

macro_rules! member {
    ($t:ty) => {
        impl Member for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            fn bit(self) -> u16 {
                1 << (self as u16)
            }
        }
    };
}
member!(Mode);
member!(CargoClass);
member!(Regime);

pub type ModeSet = Set<Mode>;
pub type CargoSet = Set<CargoClass>;
pub type RegimeSet = Set<Regime>;

impl<T: Member + fmt::Display> fmt::Display for Set<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.iter().map(|v| v.to_string()).collect();
        f.write_str(&names.join("|"))
    }
}

impl<T: Member + FromStr<Err = String>> FromStr for Set<T> {
    type Err = String;

    /// `a|b|c`; an empty string is the empty set.
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(['|', ','])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .try_fold(Self::empty(), |set, t| Ok(set.with(t.parse::<T>()?)))
    }
}

impl<T: Member + Serialize> Serialize for Set<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Months of the year as a bit set (bit 0 = January), for seasonal links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Months(u16);

impl Months {
    pub fn contains(self, month: u8) -> bool {
        (1..=12).contains(&month) && self.0 & (1 << (month - 1)) != 0
    }
}

impl FromStr for Months {
    type Err = String;

    /// `5-10` (May to October), `11-3` (wrapping the new year), or a list `6|7|8`.
    fn from_str(s: &str) -> Result<Self, String> {
        let month = |t: &str| -> Result<u8, String> {
            t.trim()
                .parse::<u8>()
                .ok()
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(|| format!("{t:?} is not a month 1-12"))
        };
        let mut bits = 0u16;
        for part in s.split('|').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some((a, b)) = part.split_once('-') {
                let (a, b) = (month(a)?, month(b)?);
                let mut m = a;
                loop {
                    bits |= 1 << (m - 1);
                    if m == b {
                        break;
                    }
                    m = m % 12 + 1;
                }
            } else {
                bits |= 1 << (month(part)? - 1);
            }
        }
        if bits == 0 {
            return Err("no months given".into());
        }
        Ok(Months(bits))
    }
}

impl fmt::Display for Months {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms: Vec<String> = (1..=12u8)
            .filter(|m| self.contains(*m))
            .map(|m| m.to_string())
            .collect();
        f.write_str(&ms.join("|"))
    }
}

/// Whether a node or link can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
    /// Not built yet: usable only in a scenario that opens its project.
    Planned {
        project: String,
    },
    /// Open in these months only (an ice-bound river, a seasonal crossing).
    Seasonal(Months),
}

impl Status {
    /// Whether the element may carry freight, in `month` when one is given. Without a
    /// month a seasonal element counts as open: the query is about a typical season.
    pub fn usable(&self, month: Option<u8>) -> bool {
        match self {
            Status::Open => true,
            Status::Closed | Status::Planned { .. } => false,
            Status::Seasonal(m) => month.is_none_or(|mo| m.contains(mo)),
        }
    }
}

impl FromStr for Status {
    type Err = String;

    /// `open`, `closed`, `planned:PROJECT`, `seasonal:5-10`; empty means open.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s.split_once(':') {
            None if s.is_empty() || s.eq_ignore_ascii_case("open") => Ok(Status::Open),
            None if s.eq_ignore_ascii_case("closed") => Ok(Status::Closed),
            Some((k, p)) if k.eq_ignore_ascii_case("planned") && !p.trim().is_empty() => {
                Ok(Status::Planned {
                    project: p.trim().to_string(),
                })
            }
            Some((k, m)) if k.eq_ignore_ascii_case("seasonal") => Ok(Status::Seasonal(m.parse()?)),
            _ => Err(format!(
                "{s:?} is not a status (open, closed, planned:PROJECT, seasonal:5-10)"
            )),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Open => f.write_str("open"),
            Status::Closed => f.write_str("closed"),
            Status::Planned { project } => write!(f, "planned:{project}"),
            Status::Seasonal(m) => write!(f, "seasonal:{m}"),
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A land border crossing (port of entry): the two countries it joins, whether it is a road
/// or a rail crossing, which customs regimes it handles and how long clearance takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    pub countries: (Country, Country),
    pub way: Mode,
    pub regimes: RegimeSet,
    pub clearance_hours: f64,
}

impl Crossing {
    pub fn joins(&self, a: Country, b: Country) -> bool {
        (self.countries.0 == a && self.countries.1 == b)
            || (self.countries.0 == b && self.countries.1 == a)
    }

    pub fn touches(&self, c: Country) -> bool {
        self.countries.0 == c || self.countries.1 == c
    }
}

/// What a node is. A border crossing carries its crossing's attributes, so a crossing
/// without a country pair cannot be written down.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    City,
    Seaport,
    RailTerminal,
    DryPort,
    Airport,
    BorderCrossing(Crossing),
    TransferHub,
}

impl NodeKind {
    pub const TAGS: [&'static str; 7] = [
        "city",
        "seaport",
        "rail_terminal",
        "dry_port",
        "airport",
        "border_crossing",
        "transfer_hub",
    ];

    pub fn tag(&self) -> &'static str {
        match self {
            NodeKind::City => "city",
            NodeKind::Seaport => "seaport",
            NodeKind::RailTerminal => "rail_terminal",
            NodeKind::DryPort => "dry_port",
            NodeKind::Airport => "airport",
            NodeKind::BorderCrossing(_) => "border_crossing",
            NodeKind::TransferHub => "transfer_hub",
        }
    }

    pub fn crossing(&self) -> Option<&Crossing> {
        match self {
            NodeKind::BorderCrossing(c) => Some(c),
            _ => None,
        }
    }

    /// Gateways define a corridor: two routes through the same crossings, seaports and
    /// airports are the same corridor, whatever roads join them.
    pub fn is_gateway(&self) -> bool {
        matches!(
            self,
            NodeKind::BorderCrossing(_) | NodeKind::Seaport | NodeKind::Airport
        )
    }
}

/// A place in the network. Serialized with its kind as a tag and, for a border crossing, the
/// crossing's attributes under `crossing`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub position: LonLat,
    pub kind: NodeKind,
    /// The country the node is in; for a border crossing, the first of its pair.
    pub country: Country,
    /// UN/LOCODE where the place has one (`CNCGQ`, `RUZAR`).
    pub locode: Option<String>,
    pub status: Status,
    pub source: String,
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            id: &'a str,
            name: &'a str,
            name_zh: &'a str,
            position: LonLat,
            kind: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            crossing: Option<&'a Crossing>,
            country: Country,
            locode: &'a Option<String>,
            status: &'a Status,
            source: &'a str,
        }
        Shown {
            id: &self.id,
            name: &self.name,
            name_zh: &self.name_zh,
            position: self.position,
            kind: self.kind.tag(),
            crossing: self.kind.crossing(),
            country: self.country,
            locode: &self.locode,
            status: &self.status,
            source: &self.source,
        }
        .serialize(s)
    }
}

impl Node {
    /// Whether the node lies in (or, for a crossing, on the border of) `c`.
    pub fn in_country(&self, c: Country) -> bool {
        match self.kind.crossing() {
            Some(x) => x.touches(c),
            None => self.country == c,
        }
    }
}

/// Charges for moving freight over a link, in CNY. A link's charge for a shipment is
/// `fixed + per_teu × TEU` for containers and `fixed + per_tonne × tonnes` for bulk and air
/// freight.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Tariff {
    pub per_teu: f64,
    pub per_tonne: f64,
    pub fixed: f64,
}

/// How long a link takes: given directly, or as length over a speed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hours(f64);

impl Hours {
    /// Non-negative and finite, or `None`.
    pub fn new(h: f64) -> Option<Hours> {
        (h.is_finite() && h >= 0.0).then_some(Hours(h))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// A link: one service or infrastructure section between two nodes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub id: String,
    pub name: String,
    /// Indices into the network's nodes.
    pub from: u32,
    pub to: u32,
    /// One way only (from → to); otherwise usable in both directions.
    pub directed: bool,
    pub mode: Mode,
    pub length_km: f64,
    /// Moving time, excluding scheduled waits and clearance.
    pub hours: Hours,
    pub tariff: Tariff,
    /// Scheduled services per week; the expected wait for a departure is half the headway.
    /// `None`: continuous (a road).
    pub departures_per_week: Option<f64>,
    /// TEU (or tonnes for bulk) per week; reported, used by assignment.
    pub capacity_per_week: Option<f64>,
    /// Standard deviation of the delay, hours: the reliability of the link.
    pub delay_sd_hours: f64,
    pub co2_g_per_tkm: f64,
    pub cargo: CargoSet,
    pub regimes: RegimeSet,
    /// Sea passages the link sails through.
    pub passages: PassageSet,
    pub status: Status,
    /// The line drawn for the link; empty means a straight line between its nodes.
    #[serde(skip)]
    pub geometry: Vec<LonLat>,
    pub source: String,
    pub time_source: String,
    pub tariff_source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_parse_and_print() {
        assert_eq!("Rail".parse::<Mode>(), Ok(Mode::Rail));
        assert!("train".parse::<Mode>().unwrap_err().contains("road, rail"));
        let s: RegimeSet = "export|transit".parse().expect("set");
        assert!(s.contains(Regime::DomesticTransit) && !s.contains(Regime::Import));
        assert_eq!(s.to_string(), "export|transit");
        assert!("kp".parse::<Country>().is_ok_and(|c| c.as_str() == "KP"));
        assert!("CHN".parse::<Country>().is_err());
    }

    #[test]
    fn a_crossing_serializes_with_its_attributes() {
        let node = Node {
            id: "x".into(),
            name: "X".into(),
            name_zh: String::new(),
            position: LonLat::new(130.6, 42.8),
            kind: NodeKind::BorderCrossing(Crossing {
                countries: (Country::CN, "RU".parse().expect("code")),
                way: Mode::Road,
                regimes: RegimeSet::of(&[Regime::Export]),
                clearance_hours: 4.0,
            }),
            country: Country::CN,
            locode: None,
            status: Status::Open,
            source: "test".into(),
        };
        let v = serde_json::to_value(&node).expect("json");
        assert_eq!(v["kind"], "border_crossing");
        assert_eq!(v["crossing"]["countries"], serde_json::json!(["CN", "RU"]));
        assert_eq!(v["crossing"]["regimes"], serde_json::json!(["export"]));
        assert_eq!(v["status"], "open");
    }

    #[test]
    fn status_and_months() {
        let winter: Status = "seasonal:11-3".parse().expect("status");
        assert!(winter.usable(Some(1)) && winter.usable(Some(11)) && !winter.usable(Some(6)));
        assert!(winter.usable(None));
        assert_eq!(winter.to_string(), "seasonal:1|2|3|11|12");
        let p: Status = "planned:tumen-outlet".parse().expect("status");
        assert!(!p.usable(None));
        assert!("planned:".parse::<Status>().is_err());
        assert!("seasonal:13".parse::<Status>().is_err());
    }
}
