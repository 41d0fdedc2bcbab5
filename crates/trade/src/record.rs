//! One customs record in its compact in-memory form, and its Parquet/Arrow schema.
//!
//! Codes are held as small integers or fixed byte arrays, and names and units are interned,
//! so that parsing a million rows allocates almost nothing per row.

use crate::codes::{Flow, Ownership, Period};
use crate::lookup::Lookups;
use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int32Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use foldhash::HashMap;
use std::sync::{Arc, OnceLock};

/// Interned strings (enterprise names, units). Id 0 means "none".
#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn new() -> Interner {
        Interner {
            ids: HashMap::default(),
            names: vec!["".into()],
        }
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    /// Number of ids handed out, "none" included.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub fn get(&self, id: u32) -> Option<&str> {
        (id != 0)
            .then(|| self.names.get(id as usize).map(|s| &**s))
            .flatten()
    }
}

/// A customs record. `NaN` stands for a missing amount; 0 for a missing code.
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    pub period: Period,
    pub flow: Flow,
    pub code_len: u8,
    pub code: [u8; 10],
    /// China Customs' 3-digit partner code; 0 = not given.
    pub partner: u16,
    /// 4-digit trade mode as a number (0110 → 110); `u16::MAX` = not given.
    pub mode: u16,
    /// GB/T 2260 code; 0 = not given.
    pub region: u32,
    pub uscc: Option<[u8; 18]>,
    pub name: u32,
    pub ownership: Option<Ownership>,
    pub qty1: f64,
    pub unit1: u32,
    pub qty2: f64,
    pub unit2: u32,
    pub cny: f64,
    pub usd: f64,
    /// Where it came from, for error messages: index into the import's file list, and row.
    pub file: u16,
    pub row: u32,
}

pub const NO_MODE: u16 = u16::MAX;

/// Bytes of a record written to a spill file ([`Rec::encode`]).
pub(crate) const ENCODED_LEN: usize = 95;

impl Rec {
    /// The record as [`ENCODED_LEN`] bytes, for an import's spill files; read back by
    /// [`Rec::decode`]. Little-endian, fields in declaration order.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.period.year.to_le_bytes());
        out.push(self.period.month as u8);
        out.push(Flow::ALL.iter().position(|f| *f == self.flow).unwrap_or(0) as u8);
        out.push(self.code_len);
        out.extend_from_slice(&self.code);
        out.extend_from_slice(&self.partner.to_le_bytes());
        out.extend_from_slice(&self.mode.to_le_bytes());
        out.extend_from_slice(&self.region.to_le_bytes());
        out.push(self.uscc.is_some() as u8);
        out.extend_from_slice(&self.uscc.unwrap_or([0; 18]));
        out.extend_from_slice(&self.name.to_le_bytes());
        out.push(
            self.ownership
                .and_then(|o| Ownership::ALL.iter().position(|x| *x == o))
                .map_or(0, |i| i as u8 + 1),
        );
        out.extend_from_slice(&self.qty1.to_le_bytes());
        out.extend_from_slice(&self.unit1.to_le_bytes());
        out.extend_from_slice(&self.qty2.to_le_bytes());
        out.extend_from_slice(&self.unit2.to_le_bytes());
        out.extend_from_slice(&self.cny.to_le_bytes());
        out.extend_from_slice(&self.usd.to_le_bytes());
        out.extend_from_slice(&self.file.to_le_bytes());
        out.extend_from_slice(&self.row.to_le_bytes());
    }

    /// A record from [`ENCODED_LEN`] bytes written by [`Rec::encode`].
    pub(crate) fn decode(b: &[u8; ENCODED_LEN]) -> Rec {
        let mut at = 0;
        let mut take = move |n: usize| {
            let s = &b[at..at + n];
            at += n;
            s
        };
        let arr = |s: &[u8]| -> [u8; 8] { s.try_into().unwrap_or([0; 8]) };
        let year = i32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
        let month = take(1)[0] as u32;
        let flow = Flow::ALL[(take(1)[0] as usize).min(1)];
        let code_len = take(1)[0];
        let code: [u8; 10] = take(10).try_into().unwrap_or([0; 10]);
        let partner = u16::from_le_bytes(take(2).try_into().unwrap_or([0; 2]));
        let mode = u16::from_le_bytes(take(2).try_into().unwrap_or([0; 2]));
        let region = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
        let has_uscc = take(1)[0] == 1;
        let uscc: [u8; 18] = take(18).try_into().unwrap_or([0; 18]);
        let name = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
        let ownership = match take(1)[0] {
            0 => None,
            i => Ownership::ALL.get(i as usize - 1).copied(),
        };
        let qty1 = f64::from_le_bytes(arr(take(8)));
        let unit1 = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
        let qty2 = f64::from_le_bytes(arr(take(8)));
        let unit2 = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
        let cny = f64::from_le_bytes(arr(take(8)));
        let usd = f64::from_le_bytes(arr(take(8)));
        let file = u16::from_le_bytes(take(2).try_into().unwrap_or([0; 2]));
        let row = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
        Rec {
            period: Period { year, month },
            flow,
            code_len,
            code,
            partner,
            mode,
            region,
            uscc: has_uscc.then_some(uscc),
            name,
            ownership,
            qty1,
            unit1,
            qty2,
            unit2,
            cny,
            usd,
            file,
            row,
        }
    }
}

