//! Pre-aggregated tables, maintained on import so the dashboard never scans the records.
//!
//! One table per dimension: rows are (year, month, flow, key) with summed values. A record
//! that lacks a dimension (the file was downloaded without it) is left out of that
//! dimension's table but counted in `total`.

use crate::codes::{Flow, Period};
use crate::record::{Interner, Rec};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef,
};
use foldhash::HashMap;
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

#[derive(Default, Clone, Copy)]
struct Acc {
    cny: f64,
    usd: f64,
    qty: f64,
    rows: i64,
    label: u32,
}

impl Acc {
    fn add(&mut self, r: &Rec) {
        if !r.cny.is_nan() {
            self.cny += r.cny;
        }
        if !r.usd.is_nan() {
            self.usd += r.usd;
        }
        self.qty += r.qty1;
        self.rows += 1;
        self.label = r.name;
    }
}

/// How many code numbers each of dimensions 0 to 5 of [`DIMS`] has (a city is indexed by its
/// code over 100): few enough to index them, not hash them.
const SMALL_DIMS: [usize; 6] = [1, 1000, 100, 10_000, 10_000, 8];

/// Where a code number of dimensions 0 to 5 is kept, and back.
fn small_index(dim: usize, n: u32) -> usize {
    (if dim == 4 { n / 100 } else { n }) as usize
}

fn small_code(dim: usize, i: usize) -> u32 {
    (if dim == 4 { i * 100 } else { i })
        .try_into()
        .unwrap_or(u32::MAX)
}

/// Every sum of one period and flow kept at import: the one-dimension tables, the pair tables
/// and the enterprise slices, taken in one pass over its records, a slice of them at a time,
/// so that a part too large for memory is summed as it streams past.
#[derive(Default)]
pub struct PartSums {
    at: Option<(Period, Flow)>,
    /// Dimensions 0 to 5 by code number ([`small_index`]).
    small: Vec<Vec<Acc>>,
    /// HS6 and unit, as `hs6 << 32 | unit id`.
    hs6: HashMap<u64, Acc>,
    /// Enterprises by their number in `usccs`; a credit code is hashed once per record here
    /// and its number used by the enterprise table and the slices.
    ents: Vec<Acc>,
    ids: HashMap<[u8; 18], u32>,
    usccs: Vec<[u8; 18]>,
    /// Pair tables by `a << 32 | b`.
    pairs: Vec<HashMap<u64, Acc>>,
    /// Enterprise slices by `slot << 56 | code << 32 | enterprise`, slot indexing
    /// [`ENTERPRISE_SLICE_DIMS`].
    slices: HashMap<u64, f64>,
}

/// A part's sums as tables: per dimension, per pair, and the enterprise slices.
pub struct PartTables {
    pub aggs: Vec<Vec<AggRow>>,
    pub pairs: Vec<Vec<PairRow>>,
    pub slices: RecordBatch,
    /// The part's value in CNY (its total row's).
    pub value_cny: f64,
}

