//! The lookup tables shipped in `data/trade/` (each row with its source), compiled in so a
//! binary needs no data files to name a country or a chapter.

use crate::codes::Period;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const COUNTRIES: &str = include_str!("../../../data/trade/countries.csv");
const GROUPS: &str = include_str!("../../../data/trade/partner_groups.csv");
const MODES: &str = include_str!("../../../data/trade/trade_modes.csv");
const SECTIONS: &str = include_str!("../../../data/trade/hs_sections.csv");
const CHAPTERS: &str = include_str!("../../../data/trade/hs_chapters.csv");
const REGIONS: &str = include_str!("../../../data/trade/regions.csv");
const HS_BEC: &str = include_str!("../../../data/trade/hs_bec.csv");
const BEC_CLASSES: &str = include_str!("../../../data/trade/bec_classes.csv");

/// Where the end-use product groups come from, and what they cannot do; shown with them.
pub const BEC_SOURCE: &str = "UN Statistics Division: HS 2022 to BEC Rev.4 correlation table \
(HS2022 to BEC Conversion and Correlation Tables, as copied in the R package concordance by \
In Song Kim et al., data-raw, commit c712556), and the classes of goods of the BEC Rev.4 \
manual (Statistical Papers Series M No. 53 Rev.4). By HS 2022 six-digit subheading: codes \
of earlier HS editions that HS 2022 changed, and records without six digits, are not mapped; \
a subheading whose BEC categories fall in different classes is not split.";

/// The end-use classes (SNA basic classes of goods by BEC Rev.4), in display order.
pub const BEC_CLASS_NAMES: &[(&str, &str, &str)] = &[
    ("capital", "资本品", "Capital goods"),
    ("intermediate", "中间品", "Intermediate goods"),
    ("consumption", "消费品", "Consumption goods"),
    (
        "unclassified",
        "未按用途归类（乘用车、车用汽油等）",
        "Not classified by end use (passenger cars, motor spirit, goods n.e.s.)",
    ),
    ("mixed", "跨类子目", "Subheadings spanning several classes"),
    (
        "unmapped",
        "未对应",
        "Not mapped (no HS 2022 six-digit code)",
    ),
];

#[derive(Debug, Clone, Serialize)]
pub struct Country {
    pub customs_code: String,
    pub iso2: String,
    pub iso3: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone)]
pub struct GroupMember {
    pub group: String,
    pub iso2: String,
    pub since: Option<Period>,
    pub until: Option<Period>,
}

/// A partner group (RCEP, EU, ASEAN, Belt and Road).
pub const GROUP_NAMES: &[(&str, &str, &str)] = &[
    ("rcep", "RCEP成员国", "RCEP members"),
    ("eu", "欧盟", "European Union"),
    ("asean", "东盟", "ASEAN"),
    (
        "bri",
        "共建“一带一路”国家",
        "Belt and Road partner countries",
    ),
];

#[derive(Debug)]
pub struct Lookups {
    pub countries: HashMap<String, Country>,
    pub modes: HashMap<String, Named>,
    pub sections: HashMap<u32, Named>,
    /// chapter (2 digits) → (section, names)
    pub chapters: HashMap<String, (u32, Named)>,
    pub regions: HashMap<String, Named>,
    pub groups: Vec<GroupMember>,
    /// HS 2022 subheading (6 digits) → end-use class (a key of [`BEC_CLASS_NAMES`]).
    pub hs_bec: HashMap<String, &'static str>,
}

fn rows(text: &str) -> Vec<csv::StringRecord> {
    // The tables are compiled in and checked by the tests below; a bad row is a build defect.
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("embedded lookup table is valid CSV"))
        .collect()
}

impl Lookups {
    pub fn get() -> &'static Lookups {
        static L: OnceLock<Lookups> = OnceLock::new();
        L.get_or_init(Lookups::load)
    }

    fn load() -> Lookups {
        let countries = rows(COUNTRIES)
            .into_iter()
            .map(|r| {
                (
                    r[0].to_string(),
                    Country {
                        customs_code: r[0].to_string(),
                        iso2: r[1].to_string(),
                        iso3: r[2].to_string(),
                        name_zh: r[3].to_string(),
                        name_en: r[4].to_string(),
                    },
                )
            })
            .collect();
        let named = |r: &csv::StringRecord, c: usize| Named {
            code: r[c].to_string(),
            name_zh: r[c + 1].to_string(),
            name_en: r[c + 2].to_string(),
        };
        let modes = rows(MODES)
            .iter()
            .map(|r| (r[0].to_string(), named(r, 0)))
            .collect();
        let sections = rows(SECTIONS)
            .iter()
            .map(|r| {
                let n: u32 = r[0].parse().expect("section number");
                (
                    n,
                    Named {
                        code: r[1].to_string(),
                        name_zh: r[3].to_string(),
                        name_en: r[4].to_string(),
                    },
                )
            })
            .collect();
        let chapters = rows(CHAPTERS)
            .iter()
            .map(|r| {
                let section: u32 = r[1].parse().unwrap_or(0);
                (
                    r[0].to_string(),
                    (
                        section,
                        Named {
                            code: r[0].to_string(),
                            name_zh: r[2].to_string(),
                            name_en: r[3].to_string(),
                        },
                    ),
                )
            })
            .collect();
        let regions = rows(REGIONS)
            .iter()
            .map(|r| (r[0].to_string(), named(r, 0)))
            .collect();
        let groups = rows(GROUPS)
            .iter()
            .map(|r| GroupMember {
                group: r[0].to_string(),
                iso2: r[1].to_string(),
                since: Period::parse(&r[2]),
                until: Period::parse(&r[3]),
            })
            .collect();
        Lookups {
            countries,
            modes,
            sections,
            chapters,
            regions,
            groups,
            hs_bec: hs_bec(),
        }
    }

    /// HS section number of a chapter (0 for chapter 98, China's national chapter).
    pub fn section_of(&self, chapter: &str) -> u32 {
        self.chapters.get(chapter).map(|c| c.0).unwrap_or(0)
    }

    /// Groups a partner (ISO alpha-2) belongs to in a given month.
    pub fn groups_of(&self, iso2: &str, at: Period) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .filter(move |m| {
                m.iso2 == iso2 && m.since.is_none_or(|s| s <= at) && m.until.is_none_or(|u| at <= u)
            })
            .map(|m| m.group.as_str())
    }
}

