//! Cooperation (对外合作) for both faces: the registry of partners with its world map, the
//! exchanges and visits, international arrivals by month and source market, and entry
//! facilitation — Jilin's ports of entry with their status and the visa policies that apply.
//!
//! The sourced partners (`data/cooperation/partners.csv`) enter every new registry; the demo
//! adds synthetic liaison offices, chambers, exchanges and arrivals, each labelled so. The
//! ports are nodes of the channels' default network, so a crossing's status is written once.

use std::collections::BTreeSet;

use kaifang_invest::cooperation::{
    self, Direction, ExchangeKind, PartnerKind, PartnerStatus, VisaPolicy,
};
use kaifang_invest::tourism::{self, Month, TourismFigures, TourismRow};
use kaifang_store::Store;
use kaifang_store::audit::Who;
use kaifang_store::cooperation::{
    Contact, ExchangeItem, NewExchange, NewPartner, PartnerChange, PartnerDetail,
};
use kaifang_store::rules::parse_date;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::{AppError, AppResult};

const PARTNERS: &str = include_str!("../../../data/cooperation/partners.csv");
const VISAS: &str = include_str!("../../../data/cooperation/visa-policies.csv");
const PORTS: &str = include_str!("../../../data/cooperation/ports-of-entry.csv");
const DEMO: &str = include_str!("../../../data/cooperation/demo.toml");

/// The source every synthetic arrivals row carries.
pub const SYNTHETIC_TOURISM_SOURCE: &str = "synthetic demo data (合成演示数据), not statistics";

/// The sourced partners, as the registry enters them.
pub fn reference_partners() -> AppResult<Vec<NewPartner>> {
    let rows = cooperation::partners_from_csv("data/cooperation/partners.csv", PARTNERS)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|r| NewPartner {
            code: r.code,
            kind: r.kind,
            name_zh: r.name_zh,
            name_en: r.name_en,
            country: r.country,
            region: r.region,
            since: r.since,
            status: r.status,
            lat: r.lat,
            lon: r.lon,
            agreements: r.agreements,
            contacts: Vec::new(),
            lead_org_id: None,
            note: String::new(),
            source: r.source,
            verified: r.verified,
            synthetic: false,
        })
        .collect())
}

/// A partner to enter.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PartnerRequest {
    /// A stable key: lower-case letters, digits and `-`.
    pub code: String,
    #[schema(value_type = String)]
    pub kind: PartnerKind,
    pub name_zh: String,
    pub name_en: String,
    /// ISO 3166-1 alpha-2 (`CN` for partners at home).
    pub country: String,
    #[serde(default)]
    pub region: String,
    pub since: Option<i32>,
    #[schema(value_type = String)]
    pub status: PartnerStatus,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub agreements: String,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    pub lead_org_id: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// Where the entry comes from (an agreement, a letter, a published list).
    pub source: String,
    #[serde(default)]
    pub verified: bool,
}

impl PartnerRequest {
    pub fn into_new(self) -> NewPartner {
        NewPartner {
            code: self.code,
            kind: self.kind,
            name_zh: self.name_zh,
            name_en: self.name_en,
            country: self.country.trim().to_ascii_uppercase(),
            region: self.region,
            since: self.since,
            status: self.status,
            lat: self.lat,
            lon: self.lon,
            agreements: self.agreements,
            contacts: self.contacts,
            lead_org_id: self.lead_org_id,
            note: self.note,
            source: self.source,
            verified: self.verified,
            synthetic: false,
        }
    }
}

/// A change to a partner, made on the version the caller read.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PartnerChangeRequest {
    pub version: i64,
    #[schema(value_type = Option<String>)]
    pub status: Option<PartnerStatus>,
    pub agreements: Option<String>,
    pub contacts: Option<Vec<Contact>>,
    pub lead_org_id: Option<i64>,
    pub note: Option<String>,
    pub verified: Option<bool>,
}

impl PartnerChangeRequest {
    pub fn change(&self) -> PartnerChange {
        PartnerChange {
            status: self.status,
            agreements: self.agreements.clone(),
            contacts: self.contacts.clone(),
            lead_org_id: self.lead_org_id,
            note: self.note.clone(),
            verified: self.verified,
        }
    }
}

