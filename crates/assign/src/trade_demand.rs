//! Freight demand from the customs statistics: export and import values by city, partner and
//! HS chapter turned into containers per year between network places.
//!
//! - **Value per tonne** comes from the same records: for each chapter and flow, the value of
//!   the records whose first quantity is in kilograms divided by that quantity. A chapter
//!   with no such records takes the value per tonne of all kilogram records of its flow (and
//!   is listed as such). The figure is therefore as good as the statistics it is computed
//!   from, and synthetic when they are.
//! - **Tonnes to TEU** at the channels costing's 12 tonnes per TEU.
//! - **Bulk chapters** 25–27 (salt, ores, mineral fuels) travel in bulk ships and wagons, not
//!   containers; the container assignment leaves them out and says how much value that is.
//! - **Places**: a city's GB/T 2260 code and a partner's ISO code map to network nodes through
//!   `data/assign/trade_places.csv`; value with no mapping is reported, not dropped silently.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::freight::DemandRow;

pub const PLACES_FILE: &str = "data/assign/trade_places.csv";
pub const PLACES: &str = include_str!("../../../data/assign/trade_places.csv");
pub const TONNES_PER_TEU: f64 = kaifang_channels::costing::TONNES_PER_TEU;
/// HS chapters shipped in bulk rather than in containers.
pub const BULK_CHAPTERS: [&str; 3] = ["25", "26", "27"];

/// One aggregate of the customs records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeCell {
    /// GB/T 2260 code of the registration place.
    pub city: String,
    pub partner_iso2: String,
    /// "export" or "import".
    pub flow: String,
    pub chapter: String,
    pub value_cny: f64,
    /// Σ first quantity over the records measured in kilograms, and their value.
    pub kg: f64,
    pub value_of_kg_records: f64,
}

#[derive(Debug, Clone, Deserialize)]
struct PlaceRow {
    kind: String,
    code: String,
    node: String,
    #[allow(dead_code)]
    source: String,
}

/// What the conversion did with the value it was given.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    pub value_total: f64,
    pub value_assigned: f64,
    pub value_bulk: f64,
    /// Value whose city or partner has no network place, by code.
    pub value_unmapped: BTreeMap<String, f64>,
    /// Chapters (with flow) whose value per tonne fell back to the flow's average.
    pub fallback_chapters: Vec<String>,
    /// Yuan per tonne by "flow chapter".
    pub value_per_tonne: BTreeMap<String, f64>,
}

/// Converts trade cells of one year to container demand rows; `label` names the data (e.g.
/// "customs statistics 2025, synthetic").
/// Codes to network node ids.
pub type PlaceMap = HashMap<String, String>;

/// The network node of each city (GB/T 2260 code) and of each partner (ISO 3166 alpha-2), from
/// `data/assign/trade_places.csv`.
pub fn places() -> Result<(PlaceMap, PlaceMap), Error> {
    let mut rdr = csv::Reader::from_reader(PLACES.as_bytes());
    let mut region = HashMap::new();
    let mut partner = HashMap::new();
    for (i, r) in rdr.deserialize::<PlaceRow>().enumerate() {
        let r = r.map_err(|e| Error::line(PLACES_FILE, i as u64 + 2, "-", e.to_string()))?;
        match r.kind.as_str() {
            "region" => region.insert(r.code, r.node),
            "partner" => partner.insert(r.code, r.node),
            other => {
                return Err(Error::line(
                    PLACES_FILE,
                    i as u64 + 2,
                    "kind",
                    format!("{other:?} is neither region nor partner"),
                ));
            }
        };
    }
    Ok((region, partner))
}

