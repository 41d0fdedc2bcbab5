//! Jilin's development zones: the registry (`data/zones.csv`), the default framework
//! modelled on MOFCOM's evaluation of national ETDZs (`data/assess/mofcom-etdz.toml`), its
//! pipeline (`data/assess/zones-pipeline.toml`), and a **synthetic** demo panel of the zones
//! × indicators × years 2021–2025.
//!
//! The three files are compiled in, so the default assessment needs no file at run time;
//! they are parsed by the same loaders as user files (a broken edit fails the tests).

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::{AssessError, Location};
use crate::framework::{Direction, Framework};
use crate::panel::Panel;
use crate::pipeline::Pipeline;
use crate::rng::Rng;

const ZONES_CSV: &str = include_str!("../../../data/zones.csv");
const FRAMEWORK_TOML: &str = include_str!("../../../data/assess/mofcom-etdz.toml");
const PIPELINE_TOML: &str = include_str!("../../../data/assess/zones-pipeline.toml");

/// Years of the demo panel.
pub const DEMO_YEARS: std::ops::RangeInclusive<i32> = 2021..=2025;
/// Seed of the demo panel: the same numbers on every machine.
pub const DEMO_SEED: u64 = 20211231;
/// Name the demo panel carries as its source, so that every result built on it says so.
pub const DEMO_SOURCE: &str = "SYNTHETIC demo data (not statistics)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = AssessZoneType))]
#[serde(rename_all = "snake_case")]
pub enum ZoneType {
    /// Economic and technological development zone.
    Etdz,
    /// High-tech industrial development zone.
    Hitech,
    /// Comprehensive bonded zone.
    Bonded,
    /// Border economic cooperation zone.
    Border,
    /// National new area.
    Newarea,
    /// International cooperation demonstration zone.
    Pilot,
    /// Cross-border e-commerce comprehensive pilot zone (a city-wide policy zone).
    Cbec,
}