/// An exchange to record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ExchangeRequest {
    pub title: String,
    #[schema(value_type = String)]
    pub kind: ExchangeKind,
    #[schema(value_type = String)]
    pub direction: Direction,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    /// `YYYY-MM-DD`; the start day when omitted.
    pub ends_on: Option<String>,
    #[serde(default)]
    pub place: String,
    /// ISO alpha-2 of the country visited or the delegation's.
    pub country: String,
    #[serde(default)]
    pub participants: i64,
    #[serde(default)]
    pub agreements: i64,
    #[serde(default)]
    pub outcomes: String,
    pub lead_org_id: i64,
    #[serde(default)]
    pub partner_ids: Vec<i64>,
    /// Investment projects that came of it.
    #[serde(default)]
    pub project_ids: Vec<i64>,
}

impl ExchangeRequest {
    pub fn into_new(self) -> AppResult<NewExchange> {
        let starts_on = parse_date("starts_on", &self.starts_on)?;
        let ends_on = match self.ends_on.as_deref().map(str::trim) {
            None | Some("") => starts_on,
            Some(d) => parse_date("ends_on", d)?,
        };
        Ok(NewExchange {
            title: self.title,
            kind: self.kind,
            direction: self.direction,
            starts_on,
            ends_on,
            place: self.place,
            country: self.country.trim().to_ascii_uppercase(),
            participants: self.participants,
            agreements: self.agreements,
            outcomes: self.outcomes,
            lead_org_id: self.lead_org_id,
            partner_ids: self.partner_ids,
            project_ids: self.project_ids,
            synthetic: false,
        })
    }
}

/// The year's exchanges in figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExchangeSummary {
    pub year: i32,
    pub exchanges: usize,
    pub inbound: usize,
    pub outbound: usize,
    pub hosted: usize,
    pub participants: i64,
    pub agreements: i64,
    /// Investment projects that came of them.
    pub projects: usize,
    /// Counts by kind (`economic`, `technology`, …).
    pub by_kind: Vec<KindCount>,
    /// Any of them synthetic demo data.
    pub synthetic: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: usize,
}

/// The figures of `year`'s exchanges among `items`.
pub fn exchange_summary(items: &[ExchangeItem], year: i32) -> ExchangeSummary {
    let this: Vec<&ExchangeItem> = items
        .iter()
        .filter(|x| x.starts_on.get(..4) == Some(&format!("{year:04}")))
        .collect();
    let count = |d: Direction| this.iter().filter(|x| x.direction == d).count();
    let projects: BTreeSet<i64> = this
        .iter()
        .flat_map(|x| x.projects.iter().map(|p| p.id))
        .collect();
    ExchangeSummary {
        year,
        exchanges: this.len(),
        inbound: count(Direction::Inbound),
        outbound: count(Direction::Outbound),
        hosted: count(Direction::Hosted),
        participants: this.iter().map(|x| x.participants).sum(),
        agreements: this.iter().map(|x| x.agreements).sum(),
        projects: projects.len(),
        by_kind: ExchangeKind::ALL
            .iter()
            .map(|k| KindCount {
                kind: k.key().into(),
                count: this.iter().filter(|x| x.kind == *k).count(),
            })
            .filter(|k| k.count > 0)
            .collect(),
        synthetic: this.iter().any(|x| x.synthetic),
    }
}

/// International arrivals: the year's figures, the years known, and where they come from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TourismAnswer {
    pub figures: TourismFigures,
    pub years: Vec<i32>,
    /// The sources of the year's rows.
    pub sources: Vec<String>,
    /// Any of the year's rows synthetic demo data.
    pub synthetic: bool,
}

