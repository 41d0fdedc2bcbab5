//! Drill-downs: the dashboard clicked on one partner, HS section or chapter, city or trade
//! mode, and every other chart showing that slice.
//!
//! A slice of one dimension is answered from the aggregates: its total and its trend from
//! the dimension's own table, its breakdown by another dimension from the pair table of the
//! two (`agg::PAIRS`). What the aggregates cannot answer goes to the records: a slice of
//! several dimensions at once, and single enterprises within a slice (a pair table with
//! enterprises would grow with the number of enterprises times the other code list). The
//! records' answers are also public (`*_from_records`), as the reference the aggregates
//! are tested against.

use crate::analytics::{
    Breakdown, Dimension, Filter, TrendPoint, breakdown, finish, points, query, series, trend,
};
use crate::cell::{f64_at, str_at};
use crate::codes::Flow;
use crate::error::{Result, TradeError};
use crate::lookup::Lookups;
use crate::store::TradeStore;
use crate::store::slices::Window;
use crate::sums::{by_period, cur_prev_by};
use serde::Serialize;
use std::collections::HashMap;

/// A drill-down: the trade with these codes (all of them). Empty: no drill-down. Built only
/// through [`Slice::add`], which checks each code: the conditions go into SQL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Slice {
    conds: Vec<(Dimension, String)>,
}

impl Slice {
    pub fn is_empty(&self) -> bool {
        self.conds.is_empty()
    }

    pub fn conds(&self) -> &[(Dimension, String)] {
        &self.conds
    }

    /// Adds a condition, checked: the result is safe to put into SQL.
    pub fn add(&mut self, dim: Dimension, key: &str) -> Result<()> {
        let key = key.trim();
        let digits = |n: usize| key.len() == n && key.bytes().all(|b| b.is_ascii_digit());
        let ok = match dim {
            Dimension::Partner => digits(3),
            Dimension::Chapter => digits(2),
            Dimension::City => digits(6),
            Dimension::TradeMode => digits(4),
            Dimension::Section => key.parse::<u32>().is_ok_and(|s| (1..=22).contains(&s)),
            // Its 31 characters are letters and digits: safe in SQL as a literal.
            Dimension::Enterprise => crate::codes::parse_uscc(key).is_ok(),
            _ => {
                return Err(TradeError::Argument(format!(
                    "{}: no drill-down by this dimension (partner, section, chapter, city, trade_mode, enterprise)",
                    dim.as_str()
                )));
            }
        };
        if !ok {
            let what = match dim {
                Dimension::Partner => "a 3-digit customs partner code",
                Dimension::Chapter => "a 2-digit HS chapter",
                Dimension::City => "a 6-digit GB/T 2260 code",
                Dimension::TradeMode => "a 4-digit trade mode",
                Dimension::Enterprise => "a unified social credit code",
                _ => "an HS section (1-22)",
            };
            return Err(TradeError::Argument(format!(
                "{}: {key:?} is not {what}",
                dim.as_str()
            )));
        }
        let key = match dim {
            Dimension::Section => key
                .parse::<u32>()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            _ => key.to_string(),
        };
        self.conds.push((dim, key));
        Ok(())
    }

    /// The conditions as an expression on the records' columns.
    fn expr(&self) -> datafusion::prelude::Expr {
        use datafusion::prelude::{col, lit};
        self.conds
            .iter()
            .map(|(d, v)| match d {
                Dimension::Section => col("section").eq(lit(v.parse::<i32>().unwrap_or(0))),
                _ => col(d.records_column()).eq(lit(v.as_str())),
            })
            .reduce(|a, b| a.and(b))
            .unwrap_or(lit(true))
    }

    /// ` AND ...` conditions on the records.
    fn sql(&self) -> String {
        self.conds
            .iter()
            .map(|(d, v)| match d {
                // An integer column; `add` checked the number.
                Dimension::Section => format!(" AND section = {v}"),
                _ => format!(" AND {} = '{v}'", d.records_column()),
            })
            .collect()
    }
}

/// Key ids, in the base dimension's one-dimension table, of the slice's one condition.
fn slice_ids(store: &TradeStore, dim: Dimension, key: &str) -> Vec<i32> {
    match dim {
        Dimension::Section => {
            let l = Lookups::get();
            let section: u32 = key.parse().unwrap_or(0);
            store.agg_key_ids("chapter", |c| l.section_of(c) == section)
        }
        _ => store.agg_key_id(dim.base(), key).into_iter().collect(),
    }
}