/// HS 2022 subheading → end-use class: the class of its BEC categories, or `mixed` when
/// they fall in different classes (the correlation table does not say how to split).
fn hs_bec() -> HashMap<String, &'static str> {
    let class_of: HashMap<String, &'static str> = rows(BEC_CLASSES)
        .iter()
        .filter_map(|r| {
            let class = BEC_CLASS_NAMES.iter().find(|c| c.0 == &r[1])?.0;
            Some((r[0].to_string(), class))
        })
        .collect();
    let mut out: HashMap<String, &'static str> = HashMap::new();
    for r in rows(HS_BEC) {
        let class = class_of.get(&r[1]).copied().unwrap_or("mixed");
        out.entry(r[0].to_string())
            .and_modify(|c| {
                if *c != class {
                    *c = "mixed";
                }
            })
            .or_insert(class);
    }
    out
}

/// The lookup tables as analysts see them in SQL: (table name, CSV text).
pub const TABLES: &[(&str, &str)] = &[
    ("countries", COUNTRIES),
    ("partner_groups", GROUPS),
    ("trade_modes", MODES),
    ("hs_sections", SECTIONS),
    ("hs_chapters", CHAPTERS),
    ("regions", REGIONS),
    ("hs_bec", HS_BEC),
    ("bec_classes", BEC_CLASSES),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_cross_reference() {
        let l = Lookups::get();
        assert_eq!(l.countries["116"].iso2, "JP");
        assert_eq!(l.countries["344"].iso2, "RU");
        assert_eq!(l.countries["133"].iso2, "KR");
        assert_eq!(l.sections.len(), 21);
        assert_eq!(l.section_of("87"), 17);
        assert_eq!(l.modes["0110"].name_zh, "一般贸易");
        assert_eq!(l.regions["222404"].name_zh, "珲春市");
        let isos: std::collections::HashSet<&str> =
            l.countries.values().map(|c| c.iso2.as_str()).collect();
        for m in &l.groups {
            assert!(
                isos.contains(m.iso2.as_str()),
                "group member {} unknown",
                m.iso2
            );
        }
        let eu_2023 = l
            .groups
            .iter()
            .filter(|m| m.group == "eu")
            .filter(|m| {
                l.groups_of(
                    &m.iso2,
                    Period {
                        year: 2023,
                        month: 1,
                    },
                )
                .any(|g| g == "eu")
            })
            .count();
        assert_eq!(eu_2023, 27);
        let asean_2023 = isos
            .iter()
            .filter(|i| {
                l.groups_of(
                    i,
                    Period {
                        year: 2023,
                        month: 1,
                    },
                )
                .any(|g| g == "asean")
            })
            .count();
        assert_eq!(asean_2023, 10);
        // The trade modes customs statistics releases use. 4639 is left out: it is in neither
        // copy of the table the rows were checked against, and its name is not known here.
        for m in [
            "0110", "0130", "0214", "0245", "0255", "0258", "0265", "0300", "0446", "0456", "0513",
            "0615", "0644", "0654", "0657", "0664", "0700", "0715", "0844", "0845", "1039", "1139",
            "1200", "1210", "1233", "1234", "1239", "1300", "1371", "1500", "1523", "1616", "1741",
            "2025", "2225", "2439", "2600", "2700", "3010", "3100", "3339", "3410", "3511", "3611",
            "3612", "3910", "4019", "4039", "4139", "4200", "4239", "4400", "4500", "4561", "4600",
            "5000", "5010", "5014", "5015", "5033", "5034", "5100", "5300", "5335", "5361", "6033",
            "9600", "9610", "9639", "9700", "9710", "9739", "9800", "9810", "9839", "9900",
        ] {
            assert!(l.modes.contains_key(m), "trade mode {m}");
        }
        // End use: cars are left unclassified by BEC, their parts are intermediate goods,
        // computers capital goods; storage media span classes.
        assert!(l.hs_bec.len() > 5600);
        assert_eq!(l.hs_bec["870323"], "unclassified");
        assert_eq!(l.hs_bec["870899"], "intermediate");
        assert_eq!(l.hs_bec["847130"], "capital");
        assert_eq!(l.hs_bec["620342"], "consumption");
        assert_eq!(l.hs_bec["030571"], "consumption");
        assert_eq!(l.hs_bec["852411"], "mixed");
        let classes: std::collections::HashSet<&str> = l.hs_bec.values().copied().collect();
        assert_eq!(classes.len(), 5, "{classes:?}");
        // every chapter 01..97 except the reserved 77 is there
        for c in (1..=97).filter(|c| *c != 77) {
            assert!(l.chapters.contains_key(&format!("{c:02}")), "chapter {c}");
        }
    }
}
