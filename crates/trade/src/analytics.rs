//! The monthly questions, in Chinese statistical practice: value of the month and of the year
//! to date (累计), year-on-year growth (同比) of both, contribution to growth (拉动, in
//! percentage points of last year's total), shares (占比), concentration, enterprise
//! dynamics, revealed comparative advantage and price/volume decomposition.
//!
//! Every query runs on DataFusion over the pre-aggregated tables; results are plain structs.

pub use crate::cell::json_value;

use crate::cell::{f64_at, str_at};
use crate::codes::{Flow, Ownership, Period};
use crate::error::{Result, TradeError};
use crate::import::parse_reference;
use crate::lookup::{BEC_CLASS_NAMES, BEC_SOURCE, GROUP_NAMES, Lookups};
use crate::store::TradeStore;
use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A value and its growth on the same period a year earlier (None when that was zero).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Kpi {
    pub value_cny: f64,
    pub yoy_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FlowKpi {
    pub flow: Flow,
    pub month: Kpi,
    pub ytd: Kpi,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Row {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub value_cny: f64,
    pub prev_value_cny: f64,
    pub yoy_pct: Option<f64>,
    /// Share of the total in percent.
    pub share_pct: f64,
    /// Contribution to the total's growth, in percentage points of last year's total.
    pub contribution_pp: Option<f64>,
    /// ISO 3166-1 alpha-2 code, for partners (maps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iso2: Option<String>,
}

/// The trade summary of a month (total trade, both flows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Summary {
    pub month: Kpi,
    pub ytd: Kpi,
    pub by_flow: Vec<FlowKpi>,
    /// Top ten partners, year to date.
    pub top_partners: Vec<Row>,
}

/// Which slice of time and which flow a breakdown covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Filter {
    pub year: i32,
    pub month: u32,
    /// None: both flows (total trade).
    pub flow: Option<Flow>,
    /// True: January to `month` (year to date); false: `month` alone.
    pub cumulative: bool,
    /// At most this many rows in a breakdown (the largest); None: all.
    #[serde(default)]
    pub top: Option<usize>,
}

impl Filter {
    pub fn new(year: i32, month: u32) -> Result<Filter> {
        Period::new(year, month)
            .ok_or_else(|| TradeError::Argument(format!("no such month: {year}-{month}")))?;
        Ok(Filter {
            year,
            month,
            flow: None,
            cumulative: true,
            top: None,
        })
    }

    pub(crate) fn window(&self) -> String {
        let flow = match self.flow {
            Some(f) => format!(" AND flow = '{}'", f.as_str()),
            None => String::new(),
        };
        let months = if self.cumulative {
            format!("month <= {}", self.month)
        } else {
            format!("month = {}", self.month)
        };
        format!(
            "year IN ({}, {}) AND {months}{flow}",
            self.year,
            self.year - 1
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Partner,
    PartnerGroup,
    Section,
    Chapter,
    TradeMode,
    City,
    Ownership,
    Enterprise,
    /// End use (capital, intermediate, consumption goods) by the UN Broad Economic Categories,
    /// from the HS six-digit subheading.
    Bec,
}

impl Dimension {
    /// The one-dimension table that holds this dimension: sections are summed from chapters
    /// and partner groups from partners.
    pub(crate) fn base(self) -> &'static str {
        match self {
            Dimension::Partner | Dimension::PartnerGroup => "partner",
            Dimension::Section | Dimension::Chapter => "chapter",
            Dimension::TradeMode => "trade_mode",
            Dimension::City => "city",
            Dimension::Ownership => "ownership",
            Dimension::Enterprise => "enterprise",
            Dimension::Bec => "hs6",
        }
    }

    /// The records' column of the base dimension.
    pub(crate) fn records_column(self) -> &'static str {
        match self.base() {
            "enterprise" => "uscc",
            other => other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Partner => "partner",
            Dimension::PartnerGroup => "partner_group",
            Dimension::Section => "section",
            Dimension::Chapter => "chapter",
            Dimension::TradeMode => "trade_mode",
            Dimension::City => "city",
            Dimension::Ownership => "ownership",
            Dimension::Enterprise => "enterprise",
            Dimension::Bec => "bec",
        }
    }
}