pub fn demand(cells: &[TradeCell], label: &str) -> Result<(Vec<DemandRow>, Coverage), Error> {
    let (region, partner) = places()?;
    // Value per tonne by (flow, chapter), and by flow as the fallback.
    let mut by_chapter: HashMap<(String, String), (f64, f64)> = HashMap::new();
    let mut by_flow: HashMap<String, (f64, f64)> = HashMap::new();
    for c in cells {
        if c.kg > 0.0 && c.value_of_kg_records > 0.0 {
            let e = by_chapter
                .entry((c.flow.clone(), c.chapter.clone()))
                .or_default();
            e.0 += c.value_of_kg_records;
            e.1 += c.kg / 1000.0;
            let f = by_flow.entry(c.flow.clone()).or_default();
            f.0 += c.value_of_kg_records;
            f.1 += c.kg / 1000.0;
        }
    }
    let mut cov = Coverage::default();
    let mut teu: BTreeMap<(String, String, String), (f64, f64)> = BTreeMap::new();
    for c in cells {
        if !(c.value_cny.is_finite() && c.value_cny >= 0.0) {
            return Err(Error::Invalid(format!(
                "trade value {} for {} {} {} {}",
                c.value_cny, c.city, c.partner_iso2, c.flow, c.chapter
            )));
        }
        cov.value_total += c.value_cny;
        if BULK_CHAPTERS.contains(&c.chapter.as_str()) {
            cov.value_bulk += c.value_cny;
            continue;
        }
        let (Some(city), Some(abroad)) = (region.get(&c.city), partner.get(&c.partner_iso2)) else {
            let code = if region.contains_key(&c.city) {
                format!("partner {}", c.partner_iso2)
            } else {
                format!("city {}", c.city)
            };
            *cov.value_unmapped.entry(code).or_default() += c.value_cny;
            continue;
        };
        let key = (c.flow.clone(), c.chapter.clone());
        let vpt = match by_chapter.get(&key) {
            Some((v, t)) if *t > 0.0 => v / t,
            _ => {
                let label = format!("{} {}", c.flow, c.chapter);
                if !cov.fallback_chapters.contains(&label) {
                    cov.fallback_chapters.push(label);
                }
                match by_flow.get(&c.flow) {
                    Some((v, t)) if *t > 0.0 => v / t,
                    _ => {
                        return Err(Error::Invalid(format!(
                            "no {} records in kilograms to derive a value per tonne from",
                            c.flow
                        )));
                    }
                }
            }
        };
        cov.value_per_tonne
            .insert(format!("{} {}", c.flow, c.chapter), vpt);
        cov.value_assigned += c.value_cny;
        let (o, d) = match c.flow.as_str() {
            "export" => (city.clone(), abroad.clone()),
            "import" => (abroad.clone(), city.clone()),
            other => {
                return Err(Error::Invalid(format!(
                    "flow {other:?} is neither export nor import"
                )));
            }
        };
        let e = teu.entry((o, d, c.flow.clone())).or_default();
        e.0 += c.value_cny / vpt / TONNES_PER_TEU;
        e.1 += c.value_cny;
    }
    let rows = teu
        .into_iter()
        .filter(|(_, (t, _))| *t > 0.0)
        .enumerate()
        .map(|(i, ((o, d, flow), (t, v)))| DemandRow {
            origin: o,
            destination: d,
            cargo: "container".into(),
            regime: flow,
            amount: t,
            unit: "TEU/year".into(),
            value_cny_per_unit: v / t,
            source: format!(
                "derived from {label}: value ÷ value per tonne ÷ {TONNES_PER_TEU} t/TEU"
            ),
            row: i as u64 + 2,
        })
        .collect();
    Ok((rows, cov))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(city: &str, p: &str, flow: &str, ch: &str, v: f64, kg: f64) -> TradeCell {
        TradeCell {
            city: city.into(),
            partner_iso2: p.into(),
            flow: flow.into(),
            chapter: ch.into(),
            value_cny: v,
            kg,
            value_of_kg_records: if kg > 0.0 { v } else { 0.0 },
        }
    }

    #[test]
    fn values_become_teu_through_the_records_own_value_per_tonne() -> Result<(), Error> {
        let cells = [
            // 87: 1.2e6 yuan for 12 t → 1e5 yuan/t; 2.4e6 yuan → 24 t → 2 TEU.
            cell("220100", "DE", "export", "87", 1.2e6, 12_000.0),
            cell("220100", "DE", "export", "87", 1.2e6, 0.0),
            cell("220100", "RU", "import", "27", 5e6, 1e6),
            cell("220100", "AU", "export", "87", 1e6, 0.0),
            cell("220100", "DE", "export", "90", 2.4e5, 0.0),
        ];
        let (rows, cov) = demand(&cells, "test")?;
        let de: f64 = rows
            .iter()
            .filter(|r| r.destination == "duisburg")
            .map(|r| r.amount)
            .sum();
        // 87: 2 TEU; 90 falls back to the export average (1e5 yuan/t): 2.4 t = 0.2 TEU.
        assert!((de - 2.2).abs() < 1e-9, "{de}");
        assert_eq!(cov.value_bulk, 5e6);
        assert_eq!(cov.value_unmapped.get("partner AU"), Some(&1e6));
        assert_eq!(cov.fallback_chapters, vec!["export 90".to_string()]);
        assert!(rows.iter().all(|r| r.origin == "changchun"));
        Ok(())
    }
}