impl ZoneType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "etdz" => ZoneType::Etdz,
            "hitech" => ZoneType::Hitech,
            "bonded" => ZoneType::Bonded,
            "border" => ZoneType::Border,
            "newarea" => ZoneType::Newarea,
            "pilot" => ZoneType::Pilot,
            "cbec" => ZoneType::Cbec,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneType::Etdz => "etdz",
            ZoneType::Hitech => "hitech",
            ZoneType::Bonded => "bonded",
            ZoneType::Border => "border",
            ZoneType::Newarea => "newarea",
            ZoneType::Pilot => "pilot",
            ZoneType::Cbec => "cbec",
        }
    }

    /// Whether zones of this type take part in the assessment. New areas, cooperation
    /// demonstration zones and cross-border e-commerce pilot zones contain other zones or
    /// whole cities, so scoring them beside the zones would count the same activity twice.
    pub fn assessed(self) -> bool {
        matches!(
            self,
            ZoneType::Etdz | ZoneType::Hitech | ZoneType::Bonded | ZoneType::Border
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ZoneLevel {
    National,
    Provincial,
}

/// One row of `data/zones.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Zone {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(rename = "type")]
    pub zone_type: ZoneType,
    pub level: ZoneLevel,
    /// GB/T 2260 code of the city (prefecture, or county-level city) the zone is in.
    pub city: String,
    /// Year of approval at its current level, when known.
    pub approved: Option<u16>,
    pub source: String,
}

/// The compiled-in registry.
pub fn registry() -> Result<Vec<Zone>, AssessError> {
    parse_registry("zones.csv", ZONES_CSV)
}

/// Reads a zone registry; errors name the file, row and field.
pub fn parse_registry(file: &str, text: &str) -> Result<Vec<Zone>, AssessError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| AssessError::Csv {
            at: Location::row(file, 1),
            message: e.to_string(),
        })?
        .clone();
    const COLS: [&str; 8] = [
        "code", "name_zh", "name_en", "type", "level", "city", "approved", "source",
    ];
    let mut pos = [0usize; 8];
    for (k, name) in COLS.iter().enumerate() {
        pos[k] =
            headers
                .iter()
                .position(|h| h == *name)
                .ok_or_else(|| AssessError::MissingColumn {
                    at: Location::row(file, 1),
                    name: name.to_string(),
                })?;
    }
    let mut zones: Vec<Zone> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| AssessError::Csv {
            at: Location::row(file, row),
            message: e.to_string(),
        })?;
        let get = |k: usize| rec.get(pos[k]).unwrap_or("").to_string();
        let at = |k: usize| Location::row(file, row).field(COLS[k]);
        for k in [0, 1, 2, 7] {
            if get(k).is_empty() {
                return Err(AssessError::invalid(at(k), "must not be empty"));
            }
        }
        let code = get(0);
        if zones.iter().any(|z| z.code == code) {
            return Err(AssessError::DuplicateCode { at: at(0), code });
        }
        let t = get(3);
        let zone_type = ZoneType::parse(&t).ok_or_else(|| {
            AssessError::invalid(
                at(3),
                format!("\"{t}\" is not one of etdz, hitech, bonded, border, newarea, pilot, cbec"),
            )
        })?;
        let level = match get(4).as_str() {
            "national" => ZoneLevel::National,
            "provincial" => ZoneLevel::Provincial,
            l => {
                return Err(AssessError::invalid(
                    at(4),
                    format!("\"{l}\" is not national or provincial"),
                ));
            }
        };
        let city = get(5);
        // Jilin's GB/T 2260 codes all start with 22.
        if !(city.len() == 6 && city.starts_with("22") && city.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(AssessError::invalid(
                at(5),
                format!("\"{city}\" is not a GB/T 2260 code in Jilin (22xxxx)"),
            ));
        }
        let approved = match get(6).as_str() {
            "" => None,
            y => match y.parse::<u16>() {
                Ok(v) if (1980..=2100).contains(&v) => Some(v),
                _ => {
                    return Err(AssessError::invalid(
                        at(6),
                        format!("\"{y}\" is not a year"),
                    ));
                }
            },
        };
        zones.push(Zone {
            code,
            name_zh: get(1),
            name_en: get(2),
            zone_type,
            level,
            city,
            approved,
            source: get(7),
        });
    }
    Ok(zones)
}

/// The default framework (MOFCOM ETDZ 2021 model).
pub fn default_framework() -> Result<Framework, AssessError> {
    Framework::from_toml_str("mofcom-etdz.toml", FRAMEWORK_TOML)
}

/// The default pipeline for the zones.
pub fn default_pipeline() -> Result<Pipeline, AssessError> {
    Pipeline::from_toml_str("zones-pipeline.toml", PIPELINE_TOML)
}

