//! Pre-aggregated tables, maintained on import so the dashboard never scans the records.
//!
//! One table per dimension: rows are (year, month, flow, key) with summed values. A record
//! that lacks a dimension (the file was downloaded without it) is left out of that
//! dimension's table but counted in `total`.

use crate::codes::Flow;
use crate::record::{Interner, Rec};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef,
};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The dimensions kept pre-aggregated. `hs6` carries the first quantity and its unit for
/// unit values (price/volume decomposition).
pub const DIMS: [&str; 8] = [
    "total",
    "partner",
    "chapter",
    "trade_mode",
    "city",
    "ownership",
    "enterprise",
    "hs6",
];

#[derive(Debug, Clone, PartialEq)]
pub struct AggRow {
    pub year: i32,
    pub month: u32,
    pub flow: Flow,
    pub key: String,
    pub unit: Option<String>,
    pub label: Option<String>,
    pub cny: f64,
    pub usd: f64,
    /// Sum of the first quantity; NaN when a record of the group lacked it.
    pub qty: f64,
    pub rows: i64,
}

pub fn schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new("year", DataType::Int32, false),
            Field::new("month", DataType::Int32, false),
            Field::new("flow", DataType::Utf8, false),
            Field::new("key", DataType::Utf8, false),
            Field::new("unit", DataType::Utf8, true),
            Field::new("label", DataType::Utf8, true),
            Field::new("value_cny", DataType::Float64, false),
            Field::new("value_usd", DataType::Float64, false),
            Field::new("qty", DataType::Float64, true),
            Field::new("rows", DataType::Int64, false),
        ]))
    })
    .clone()
}

/// A group key without allocation: a number (code) and a unit id, or a credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum K {
    Num(u32, u32),
    Id([u8; 18]),
}

#[derive(Default)]
struct Acc {
    cny: f64,
    usd: f64,
    qty: f64,
    rows: i64,
    label: u32,
}

/// Aggregates of one period and flow, per dimension (indexed like [`DIMS`]).
pub fn aggregate(recs: &[Rec], strings: &Interner) -> Vec<Vec<AggRow>> {
    let Some(first) = recs.first() else {
        return vec![Vec::new(); DIMS.len()];
    };
    let (period, flow) = (first.period, first.flow);
    let mut maps: Vec<HashMap<K, Acc>> = (0..DIMS.len()).map(|_| HashMap::new()).collect();
    fn add(m: &mut HashMap<K, Acc>, k: K, r: &Rec) {
        let e = m.entry(k).or_default();
        if !r.cny.is_nan() {
            e.cny += r.cny;
        }
        if !r.usd.is_nan() {
            e.usd += r.usd;
        }
        e.qty += r.qty1;
        e.rows += 1;
        e.label = r.name;
    }
    let num = |b: &[u8]| b.iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32);
    for r in recs {
        add(&mut maps[0], K::Num(0, 0), r);
        if r.partner != 0 {
            add(&mut maps[1], K::Num(r.partner as u32, 0), r);
        }
        if r.code_len >= 2 {
            add(&mut maps[2], K::Num(num(&r.code[..2]), 0), r);
            if r.code_len >= 6 {
                add(&mut maps[7], K::Num(num(&r.code[..6]), r.unit1), r);
            }
        }
        if r.mode != crate::record::NO_MODE {
            add(&mut maps[3], K::Num(r.mode as u32, 0), r);
        }
        if r.region != 0 {
            add(&mut maps[4], K::Num(r.region / 100 * 100, 0), r);
        }
        if let Some(o) = r.ownership {
            add(&mut maps[5], K::Num(o as u32, 0), r);
        }
        if let Some(u) = r.uscc {
            add(&mut maps[6], K::Id(u), r);
        }
    }
    maps.into_iter()
        .enumerate()
        .map(|(dim, m)| {
            let mut v: Vec<AggRow> = m
                .into_iter()
                .map(|(k, a)| {
                    let (key, unit) = match (dim, k) {
                        (0, _) => (String::new(), None),
                        (1, K::Num(n, _)) => (format!("{n:03}"), None),
                        (2, K::Num(n, _)) => (format!("{n:02}"), None),
                        (3, K::Num(n, _)) => (format!("{n:04}"), None),
                        (4, K::Num(n, _)) => (format!("{n:06}"), None),
                        (5, K::Num(n, _)) => (
                            crate::codes::Ownership::ALL
                                .get(n as usize)
                                .map(|o| o.as_str().to_string())
                                .unwrap_or_default(),
                            None,
                        ),
                        (7, K::Num(n, u)) => {
                            (format!("{n:06}"), strings.get(u).map(str::to_string))
                        }
                        (_, K::Id(b)) => (String::from_utf8_lossy(&b).into_owned(), None),
                        (_, K::Num(n, _)) => (n.to_string(), None),
                    };
                    AggRow {
                        year: period.year,
                        month: period.month,
                        flow,
                        key,
                        unit,
                        label: if dim == 6 {
                            strings.get(a.label).map(str::to_string)
                        } else {
                            None
                        },
                        cny: a.cny,
                        usd: a.usd,
                        qty: a.qty,
                        rows: a.rows,
                    }
                })
                .collect();
            v.sort_by(|a, b| (&a.key, &a.unit).cmp(&(&b.key, &b.unit)));
            v
        })
        .collect()
}