/// The figures of `year` (default: the latest year with figures).
pub async fn tourism_figures(store: &Store, year: Option<i32>) -> AppResult<TourismAnswer> {
    let records = store.tourism().await?;
    let rows: Vec<TourismRow> = records
        .iter()
        .filter_map(|r| {
            Some(TourismRow {
                row: 0,
                month: Month::parse(&r.month)?,
                market: r.market.clone(),
                visitors: u64::try_from(r.visitors).ok()?,
                overnight: r.overnight.and_then(|o| u64::try_from(o).ok()),
                receipts: r.receipts,
            })
        })
        .collect();
    let years: Vec<i32> = rows
        .iter()
        .map(|r| r.month.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let year = match year {
        Some(y) if (1990..=2100).contains(&y) => y,
        Some(_) => return Err(AppError::field("year", "a year between 1990 and 2100")),
        None => years.last().copied().unwrap_or(2025),
    };
    let prefix = format!("{year:04}-");
    let this = || records.iter().filter(|r| r.month.starts_with(&prefix));
    Ok(TourismAnswer {
        figures: tourism::figures(&rows, year),
        years,
        sources: this()
            .map(|r| r.source.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        synthetic: this().any(|r| r.synthetic),
    })
}

/// What a tourism import did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TourismImportReport {
    pub file: String,
    pub rows: usize,
    /// The months it covered (each replaced whole).
    pub months: Vec<String>,
}

/// Imports a statistics table of arrivals (.xlsx or CSV UTF-8): every row, or none, with
/// every problem named (`AppError::Sheet`). The months it covers replace what was stored.
pub async fn import_tourism(
    store: &Store,
    who: &Who,
    file: &str,
    bytes: Vec<u8>,
) -> AppResult<TourismImportReport> {
    let name = file.to_string();
    let rows = tokio::task::spawn_blocking(move || {
        let country = |t: &str| crate::invest::country_code(t);
        // An .xlsx is a zip: it starts with "PK".
        if bytes.starts_with(b"PK") {
            tourism::read_xlsx(&bytes, &country)
        } else {
            tourism::read_csv(&bytes, &country)
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("reading {name}: {e}")))?
    .map_err(AppError::Sheet)?;
    if rows.is_empty() {
        return Err(AppError::field(
            "file",
            format!("{file}: the table has no rows"),
        ));
    }
    store
        .import_tourism(who, &rows, &format!("imported from {file}"), false)
        .await?;
    let months: BTreeSet<String> = rows.iter().map(|r| r.month.key()).collect();
    Ok(TourismImportReport {
        file: file.into(),
        rows: rows.len(),
        months: months.into_iter().collect(),
    })
}

/// A port of entry of the province with the policies that apply there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PortOfEntry {
    /// The node of the channels network.
    pub node: String,
    pub name: String,
    pub name_zh: String,
    pub city_zh: String,
    /// `road`, `rail` or `air`.
    pub mode: String,
    /// The neighbouring country of a land crossing.
    pub neighbour: Option<String>,
    /// `open`, `closed`, `planned:…` or `seasonal:5-10`, as the network records it.
    pub status: String,
    pub lon: f64,
    pub lat: f64,
    pub source: String,
    /// Codes of the visa policies in force that apply at this port.
    pub policies: Vec<String>,
}

/// Entry facilitation: the ports and the policies.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryFacilitation {
    pub ports: Vec<PortOfEntry>,
    pub policies: Vec<PolicyInForce>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyInForce {
    #[serde(flatten)]
    pub policy: VisaPolicy,
    /// In force on the day asked.
    pub in_force: bool,
}

/// The visa policies of the reference file.
pub fn visa_policies() -> AppResult<Vec<VisaPolicy>> {
    cooperation::visa_policies_from_csv("data/cooperation/visa-policies.csv", VISAS)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Jilin's ports of entry with their status and the policies in force on `day`.
pub fn entry_facilitation(
    channels: &kaifang_channels::defaults::Channels,
    day: Date,
) -> AppResult<EntryFacilitation> {
    use kaifang_channels::model::NodeKind;
    let policies = visa_policies()?;
    let mut reader = csv::Reader::from_reader(PORTS.as_bytes());
    let mut ports = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            AppError::Internal(format!(
                "data/cooperation/ports-of-entry.csv, line {}: {e}",
                i + 2
            ))
        })?;
        let (id, city, source) = (&rec[0], &rec[1], &rec[2]);
        let node = channels
            .network
            .nodes()
            .iter()
            .find(|n| n.id == id)
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "data/cooperation/ports-of-entry.csv, line {}: no node {id} in the network",
                    i + 2
                ))
            })?;
        let (mode, neighbour) = match &node.kind {
            NodeKind::BorderCrossing(c) => {
                let other = if c.countries.0.as_str() == "CN" {
                    c.countries.1
                } else {
                    c.countries.0
                };
                (c.way.tag().to_string(), Some(other.as_str().to_string()))
            }
            NodeKind::Airport => ("air".to_string(), None),
            other => (other.tag().to_string(), None),
        };
        let status = node.status.to_string();
        let applies = |p: &VisaPolicy| {
            p.in_force(day)
                && (p.ports.iter().any(|x| x == "all" && status != "closed")
                    || p.ports.iter().any(|x| x == id))
        };
        ports.push(PortOfEntry {
            node: id.to_string(),
            name: node.name.clone(),
            name_zh: node.name_zh.clone(),
            city_zh: city.to_string(),
            mode,
            neighbour,
            lon: node.position.lon,
            lat: node.position.lat,
            source: if source == "as above" {
                node.source.clone()
            } else {
                format!("{source}; {}", node.source)
            },
            policies: policies
                .iter()
                .filter(|p| applies(p))
                .map(|p| p.code.clone())
                .collect(),
            status: status.clone(),
        });
    }
    Ok(EntryFacilitation {
        ports,
        policies: policies
            .into_iter()
            .map(|p| PolicyInForce {
                in_force: p.in_force(day),
                policy: p,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct DemoFile {
    partner: Vec<DemoPartner>,
    exchange: Vec<DemoExchange>,
}

#[derive(Deserialize)]
struct DemoPartner {
    code: String,
    kind: PartnerKind,
    name_zh: String,
    name_en: String,
    country: String,
    #[serde(default)]
    region: String,
    since: Option<i32>,
    status: PartnerStatus,
    lat: f64,
    lon: f64,
    lead: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    contacts: Vec<Contact>,
}

#[derive(Deserialize)]
struct DemoExchange {
    title: String,
    kind: ExchangeKind,
    direction: Direction,
    ago: i64,
    days: i64,
    place: String,
    country: String,
    participants: i64,
    agreements: i64,
    outcomes: String,
    lead: String,
    #[serde(default)]
    partners: Vec<String>,
    #[serde(default)]
    projects: Vec<String>,
}

/// Synthetic arrivals: markets with a typical month's arrivals and a yearly growth.
const DEMO_MARKETS: [(&str, f64, f64); 10] = [
    ("RU", 9000.0, 0.22),
    ("KR", 7000.0, 0.10),
    ("JP", 2500.0, 0.06),
    ("MN", 700.0, 0.05),
    ("US", 900.0, 0.04),
    ("DE", 500.0, 0.08),
    ("HK", 600.0, 0.03),
    ("TW", 400.0, 0.02),
    ("SG", 300.0, 0.07),
    ("ZZ", 1500.0, 0.05),
];

/// The demo's arrivals from January three years back to the last full month before `today`.
pub fn demo_tourism(today: Date) -> Vec<TourismRow> {
    // Winter snow tourism and the summer season lift arrivals; spring and autumn are quieter.
    const SEASON: [f64; 12] = [
        1.25, 1.15, 0.85, 0.8, 0.9, 1.0, 1.35, 1.45, 1.0, 0.95, 0.8, 1.1,
    ];
    let last = if today.month() as u8 == 1 {
        Month {
            year: today.year() - 1,
            month: 12,
        }
    } else {
        Month {
            year: today.year(),
            month: today.month() as u8 - 1,
        }
    };
    let first_year = last.year - 2;
    let mut rows = Vec::new();
    for year in first_year..=last.year {
        for month in 1..=12u8 {
            let m = Month { year, month };
            if m > last {
                break;
            }
            for (k, (market, base, growth)) in DEMO_MARKETS.iter().enumerate() {
                // A fixed wobble per market and month, so the demo is the same on every load.
                let wobble = 1.0
                    + (((year as usize * 13 + month as usize * 7 + k * 5) % 11) as f64 - 5.0)
                        / 60.0;
                let years = f64::from(year - first_year);
                let v = base * (1.0 + growth).powf(years) * SEASON[month as usize - 1] * wobble;
                let visitors = v.round() as u64;
                rows.push(TourismRow {
                    row: 0,
                    month: m,
                    market: (*market).to_string(),
                    visitors,
                    overnight: Some((v * 0.72).round() as u64),
                    receipts: Some((v * 480.0 / 10_000.0 * 10.0).round() / 10.0),
                });
            }
        }
    }
    rows
}

/// Enters the sourced partners (any not yet in the registry).
pub async fn seed_reference(store: &Store, who: &Who) -> AppResult<usize> {
    Ok(store.seed_partners(who, &reference_partners()?).await?)
}

/// Enters the demo's synthetic partners, exchanges and arrivals, after the sourced partners.
pub async fn seed_demo(store: &Store, who: &Who, today: Date) -> AppResult<()> {
    seed_reference(store, who).await?;
    let file: DemoFile = toml::from_str(DEMO)
        .map_err(|e| AppError::Internal(format!("data/cooperation/demo.toml: {e}")))?;
    let orgs = store.orgs(None).await?;
    let org = |code: &str| {
        orgs.iter()
            .find(|o| o.code == code)
            .map(|o| o.id)
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "data/cooperation/demo.toml: no organisation {code}"
                ))
            })
    };
    let mut partners = Vec::with_capacity(file.partner.len());
    for p in file.partner {
        partners.push(NewPartner {
            code: p.code,
            kind: p.kind,
            name_zh: p.name_zh,
            name_en: p.name_en,
            country: p.country,
            region: p.region,
            since: p.since,
            status: p.status,
            lat: p.lat,
            lon: p.lon,
            agreements: String::new(),
            contacts: p.contacts,
            lead_org_id: Some(org(&p.lead)?),
            note: p.note,
            source: "synthetic demo data (合成演示数据)".into(),
            verified: false,
            synthetic: true,
        });
    }
    store.seed_partners(who, &partners).await?;
    let known = store.partners(None).await?;
    let projects = store
        .projects(&kaifang_store::invest::ProjectFilter::default())
        .await?;
    let mut exchanges = Vec::with_capacity(file.exchange.len());
    for x in file.exchange {
        let partner_ids = x
            .partners
            .iter()
            .map(|c| {
                known
                    .iter()
                    .find(|p| &p.code == c)
                    .map(|p| p.id)
                    .ok_or_else(|| {
                        AppError::Internal(format!("data/cooperation/demo.toml: no partner {c}"))
                    })
            })
            .collect::<AppResult<Vec<_>>>()?;
        // Projects are the demo's; a registry without them records the exchange alone.
        let project_ids = x
            .projects
            .iter()
            .filter_map(|n| projects.iter().find(|p| &p.name == n).map(|p| p.id))
            .collect();
        let starts_on = today - time::Duration::days(x.ago);
        exchanges.push(NewExchange {
            title: x.title,
            kind: x.kind,
            direction: x.direction,
            starts_on,
            ends_on: starts_on + time::Duration::days((x.days - 1).max(0)),
            place: x.place,
            country: x.country,
            participants: x.participants,
            agreements: x.agreements,
            outcomes: x.outcomes,
            lead_org_id: org(&x.lead)?,
            partner_ids,
            project_ids,
            synthetic: true,
        });
    }
    store.seed_exchanges(who, &exchanges).await?;
    if store.tourism().await?.is_empty() {
        store
            .import_tourism(who, &demo_tourism(today), SYNTHETIC_TOURISM_SOURCE, true)
            .await?;
    }
    Ok(())
}