/// A blank submission form in the long layout (`uCode,uName,Time,iCode,iName,Value,Unit`):
/// one row per assessed zone and indicator for `year`, the unit filled in, the value left
/// for the zone to enter. [`Panel::from_csv_str`] reads it back (the `iName` column is
/// there for people and is ignored).
pub fn template_csv(framework: &Framework, zones: &[Zone], year: i32) -> String {
    // The csv writer quotes a name that contains a comma or a quote.
    let mut w = csv::Writer::from_writer(Vec::new());
    let year = year.to_string();
    let mut rows =
        vec![["uCode", "uName", "Time", "iCode", "iName", "Value", "Unit"].map(String::from)];
    for z in zones.iter().filter(|z| z.zone_type.assessed()) {
        for ind in framework.indicators() {
            rows.push([
                z.code.clone(),
                z.name_zh.clone(),
                year.clone(),
                ind.code.clone(),
                ind.name.clone(),
                String::new(),
                ind.unit.clone().unwrap_or_default(),
            ]);
        }
    }
    for r in &rows {
        // Writing to memory cannot fail; a failure would only drop the row.
        let _ = w.write_record(r);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Checks one value of a yearly form as the panel loader would: `indicator` is an indicator
/// of the framework, `unit` (when given) its unit, `value` a number within its valid range
/// (empty text is a missing value, `NaN`). Returns the indicator's column and the value;
/// errors carry `at` with the field (`iCode`, `Unit`, `Value`) filled in.
pub fn check_entry(
    framework: &Framework,
    indicator: &str,
    value: &str,
    unit: Option<&str>,
    at: &Location,
) -> Result<(usize, f64), AssessError> {
    let here = |field: &str| at.clone().field(field);
    let j = framework
        .indicators()
        .iter()
        .position(|n| n.code == indicator)
        .ok_or_else(|| AssessError::UnknownColumn {
            at: here("iCode"),
            name: indicator.to_string(),
        })?;
    let node = framework.node(j);
    if let (Some(given), Some(expected)) = (unit.map(str::trim), &node.unit)
        && !given.is_empty()
        && given != expected
    {
        return Err(AssessError::WrongUnit {
            at: here("Unit"),
            detail: Box::new(crate::error::UnitMismatch {
                indicator: node.code.clone(),
                given: given.to_string(),
                expected: expected.clone(),
            }),
        });
    }
    let v = crate::panel::checked(value.trim(), node, || here("Value"))?;
    Ok((j, v))
}

/// Report options for the zones: ranks within zone type, and the typology of scale (GDP)
/// against growth (GDP growth).
pub fn report_options() -> crate::report::ReportOptions {
    crate::report::ReportOptions {
        group: Some("Type".into()),
        scale: Some("quality_gdp".into()),
        growth: Some("quality_gdp_growth".into()),
        ..crate::report::ReportOptions::default()
    }
}

/// How an indicator's synthetic values behave.
#[derive(Clone, Copy)]
enum Shape {
    /// An amount that scales with the zone's size and grows with its trend.
    Amount(f64),
    /// A count: an amount, rounded.
    Count(f64),
    /// A share of the host city in %, growing with √size.
    Share(f64),
    /// A rate in % (growth), around the zone's trend.
    Rate(f64),
    /// A ratio independent of size (intensity, utilisation rate), improving slowly.
    Ratio(f64),
}

/// Magnitudes for a large zone (size 1), our assumptions for a plausible demo, loosely in
/// line with the orders of magnitude MOFCOM reports for national ETDZs.
fn shape(code: &str) -> Shape {
    match code {
        "open_fdi" => Shape::Amount(60_000.0),
        "open_trade" => Shape::Amount(500.0),
        "open_trade_share" => Shape::Share(30.0),
        "open_trade_growth" => Shape::Rate(4.0),
        "open_hitech_trade" => Shape::Amount(90.0),
        "open_fie" => Shape::Count(250.0),
        "quality_gdp" => Shape::Amount(1000.0),
        "quality_gdp_growth" => Shape::Rate(1.0),
        "quality_tax_share" => Shape::Share(20.0),
        "quality_big_firms" => Shape::Count(35.0),
        "quality_listed" => Shape::Count(10.0),
        "quality_tax_per_land" => Shape::Ratio(150.0),
        "innov_rd" => Shape::Ratio(2.2),
        "innov_labs" => Shape::Count(100.0),
        "innov_htfirms" => Shape::Count(500.0),
        "innov_incubators" => Shape::Count(6.0),
        "innov_patents" => Shape::Count(4000.0),
        "green_energy" => Shape::Ratio(0.45),
        "green_co2" => Shape::Ratio(1.1),
        "green_co2_growth" => Shape::Rate(2.0),
        "green_water" => Shape::Ratio(7.0),
        "green_waste" => Shape::Ratio(85.0),
        "coord_jobs" => Shape::Count(12_000.0),
        "coord_parks" => Shape::Count(3.0),
        "coord_gdp_share" => Shape::Share(15.0),
        _ => Shape::Amount(100.0),
    }
}

/// How strong a zone type is on a pillar, relative to an ETDZ (our assumption): bonded and
/// border zones trade, high-tech zones innovate.
fn profile(t: ZoneType, pillar: &str) -> f64 {
    match (t, pillar) {
        (ZoneType::Hitech, "innov") => 1.6,
        (ZoneType::Hitech, "open") => 0.7,
        (ZoneType::Hitech, "green") => 1.15,
        (ZoneType::Bonded, "open") => 1.5,
        (ZoneType::Bonded, "innov") => 0.35,
        (ZoneType::Bonded, "quality") => 0.35,
        (ZoneType::Bonded, "coord") => 0.4,
        (ZoneType::Border, "open") => 1.1,
        (ZoneType::Border, "innov") => 0.3,
        (ZoneType::Border, "quality") => 0.45,
        (ZoneType::Border, "green") => 0.9,
        _ => 1.0,
    }
}

/// Size of a zone relative to a large one, by type (our assumption), larger in the
/// provincial capital, with a zone-specific spread drawn from the seed.
fn size(zone: &Zone, rng: &mut Rng) -> f64 {
    let base = match zone.zone_type {
        ZoneType::Etdz | ZoneType::Hitech => 0.45,
        ZoneType::Border => 0.2,
        ZoneType::Bonded => 0.12,
        _ => 0.3,
    };
    let capital = if zone.city == "220100" { 1.9 } else { 1.0 };
    base * capital * (0.6 * (rng.next_f64() - 0.5)).exp()
}

/// A normal draw (Box–Muller), for noise.
fn normal(rng: &mut Rng) -> f64 {
    let u1 = rng.next_f64().max(1e-12);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The SYNTHETIC demo panel as wide CSV text (`uCode,uName,uName_en,Time,Type,<indicators>`), for
/// the assessed zones of the registry and the years 2021–2025. Deterministic for a seed.
/// About 4% of values are left blank, and one zone never reports one indicator, so that
/// the imputation steps have work to do, as with real submissions.
pub fn demo_csv(framework: &Framework, zones: &[Zone], seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("uCode,uName,uName_en,Time,Type");
    for ind in framework.indicators() {
        out.push(',');
        out.push_str(&ind.code);
    }
    out.push('\n');
    let assessed: Vec<&Zone> = zones.iter().filter(|z| z.zone_type.assessed()).collect();
    let never = assessed.last().map(|z| z.code.clone());
    for zone in &assessed {
        let s = size(zone, &mut rng);
        // Yearly trend of the zone: mean 6%, sd 4%.
        let trend = 0.06 + 0.04 * normal(&mut rng);
        // Persistent zone quality per indicator (how it does beyond size and type).
        let quality: Vec<f64> = framework
            .indicators()
            .iter()
            .map(|_| (0.25 * normal(&mut rng)).exp())
            .collect();
        for year in DEMO_YEARS {
            let t = f64::from(year - DEMO_YEARS.start());
            // A good or bad year for the zone as a whole (a big project, a lost order).
            let shock = (0.12 * normal(&mut rng)).exp();
            let _ = write!(
                out,
                "{},{},{},{year},{}",
                zone.code,
                quoted(&zone.name_zh),
                quoted(&zone.name_en),
                zone.zone_type.as_str()
            );
            for (j, ind) in framework.indicators().iter().enumerate() {
                let pillar = ind
                    .parent
                    .map(|p| framework.node(p).code.as_str())
                    .unwrap_or("");
                let mut p = profile(zone.zone_type, pillar) * quality[j];
                if ind.direction == Direction::Negative {
                    p = 1.0 / p;
                }
                let noise = shock * (0.05 * normal(&mut rng)).exp();
                let growth = (1.0 + trend).powf(t);
                let v = match shape(&ind.code) {
                    Shape::Amount(b) | Shape::Count(b) => b * s * p * growth * noise,
                    Shape::Share(b) => (b * s.sqrt() * p * noise).min(90.0),
                    Shape::Rate(b) => b + 100.0 * trend + 4.0 * normal(&mut rng),
                    Shape::Ratio(b) => {
                        // Intensities fall and utilisation rises a little every year.
                        let drift = if ind.direction == Direction::Negative {
                            0.97f64.powf(t)
                        } else {
                            1.0
                        };
                        b * p * drift * noise
                    }
                };
                let v = match shape(&ind.code) {
                    Shape::Count(_) => v.round(),
                    _ => v,
                };
                let v = match (ind.min, ind.max) {
                    (Some(lo), Some(hi)) => v.clamp(lo, hi),
                    (Some(lo), None) => v.max(lo),
                    _ => v,
                };
                let blank = rng.next_f64() < 0.04
                    || (Some(&zone.code) == never.as_ref() && ind.code == "innov_patents");
                out.push(',');
                if !blank {
                    let _ = write!(out, "{}", (v * 100.0).round() / 100.0);
                }
            }
            out.push('\n');
        }
    }
    out
}

/// A CSV field, quoted when it needs to be.
fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The SYNTHETIC demo panel, read back through the same loader (and checks) as uploaded
/// data. Its source says it is synthetic.
pub fn demo_panel(framework: &Framework, zones: &[Zone]) -> Result<Panel, AssessError> {
    Panel::from_csv_str(
        DEMO_SOURCE,
        &demo_csv(framework, zones, DEMO_SEED),
        framework,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_reads_and_is_consistent() {
        let zones = registry().unwrap();
        assert_eq!(zones.len(), 23);
        let cc = zones.iter().find(|z| z.code == "cc-etdz").unwrap();
        assert_eq!(cc.name_zh, "长春经济技术开发区");
        assert_eq!((cc.zone_type, cc.approved), (ZoneType::Etdz, Some(1993)));
        assert_eq!(zones.iter().filter(|z| z.zone_type.assessed()).count(), 14);
        assert!(zones.iter().all(|z| !z.source.is_empty()));
        // The demonstration zones a review asked about: listed, not ranked.
        for code in ["cc-airport-pilot", "cc-agri-pilot", "hc-marine-pilot"] {
            let z = zones.iter().find(|z| z.code == code).unwrap();
            assert_eq!(z.zone_type, ZoneType::Pilot);
        }
    }

    #[test]
    fn a_form_entry_is_checked_like_the_loader_checks_a_row() {
        let fw = default_framework().unwrap();
        let at = Location::row("form.xlsx", 7);
        let (j, v) = check_entry(&fw, "open_fdi", "1200", Some("万美元"), &at).unwrap();
        assert_eq!((fw.indicators()[j].code.as_str(), v), ("open_fdi", 1200.0));
        assert!(
            check_entry(&fw, "open_fdi", "", None, &at)
                .unwrap()
                .1
                .is_nan()
        );
        let field = |e: AssessError| e.location().and_then(|l| l.field.clone()).unwrap();
        let e = check_entry(&fw, "open_trade_share", "140", None, &at).unwrap_err();
        assert!(e.to_string().contains("row 7"), "{e}");
        assert_eq!(field(e), "Value");
        let e = check_entry(&fw, "open_fdi", "1200", Some("亿元"), &at).unwrap_err();
        assert_eq!(field(e), "Unit");
        let e = check_entry(&fw, "open_fdi", "many", None, &at).unwrap_err();
        assert_eq!(field(e), "Value");
        let e = check_entry(&fw, "Index", "1", None, &at).unwrap_err();
        assert_eq!(field(e), "iCode", "an aggregate is not an indicator");
    }

    #[test]
    fn an_overlay_replaces_single_values_and_adds_a_year() {
        let fw = default_framework().unwrap();
        let zones = registry().unwrap();
        let base = demo_panel(&fw, &zones).unwrap();
        let j = fw.find("open_fdi").unwrap();
        let i = base
            .units()
            .iter()
            .position(|u| u.code == "hc-bezc")
            .unwrap();
        let p = base
            .overlay(
                "mixed",
                &[
                    ("hc-bezc".into(), 2024, j, 5.0),
                    ("hc-bezc".into(), 2030, j, 6.0),
                ],
            )
            .unwrap();
        assert_eq!(p.source(), "mixed");
        assert_eq!(p.values(2024).unwrap().get(i, j), 5.0);
        // NaN is not equal to itself, so the untouched year is compared as text.
        assert_eq!(
            format!("{:?}", p.values(2023)),
            format!("{:?}", base.values(2023))
        );
        assert_eq!(p.latest_year(), 2030);
        assert_eq!(p.values(2030).unwrap().get(i, j), 6.0);
        assert!(p.values(2030).unwrap().get(0, j).is_nan() || i == 0);
        assert!(p.year(2030).is_ok());
        assert!(
            base.overlay("x", &[("nowhere".into(), 2024, j, 1.0)])
                .is_err()
        );
    }

    #[test]
    fn registry_errors_name_row_and_field() {
        let head = "code,name_zh,name_en,type,level,city,approved,source\n";
        let e = parse_registry(
            "z.csv",
            &format!("{head}a,甲,A,park,national,220100,,list\n"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "z.csv, row 2, field type: \"park\" is not one of etdz, hitech, bonded, border, newarea, pilot, cbec"
        );
        let e = parse_registry(
            "z.csv",
            &format!("{head}a,甲,A,etdz,national,110100,,list\n"),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("z.csv, row 2, field city:"),
            "{e}"
        );
    }

    #[test]
    fn the_default_framework_follows_mofcom_weights() {
        let fw = default_framework().unwrap();
        let w = crate::weights::Weights::from_framework(&fw).normalised(&fw);
        for (code, share) in [
            ("open", 0.30),
            ("quality", 0.30),
            ("innov", 0.15),
            ("green", 0.15),
            ("coord", 0.10),
        ] {
            let i = fw.find(code).unwrap();
            assert!((w.get(i) - share).abs() < 1e-12, "{code}");
        }
        for ind in fw.indicators() {
            let s = ind.source.as_deref().unwrap_or("");
            assert!(
                s.starts_with("public: ") || s == "our choice",
                "{}",
                ind.code
            );
            assert!(ind.unit.is_some() && ind.name_en.is_some(), "{}", ind.code);
        }
        default_pipeline().unwrap();
    }

    #[test]
    fn the_demo_is_deterministic_and_passes_the_checks() {
        let fw = default_framework().unwrap();
        let zones = registry().unwrap();
        let a = demo_csv(&fw, &zones, DEMO_SEED);
        assert_eq!(a, demo_csv(&fw, &zones, DEMO_SEED));
        assert_ne!(a, demo_csv(&fw, &zones, DEMO_SEED + 1));
        let p = demo_panel(&fw, &zones).unwrap();
        assert_eq!(p.years(), &[2021, 2022, 2023, 2024, 2025]);
        assert_eq!(p.units().len(), 14);
        assert!(p.source().contains("SYNTHETIC"));
    }

    #[test]
    fn the_template_reads_back_once_filled() {
        let fw = default_framework().unwrap();
        let zones = registry().unwrap();
        let t = template_csv(&fw, &zones, 2026);
        assert_eq!(t.lines().count(), 1 + 14 * fw.n_indicators());
        // Every value 1: the units in the template are the framework's, so this loads.
        let filled: String = t
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    format!("{l}\n")
                } else {
                    let mut cells: Vec<&str> = l.split(',').collect();
                    cells[5] = "1";
                    format!("{}\n", cells.join(","))
                }
            })
            .collect();
        let p = Panel::from_csv_str("form.csv", &filled, &fw).unwrap();
        assert_eq!((p.years(), p.units().len()), (&[2026][..], 14));
    }

    #[test]
    fn the_default_assessment_runs_on_the_demo() {
        let fw = default_framework().unwrap();
        let panel = demo_panel(&fw, &registry().unwrap()).unwrap();
        let r = crate::report::assess(
            &default_pipeline().unwrap(),
            &fw,
            &panel,
            &report_options(),
            &crate::uncertainty::Control::default(),
        )
        .unwrap();
        if std::env::var("SHOW_DEMO").is_ok() {
            eprintln!("{}", r.to_csv());
            eprintln!("{}", r.to_json().unwrap());
        }
        assert!(r.synthetic);
        assert_eq!((r.year, r.previous_year), (Some(2025), Some(2024)));
        assert_eq!(r.units.len(), 14);
        assert!(
            r.units
                .iter()
                .all(|u| u.rank.is_some() && u.movement.is_some())
        );
        assert!(r.units.iter().all(|u| !u.suggestions.is_empty()));
        assert!(r.units.iter().all(|u| u.placement.is_some()));
    }
}