/// A breakdown of the trade in a slice, named and ordered like the unsliced one; shares and
/// contributions relative to the slice's total.
pub async fn breakdown_in(
    store: &TradeStore,
    dim: Dimension,
    f: &Filter,
    slice: &Slice,
) -> Result<Breakdown> {
    let [(sdim, skey)] = slice.conds.as_slice() else {
        return if slice.is_empty() {
            breakdown(store, dim, f).await
        } else {
            breakdown_from_records(store, dim, f, slice).await
        };
    };
    let ids = slice_ids(store, *sdim, skey);
    let from = if f.cumulative { 1 } else { f.month };
    let years = [f.year - 1, f.year];
    let own = store.agg_rows(sdim.base(), &years, from, f.month)?;
    let in_slice = cur_prev_by(&own, "key_id", Some(("key_id", &ids)), f.year, f.flow)?;
    let total = in_slice
        .iter()
        .fold((0.0, 0.0), |(c, p), r| (c + r.1, p + r.2));
    let raw = if dim.base() == sdim.base() {
        in_slice
    } else if dim == Dimension::Enterprise {
        match enterprises_in(store, f, *sdim, skey).await? {
            Some(raw) => raw,
            None => records_values(store, dim, f, slice).await?,
        }
    } else if *sdim == Dimension::Enterprise {
        // One enterprise's partners, chapters, trade modes or cities: its rows of the
        // enterprise slice files; the records answer for what those do not hold.
        match within_enterprise(store, dim, f, skey).await? {
            Some(raw) => raw,
            None => records_values(store, dim, f, slice).await?,
        }
    } else {
        let Some((t, forward)) = store.pair_rows(sdim.base(), dim.base(), &years, from, f.month)?
        else {
            return breakdown_from_records(store, dim, f, slice).await;
        };
        let (mine, other) = if forward {
            ("a_id", "b_id")
        } else {
            ("b_id", "a_id")
        };
        cur_prev_by(&t, other, Some((mine, &ids)), f.year, f.flow)?
    };
    finish(store, dim, f, total, raw)
}

/// The same breakdown summed from the records.
pub async fn breakdown_from_records(
    store: &TradeStore,
    dim: Dimension,
    f: &Filter,
    slice: &Slice,
) -> Result<Breakdown> {
    let raw = records_values(store, dim, f, slice).await?;
    let mut total = (0.0, 0.0);
    for b in records_sums(store, f, slice, None).await? {
        for i in 0..b.num_rows() {
            let v = f64_at(b.column(1), i);
            if f64_at(b.column(0), i) as i32 == f.year {
                total.0 += v;
            } else {
                total.1 += v;
            }
        }
    }
    finish(store, dim, f, total, raw)
}

/// (enterprise key id, current, previous) in a one-condition slice, from the enterprise slice
/// files of the window's periods; None when a period lacks them (then the records answer).
async fn enterprises_in(
    store: &TradeStore,
    f: &Filter,
    sdim: Dimension,
    skey: &str,
) -> Result<Option<Vec<(i32, f64, f64)>>> {
    let codes: Vec<String> = match sdim {
        Dimension::Section => {
            let section: u32 = skey.parse().unwrap_or(0);
            Lookups::get()
                .chapters
                .iter()
                .filter(|(_, (s, _))| *s == section)
                .map(|(c, _)| c.clone())
                .collect()
        }
        _ => vec![skey.to_string()],
    };
    if codes.is_empty() {
        return Ok(Some(Vec::new()));
    }
    // Dense by enterprise key id.
    let mut sums: Vec<Option<(f64, f64)>> = Vec::new();
    let read = store.slice_rows(
        &window(f),
        sdim.base(),
        Some(&codes),
        None,
        &mut |y, e, _, v| {
            let e = e as usize;
            if e >= sums.len() {
                sums.resize(e + 1, None);
            }
            add(sums[e].get_or_insert((0.0, 0.0)), y == f.year, v);
        },
    )?;
    Ok(read.then(|| {
        sums.into_iter()
            .enumerate()
            .filter_map(|(e, s)| s.map(|(c, p)| (e as i32, c, p)))
            .collect()
    }))
}

/// The window of `f` in the slice files.
fn window(f: &Filter) -> Window {
    Window {
        years: [f.year - 1, f.year],
        from_month: if f.cumulative { 1 } else { f.month },
        to_month: f.month,
        flow: f.flow,
    }
}

/// Adds `v` to this year's or last year's sum.
fn add(s: &mut (f64, f64), this_year: bool, v: f64) {
    if this_year {
        s.0 += v;
    } else {
        s.1 += v;
    }
}