impl Rec {
    pub fn code(&self) -> Option<&str> {
        (self.code_len > 0)
            .then(|| std::str::from_utf8(&self.code[..self.code_len as usize]).ok())
            .flatten()
    }

    /// The key that must be unique within a period and flow.
    #[cfg(test)]
    pub(crate) fn key(&self) -> (Period, Flow, u8, [u8; 10], u16, u16, u32, [u8; 18], u32) {
        (
            self.period,
            self.flow,
            self.code_len,
            self.code,
            self.partner,
            self.mode,
            self.region,
            self.uscc.unwrap_or([0; 18]),
            self.unit1,
        )
    }

    /// [`Rec::key`] within one period and flow, as bytes that compare as the key does: an
    /// import sorts millions of records by it.
    pub(crate) fn part_key(&self) -> [u8; PART_KEY_LEN] {
        let mut k = [0u8; PART_KEY_LEN];
        k[0] = self.code_len;
        k[1..11].copy_from_slice(&self.code);
        k[11..13].copy_from_slice(&self.partner.to_be_bytes());
        k[13..15].copy_from_slice(&self.mode.to_be_bytes());
        k[15..19].copy_from_slice(&self.region.to_be_bytes());
        k[19..37].copy_from_slice(&self.uscc.unwrap_or([0; 18]));
        k[37..41].copy_from_slice(&self.unit1.to_be_bytes());
        k
    }
}

pub(crate) const PART_KEY_LEN: usize = 41;

/// Sorts one period and flow's records by their key; the first pair (in file order) with the
/// same key, if any. Sorting the keys with the records' positions, then moving each record
/// once, is several times faster than sorting the records (a hundred bytes each) themselves.
pub(crate) fn sort_part(recs: &mut [Rec]) -> Option<(Rec, Rec)> {
    let packed: Option<Vec<(PackedKey, u32)>> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| Some((r.packed_key()?, i as u32)))
        .collect();
    match packed {
        Some(keys) => sort_by_keys(recs, keys),
        None => sort_by_keys(
            recs,
            recs.iter()
                .enumerate()
                .map(|(i, r)| (r.part_key(), i as u32))
                .collect(),
        ),
    }
}

/// [`Rec::part_key`] as integers that compare as its bytes do: (code length, code, partner,
/// trade mode), (region, credit code), unit. Sorting compares integers, not byte strings.
type PackedKey = (u64, u128, u32);