impl PartSums {
    pub fn add(&mut self, recs: &[Rec]) {
        let Some(first) = recs.first() else { return };
        self.at.get_or_insert((first.period, first.flow));
        if self.small.is_empty() {
            self.small = SMALL_DIMS
                .iter()
                .map(|&n| vec![Acc::default(); n])
                .collect();
            self.pairs = (0..PAIRS.len()).map(|_| HashMap::default()).collect();
        }
        let num = |b: &[u8]| b.iter().fold(0u32, |a, d| a * 10 + (d - b'0') as u32);
        for r in recs {
            self.small[0][0].add(r);
            // The same codes as the pair tables take, so a slice adds up to its dimension's row.
            let nums: [Option<u32>; 6] = std::array::from_fn(|d| dim_num(r, d));
            for (dim, n) in nums.iter().enumerate().skip(1) {
                let Some(n) = n else { continue };
                let (i, accs) = (small_index(dim, *n), &mut self.small[dim]);
                if i >= accs.len() {
                    accs.resize(i + 1, Acc::default());
                }
                accs[i].add(r);
            }
            if r.code_len >= 6 {
                let k = (num(&r.code[..6]) as u64) << 32 | r.unit1 as u64;
                self.hs6.entry(k).or_default().add(r);
            }
            for (p, &(a, b)) in PAIRS.iter().enumerate() {
                if let (Some(x), Some(y)) = (nums[a], nums[b]) {
                    let e = self.pairs[p]
                        .entry((x as u64) << 32 | y as u64)
                        .or_default();
                    if !r.cny.is_nan() {
                        e.cny += r.cny;
                    }
                    if !r.usd.is_nan() {
                        e.usd += r.usd;
                    }
                    e.rows += 1;
                }
            }
            let Some(u) = r.uscc else { continue };
            let id = *self.ids.entry(u).or_insert_with(|| {
                self.usccs.push(u);
                self.ents.push(Acc::default());
                (self.usccs.len() - 1) as u32
            });
            self.ents[id as usize].add(r);
            for (slot, d) in ENTERPRISE_SLICE_DIMS.into_iter().enumerate() {
                if let Some(n) = nums[d] {
                    let k = (slot as u64) << 56 | (n as u64) << 32 | id as u64;
                    let e = self.slices.entry(k).or_default();
                    if !r.cny.is_nan() {
                        *e += r.cny;
                    }
                }
            }
        }
    }

    pub fn finish(self, strings: &Interner) -> crate::Result<PartTables> {
        let Some((period, flow)) = self.at else {
            return Ok(PartTables {
                aggs: vec![Vec::new(); DIMS.len()],
                pairs: vec![Vec::new(); PAIRS.len()],
                slices: RecordBatch::new_empty(enterprise_slices_schema()),
                value_cny: 0.0,
            });
        };
        let row = |key: String, unit: Option<String>, label: Option<String>, a: &Acc| AggRow {
            year: period.year,
            month: period.month,
            flow,
            key,
            unit,
            label,
            cny: a.cny,
            usd: a.usd,
            qty: a.qty,
            rows: a.rows,
        };
        let mut aggs: Vec<Vec<AggRow>> = Vec::with_capacity(DIMS.len());
        for (dim, accs) in self.small.iter().enumerate() {
            aggs.push(
                accs.iter()
                    .enumerate()
                    .filter(|(_, a)| a.rows > 0)
                    .map(|(i, a)| {
                        let key = match dim {
                            0 => String::new(),
                            _ => key_str(dim, small_code(dim, i)),
                        };
                        row(key, None, None, a)
                    })
                    .collect(),
            );
        }
        aggs.push(
            self.ents
                .iter()
                .zip(&self.usccs)
                .map(|(a, u)| {
                    let key = String::from_utf8_lossy(u).into_owned();
                    row(key, None, strings.get(a.label).map(str::to_string), a)
                })
                .collect(),
        );
        aggs.push(
            self.hs6
                .iter()
                .map(|(k, a)| {
                    let (n, u) = ((k >> 32) as u32, *k as u32);
                    row(
                        format!("{n:06}"),
                        strings.get(u).map(str::to_string),
                        None,
                        a,
                    )
                })
                .collect(),
        );
        for v in &mut aggs {
            v.sort_by(|a, b| (&a.key, &a.unit).cmp(&(&b.key, &b.unit)));
        }
        let pairs = self
            .pairs
            .iter()
            .map(|m| {
                let mut v: Vec<PairRow> = m
                    .iter()
                    .map(|(k, acc)| PairRow {
                        year: period.year,
                        month: period.month,
                        flow,
                        a: (k >> 32) as u32,
                        b: *k as u32,
                        cny: acc.cny,
                        usd: acc.usd,
                        rows: acc.rows,
                    })
                    .collect();
                v.sort_unstable_by_key(|r| (r.a, r.b));
                v
            })
            .collect();
        let slices = slices_batch(period, flow, &self.slices, &self.usccs)?;
        Ok(PartTables {
            aggs,
            pairs,
            slices,
            value_cny: self.small[0][0].cny,
        })
    }
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

/// Pairs of dimensions (indices into [`DIMS`]) aggregated together. A drill-down into one
/// value of either side breaks down by the other from here: the dashboard's slices (partner,
/// chapter and with it section, trade mode, city) by every breakdown but enterprise. Ten
/// two-dimensional tables rather than one cube over all five: a table's size is bounded by
/// the product of two code lists (partners × chapters is the largest), whatever the number
/// of records, while a cube would grow towards the records themselves.
pub const PAIRS: [(usize, usize); 10] = [
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (2, 3),
    (2, 4),
    (2, 5),
    (3, 4),
    (3, 5),
    (4, 5),
];

/// Name of a pair table (`partner_chapter`, stored as `agg_partner_chapter`).
pub fn pair_name(pair: usize) -> String {
    let (a, b) = PAIRS[pair];
    format!("{}_{}", DIMS[a], DIMS[b])
}

/// One row of a pair table: the codes of both dimensions as numbers (see [`key_str`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PairRow {
    pub year: i32,
    pub month: u32,
    pub flow: Flow,
    pub a: u32,
    pub b: u32,
    pub cny: f64,
    pub usd: f64,
    pub rows: i64,
}