/// The partner, for a face that answers it after a change.
pub async fn partner(store: &Store, id: i64) -> AppResult<PartnerDetail> {
    Ok(store.partner(id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_port_of_entry_is_a_node_of_the_network_and_the_policies_apply_where_they_say() {
        let channels = kaifang_channels::defaults::Channels::load().unwrap();
        let day = time::macros::date!(2025 - 10 - 01);
        let f = entry_facilitation(&channels, day).unwrap();
        assert_eq!(f.ports.len(), 16);
        let hunchun = f
            .ports
            .iter()
            .find(|p| p.node == "cn-ru-hunchun-road")
            .unwrap();
        assert_eq!(hunchun.neighbour.as_deref(), Some("RU"));
        assert!(
            hunchun
                .policies
                .contains(&"cn-ru-visa-free-trial".to_string())
        );
        // A closed crossing admits nobody, whatever policy is in force.
        let closed = f.ports.iter().find(|p| p.status == "closed").unwrap();
        assert!(closed.policies.is_empty(), "{}", closed.node);
        // No Jilin port is a designated port of the 240-hour transit policy.
        assert!(
            f.ports
                .iter()
                .all(|p| !p.policies.iter().any(|c| c == "cn-240h-transit"))
        );
        // The trial for Russian citizens ends on 14 September 2026.
        let later = entry_facilitation(&channels, time::macros::date!(2026 - 10 - 01)).unwrap();
        let trial = later
            .policies
            .iter()
            .find(|p| p.policy.code == "cn-ru-visa-free-trial")
            .unwrap();
        assert!(!trial.in_force);
    }

    #[test]
    fn the_demo_arrivals_run_to_the_last_full_month_and_grow_from_russia() {
        let rows = demo_tourism(time::macros::date!(2026 - 03 - 15));
        let last = rows.iter().map(|r| r.month).max().unwrap();
        assert_eq!(
            last,
            Month {
                year: 2026,
                month: 2
            }
        );
        assert_eq!(
            rows.iter().map(|r| r.month).min().unwrap(),
            Month {
                year: 2024,
                month: 1
            }
        );
        let f = tourism::figures(&rows, 2025);
        assert_eq!(f.markets[0].market, "RU");
        assert!(f.markets[0].yoy.unwrap() > 10.0);
    }

    #[test]
    fn the_sourced_partners_enter_with_their_sources() {
        let partners = reference_partners().unwrap();
        assert!(
            partners
                .iter()
                .all(|p| !p.synthetic && !p.source.is_empty())
        );
        assert!(
            partners
                .iter()
                .any(|p| p.code == "zj-counterpart" && p.verified)
        );
    }
}