impl Rec {
    /// The packed key, when every field fits its width: codes of digits (a credit code of
    /// digits and capital letters), a partner under 1024 and a region under 2^20, as every
    /// record read from a file has. None otherwise, and the bytes are sorted instead.
    fn packed_key(&self) -> Option<PackedKey> {
        let len = self.code_len as usize;
        if len > 10 || self.partner >= 1 << 10 || self.region >= 1 << 20 {
            return None;
        }
        let mut code = 0u64;
        for &d in &self.code[..len] {
            if !d.is_ascii_digit() {
                return None;
            }
            code = code * 10 + (d - b'0') as u64;
        }
        // Below 10^10 < 2^34; the padding after the code is zeros in every record of a length.
        let hi = (len as u64) << 60 | code << 26 | (self.partner as u64) << 16 | self.mode as u64;
        // Base 37: no credit code (zeros) first, then digits, then capital letters, as bytes
        // compare; 37^18 < 2^94.
        let mut uscc = 0u128;
        for &c in &self.uscc.unwrap_or([0; 18]) {
            let v = match c {
                0 => 0,
                b'0'..=b'9' => c - b'0' + 1,
                b'A'..=b'Z' => c - b'A' + 11,
                _ => return None,
            };
            uscc = uscc * 37 + v as u128;
        }
        Some((hi, (self.region as u128) << 94 | uscc, self.unit1))
    }
}

/// Sorts `recs` by `keys` (each with its record's position); the first pair (in file order)
/// with the same key.
fn sort_by_keys<K: Ord + Copy>(recs: &mut [Rec], mut keys: Vec<(K, u32)>) -> Option<(Rec, Rec)> {
    keys.sort_unstable();
    let dup = keys
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| {
            let (a, b) = (recs[w[0].1 as usize], recs[w[1].1 as usize]);
            if (a.file, a.row) < (b.file, b.row) {
                (a, b)
            } else {
                (b, a)
            }
        })
        .min_by_key(|(_, b)| (b.file, b.row));
    let mut order: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
    permute(recs, &mut order);
    dup
}

/// Puts `items[order[k]]` at position k, for every k, in place; `order` (a permutation) is
/// used up as the record of what has moved.
fn permute<T: Copy>(items: &mut [T], order: &mut [u32]) {
    for start in 0..items.len() {
        if order[start] as usize == start {
            continue;
        }
        // Follow the cycle through `start`: each position takes the item it wants, and the
        // last takes the item `start` held.
        let held = items[start];
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                items[at] = held;
                break;
            }
            items[at] = items[from];
            at = from;
        }
    }
}

pub fn partner_str(p: u16) -> Option<String> {
    (p != 0).then(|| format!("{p:03}"))
}

pub fn mode_str(m: u16) -> Option<String> {
    (m != NO_MODE).then(|| format!("{m:04}"))
}

/// The schema of `records` Parquet files, one file per period and flow.
pub fn records_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let f = |n: &str| Field::new(n, DataType::Float64, true);
        Arc::new(Schema::new(vec![
            Field::new("period", DataType::Utf8, false),
            Field::new("year", DataType::Int32, false),
            Field::new("month", DataType::Int32, false),
            Field::new("flow", DataType::Utf8, false),
            s("commodity"),
            s("hs6"),
            s("chapter"),
            Field::new("section", DataType::Int32, true),
            s("partner"),
            s("partner_iso2"),
            s("trade_mode"),
            s("region"),
            s("city"),
            s("uscc"),
            s("enterprise"),
            s("ownership"),
            f("qty1"),
            s("unit1"),
            f("qty2"),
            s("unit2"),
            f("value_cny"),
            f("value_usd"),
        ]))
    })
    .clone()
}

