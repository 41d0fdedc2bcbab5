//! Organisations: who the users work for, and which modules a department owns.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ParseError;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                match s {
                    $($s => Ok($name::$var),)+
                    _ => Err(ParseError::new($what, s, concat!("must be one of:", $(" ", $s),+))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> { s.parse() }
        }
    };
}

string_enum!(
    /// The four kinds of organisation the meeting names.
    OrgKind, "organisation kind" {
        /// A provincial department or bureau (Commerce, Transportation, Customs, ...).
        Department = "department",
        /// A city (or prefecture, county) government.
        City = "city",
        /// A development zone of any level.
        Zone = "zone",
        /// An enterprise.
        Enterprise = "enterprise",
    }
);

string_enum!(
    /// The type of a development zone, as the national lists group them.
    ZoneType, "zone type" {
        /// Economic and technological development zone (经济技术开发区).
        Etdz = "etdz",
        /// High-tech industrial development zone (高新技术产业开发区).
        Hitech = "hitech",
        /// Comprehensive bonded zone (综合保税区).
        Bonded = "bonded",
        /// Border economic cooperation zone (边境经济合作区).
        Border = "border",
        /// State-level new area (国家级新区).
        Newarea = "newarea",
        /// Pilot or demonstration zone (示范区, 试验区).
        Pilot = "pilot",
        /// Cross-border e-commerce comprehensive pilot zone (跨境电子商务综合试验区).
        Cbec = "cbec",
    }
);

impl ZoneType {
    /// The type's name as the national lists write it.
    pub fn name_zh(self) -> &'static str {
        match self {
            ZoneType::Etdz => "经济技术开发区",
            ZoneType::Hitech => "高新技术产业开发区",
            ZoneType::Bonded => "综合保税区",
            ZoneType::Border => "边境经济合作区",
            ZoneType::Newarea => "国家级新区",
            ZoneType::Pilot => "开放试验区",
            ZoneType::Cbec => "跨境电子商务综合试验区",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ZoneType::Etdz => "Economic and technological development zone",
            ZoneType::Hitech => "High-tech industrial development zone",
            ZoneType::Bonded => "Comprehensive bonded zone",
            ZoneType::Border => "Border economic cooperation zone",
            ZoneType::Newarea => "State-level new area",
            ZoneType::Pilot => "Pilot or demonstration zone",
            ZoneType::Cbec => "Cross-border e-commerce comprehensive pilot zone",
        }
    }
}

string_enum!(
    /// The platform's modules whose data a department may own and write.
    Module, "module" {
        /// Open channels: network, routing, assignment, projects.
        Channels = "channels",
        /// Foreign trade statistics.
        Trade = "trade",
        /// Open platforms: development-zone assessment.
        Platforms = "platforms",
        /// Directives supervision.
        Directives = "directives",
        /// Enterprise appeals and the roundtable.
        Appeals = "appeals",
        /// Investment attraction and cooperation: the projects pipeline of every city and zone.
        Invest = "invest",
    }
);

impl Module {
    /// Parses a `;`-separated list such as `trade;platforms`; empty parts are ignored.
    pub fn parse_list(s: &str) -> Result<Vec<Module>, ParseError> {
        s.split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect()
    }

    pub fn format_list(modules: &[Module]) -> String {
        modules
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), *k);
            assert_eq!(OrgKind::try_from(k.to_string()), Ok(*k));
        }
        for z in ZoneType::ALL {
            assert_eq!(z.to_string().parse::<ZoneType>().unwrap(), *z);
            assert!(!z.name_zh().is_empty() && !z.name_en().is_empty());
        }
        assert_eq!(
            "cbec".parse::<ZoneType>().unwrap().name_zh(),
            "跨境电子商务综合试验区"
        );
        assert!("ministry".parse::<OrgKind>().is_err());
    }

    #[test]
    fn module_lists() {
        let l = Module::parse_list("trade; platforms;").unwrap();
        assert_eq!(l, vec![Module::Trade, Module::Platforms]);
        assert_eq!(Module::format_list(&l), "trade;platforms");
        assert!(Module::parse_list("trade;weather").is_err());
        assert!(Module::parse_list("").unwrap().is_empty());
    }
}
