//! Forecast-based warning on the trade series: for the province's total, each flow, the
//! largest partners and HS chapters and each city, the latest month against the band its
//! history predicted (`kaifang_risk::forecast`, Spring Festival aware), and on request one
//! series' history, forecast and rolling-origin accuracy.
//!
//! A series is read as monthly values from its first month with trade to the month checked,
//! a month without records counting as zero. Fitting is CPU work, done off the async
//! workers; the bands of one trade generation and month are computed once and kept.

use std::sync::{Arc, Mutex};

use kaifang_risk::forecast::{self, Accuracy, BandCheck, Forecast, Options, SpringFestival};
use kaifang_trade::codes::Period;
use kaifang_trade::{Dimension, Filter, Flow, Slice, TradeStore};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::trade::TradeData;

/// How many of the largest partners and HS chapters get a band.
const TOP: usize = 5;
/// Months of history and of forecast a series' detail shows.
const SHOWN: usize = 36;
const AHEAD: usize = 12;
/// Rolling origins of a series' backtest (one-month-ahead forecasts, one fit each).
const ORIGINS: usize = 12;

/// One series' latest month against its forecast band.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesBand {
    /// `total`, `flow:export`, `partner:643`, `chapter:87`, `city:220100`.
    pub series: String,
    pub name_zh: String,
    pub name_en: String,
    /// The month checked.
    pub period: String,
    #[serde(flatten)]
    #[schema(inline)]
    pub band: BandCheck,
    /// How far the actual value lies from the expected one, in widths of the 95 % band on
    /// its side: 1 is the band's edge. What the warning indicator classifies.
    pub deviation: f64,
    /// The figures come from synthetic demo data.
    pub synthetic: bool,
}

/// All series' bands for one month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bands {
    /// The month checked; none when the trade store is empty.
    pub period: Option<String>,
    pub synthetic: bool,
    pub series: Vec<SeriesBand>,
    /// Series too short or too sparse to forecast, with the reason.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub series: String,
    pub reason: String,
}

/// One month's value.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthValue {
    pub period: String,
    pub value_cny: f64,
}

/// One series in full: its recent history, the forecast from the month checked on, and how
/// good its one-month-ahead forecasts have been.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesForecast {
    pub band: SeriesBand,
    pub history: Vec<MonthValue>,
    /// The months after the one checked.
    pub months: Vec<String>,
    #[schema(inline)]
    pub forecast: Forecast,
    /// Rolling-origin accuracy of one-month-ahead forecasts over the last months; none when
    /// the history is too short.
    #[schema(inline)]
    pub accuracy: Option<Accuracy>,
}

/// One series to watch: its key, names and slice of the records.
struct Spec {
    key: String,
    name_zh: String,
    name_en: String,
    flow: Option<Flow>,
    slice: Slice,
}

fn options(start: Period) -> Options {
    Options {
        season: 12,
        spring_festival: Some(SpringFestival {
            start_year: start.year,
            start_month: start.month,
        }),
    }
}

/// The series watched in month `p`: the total, each flow, the largest partners and chapters
/// of the year to date, and every city.
async fn specs(t: &TradeStore, p: Period) -> AppResult<Vec<Spec>> {
    let mut out = vec![Spec {
        key: "total".into(),
        name_zh: "进出口总额".into(),
        name_en: "Total trade".into(),
        flow: None,
        slice: Slice::default(),
    }];
    for (flow, zh, en) in [
        (Flow::Export, "出口", "Exports"),
        (Flow::Import, "进口", "Imports"),
    ] {
        out.push(Spec {
            key: format!("flow:{}", flow.as_str()),
            name_zh: zh.into(),
            name_en: en.into(),
            flow: Some(flow),
            slice: Slice::default(),
        });
    }
    let ytd = Filter::new(p.year, p.month)?;
    for (dim, prefix, top) in [
        (Dimension::Partner, "partner", Some(TOP)),
        (Dimension::Chapter, "chapter", Some(TOP)),
        (Dimension::City, "city", None),
    ] {
        let f = Filter { top, ..ytd };
        for row in kaifang_trade::breakdown(t, dim, &f).await?.rows {
            let mut slice = Slice::default();
            if slice.add(dim, &row.key).is_err() {
                continue; // an "other" or unknown key: not a series of its own
            }
            out.push(Spec {
                key: format!("{prefix}:{}", row.key),
                name_zh: row.name_zh,
                name_en: row.name_en,
                flow: None,
                slice,
            });
        }
    }
    Ok(out)
}

/// The monthly values of a series up to `p`, from its first month with trade, zeros filled
/// in; the first month.
async fn values(t: &TradeStore, s: &Spec, p: Period) -> AppResult<(Period, Vec<f64>)> {
    let points = kaifang_trade::trend_in(t, s.flow, &s.slice).await?;
    let mut points: Vec<(Period, f64)> = points
        .into_iter()
        .filter(|x| x.period <= p)
        .map(|x| (x.period, x.month.value_cny))
        .collect();
    points.sort_by_key(|x| x.0);
    let Some(&(first, _)) = points.first() else {
        return Ok((p, Vec::new()));
    };
    let months = months_between(first, p) + 1;
    // Bounded by the trade store's own span; the forecast refuses more than it takes.
    let mut v = vec![0.0; months.min(forecast::MAX_LEN + 1)];
    for (q, x) in points {
        if let Some(slot) = v.get_mut(months_between(first, q)) {
            *slot += x;
        }
    }
    Ok((first, v))
}

fn months_between(a: Period, b: Period) -> usize {
    let n = (b.year - a.year) * 12 + b.month as i32 - a.month as i32;
    usize::try_from(n).unwrap_or(0)
}