/// A record's code in dimensions 1 to 5 of [`DIMS`] as a number; None when it lacks it.
fn dim_num(r: &Rec, dim: usize) -> Option<u32> {
    match dim {
        1 => (r.partner != 0).then_some(r.partner as u32),
        2 => (r.code_len >= 2).then(|| {
            r.code[..2]
                .iter()
                .fold(0u32, |a, d| a * 10 + (d - b'0') as u32)
        }),
        3 => (r.mode != crate::record::NO_MODE).then_some(r.mode as u32),
        4 => (r.region != 0).then_some(r.region / 100 * 100),
        5 => r.ownership.map(|o| o as u32),
        _ => None,
    }
}

/// The key text of a code number, as the one-dimension tables write it.
pub fn key_str(dim: usize, n: u32) -> String {
    match dim {
        1 => format!("{n:03}"),
        2 => format!("{n:02}"),
        3 => format!("{n:04}"),
        4 => format!("{n:06}"),
        5 => crate::codes::Ownership::ALL
            .get(n as usize)
            .map(|o| o.as_str().to_string())
            .unwrap_or_default(),
        _ => n.to_string(),
    }
}

/// The inverse of [`key_str`]; None for text it would not have written.
pub fn key_num(dim: usize, s: &str) -> Option<u32> {
    if dim == 5 {
        return crate::codes::Ownership::ALL
            .iter()
            .position(|o| o.as_str() == s)
            .map(|i| i as u32);
    }
    let width = [0, 3, 2, 4, 6][dim.min(4)];
    (s.len() == width && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The schema of a pair table: the two dimensions' columns are named like the records'.
pub fn pair_schema(pair: usize) -> SchemaRef {
    let (a, b) = PAIRS[pair];
    Arc::new(Schema::new(vec![
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, false),
        Field::new("flow", DataType::Utf8, false),
        Field::new(DIMS[a], DataType::Utf8, false),
        Field::new(DIMS[b], DataType::Utf8, false),
        Field::new("value_cny", DataType::Float64, false),
        Field::new("value_usd", DataType::Float64, false),
        Field::new("rows", DataType::Int64, false),
    ]))
}

pub fn pair_to_batch(pair: usize, rows: &[PairRow]) -> crate::Result<RecordBatch> {
    let (da, db) = PAIRS[pair];
    let n = rows.len();
    let mut year = Int32Builder::with_capacity(n);
    let mut month = Int32Builder::with_capacity(n);
    let mut flow = StringBuilder::new();
    let mut a = StringBuilder::new();
    let mut b = StringBuilder::new();
    let mut cny = Float64Builder::with_capacity(n);
    let mut usd = Float64Builder::with_capacity(n);
    let mut cnt = Int64Builder::with_capacity(n);
    for r in rows {
        year.append_value(r.year);
        month.append_value(r.month as i32);
        flow.append_value(r.flow.as_str());
        a.append_value(key_str(da, r.a));
        b.append_value(key_str(db, r.b));
        cny.append_value(r.cny);
        usd.append_value(r.usd);
        cnt.append_value(r.rows);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(year.finish()),
        Arc::new(month.finish()),
        Arc::new(flow.finish()),
        Arc::new(a.finish()),
        Arc::new(b.finish()),
        Arc::new(cny.finish()),
        Arc::new(usd.finish()),
        Arc::new(cnt.finish()),
    ];
    Ok(RecordBatch::try_new(pair_schema(pair), cols)?)
}

pub fn pair_from_batch(pair: usize, b: &RecordBatch, out: &mut Vec<PairRow>) -> crate::Result<()> {
    let (da, db) = PAIRS[pair];
    let name = pair_name(pair);
    let bad =
        || crate::TradeError::Corrupt(format!("aggregate table {name} has an unexpected schema"));
    let col = |name: &str| b.column_by_name(name).ok_or_else(bad);
    let year = col("year")?
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(bad)?;
    let month = col("month")?
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(bad)?;
    let flow = col("flow")?.as_string_opt::<i32>().ok_or_else(bad)?;
    let a = col(DIMS[da])?.as_string_opt::<i32>().ok_or_else(bad)?;
    let bb = col(DIMS[db])?.as_string_opt::<i32>().ok_or_else(bad)?;
    let cny = col("value_cny")?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(bad)?;
    let usd = col("value_usd")?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(bad)?;
    let rows = col("rows")?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(bad)?;
    for i in 0..b.num_rows() {
        // Rows of earlier batches of the same file are already in `out`.
        let row = out.len() + 1;
        let code = |dim: usize, s: &str| {
            key_num(dim, s).ok_or_else(|| {
                crate::TradeError::Corrupt(format!(
                    "aggregate table {name}, row {row}, column {}: {s:?} is not a {} code",
                    DIMS[dim], DIMS[dim]
                ))
            })
        };
        out.push(PairRow {
            year: year.value(i),
            month: month.value(i) as u32,
            flow: Flow::parse(flow.value(i)).ok_or_else(bad)?,
            a: code(da, a.value(i))?,
            b: code(db, bb.value(i))?,
            cny: cny.value(i),
            usd: usd.value(i),
            rows: rows.value(i),
        });
    }
    Ok(())
}

/// Pair tables of one records file (one period and flow), for a store written before pair
/// tables existed. Codes are read back from the records' text columns; errors name the row.
pub fn pairs_from_records(
    batches: &[RecordBatch],
) -> std::result::Result<Vec<Vec<PairRow>>, String> {
    /// (year, month, flow, a, b)
    type Key = (i32, u32, Flow, u32, u32);
    let mut maps: Vec<HashMap<Key, Acc>> = (0..PAIRS.len()).map(|_| HashMap::default()).collect();
    let mut first_row = 1;
    for b in batches {
        let text = |name: &str| {
            b.column_by_name(name)
                .and_then(|c| c.as_string_opt::<i32>())
                .ok_or_else(|| format!("no text column {name}"))
        };
        let num = |name: &str| {
            b.column_by_name(name)
                .and_then(|c| c.as_primitive_opt::<Float64Type>())
                .ok_or_else(|| format!("no number column {name}"))
        };
        let int = |name: &str| {
            b.column_by_name(name)
                .and_then(|c| c.as_primitive_opt::<Int32Type>())
                .ok_or_else(|| format!("no integer column {name}"))
        };
        let (year, month, flow) = (int("year")?, int("month")?, text("flow")?);
        let cols = [
            text("partner")?,
            text("chapter")?,
            text("trade_mode")?,
            text("city")?,
            text("ownership")?,
        ];
        let (cny, usd) = (num("value_cny")?, num("value_usd")?);
        for i in 0..b.num_rows() {
            let row = first_row + i;
            let f = Flow::parse(flow.value(i)).ok_or_else(|| {
                format!("row {row}, column flow: {:?} is not a flow", flow.value(i))
            })?;
            let mut nums = [None; 6];
            for (d, c) in cols.iter().enumerate() {
                if !c.is_null(i) {
                    nums[d + 1] = Some(key_num(d + 1, c.value(i)).ok_or_else(|| {
                        format!(
                            "row {row}, column {}: {:?} is not a {} code",
                            DIMS[d + 1],
                            c.value(i),
                            DIMS[d + 1]
                        )
                    })?);
                }
            }
            for (p, &(a, bb)) in PAIRS.iter().enumerate() {
                if let (Some(x), Some(y)) = (nums[a], nums[bb]) {
                    let e = maps[p]
                        .entry((year.value(i), month.value(i) as u32, f, x, y))
                        .or_default();
                    if !cny.is_null(i) {
                        e.cny += cny.value(i);
                    }
                    if !usd.is_null(i) {
                        e.usd += usd.value(i);
                    }
                    e.rows += 1;
                }
            }
        }
        first_row += b.num_rows();
    }
    Ok(maps
        .into_iter()
        .map(|m| {
            m.into_iter()
                .map(|((year, month, flow, a, b), acc)| PairRow {
                    year,
                    month,
                    flow,
                    a,
                    b,
                    cny: acc.cny,
                    usd: acc.usd,
                    rows: acc.rows,
                })
                .collect()
        })
        .collect())
}

/// The slice dimensions (indices into [`DIMS`]) of the enterprise slice files.
pub const ENTERPRISE_SLICE_DIMS: [usize; 4] = [1, 2, 3, 4];

pub fn enterprise_slices_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new("year", DataType::Int32, false),
            Field::new("month", DataType::Int32, false),
            Field::new("flow", DataType::Utf8, false),
            Field::new("dim", DataType::Utf8, false),
            Field::new("code", DataType::Utf8, false),
            Field::new("uscc", DataType::Utf8, false),
            Field::new("value_cny", DataType::Float64, false),
        ]))
    })
    .clone()
}