/// (key id, current, previous) of one enterprise's breakdown by `dim`, from the enterprise
/// slice files of the window's periods; None when a period lacks them or they do not hold the
/// dimension (then the records answer).
async fn within_enterprise(
    store: &TradeStore,
    dim: Dimension,
    f: &Filter,
    uscc: &str,
) -> Result<Option<Vec<(i32, f64, f64)>>> {
    let base = dim.base();
    let held = crate::agg::ENTERPRISE_SLICE_DIMS
        .iter()
        .any(|&d| crate::agg::DIMS[d] == base);
    if !held {
        return Ok(None);
    }
    let Some(id) = store
        .agg_key_id("enterprise", uscc)
        .and_then(|id| u32::try_from(id).ok())
    else {
        return Ok(Some(Vec::new()));
    };
    let mut by_code: HashMap<String, (f64, f64)> = HashMap::new();
    let read = store.slice_rows(&window(f), base, None, Some(id), &mut |y, _, code, v| {
        add(by_code.entry(code.to_string()).or_default(), y == f.year, v);
    })?;
    if !read {
        return Ok(None);
    }
    by_code
        .into_iter()
        .map(|(key, (c, p))| {
            let id = store.agg_key_id(base, &key).ok_or_else(|| {
                TradeError::Corrupt(format!(
                    "{base} {key} is in the enterprise slice files but not in agg_{base}"
                ))
            })?;
            Ok((id, c, p))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// (key id, current, previous) of a breakdown in a slice, summed from the records.
async fn records_values(
    store: &TradeStore,
    dim: Dimension,
    f: &Filter,
    slice: &Slice,
) -> Result<Vec<(i32, f64, f64)>> {
    let column = dim.records_column();
    let mut values: HashMap<i32, (f64, f64)> = HashMap::new();
    for b in records_sums(store, f, slice, Some(column)).await? {
        for i in 0..b.num_rows() {
            let key = str_at(b.column(0), i);
            let id = store.agg_key_id(dim.base(), &key).ok_or_else(|| {
                TradeError::Corrupt(format!(
                    "{key} is in the records but not in agg_{}",
                    dim.base()
                ))
            })?;
            let e = values.entry(id).or_default();
            let v = f64_at(b.column(2), i);
            if f64_at(b.column(1), i) as i32 == f.year {
                e.0 += v;
            } else {
                e.1 += v;
            }
        }
    }
    Ok(values.into_iter().map(|(id, (c, p))| (id, c, p)).collect())
}

/// Sums of `value_cny` of the records in the filter's window and the slice, by year and, if
/// given, by a column (rows where it is null left out): batches of (column, year, sum) or
/// (year, sum).
async fn records_sums(
    store: &TradeStore,
    f: &Filter,
    slice: &Slice,
    by: Option<&str>,
) -> Result<Vec<datafusion::arrow::array::RecordBatch>> {
    use datafusion::functions_aggregate::expr_fn::sum;
    use datafusion::prelude::col;
    let from = if f.cumulative { 1 } else { f.month };
    let Some(t) = store.records_window(&[f.year - 1, f.year], from, f.month, f.flow)? else {
        return Ok(Vec::new());
    };
    let (session, cluster) = store.files_session();
    let mut df = session
        .read_table(std::sync::Arc::new(t))?
        .filter(slice.expr())?;
    let mut group = vec![col("year")];
    if let Some(c) = by {
        df = df.filter(col(c).is_not_null())?;
        group.insert(0, col(c));
    }
    let df = df.aggregate(group, vec![sum(col("value_cny")).alias("v")])?;
    match cluster {
        Some(c) => df.collect().await.map_err(|e| c.failed(e)),
        None => Ok(df.collect().await?),
    }
}

/// The monthly series of a slice (`flow` None: total trade).
pub async fn trend_in(
    store: &TradeStore,
    flow: Option<Flow>,
    slice: &Slice,
) -> Result<Vec<TrendPoint>> {
    let [(sdim, skey)] = slice.conds.as_slice() else {
        return if slice.is_empty() {
            trend(store, flow).await
        } else {
            trend_from_records(store, flow, slice).await
        };
    };
    let ids = slice_ids(store, *sdim, skey);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let t = store.agg_rows(sdim.base(), &store.years(), 1, 12)?;
    Ok(points(by_period(&t, Some(("key_id", &ids)), flow)?, flow))
}

/// The same series summed from the records.
pub async fn trend_from_records(
    store: &TradeStore,
    flow: Option<Flow>,
    slice: &Slice,
) -> Result<Vec<TrendPoint>> {
    let cond = flow
        .map(|x| format!(" AND flow = '{}'", x.as_str()))
        .unwrap_or_default();
    let sql = format!(
        "SELECT year, month, SUM(value_cny) FROM records WHERE TRUE{cond}{} GROUP BY 1, 2",
        slice.sql()
    );
    series(query(store, &sql).await?, flow)
}