fn opt_f(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// Builds one Arrow batch from records (all of one period and flow, sorted).
pub fn to_batch(recs: &[Rec], strings: &Interner) -> crate::Result<RecordBatch> {
    let lookups = Lookups::get();
    let n = recs.len();
    let mut period = StringBuilder::with_capacity(n, n * 7);
    let mut year = Int32Builder::with_capacity(n);
    let mut month = Int32Builder::with_capacity(n);
    let mut flow = StringBuilder::with_capacity(n, n * 6);
    let mut commodity = StringBuilder::with_capacity(n, n * 8);
    let mut hs6 = StringBuilder::with_capacity(n, n * 6);
    let mut chapter = StringBuilder::with_capacity(n, n * 2);
    let mut section = Int32Builder::with_capacity(n);
    let mut partner = StringBuilder::with_capacity(n, n * 3);
    let mut iso2 = StringBuilder::with_capacity(n, n * 2);
    let mut mode = StringBuilder::with_capacity(n, n * 4);
    let mut region = StringBuilder::with_capacity(n, n * 6);
    let mut city = StringBuilder::with_capacity(n, n * 6);
    let mut uscc = StringBuilder::with_capacity(n, n * 18);
    let mut ent = StringBuilder::new();
    let mut own = StringBuilder::new();
    let mut qty1 = Float64Builder::with_capacity(n);
    let mut unit1 = StringBuilder::new();
    let mut qty2 = Float64Builder::with_capacity(n);
    let mut unit2 = StringBuilder::new();
    let mut cny = Float64Builder::with_capacity(n);
    let mut usd = Float64Builder::with_capacity(n);
    // Per-code lookups resolved once, not per row.
    let iso: Vec<Option<&str>> = (0..1000u16)
        .map(|p| {
            lookups
                .countries
                .get(&format!("{p:03}"))
                .map(|c| c.iso2.as_str())
                .filter(|s| !s.is_empty())
        })
        .collect();
    let sections: Vec<i32> = (0..100u32)
        .map(|c| lookups.section_of(&format!("{c:02}")) as i32)
        .collect();
    let mut period_key = String::new();
    let mut last_period = None;
    for r in recs {
        if last_period != Some(r.period) {
            period_key = r.period.key();
            last_period = Some(r.period);
        }
        period.append_value(&period_key);
        year.append_value(r.period.year);
        month.append_value(r.period.month as i32);
        flow.append_value(r.flow.as_str());
        match r.code() {
            Some(c) => {
                commodity.append_value(c);
                hs6.append_option((c.len() >= 6).then(|| &c[..6]));
                chapter.append_value(&c[..2]);
                let ch = c[..2].parse::<usize>().unwrap_or(0);
                section.append_value(sections.get(ch).copied().unwrap_or(0));
            }
            None => {
                commodity.append_null();
                hs6.append_null();
                chapter.append_null();
                section.append_null();
            }
        }
        if r.partner != 0 {
            partner.append_value(digits::<3>(r.partner as u32).as_str());
            iso2.append_option(iso.get(r.partner as usize).copied().flatten());
        } else {
            partner.append_null();
            iso2.append_null();
        }
        if r.mode != NO_MODE {
            mode.append_value(digits::<4>(r.mode as u32).as_str());
        } else {
            mode.append_null();
        }
        if r.region != 0 {
            region.append_value(digits::<6>(r.region).as_str());
            city.append_value(digits::<6>(r.region / 100 * 100).as_str());
        } else {
            region.append_null();
            city.append_null();
        }
        uscc.append_option(r.uscc.as_ref().and_then(|u| std::str::from_utf8(u).ok()));
        ent.append_option(strings.get(r.name));
        own.append_option(r.ownership.map(|o| o.as_str()));
        qty1.append_option(opt_f(r.qty1));
        unit1.append_option(strings.get(r.unit1));
        qty2.append_option(opt_f(r.qty2));
        unit2.append_option(strings.get(r.unit2));
        cny.append_option(opt_f(r.cny));
        usd.append_option(opt_f(r.usd));
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(period.finish()),
        Arc::new(year.finish()),
        Arc::new(month.finish()),
        Arc::new(flow.finish()),
        Arc::new(commodity.finish()),
        Arc::new(hs6.finish()),
        Arc::new(chapter.finish()),
        Arc::new(section.finish()),
        Arc::new(partner.finish()),
        Arc::new(iso2.finish()),
        Arc::new(mode.finish()),
        Arc::new(region.finish()),
        Arc::new(city.finish()),
        Arc::new(uscc.finish()),
        Arc::new(ent.finish()),
        Arc::new(own.finish()),
        Arc::new(qty1.finish()),
        Arc::new(unit1.finish()),
        Arc::new(qty2.finish()),
        Arc::new(unit2.finish()),
        Arc::new(cny.finish()),
        Arc::new(usd.finish()),
    ];
    Ok(RecordBatch::try_new(records_schema(), cols)?)
}

/// A number as exactly N zero-padded decimal digits, without allocating.
pub(crate) struct Digits<const N: usize>([u8; N]);

impl<const N: usize> Digits<N> {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

pub(crate) fn digits<const N: usize>(mut v: u32) -> Digits<N> {
    let mut b = [b'0'; N];
    for d in b.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    Digits(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        for n in [0usize, 1, 2, 7, 100] {
            let items: Vec<u64> = (0..n as u64).map(|i| i * 1000 + 7).collect();
            // A shuffled order, with fixed points and cycles of several lengths.
            let mut order: Vec<u32> = (0..n as u32).collect();
            let mut x = 2463534242u32;
            for i in (1..n).rev() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                order.swap(i, x as usize % (i + 1));
            }
            let want: Vec<u64> = order.iter().map(|&i| items[i as usize]).collect();
            let mut got = items.clone();
            permute(&mut got, &mut order);
            assert_eq!(got, want, "n = {n}");
        }
    }

    /// Records whose fields take the values that decide an order: code lengths, codes that
    /// differ in one digit, partners, no trade mode, regions, no credit code, letters, units.
    fn varied(n: u32) -> Vec<Rec> {
        let mut x = 88172645463325252u64;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        (0..n)
            .map(|row| {
                let code_len = [2u8, 4, 6, 8, 10][next(5) as usize];
                let mut code = [0u8; 10];
                for c in &mut code[..code_len as usize] {
                    *c = b'0' + [0, 1, 8, 9][next(4) as usize];
                }
                let uscc = (next(4) > 0).then(|| {
                    let mut u = [b'9'; 18];
                    for c in &mut u[..4] {
                        *c = b"019AHZ"[next(6) as usize];
                    }
                    u
                });
                Rec {
                    period: Period {
                        year: 2025,
                        month: 1,
                    },
                    flow: Flow::Export,
                    code_len,
                    code,
                    partner: [101u16, 344, 799][next(3) as usize],
                    mode: [110, 9710, NO_MODE][next(3) as usize],
                    region: [0u32, 220104, 999_999][next(3) as usize],
                    uscc,
                    name: 0,
                    ownership: None,
                    qty1: f64::NAN,
                    unit1: next(3) as u32,
                    qty2: f64::NAN,
                    unit2: 0,
                    cny: f64::NAN,
                    usd: f64::NAN,
                    file: 0,
                    row,
                }
            })
            .collect()
    }

    #[test]
    fn packed_keys_sort_and_match_as_the_key_bytes_do() {
        let recs = varied(3000);
        for w in recs.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let (pa, pb) = (a.packed_key().unwrap(), b.packed_key().unwrap());
            assert_eq!(
                pa.cmp(&pb),
                a.part_key().cmp(&b.part_key()),
                "{a:?} against {b:?}"
            );
        }
        // Sorted and checked for rows twice by packed keys and by bytes: the same order of
        // keys, the same pair found.
        let (mut packed, mut bytes) = (recs.clone(), recs.clone());
        let keys = |v: &[Rec]| v.iter().map(|r| r.part_key()).collect::<Vec<_>>();
        let dup_packed = sort_by_keys(
            &mut packed,
            recs.iter()
                .enumerate()
                .map(|(i, r)| (r.packed_key().unwrap(), i as u32))
                .collect(),
        );
        let dup_bytes = sort_by_keys(
            &mut bytes,
            recs.iter()
                .enumerate()
                .map(|(i, r)| (r.part_key(), i as u32))
                .collect(),
        );
        assert_eq!(keys(&packed), keys(&bytes));
        assert!(keys(&packed).windows(2).all(|w| w[0] <= w[1]));
        let rows = |d: Option<(Rec, Rec)>| d.map(|(a, b)| (a.row, b.row));
        assert!(dup_bytes.is_some(), "these records have keys twice");
        assert_eq!(rows(dup_packed), rows(dup_bytes));
        // A character no file gives: the bytes are sorted instead.
        let mut odd = recs[0];
        odd.code[0] = b'X';
        assert!(odd.packed_key().is_none());
    }
}