pub fn to_batch(rows: &[AggRow]) -> crate::Result<RecordBatch> {
    let n = rows.len();
    let mut year = Int32Builder::with_capacity(n);
    let mut month = Int32Builder::with_capacity(n);
    let mut flow = StringBuilder::new();
    let mut key = StringBuilder::new();
    let mut unit = StringBuilder::new();
    let mut label = StringBuilder::new();
    let mut cny = Float64Builder::with_capacity(n);
    let mut usd = Float64Builder::with_capacity(n);
    let mut qty = Float64Builder::with_capacity(n);
    let mut cnt = Int64Builder::with_capacity(n);
    for r in rows {
        year.append_value(r.year);
        month.append_value(r.month as i32);
        flow.append_value(r.flow.as_str());
        key.append_value(&r.key);
        unit.append_option(r.unit.as_deref());
        label.append_option(r.label.as_deref());
        cny.append_value(r.cny);
        usd.append_value(r.usd);
        qty.append_option((!r.qty.is_nan()).then_some(r.qty));
        cnt.append_value(r.rows);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(year.finish()),
        Arc::new(month.finish()),
        Arc::new(flow.finish()),
        Arc::new(key.finish()),
        Arc::new(unit.finish()),
        Arc::new(label.finish()),
        Arc::new(cny.finish()),
        Arc::new(usd.finish()),
        Arc::new(qty.finish()),
        Arc::new(cnt.finish()),
    ];
    Ok(RecordBatch::try_new(schema(), cols)?)
}

pub fn from_batch(b: &RecordBatch, out: &mut Vec<AggRow>) -> crate::Result<()> {
    let bad = || crate::TradeError::Corrupt("aggregate table has an unexpected schema".into());
    let col = |name: &str| b.column_by_name(name).ok_or_else(bad);
    let year = col("year")?
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(bad)?;
    let month = col("month")?
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(bad)?;
    let flow = col("flow")?.as_string_opt::<i32>().ok_or_else(bad)?;
    let key = col("key")?.as_string_opt::<i32>().ok_or_else(bad)?;
    let unit = col("unit")?.as_string_opt::<i32>().ok_or_else(bad)?;
    let label = col("label")?.as_string_opt::<i32>().ok_or_else(bad)?;
    let cny = col("value_cny")?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(bad)?;
    let usd = col("value_usd")?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(bad)?;
    let qty = col("qty")?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(bad)?;
    let rows = col("rows")?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(bad)?;
    for i in 0..b.num_rows() {
        out.push(AggRow {
            year: year.value(i),
            month: month.value(i) as u32,
            flow: Flow::parse(flow.value(i)).ok_or_else(bad)?,
            key: key.value(i).to_string(),
            unit: (!unit.is_null(i)).then(|| unit.value(i).to_string()),
            label: (!label.is_null(i)).then(|| label.value(i).to_string()),
            cny: cny.value(i),
            usd: usd.value(i),
            qty: if qty.is_null(i) {
                f64::NAN
            } else {
                qty.value(i)
            },
            rows: rows.value(i),
        });
    }
    Ok(())
}