impl std::str::FromStr for Dimension {
    type Err = TradeError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "partner" => Dimension::Partner,
            "partner_group" => Dimension::PartnerGroup,
            "section" => Dimension::Section,
            "chapter" => Dimension::Chapter,
            "trade_mode" => Dimension::TradeMode,
            "city" => Dimension::City,
            "ownership" => Dimension::Ownership,
            "enterprise" => Dimension::Enterprise,
            "bec" => Dimension::Bec,
            _ => {
                return Err(TradeError::Argument(format!(
                    "unknown dimension {s:?}: partner, partner_group, section, chapter, trade_mode, city, ownership, enterprise, bec"
                )));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Breakdown {
    pub dimension: Dimension,
    pub filter: Filter,
    pub total: Kpi,
    pub rows: Vec<Row>,
    /// For partner groups: groups overlap, so shares do not add up to 100.
    pub overlapping: bool,
    pub synthetic: bool,
    /// The public mapping a product grouping comes from (end use), with its limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

pub(crate) fn yoy(cur: f64, prev: f64) -> Option<f64> {
    (prev > 0.0).then(|| (cur / prev - 1.0) * 100.0)
}

/// Runs a query on the store's engine (the cluster when it has one and the query reads only
/// files) and returns its batches.
pub(crate) async fn query(store: &TradeStore, sql: &str) -> Result<Vec<RecordBatch>> {
    store.run_sql(sql).await
}

/// key id → (current, previous) summed over the filter's window, from one aggregate table's
/// rows of just the months asked about. Keys and labels are looked up afterwards, and only for
/// the rows shown.
pub(crate) fn cur_prev(
    store: &TradeStore,
    table: &str,
    f: &Filter,
) -> Result<Vec<(i32, f64, f64)>> {
    let dim = table.trim_start_matches("agg_");
    let from = if f.cumulative { 1 } else { f.month };
    let years = [f.year - 1, f.year];
    let batches = if dim == "enterprise" && f.cumulative {
        store.enterprise_ytd_rows(&years, f.month)
    } else {
        store.agg_rows(dim, &years, from, f.month)?
    };
    crate::sums::cur_prev_by(&batches, "key_id", None, f.year, f.flow)
}

/// (key, Chinese name, English name, current, previous)
type Named = (String, String, String, f64, f64);

/// The key and label of a key id.
fn key_of<'s>(store: &'s TradeStore, table: &str, id: i32) -> Result<(&'s str, &'s str)> {
    store
        .agg_key(table.trim_start_matches("agg_"), id)
        .map(|(k, l)| (k.as_str(), l.as_deref().unwrap_or("")))
        .ok_or_else(|| TradeError::Corrupt(format!("no key {id} in {table}")))
}

/// The largest `top` of (id, current, previous), named. Key ids follow the keys' order, so
/// sorting on them breaks ties as sorting on the keys would.
fn named_top(
    store: &TradeStore,
    table: &str,
    dim: Dimension,
    mut raw: Vec<(i32, f64, f64)>,
    top: Option<usize>,
) -> Result<Vec<Named>> {
    raw.retain(|r| r.1 != 0.0 || r.2 != 0.0);
    raw.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    raw.truncate(top.unwrap_or(usize::MAX));
    raw.into_iter()
        .map(|(id, c, p)| {
            let (key, label) = key_of(store, table, id)?;
            let (zh, en) = names(dim, key, label);
            Ok((key.to_string(), zh, en, c, p))
        })
        .collect()
}

async fn total(store: &TradeStore, f: &Filter) -> Result<(f64, f64)> {
    let rows = cur_prev(store, "agg_total", f)?;
    Ok(rows.iter().fold((0.0, 0.0), |(c, p), r| (c + r.1, p + r.2)))
}

fn rows_from(items: Vec<Named>, total_cur: f64, total_prev: f64) -> Vec<Row> {
    let mut rows: Vec<Row> = items
        .into_iter()
        .filter(|i| i.3 != 0.0 || i.4 != 0.0)
        .map(|(key, name_zh, name_en, cur, prev)| Row {
            key,
            name_zh,
            name_en,
            value_cny: cur,
            prev_value_cny: prev,
            yoy_pct: yoy(cur, prev),
            share_pct: if total_cur > 0.0 {
                cur / total_cur * 100.0
            } else {
                0.0
            },
            contribution_pp: (total_prev > 0.0).then(|| (cur - prev) / total_prev * 100.0),
            iso2: None,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.value_cny
            .total_cmp(&a.value_cny)
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

fn names(dim: Dimension, key: &str, label: &str) -> (String, String) {
    let l = Lookups::get();
    let pair = |n: Option<&crate::lookup::Named>| {
        n.map(|n| (n.name_zh.clone(), n.name_en.clone()))
            .unwrap_or_else(|| (key.to_string(), key.to_string()))
    };
    match dim {
        Dimension::Partner => l
            .countries
            .get(key)
            .map(|c| (c.name_zh.clone(), c.name_en.clone()))
            .unwrap_or_else(|| (key.to_string(), key.to_string())),
        Dimension::Chapter => pair(l.chapters.get(key).map(|c| &c.1)),
        Dimension::Section => pair(key.parse().ok().and_then(|s: u32| l.sections.get(&s))),
        Dimension::TradeMode => pair(l.modes.get(key)),
        Dimension::City => pair(l.regions.get(key)),
        Dimension::Ownership => Ownership::parse(key)
            .map(|o| (o.name_zh().to_string(), o.name_en().to_string()))
            .unwrap_or_else(|| (key.to_string(), key.to_string())),
        Dimension::Enterprise => (label.to_string(), label.to_string()),
        Dimension::Bec => BEC_CLASS_NAMES
            .iter()
            .find(|c| c.0 == key)
            .map(|c| (c.1.to_string(), c.2.to_string()))
            .unwrap_or_else(|| (key.to_string(), key.to_string())),
        Dimension::PartnerGroup => GROUP_NAMES
            .iter()
            .find(|g| g.0 == key)
            .map(|g| (g.1.to_string(), g.2.to_string()))
            .unwrap_or_else(|| (key.to_string(), key.to_string())),
    }
}

/// A breakdown of trade by one dimension, largest first.
pub async fn breakdown(store: &TradeStore, dim: Dimension, f: &Filter) -> Result<Breakdown> {
    let (tc, tp) = total(store, f).await?;
    let table = format!("agg_{}", dim.base());
    let raw = cur_prev(store, &table, f)?;
    finish(store, dim, f, (tc, tp), raw)
}

/// A breakdown from (key id of the dimension's one-dimension table, current, previous).
pub(crate) fn finish(
    store: &TradeStore,
    dim: Dimension,
    f: &Filter,
    (tc, tp): (f64, f64),
    raw: Vec<(i32, f64, f64)>,
) -> Result<Breakdown> {
    let table = format!("agg_{}", dim.base());
    let table = table.as_str();
    let l = Lookups::get();
    let items: Vec<Named> = match dim {
        Dimension::Section => {
            let mut m: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
            for (id, c, p) in raw {
                let e = m
                    .entry(l.section_of(key_of(store, table, id)?.0))
                    .or_default();
                e.0 += c;
                e.1 += p;
            }
            m.into_iter()
                .map(|(s, (c, p))| {
                    let key = s.to_string();
                    let (zh, en) = names(dim, &key, "");
                    (key, zh, en, c, p)
                })
                .collect()
        }
        Dimension::PartnerGroup => {
            // Membership as of the month asked about, for both years: growth on a like basis.
            let at = Period {
                year: f.year,
                month: f.month,
            };
            let mut m: BTreeMap<String, (f64, f64)> = BTreeMap::new();
            for (id, c, p) in raw {
                let k = key_of(store, table, id)?.0;
                let Some(iso) = l.countries.get(k).map(|c| c.iso2.as_str()) else {
                    continue;
                };
                for g in l.groups_of(iso, at) {
                    let e = m.entry(g.to_string()).or_default();
                    e.0 += c;
                    e.1 += p;
                }
            }
            GROUP_NAMES
                .iter()
                .map(|(g, zh, en)| {
                    let (c, p) = m.get(*g).copied().unwrap_or_default();
                    (g.to_string(), zh.to_string(), en.to_string(), c, p)
                })
                .collect()
        }
        Dimension::Bec => {
            let mut m: HashMap<&str, (f64, f64)> = HashMap::new();
            let (mut hc, mut hp) = (0.0, 0.0);
            for (id, c, p) in raw {
                let class = l
                    .hs_bec
                    .get(key_of(store, table, id)?.0)
                    .copied()
                    .unwrap_or("unmapped");
                let e = m.entry(class).or_default();
                e.0 += c;
                e.1 += p;
                hc += c;
                hp += p;
            }
            // Records without a six-digit code are in the total but in no subheading.
            let rest = |total: f64, mapped: f64| {
                let r = total - mapped;
                if r.abs() <= 1e-9 * total.abs() {
                    0.0
                } else {
                    r
                }
            };
            let e = m.entry("unmapped").or_default();
            e.0 += rest(tc, hc);
            e.1 += rest(tp, hp);
            BEC_CLASS_NAMES
                .iter()
                .map(|(k, zh, en)| {
                    let (c, p) = m.get(k).copied().unwrap_or_default();
                    (k.to_string(), zh.to_string(), en.to_string(), c, p)
                })
                .collect()
        }
        _ => named_top(store, table, dim, raw, f.top)?,
    };
    Ok(Breakdown {
        dimension: dim,
        filter: *f,
        total: Kpi {
            value_cny: tc,
            yoy_pct: yoy(tc, tp),
        },
        rows: {
            let mut rows = rows_from(items, tc, tp);
            rows.truncate(f.top.unwrap_or(usize::MAX));
            if dim == Dimension::Partner {
                for r in &mut rows {
                    r.iso2 = l
                        .countries
                        .get(&r.key)
                        .map(|c| c.iso2.clone())
                        .filter(|s| !s.is_empty());
                }
            }
            rows
        },
        overlapping: dim == Dimension::PartnerGroup,
        synthetic: store.synthetic(),
        source: (dim == Dimension::Bec).then(|| BEC_SOURCE.to_string()),
    })
}

/// The month's headline figures. Errors when the store has nothing for that month.
pub async fn summary(store: &TradeStore, year: i32, month: u32) -> Result<Summary> {
    let f = Filter::new(year, month)?;
    let batches = store.agg_rows("total", &[year - 1, year], 1, month)?;
    let mut by_flow = Vec::new();
    let mut rows_in_month = 0.0;
    let (mut mc, mut mp, mut yc, mut yp) = (0.0, 0.0, 0.0, 0.0);
    for (flow, v) in crate::sums::totals_by_flow(&batches, year, month)? {
        let Some(flow) = Flow::parse(&flow) else {
            continue;
        };
        mc += v[0];
        mp += v[1];
        yc += v[2];
        yp += v[3];
        rows_in_month += v[4];
        by_flow.push(FlowKpi {
            flow,
            month: Kpi {
                value_cny: v[0],
                yoy_pct: yoy(v[0], v[1]),
            },
            ytd: Kpi {
                value_cny: v[2],
                yoy_pct: yoy(v[2], v[3]),
            },
        });
    }
    if rows_in_month == 0.0 {
        return Err(TradeError::Argument(format!(
            "no trade data for {year}-{month:02}; import it or run `kaifang trade demo`"
        )));
    }
    by_flow.sort_by_key(|f| f.flow);
    let mut top = breakdown(store, Dimension::Partner, &f).await?.rows;
    top.truncate(10);
    Ok(Summary {
        month: Kpi {
            value_cny: mc,
            yoy_pct: yoy(mc, mp),
        },
        ytd: Kpi {
            value_cny: yc,
            yoy_pct: yoy(yc, yp),
        },
        by_flow,
        top_partners: top,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub period: Period,
    pub flow: Option<Flow>,
    pub month: Kpi,
    pub ytd: Kpi,
}

/// Monthly series with YoY of the month and of the year to date; `flow` None = total.
pub async fn trend(store: &TradeStore, flow: Option<Flow>) -> Result<Vec<TrendPoint>> {
    let batches = store.agg_rows("total", &store.years(), 1, 12)?;
    Ok(points(crate::sums::by_period(&batches, None, flow)?, flow))
}

/// Trend points from batches of (year, month, value).
pub(crate) fn series(batches: Vec<RecordBatch>, flow: Option<Flow>) -> Result<Vec<TrendPoint>> {
    let mut v: BTreeMap<(i32, u32), f64> = BTreeMap::new();
    for b in batches {
        for i in 0..b.num_rows() {
            v.insert(
                (f64_at(b.column(0), i) as i32, f64_at(b.column(1), i) as u32),
                f64_at(b.column(2), i),
            );
        }
    }
    Ok(points(v, flow))
}

/// Trend points from the value of each (year, month), with the year to date and the changes on
/// a year earlier.
pub(crate) fn points(v: BTreeMap<(i32, u32), f64>, flow: Option<Flow>) -> Vec<TrendPoint> {
    let ytd = |y: i32, m: u32| -> f64 {
        (1..=m)
            .map(|k| v.get(&(y, k)).copied().unwrap_or(0.0))
            .sum()
    };
    v.iter()
        .map(|(&(y, m), &val)| {
            let prev = v.get(&(y - 1, m)).copied().unwrap_or(0.0);
            let (yc, yp) = (ytd(y, m), ytd(y - 1, m));
            TrendPoint {
                period: Period { year: y, month: m },
                flow,
                month: Kpi {
                    value_cny: val,
                    yoy_pct: yoy(val, prev),
                },
                ytd: Kpi {
                    value_cny: yc,
                    yoy_pct: yoy(yc, yp),
                },
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FlowDynamics {
    pub flow: Flow,
    /// Enterprises with trade in the window this year.
    pub active: usize,
    pub active_prev: usize,
    /// Active this year, not in the same window last year.
    pub entrants: usize,
    /// Active in the window last year, not this year.
    pub exits: usize,
    pub entrants_value_cny: f64,
    pub top: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Dynamics {
    pub filter: Filter,
    pub by_flow: Vec<FlowDynamics>,
    pub synthetic: bool,
}

/// Active exporters and importers, entrants, exits and the top enterprises (by unified
/// social credit code), comparing the filter's window with the same window a year earlier.
pub async fn enterprise_dynamics(store: &TradeStore, f: &Filter, top_n: usize) -> Result<Dynamics> {
    let mut by_flow = Vec::new();
    for flow in Flow::ALL {
        if f.flow.is_some_and(|x| x != flow) {
            continue;
        }
        let ff = Filter {
            flow: Some(flow),
            ..*f
        };
        let raw = cur_prev(store, "agg_enterprise", &ff)?;
        let (tc, tp) = total(store, &ff).await?;
        let active = raw.iter().filter(|r| r.1 > 0.0).count();
        let active_prev = raw.iter().filter(|r| r.2 > 0.0).count();
        let entrants: Vec<_> = raw.iter().filter(|r| r.1 > 0.0 && r.2 <= 0.0).collect();
        let exits = raw.iter().filter(|r| r.1 <= 0.0 && r.2 > 0.0).count();
        let entrants_value_cny = entrants.iter().map(|r| r.1).sum();
        let n_entrants = entrants.len();
        let items = named_top(
            store,
            "agg_enterprise",
            Dimension::Enterprise,
            raw,
            Some(top_n),
        )?;
        let top = rows_from(items, tc, tp);
        by_flow.push(FlowDynamics {
            flow,
            active,
            active_prev,
            entrants: n_entrants,
            exits,
            entrants_value_cny,
            top,
        });
    }
    Ok(Dynamics {
        filter: *f,
        by_flow,
        synthetic: store.synthetic(),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ConcentrationOf {
    /// Herfindahl–Hirschman index on shares in percent: 0 to 10 000.
    pub hhi: f64,
    pub top5_share_pct: f64,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Concentration {
    pub filter: Filter,
    pub by_partner: ConcentrationOf,
    /// By HS chapter.
    pub by_product: ConcentrationOf,
    pub synthetic: bool,
}

pub fn concentration_of(values: &[f64]) -> ConcentrationOf {
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    let mut shares: Vec<f64> = values
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| v / total * 100.0)
        .collect();
    shares.sort_by(|a, b| b.total_cmp(a));
    ConcentrationOf {
        hhi: shares.iter().map(|s| s * s).sum(),
        top5_share_pct: shares.iter().take(5).sum(),
        count: shares.len(),
    }
}

pub async fn concentration(store: &TradeStore, f: &Filter) -> Result<Concentration> {
    let part = breakdown(store, Dimension::Partner, f).await?;
    let prod = breakdown(store, Dimension::Chapter, f).await?;
    let vals = |b: &Breakdown| b.rows.iter().map(|r| r.value_cny).collect::<Vec<_>>();
    Ok(Concentration {
        filter: *f,
        by_partner: concentration_of(&vals(&part)),
        by_product: concentration_of(&vals(&prod)),
        synthetic: store.synthetic(),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RcaRow {
    pub chapter: String,
    pub name_zh: String,
    pub name_en: String,
    pub export_cny: f64,
    pub share_pct: f64,
    pub national_share_pct: f64,
    /// Balassa index: the province's share of the chapter over the nation's; > 1 means a
    /// revealed comparative advantage.
    pub rca: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Rca {
    pub year: i32,
    /// Months of the year the province's figures cover.
    pub months: u32,
    pub rows: Vec<RcaRow>,
    pub reference_source: String,
    pub synthetic: bool,
}

/// Revealed comparative advantage of the province's exports by HS chapter in `year`, against
/// the imported national reference table for the same year.
pub async fn rca(store: &TradeStore, year: i32) -> Result<Rca> {
    let text = store.reference_text()?.ok_or_else(|| {
        TradeError::Argument("no national reference table; import one first".into())
    })?;
    let reference = parse_reference(Path::new("reference"), &text)?;
    let nat: HashMap<&str, f64> = reference
        .iter()
        .filter(|((y, _), _)| *y == year)
        .map(|((_, c), (v, _))| (c.as_str(), *v))
        .collect();
    let source = reference
        .iter()
        .find(|((y, _), _)| *y == year)
        .map(|(_, (_, s))| s.clone())
        .unwrap_or_default();
    let nat_total: f64 = nat.values().sum();
    if nat_total <= 0.0 {
        return Err(TradeError::Argument(format!(
            "the reference table has nothing for {year}"
        )));
    }
    let sql = format!(
        "SELECT key, SUM(value_cny), MAX(month) FROM agg_chapter WHERE year = {year} AND flow = 'export' GROUP BY key"
    );
    let mut prov: Vec<(String, f64)> = Vec::new();
    let mut months = 0u32;
    for b in query(store, &sql).await? {
        for i in 0..b.num_rows() {
            prov.push((str_at(b.column(0), i), f64_at(b.column(1), i)));
            months = months.max(f64_at(b.column(2), i) as u32);
        }
    }
    let prov_total: f64 = prov.iter().map(|p| p.1).sum();
    let mut rows: Vec<RcaRow> = prov
        .into_iter()
        .filter(|(_, v)| *v > 0.0)
        .filter_map(|(c, v)| {
            let n = *nat.get(c.as_str())?;
            if n <= 0.0 {
                return None;
            }
            let share = v / prov_total * 100.0;
            let nshare = n / nat_total * 100.0;
            let (zh, en) = names(Dimension::Chapter, &c, "");
            Some(RcaRow {
                chapter: c,
                name_zh: zh,
                name_en: en,
                export_cny: v,
                share_pct: share,
                national_share_pct: nshare,
                rca: share / nshare,
            })
        })
        .collect();
    rows.sort_by(|a, b| b.rca.total_cmp(&a.rca));
    Ok(Rca {
        year,
        months,
        rows,
        reference_source: source,
        synthetic: store.synthetic(),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PriceVolumeRow {
    pub hs6: String,
    pub unit: String,
    pub value_cny: f64,
    pub prev_value_cny: f64,
    pub unit_value: f64,
    pub prev_unit_value: f64,
    /// Σ (p1 − p0)·q1: the part of the change due to prices.
    pub price_effect_cny: f64,
    /// Σ (q1 − q0)·p0: the part due to volumes.
    pub volume_effect_cny: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PriceVolume {
    pub filter: Filter,
    pub value_change_cny: f64,
    pub price_effect_cny: f64,
    pub volume_effect_cny: f64,
    /// Change in products without quantities in both years (new, gone, or no unit).
    pub unmatched_change_cny: f64,
    /// Paasche price index and Laspeyres volume index on the matched products (last year = 100).
    pub price_index: Option<f64>,
    pub volume_index: Option<f64>,
    pub rows: Vec<PriceVolumeRow>,
    pub synthetic: bool,
}

/// Splits the year-on-year change of value into price and volume by HS6 unit values. The
/// products are summed in key order: the effects are sums of fractions, which would otherwise
/// differ in their last digits with the order the engine's partitions return rows in.
pub async fn price_volume(store: &TradeStore, f: &Filter, top_n: usize) -> Result<PriceVolume> {
    let sql = format!(
        "SELECT key, unit, \
         SUM(CASE WHEN year = {y} THEN value_cny ELSE 0 END), \
         SUM(CASE WHEN year = {p} THEN value_cny ELSE 0 END), \
         SUM(CASE WHEN year = {y} THEN qty ELSE 0 END), \
         SUM(CASE WHEN year = {p} THEN qty ELSE 0 END), \
         COUNT(*) - COUNT(qty) \
         FROM agg_hs6 WHERE {w} GROUP BY key, unit ORDER BY key, unit",
        y = f.year,
        p = f.year - 1,
        w = f.window()
    );
    let (mut dv, mut pe, mut ve, mut un) = (0.0, 0.0, 0.0, 0.0);
    let (mut p1q1, mut p0q1, mut p0q0) = (0.0, 0.0, 0.0);
    let mut rows = Vec::new();
    for b in query(store, &sql).await? {
        for i in 0..b.num_rows() {
            let v1 = f64_at(b.column(2), i);
            let v0 = f64_at(b.column(3), i);
            let q1 = f64_at(b.column(4), i);
            let q0 = f64_at(b.column(5), i);
            let missing_qty = f64_at(b.column(6), i) > 0.0;
            dv += v1 - v0;
            let unit = str_at(b.column(1), i);
            if missing_qty || unit.is_empty() || q1 <= 0.0 || q0 <= 0.0 || v1 <= 0.0 || v0 <= 0.0 {
                un += v1 - v0;
                continue;
            }
            let (pr1, pr0) = (v1 / q1, v0 / q0);
            let price = (pr1 - pr0) * q1;
            let volume = (q1 - q0) * pr0;
            pe += price;
            ve += volume;
            p1q1 += v1;
            p0q1 += pr0 * q1;
            p0q0 += v0;
            rows.push(PriceVolumeRow {
                hs6: str_at(b.column(0), i),
                unit,
                value_cny: v1,
                prev_value_cny: v0,
                unit_value: pr1,
                prev_unit_value: pr0,
                price_effect_cny: price,
                volume_effect_cny: volume,
            });
        }
    }
    rows.sort_by(|a, b| {
        let ca = (a.value_cny - a.prev_value_cny).abs();
        let cb = (b.value_cny - b.prev_value_cny).abs();
        cb.total_cmp(&ca)
            .then_with(|| a.hs6.cmp(&b.hs6))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    rows.truncate(top_n);
    Ok(PriceVolume {
        filter: *f,
        value_change_cny: dv,
        price_effect_cny: pe,
        volume_effect_cny: ve,
        unmatched_change_cny: un,
        price_index: (p0q1 > 0.0).then(|| p1q1 / p0q1 * 100.0),
        volume_index: (p0q0 > 0.0).then(|| p0q1 / p0q0 * 100.0),
        rows,
        synthetic: store.synthetic(),
    })
}
