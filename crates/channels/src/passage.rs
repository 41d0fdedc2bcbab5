//! Maritime passages: straits, canals and capes that a sea route may be asked to avoid.
//!
//! The sea-lane network tags the edges that make up a passage (`properties.passage`, with
//! searoute's tags). Kaifang adds tags derived from geometry where the source's leave a gap:
//! - the Northern Sea Route, not tagged at all: without it a network that joins the two sides
//!   of the antimeridian sends Asia–Europe traffic through the Arctic with no way to switch
//!   it off;
//! - the Cape of Good Hope and the passages round South America, tagged on some lanes only:
//!   a route round Africa could slip between the tagged lanes. Kaifang tags every lane that
//!   crosses 20°E south of Cape Agulhas, or 70°W south of 52°S, which no route round either
//!   continent can avoid.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::geo::LonLat;

/// One passage. The discriminant is the bit in a [`PassageSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Passage {
    Suez,
    Panama,
    Malacca,
    Sunda,
    Gibraltar,
    /// Bab-el-Mandeb, between the Red Sea and the Gulf of Aden.
    BabElMandeb,
    /// The Strait of Hormuz.
    Hormuz,
    Bosporus,
    Dardanelles,
    /// The Bering Strait.
    Bering,
    /// The lanes the source tags `northwest`: the Canadian Northwest Passage and, in the
    /// source, also the Chukchi Sea entrance to the Russian Arctic.
    Northwest,
    /// Kaifang's tag: lanes north of 66°N between 55°E (Novaya Zemlya) and 168°W (the Bering
    /// Strait), i.e. the waters of the Northern Sea Route. Seasonal, ice class required.
    NorthernSeaRoute,
    /// Round South America: the Strait of Magellan, the Beagle Channel, the Drake Passage;
    /// source tag `chili`, completed by Kaifang from geometry
    /// (see the module documentation).
    Chile,
    /// Round Africa by the Cape of Good Hope; source tag `south_africa`, completed by Kaifang
    /// from geometry (see the module documentation).
    CapeOfGoodHope,
}

impl Passage {
    pub const ALL: [Passage; 14] = [
        Passage::Suez,
        Passage::Panama,
        Passage::Malacca,
        Passage::Sunda,
        Passage::Gibraltar,
        Passage::BabElMandeb,
        Passage::Hormuz,
        Passage::Bosporus,
        Passage::Dardanelles,
        Passage::Bering,
        Passage::Northwest,
        Passage::NorthernSeaRoute,
        Passage::Chile,
        Passage::CapeOfGoodHope,
    ];