/// One period and flow's enterprises by partner, chapter, trade mode and city: (year, month,
/// flow, dim, code, uscc, value), sorted by dim, code and credit code, so that the rows of one
/// slice are contiguous and a reader skips the row groups of every other code. These grow with
/// the enterprises, not with the code lists, so they stay on disk, one file per period and flow.
fn slices_batch(
    period: Period,
    flow: Flow,
    sums: &HashMap<u64, f64>,
    usccs: &[[u8; 18]],
) -> crate::Result<RecordBatch> {
    let n = sums.len();
    let mut years = Int32Builder::with_capacity(n);
    let mut months = Int32Builder::with_capacity(n);
    let mut flows = StringBuilder::new();
    let mut dims = StringBuilder::new();
    let mut codes = StringBuilder::new();
    let mut usccs_col = StringBuilder::new();
    let mut values = Float64Builder::with_capacity(n);
    let uscc = |k: u64| {
        usccs
            .get((k & 0xFFFF_FFFF) as usize)
            .copied()
            .unwrap_or([0; 18])
    };
    let dim = |k: u64| ENTERPRISE_SLICE_DIMS[((k >> 56) as usize).min(3)];
    let code = |k: u64| ((k >> 32) & 0xFF_FFFF) as u32;
    // Sorted by the dimension's name and the code's text, as a reader's statistics compare
    // text; the codes of these dimensions have a fixed width, so their numbers sort as their
    // text does.
    let mut rows: Vec<(&u64, &f64)> = sums.iter().collect();
    rows.sort_unstable_by(|a, b| {
        (DIMS[dim(*a.0)], code(*a.0), uscc(*a.0)).cmp(&(DIMS[dim(*b.0)], code(*b.0), uscc(*b.0)))
    });
    for (&k, &v) in rows {
        let d = dim(k);
        years.append_value(period.year);
        months.append_value(period.month as i32);
        flows.append_value(flow.as_str());
        dims.append_value(DIMS[d]);
        codes.append_value(key_str(d, code(k)));
        usccs_col.append_value(String::from_utf8_lossy(&uscc(k)));
        values.append_value(v);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(years.finish()),
        Arc::new(months.finish()),
        Arc::new(flows.finish()),
        Arc::new(dims.finish()),
        Arc::new(codes.finish()),
        Arc::new(usccs_col.finish()),
        Arc::new(values.finish()),
    ];
    Ok(RecordBatch::try_new(enterprise_slices_schema(), cols)?)
}
