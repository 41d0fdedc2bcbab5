//! Pre-aggregated tables, maintained on import so the dashboard never scans the records.
//!
//! One table per dimension: rows are (year, month, flow, key) with summed values. A record
//! that lacks a dimension (the file was downloaded without it) is left out of that
//! dimension's table but counted in `total`.

use crate::codes::Flow;
use crate::record::{Interner, Rec, mode_str, partner_str, region_str};
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

/// Aggregates of one period and flow, per dimension (indexed like [`DIMS`]).
pub fn aggregate(recs: &[Rec], strings: &Interner) -> Vec<Vec<AggRow>> {
    let Some(first) = recs.first() else {
        return vec![Vec::new(); DIMS.len()];
    };
    let (period, flow) = (first.period, first.flow);
    type Key = (String, Option<String>);
    let mut maps: Vec<HashMap<Key, AggRow>> = vec![HashMap::new(); DIMS.len()];
    let add = |m: &mut HashMap<Key, AggRow>,
               key: String,
               unit: Option<String>,
               label: Option<&str>,
               r: &Rec| {
        let e = m
            .entry((key.clone(), unit.clone()))
            .or_insert_with(|| AggRow {
                year: period.year,
                month: period.month,
                flow,
                key,
                unit,
                label: label.map(str::to_string),
                cny: 0.0,
                usd: 0.0,
                qty: 0.0,
                rows: 0,
            });
        if !r.cny.is_nan() {
            e.cny += r.cny;
        }
        if !r.usd.is_nan() {
            e.usd += r.usd;
        }
        e.qty += r.qty1;
        e.rows += 1;
    };
    for r in recs {
        add(&mut maps[0], String::new(), None, None, r);
        if let Some(p) = partner_str(r.partner) {
            add(&mut maps[1], p, None, None, r);
        }
        if let Some(c) = r.code() {
            add(&mut maps[2], c[..2].to_string(), None, None, r);
            if c.len() >= 6 {
                add(
                    &mut maps[7],
                    c[..6].to_string(),
                    strings.get(r.unit1).map(str::to_string),
                    None,
                    r,
                );
            }
        }
        if let Some(m) = mode_str(r.mode) {
            add(&mut maps[3], m, None, None, r);
        }
        if let Some(code) = region_str(r.region) {
            add(&mut maps[4], crate::codes::city_of(&code), None, None, r);
        }
        if let Some(o) = r.ownership {
            add(&mut maps[5], o.as_str().to_string(), None, None, r);
        }
        if let Some(u) = r.uscc.as_ref().and_then(|u| std::str::from_utf8(u).ok()) {
            add(&mut maps[6], u.to_string(), None, strings.get(r.name), r);
        }
    }
    maps.into_iter()
        .map(|m| {
            let mut v: Vec<AggRow> = m.into_values().collect();
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