    /// The tag as written in the sea-lane GeoJSON (searoute's spelling), which is also the
    /// name accepted by [`FromStr`].
    pub const fn tag(self) -> &'static str {
        match self {
            Passage::Suez => "suez",
            Passage::Panama => "panama",
            Passage::Malacca => "malacca",
            Passage::Sunda => "sunda",
            Passage::Gibraltar => "gibraltar",
            Passage::BabElMandeb => "babalmandab",
            Passage::Hormuz => "ormuz",
            Passage::Bosporus => "bosporus",
            Passage::Dardanelles => "dardanelles",
            Passage::Bering => "bering",
            Passage::Northwest => "northwest",
            Passage::NorthernSeaRoute => "northern_sea_route",
            Passage::Chile => "chili",
            Passage::CapeOfGoodHope => "south_africa",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The passages Kaifang derives from a lane segment's geometry, in addition to the
    /// source's tags.
    ///
    /// The source tags only some lanes of the two southern capes: a route round Africa can
    /// go (22°E, 35°S) → (20°E, 40°S) → (18°E, 35°S) and never touch a `south_africa` lane,
    /// so closing the Cape would not close it. A meridian crossing cannot leak: every route
    /// between the Indian and the Atlantic Ocean round Africa crosses 20°E south of Cape
    /// Agulhas (34.8°S), and every route round South America crosses 70°W south of 52°S
    /// (the Strait of Magellan, the Beagle Channel or the Drake Passage).
    pub(crate) fn derived(a: LonLat, b: LonLat) -> PassageSet {
        let mut set = PassageSet::EMPTY;
        if Self::in_northern_sea_route(a, b) {
            set = set.with(Passage::NorthernSeaRoute);
        }
        if crosses_meridian(a, b, 20.0, -34.5) {
            set = set.with(Passage::CapeOfGoodHope);
        }
        if crosses_meridian(a, b, -70.0, -52.0) {
            set = set.with(Passage::Chile);
        }
        set
    }

    /// Whether a lane segment between two points lies in the Northern Sea Route's waters.
    pub(crate) fn in_northern_sea_route(a: LonLat, b: LonLat) -> bool {
        let inside = |p: LonLat| {
            let p = p.normalized();
            p.lat >= 66.0 && (p.lon >= 55.0 || p.lon <= -168.0)
        };
        inside(a) && inside(b)
    }
}

/// Whether the segment crosses the meridian `lon` south of `max_lat`. Half-open (a segment
/// ending exactly on the meridian counts on one side only), so a path along several segments
/// crosses as many times as it really does.
fn crosses_meridian(a: LonLat, b: LonLat, lon: f64, max_lat: f64) -> bool {
    let (a, b) = (a.normalized(), b.normalized());
    // Lanes are short; one spanning more than 180° of longitude would be the antimeridian.
    if (a.lon - b.lon).abs() > 180.0 {
        return false;
    }
    let crosses = (a.lon < lon && lon <= b.lon) || (b.lon < lon && lon <= a.lon);
    if !crosses {
        return false;
    }
    let t = (lon - a.lon) / (b.lon - a.lon);
    a.lat + t * (b.lat - a.lat) < max_lat
}

impl fmt::Display for Passage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A passage name that is not one of [`Passage::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown passage {0:?} (known: {known})", known = known_tags())]
pub struct UnknownPassage(pub String);

fn known_tags() -> String {
    Passage::ALL
        .iter()
        .map(|p| p.tag())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Passage {
    type Err = UnknownPassage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        // Accept the English spellings as well as the source's tags, for people typing queries.
        let alias = match s.as_str() {
            "bab_el_mandeb" | "bab-el-mandeb" => Some(Passage::BabElMandeb),
            "hormuz" => Some(Passage::Hormuz),
            "chile" | "magellan" => Some(Passage::Chile),
            "cape" | "cape_of_good_hope" => Some(Passage::CapeOfGoodHope),
            "nsr" => Some(Passage::NorthernSeaRoute),
            _ => None,
        };
        alias
            .or_else(|| Passage::ALL.into_iter().find(|p| p.tag() == s))
            .ok_or(UnknownPassage(s))
    }
}

/// A set of passages, one bit each; cheap to test on every edge a search relaxes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PassageSet(u16);

impl PassageSet {
    pub const EMPTY: PassageSet = PassageSet(0);

    /// The seasonal ice passages: closed by default in a sea query because ordinary
    /// container ships cannot use them most of the year.
    pub const ARCTIC: PassageSet =
        PassageSet(Passage::Northwest.bit() | Passage::NorthernSeaRoute.bit());

    pub fn of(passages: &[Passage]) -> Self {
        passages.iter().fold(Self::EMPTY, |s, p| s.with(*p))
    }

    #[must_use]
    pub const fn with(self, p: Passage) -> Self {
        PassageSet(self.0 | p.bit())
    }

    #[must_use]
    pub const fn union(self, other: PassageSet) -> Self {
        PassageSet(self.0 | other.0)
    }

    #[must_use]
    pub const fn intersection(self, other: PassageSet) -> Self {
        PassageSet(self.0 & other.0)
    }

    pub const fn contains(self, p: Passage) -> bool {
        self.0 & p.bit() != 0
    }

    /// Whether every passage of `other` is in this set.
    pub const fn contains_all(self, other: PassageSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn intersects(self, other: PassageSet) -> bool {
        self.0 & other.0 != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn iter(self) -> impl Iterator<Item = Passage> {
        Passage::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl fmt::Display for PassageSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<_> = self.iter().map(Passage::tag).collect();
        f.write_str(&names.join("|"))
    }
}

// A passage is written as its tag, the one spelling used in the GeoJSON, the CSV and queries.
impl Serialize for Passage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.tag())
    }
}

impl<'de> Deserialize<'de> for Passage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for PassageSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for PassageSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<Passage>::deserialize(d)?;
        Ok(PassageSet::of(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for p in Passage::ALL {
            assert_eq!(p.tag().parse::<Passage>(), Ok(p));
        }
        assert_eq!("Hormuz".parse::<Passage>(), Ok(Passage::Hormuz));
        let err = "kiel".parse::<Passage>().unwrap_err();
        assert!(err.to_string().contains("suez"), "{err}");
    }

    #[test]
    fn sets() {
        let s = PassageSet::of(&[Passage::Suez, Passage::Panama]);
        assert!(s.contains(Passage::Suez) && !s.contains(Passage::Malacca));
        assert_eq!(s.to_string(), "suez|panama");
        assert!(PassageSet::ARCTIC.contains(Passage::NorthernSeaRoute));
        assert_eq!(
            serde_json::to_string(&s).ok().as_deref(),
            Some(r#"["suez","panama"]"#)
        );
    }

    #[test]
    fn northern_sea_route_box() {
        let kara = LonLat::new(76.2, 73.7);
        let chukchi = LonLat::new(186.47, 67.68);
        assert!(Passage::in_northern_sea_route(kara, chukchi));
        // The Barents coast at Murmansk is not the Northern Sea Route.
        assert!(!Passage::in_northern_sea_route(
            LonLat::new(33.0, 69.5),
            kara
        ));
        // Nor is the Bering Sea south of the Arctic Circle.
        assert!(!Passage::in_northern_sea_route(
            LonLat::new(-172.0, 64.0),
            chukchi
        ));
    }

    #[test]
    fn cape_crossings_are_counted_once() {
        let p = |x, y| LonLat::new(x, y);
        let cape = |a, b| Passage::derived(a, b).contains(Passage::CapeOfGoodHope);
        // The leak in the source's tags: (22, -35) → (20, -40) → (18, -35).
        assert!(!cape(p(22.0, -35.0), p(20.0, -40.0)));
        assert!(cape(p(20.0, -40.0), p(18.0, -35.0)));
        // North of Cape Agulhas the meridian is on land or in False Bay: not the Cape route.
        assert!(!cape(p(19.0, -34.0), p(21.0, -34.0)));
        assert!(Passage::derived(p(-70.45, -52.75), p(-69.18, -52.36)).contains(Passage::Chile));
        assert!(!Passage::derived(p(-71.0, -40.0), p(-69.0, -40.0)).contains(Passage::Chile));
    }
}