fn add_months(p: Period, n: usize) -> Period {
    let m = (p.year * 12 + p.month as i32 - 1) as usize + n;
    Period::new((m / 12) as i32, (m % 12) as u32 + 1).unwrap_or(p)
}

/// Deviation of `b.actual` from `b.expected` in widths of the 95 % band on its side.
fn deviation(b: &BandCheck) -> f64 {
    let width = if b.actual >= b.expected {
        b.upper_95 - b.expected
    } else {
        b.expected - b.lower_95
    };
    if width > 0.0 {
        (b.actual - b.expected).abs() / width
    } else if b.actual == b.expected {
        0.0
    } else {
        f64::INFINITY
    }
}

/// The series of the latest month (or `period`) with their values (only the one keyed `only`,
/// when given), read under the trade store's read lock.
async fn read_series(
    trade: &TradeData,
    period: Option<Period>,
    only: Option<&str>,
) -> AppResult<Option<(Period, bool, Vec<(Spec, Period, Vec<f64>)>)>> {
    let t = trade.read().await;
    let Some(p) = period.or_else(|| t.latest_period()) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    // One series asked for: only its values are read, not every watched series'.
    for s in specs(&t, p)
        .await?
        .into_iter()
        .filter(|s| only.is_none_or(|k| s.key == k))
    {
        let (first, v) = values(&t, &s, p).await?;
        out.push((s, first, v));
    }
    Ok(Some((p, t.synthetic(), out)))
}

fn band_of(
    s: &Spec,
    p: Period,
    first: Period,
    v: &[f64],
    synthetic: bool,
) -> Result<SeriesBand, String> {
    if v.len() > forecast::MAX_LEN {
        return Err(format!("more than {} months", forecast::MAX_LEN));
    }
    let band = forecast::check_latest(v, &options(first)).map_err(|e| e.to_string())?;
    Ok(SeriesBand {
        series: s.key.clone(),
        name_zh: s.name_zh.clone(),
        name_en: s.name_en.clone(),
        period: p.to_string(),
        deviation: deviation(&band),
        band,
        synthetic,
    })
}

/// Every watched series' latest month against its band.
pub async fn bands(trade: &TradeData, period: Option<Period>) -> AppResult<Bands> {
    let Some((p, synthetic, series)) = read_series(trade, period, None).await? else {
        return Ok(Bands {
            period: None,
            synthetic: false,
            series: Vec::new(),
            skipped: Vec::new(),
        });
    };
    tokio::task::spawn_blocking(move || {
        let mut out = Bands {
            period: Some(p.to_string()),
            synthetic,
            series: Vec::new(),
            skipped: Vec::new(),
        };
        for (s, first, v) in &series {
            match band_of(s, p, *first, v, synthetic) {
                Ok(b) => out.series.push(b),
                Err(reason) => out.skipped.push(Skipped {
                    series: s.key.clone(),
                    reason,
                }),
            }
        }
        out.series
            .sort_by(|a, b| b.deviation.total_cmp(&a.deviation));
        out
    })
    .await
    .map_err(AppError::from)
}

/// One series in full (`key` as in [`SeriesBand::series`]).
pub async fn series(
    trade: &TradeData,
    key: &str,
    period: Option<Period>,
) -> AppResult<SeriesForecast> {
    let Some((p, synthetic, series)) = read_series(trade, period, Some(key)).await? else {
        return Err(AppError::NotFound("trade data (the store is empty)".into()));
    };
    let Some((s, first, v)) = series.into_iter().find(|(s, _, _)| s.key == key) else {
        return Err(AppError::NotFound(format!(
            "series {key:?} (the total, a flow, one of the {TOP} largest partners or chapters, or a city)"
        )));
    };
    tokio::task::spawn_blocking(move || {
        let band =
            band_of(&s, p, first, &v, synthetic).map_err(|e| AppError::field("series", e))?;
        let opts = options(first);
        let forecast =
            forecast::forecast(&v, AHEAD, &opts).map_err(|e| AppError::field("series", e))?;
        // As many origins as the history allows, each fitted on at least the minimum.
        let origins = ORIGINS.min(v.len().saturating_sub(forecast::min_len(&opts)));
        let accuracy = (origins > 0)
            .then(|| forecast::backtest(&v, &opts, 1, origins).ok())
            .flatten();
        let start = v.len().saturating_sub(SHOWN);
        let history = v[start..]
            .iter()
            .enumerate()
            .map(|(i, x)| MonthValue {
                period: add_months(first, start + i).to_string(),
                value_cny: *x,
            })
            .collect();
        let months = (1..=AHEAD).map(|i| add_months(p, i).to_string()).collect();
        Ok(SeriesForecast {
            band,
            history,
            months,
            forecast,
            accuracy,
        })
    })
    .await
    .map_err(AppError::from)?
}

/// The bands of one trade generation and month, computed once. Cheap to clone; clones share.
#[derive(Clone, Default)]
pub struct BandCache(Arc<Mutex<Option<Held>>>);

/// The trade generation and month asked for, and their bands.
type Held = (u64, Option<Period>, Arc<Bands>);

impl BandCache {
    pub async fn get(&self, trade: &TradeData, period: Option<Period>) -> AppResult<Arc<Bands>> {
        let generation = trade.read().await.manifest().generation;
        if let Some((g, p, b)) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && *g == generation
            && *p == period
        {
            return Ok(b.clone());
        }
        let b = Arc::new(bands(trade, period).await?);
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((generation, period, b.clone()));
        Ok(b)
    }
}
