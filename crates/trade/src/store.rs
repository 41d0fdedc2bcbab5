//! `<data-dir>/trade/`: Parquet records (one file per period and flow, so a month is one row
//! group and re-importing a period replaces one file), pre-aggregated tables, and a manifest
//! that is the single commit point.
//!
//! Writing: new files get new names (a generation number), then `manifest.json` is replaced
//! by rename, then files no longer listed are deleted. A crash at any point leaves either the
//! old manifest (and some unlisted files, removed at the next write) or the new one: readers
//! only ever see files the manifest lists.

use crate::agg::{self, AggRow, DIMS, PAIRS, PairRow};
use crate::codes::{Flow, Period};
use crate::error::{Result, TradeError, io};
use crate::import::{self, file_name};
use crate::record::{self, Interner, Rec};
use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::context::SQLOptions;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{SessionConfig, SessionContext};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const MANIFEST: &str = "manifest.json";
const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PartitionEntry {
    pub period: Period,
    pub flow: Flow,
    pub file: String,
    pub rows: u64,
    pub value_cny: f64,
    /// File names the rows came from (names only, no directories).
    pub sources: Vec<String>,
    /// Unix seconds.
    pub imported_at: u64,
    /// Its enterprises by partner, chapter, trade mode and city (`agg::enterprise_slices`);
    /// None in stores written before these files existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_slices: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Manifest {
    pub format: u32,
    pub generation: u64,
    /// True when the data are the synthetic demo; every result repeats it.
    pub synthetic: bool,
    pub partitions: Vec<PartitionEntry>,
    /// dimension → file
    pub aggregates: BTreeMap<String, String>,
    /// National reference table for RCA (CSV copy), if one was imported.
    pub reference: Option<String>,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The flow of files that have no flow column (the platform exports imports and exports
    /// as separate files).
    pub flow: Option<Flow>,
    /// Testing aid: fail after writing this many record files, before the commit, as a crash
    /// would.
    #[doc(hidden)]
    pub fail_after_files: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub files: usize,
    pub rows: u64,
    /// Periods and flows written (each replaced what was there).
    pub partitions: Vec<(Period, Flow, u64)>,
    pub replaced: usize,
    pub warnings: Vec<String>,
    pub parse_seconds: f64,
    pub total_seconds: f64,
    pub rows_per_second: f64,
}

/// A period-and-flow's records, ready to write.
pub(crate) struct Part {
    pub period: Period,
    pub flow: Flow,
    pub recs: Vec<Rec>,
}

/// The trade store of one data directory: the only writer of `<data-dir>/trade/`.
pub struct TradeStore {
    dir: PathBuf,
    manifest: Manifest,
    aggs: Vec<Vec<AggRow>>,
    /// The aggregates as Arrow, one batch per dimension, sorted like `aggs`, with a `key_id`
    /// column: grouping on an integer is much faster than on text.
    agg_batches: Vec<RecordBatch>,
    /// Per dimension: key_id → (key, label).
    agg_keys: Vec<Vec<(String, Option<String>)>>,
    /// Enterprises' year-to-date values at each month (January to that month), derived from
    /// the monthly aggregate: the year-to-date dashboard reads two months of it instead of
    /// twelve of the monthly table. Sorted by (year, month); `ytd_index` gives the row range
    /// of each month.
    ent_ytd: RecordBatch,
    ytd_index: Vec<((i32, u32), usize, usize)>,
    /// Pair tables (indexed like [`PAIRS`]), sorted by (year, month, flow, a, b).
    pairs: Vec<Vec<PairRow>>,
    /// The pair tables for the engine: year, month, flow, a_id, b_id, value_cny, where the
    /// ids are the key ids of the two dimensions' one-dimension tables.
    pair_batches: Vec<RecordBatch>,
    ctx: SessionContext,
}

impl std::fmt::Debug for TradeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradeStore")
            .field("dir", &self.dir)
            .finish()
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    write_parquet_pages(path, batch, None)
}

/// One period and flow per file: one row group. `page_rows` caps the rows of a data page,
/// so that a reader can skip pages by the page index.
fn write_parquet_pages(path: &Path, batch: &RecordBatch, page_rows: Option<usize>) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(usize::MAX));
    if let Some(n) = page_rows {
        props = props.set_data_page_row_count_limit(n);
    }
    let props = props.build();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
    w.write(batch)?;
    let file = w.into_inner()?;
    file.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}

/// Index of the enterprise dimension in [`DIMS`].
const ENTERPRISE: usize = 6;

fn ytd_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, false),
        Field::new("flow", DataType::Utf8, false),
        Field::new("key_id", DataType::Int32, false),
        Field::new("value_cny", DataType::Float64, false),
    ]))
}

/// Running January-to-month sums per enterprise and flow, from the monthly aggregate (sorted
/// by year, month, flow, key).
type YtdIndex = Vec<((i32, u32), usize, usize)>;

fn build_ytd(rows: &[AggRow], key_id: &[i32]) -> Result<(RecordBatch, YtdIndex)> {
    let mut year_col = Vec::new();
    let mut month_col = Vec::new();
    let mut flow_col: Vec<&str> = Vec::new();
    let mut key_col = Vec::new();
    let mut value_col = Vec::new();
    let mut index = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let year = rows[i].year;
        let end = i + rows[i..].iter().take_while(|r| r.year == year).count();
        let mut cum: [BTreeMap<i32, f64>; 2] = Default::default();
        let mut k = i;
        for month in 1..=12u32 {
            let start = key_col.len();
            let mut present = [false; 2];
            while k < end && rows[k].month == month {
                let f = rows[k].flow as usize;
                *cum[f].entry(key_id[k]).or_default() += rows[k].cny;
                present[f] = true;
                k += 1;
            }
            // Every month from the first with data on, so that January-to-month sums match
            // summing the monthly table even when a month is missing.
            for f in Flow::ALL {
                if !present[f as usize] && cum[f as usize].is_empty() {
                    continue;
                }
                for (&id, &v) in &cum[f as usize] {
                    year_col.push(year);
                    month_col.push(month as i32);
                    flow_col.push(f.as_str());
                    key_col.push(id);
                    value_col.push(v);
                }
            }
            if key_col.len() > start {
                index.push(((year, month), start, key_col.len()));
            }
        }
        i = end;
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(year_col)),
        Arc::new(Int32Array::from(month_col)),
        Arc::new(StringArray::from(flow_col)),
        Arc::new(Int32Array::from(key_col)),
        Arc::new(datafusion::arrow::array::Float64Array::from(value_col)),
    ];
    Ok((RecordBatch::try_new(ytd_schema(), cols)?, index))
}

/// A written generation: its manifest, one-dimension tables and pair tables.
type Generation = (Manifest, Vec<Vec<AggRow>>, Vec<Vec<PairRow>>);

fn pair_mem_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::Int32, false),
        Field::new("flow", DataType::Utf8, false),
        Field::new("a_id", DataType::Int32, false),
        Field::new("b_id", DataType::Int32, false),
        Field::new("value_cny", DataType::Float64, false),
    ]))
}

fn pair_order(r: &PairRow) -> (i32, u32, Flow, u32, u32) {
    (r.year, r.month, r.flow, r.a, r.b)
}

fn slices_file(part: &Part, generation: u64) -> String {
    format!(
        "slices/{}-{}-g{generation}.parquet",
        part.period,
        part.flow.as_str()
    )
}

fn part_file(part: &Part, generation: u64) -> String {
    format!(
        "records/{}-{}-g{generation}.parquet",
        part.period,
        part.flow.as_str()
    )
}

/// A table over some of the store's Parquet files (names relative to the store).
fn listing(
    dir: &Path,
    files: &[&str],
    schema: datafusion::arrow::datatypes::SchemaRef,
) -> Result<ListingTable> {
    let root = std::fs::canonicalize(dir).map_err(io(dir))?;
    let urls = files
        .iter()
        .map(|f| ListingTableUrl::parse(root.join(f).to_string_lossy()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(ListingTable::try_new(config)?)
}

fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?
        .with_batch_size(65536)
        .build()?;
    Ok(reader.collect::<std::result::Result<Vec<_>, _>>()?)
}

fn sync_dir(dir: &Path) {
    // Durability of the rename itself; not available on every platform, so best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

impl TradeStore {
    /// Opens (or creates, empty) the trade store of a data directory.
    pub fn open(data_dir: &Path) -> Result<TradeStore> {
        let dir = data_dir.join("trade");
        let mpath = dir.join(MANIFEST);
        let manifest: Manifest = match std::fs::read(&mpath) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| TradeError::Corrupt(format!("{}: {e}", mpath.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest {
                format: FORMAT,
                ..Manifest::default()
            },
            Err(e) => return Err(io(&mpath)(e)),
        };
        if manifest.format > FORMAT {
            return Err(TradeError::Corrupt(format!(
                "{} was written by a newer Kaifang (format {})",
                mpath.display(),
                manifest.format
            )));
        }
        let mut aggs = vec![Vec::new(); DIMS.len()];
        for (i, dim) in DIMS.iter().enumerate() {
            if let Some(f) = manifest.aggregates.get(*dim) {
                for b in read_parquet(&dir.join(f))? {
                    agg::from_batch(&b, &mut aggs[i])?;
                }
            }
        }
        let mut pairs = vec![Vec::new(); PAIRS.len()];
        let complete =
            (0..PAIRS.len()).all(|p| manifest.aggregates.contains_key(&agg::pair_name(p)));
        if complete {
            for (p, rows) in pairs.iter_mut().enumerate() {
                if let Some(f) = manifest.aggregates.get(&agg::pair_name(p)) {
                    for b in read_parquet(&dir.join(f))? {
                        agg::pair_from_batch(p, &b, rows).map_err(|e| match e {
                            TradeError::Corrupt(m) => {
                                TradeError::Corrupt(format!("{}: {m}", dir.join(f).display()))
                            }
                            other => other,
                        })?;
                    }
                }
            }
        } else {
            // A store written before the pair tables existed: derive them from its records
            // (read only; the next import writes them with everything else).
            for part in &manifest.partitions {
                let path = dir.join(&part.file);
                let found = agg::pairs_from_records(&read_parquet(&path)?)
                    .map_err(|e| TradeError::Corrupt(format!("{}: {e}", path.display())))?;
                for (p, rows) in found.into_iter().enumerate() {
                    pairs[p].extend(rows);
                }
            }
            for rows in &mut pairs {
                rows.sort_by_key(pair_order);
            }
        }
        let mut store = TradeStore {
            dir,
            manifest,
            aggs,
            agg_batches: Vec::new(),
            agg_keys: Vec::new(),
            ent_ytd: RecordBatch::new_empty(ytd_schema()),
            ytd_index: Vec::new(),
            pairs,
            pair_batches: Vec::new(),
            ctx: SessionContext::new(),
        };
        store.rebuild()?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// True when the store holds the synthetic demo data.
    pub fn synthetic(&self) -> bool {
        self.manifest.synthetic
    }

    pub fn is_empty(&self) -> bool {
        self.manifest.partitions.is_empty()
    }

    /// Latest period with data.
    pub fn latest_period(&self) -> Option<Period> {
        self.manifest.partitions.iter().map(|p| p.period).max()
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn rebuild(&mut self) -> Result<()> {
        self.agg_batches.clear();
        self.agg_keys.clear();
        for (dim, rows) in self.aggs.iter().enumerate() {
            let mut keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            let ids: HashMap<&str, i32> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (*k, i as i32))
                .collect();
            let mut names: Vec<(String, Option<String>)> =
                keys.iter().map(|k| (k.to_string(), None)).collect();
            let key_id: Vec<i32> = rows
                .iter()
                .map(|r| {
                    let id = ids[r.key.as_str()];
                    if r.label.is_some() {
                        names[id as usize].1 = r.label.clone();
                    }
                    id
                })
                .collect();
            let batch = agg::to_batch(rows)?;
            let mut fields: Vec<Field> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fields.push(Field::new("key_id", DataType::Int32, false));
            let mut cols = batch.columns().to_vec();
            cols.push(Arc::new(Int32Array::from(key_id.clone())));
            self.agg_batches
                .push(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?);
            self.agg_keys.push(names);
            if dim == ENTERPRISE {
                let (batch, index) = build_ytd(rows, &key_id)?;
                self.ent_ytd = batch;
                self.ytd_index = index;
            }
        }
        self.pair_batches.clear();
        for (p, rows) in self.pairs.iter().enumerate() {
            let (da, db) = PAIRS[p];
            let ids = |dim: usize| -> HashMap<u32, i32> {
                self.agg_keys[dim]
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (k, _))| Some((agg::key_num(dim, k)?, i as i32)))
                    .collect()
            };
            let (ia, ib) = (ids(da), ids(db));
            let missing = |dim: usize, n: u32| {
                TradeError::Corrupt(format!(
                    "aggregate {}: {} {} is not in the {} table",
                    agg::pair_name(p),
                    DIMS[dim],
                    agg::key_str(dim, n),
                    DIMS[dim]
                ))
            };
            let mut a_id = Vec::with_capacity(rows.len());
            let mut b_id = Vec::with_capacity(rows.len());
            for r in rows {
                a_id.push(*ia.get(&r.a).ok_or_else(|| missing(da, r.a))?);
                b_id.push(*ib.get(&r.b).ok_or_else(|| missing(db, r.b))?);
            }
            let cols: Vec<ArrayRef> = vec![
                Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.year))),
                Arc::new(Int32Array::from_iter_values(
                    rows.iter().map(|r| r.month as i32),
                )),
                Arc::new(StringArray::from_iter_values(
                    rows.iter().map(|r| r.flow.as_str()),
                )),
                Arc::new(Int32Array::from(a_id)),
                Arc::new(Int32Array::from(b_id)),
                Arc::new(datafusion::arrow::array::Float64Array::from_iter_values(
                    rows.iter().map(|r| r.cny),
                )),
            ];
            self.pair_batches
                .push(RecordBatch::try_new(pair_mem_schema(), cols)?);
        }
        self.ctx = self.build_context()?;
        Ok(())
    }

    /// Enterprises' year-to-date values at `month` of `years`, spread over the engine's
    /// partitions (columns year, month, flow, key_id, value_cny).
    pub(crate) fn enterprise_ytd_table(&self, years: &[i32], month: u32) -> Result<MemTable> {
        let threads = self.ctx.state().config().target_partitions().max(1);
        let mut partitions = vec![Vec::new(); threads];
        let mut k = 0;
        for &y in years {
            if let Some(&(_, lo, hi)) = self.ytd_index.iter().find(|e| e.0 == (y, month)) {
                let step = ((hi - lo) / threads).max(8 * 1024);
                let mut offset = lo;
                while offset < hi {
                    let len = step.min(hi - offset);
                    partitions[k % threads].push(self.ent_ytd.slice(offset, len));
                    offset += len;
                    k += 1;
                }
            }
        }
        Ok(MemTable::try_new(ytd_schema(), partitions)?)
    }

    /// The key and label behind a `key_id` of a dimension's aggregate.
    pub(crate) fn agg_key(&self, dim: &str, id: i32) -> Option<&(String, Option<String>)> {
        let i = DIMS.iter().position(|d| *d == dim)?;
        self.agg_keys.get(i)?.get(usize::try_from(id).ok()?)
    }

    /// An aggregate table restricted to January–`to_month` (or `month` alone) of `years`, as
    /// zero-copy slices of the sorted in-memory batch, spread over the engine's partitions:
    /// a dashboard query reads only the months it asks about.
    pub(crate) fn agg_table(
        &self,
        dim: &str,
        years: &[i32],
        from_month: u32,
        to_month: u32,
    ) -> Result<MemTable> {
        let i = DIMS
            .iter()
            .position(|d| *d == dim)
            .ok_or_else(|| TradeError::Argument(format!("no aggregate {dim}")))?;
        let rows = &self.aggs[i];
        let batch = &self.agg_batches[i];
        let threads = self.ctx.state().config().target_partitions().max(1);
        let mut partitions = vec![Vec::new(); threads];
        let mut k = 0;
        for &y in years {
            let lo = rows.partition_point(|r| (r.year, r.month) < (y, from_month));
            let hi = rows.partition_point(|r| (r.year, r.month) <= (y, to_month));
            let step = ((hi.saturating_sub(lo)) / threads).max(16 * 1024);
            let mut offset = lo;
            while offset < hi {
                let len = step.min(hi - offset);
                partitions[k % threads].push(batch.slice(offset, len));
                offset += len;
                k += 1;
            }
        }
        Ok(MemTable::try_new(batch.schema(), partitions)?)
    }

    /// The records of just the periods and flow asked about: a query over a window of months
    /// then opens those files only, not every file the store has. None when there are none.
    pub(crate) fn records_window(
        &self,
        years: &[i32],
        from_month: u32,
        to_month: u32,
        flow: Option<Flow>,
    ) -> Result<Option<ListingTable>> {
        let files: Vec<&PartitionEntry> = self
            .manifest
            .partitions
            .iter()
            .filter(|p| {
                years.contains(&p.period.year)
                    && (from_month..=to_month).contains(&p.period.month)
                    && flow.is_none_or(|f| f == p.flow)
            })
            .collect();
        if files.is_empty() {
            return Ok(None);
        }
        let files: Vec<&str> = files.iter().map(|p| p.file.as_str()).collect();
        listing(&self.dir, &files, record::records_schema()).map(Some)
    }

    /// The enterprise slice files of the periods and flow asked about; None when some period
    /// has none (a store written before they existed) or there is no period.
    pub(crate) fn enterprise_slices_window(
        &self,
        years: &[i32],
        from_month: u32,
        to_month: u32,
        flow: Option<Flow>,
    ) -> Result<Option<ListingTable>> {
        let files: Option<Vec<&str>> = self
            .manifest
            .partitions
            .iter()
            .filter(|p| {
                years.contains(&p.period.year)
                    && (from_month..=to_month).contains(&p.period.month)
                    && flow.is_none_or(|f| f == p.flow)
            })
            .map(|p| p.enterprise_slices.as_deref())
            .collect();
        match files {
            Some(files) if !files.is_empty() => {
                listing(&self.dir, &files, agg::enterprise_slices_schema()).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Years that have data, oldest first.
    pub(crate) fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self
            .manifest
            .partitions
            .iter()
            .map(|p| p.period.year)
            .collect();
        y.dedup();
        y
    }

    /// Key ids of a one-dimension table whose keys satisfy `keep`.
    pub(crate) fn agg_key_ids(&self, dim: &str, keep: impl Fn(&str) -> bool) -> Vec<i32> {
        let Some(i) = DIMS.iter().position(|d| *d == dim) else {
            return Vec::new();
        };
        self.agg_keys[i]
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| keep(k))
            .map(|(id, _)| id as i32)
            .collect()
    }

    /// The key id of a key of a one-dimension table.
    pub(crate) fn agg_key_id(&self, dim: &str, key: &str) -> Option<i32> {
        let i = DIMS.iter().position(|d| *d == dim)?;
        self.agg_keys[i]
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|id| id as i32)
    }

    /// The pair table of two dimensions restricted to months, as [`agg_table`] does, with
    /// whether `first` is its `a` side; None when no pair table holds them.
    ///
    /// [`agg_table`]: TradeStore::agg_table
    pub(crate) fn pair_table(
        &self,
        first: &str,
        second: &str,
        years: &[i32],
        from_month: u32,
        to_month: u32,
    ) -> Result<Option<(MemTable, bool)>> {
        let pos = |d: &str| DIMS.iter().position(|x| *x == d);
        let (Some(x), Some(y)) = (pos(first), pos(second)) else {
            return Ok(None);
        };
        let Some((p, forward)) = PAIRS.iter().enumerate().find_map(|(p, &(a, b))| {
            if (a, b) == (x, y) {
                Some((p, true))
            } else if (a, b) == (y, x) {
                Some((p, false))
            } else {
                None
            }
        }) else {
            return Ok(None);
        };
        let rows = &self.pairs[p];
        let batch = &self.pair_batches[p];
        let threads = self.ctx.state().config().target_partitions().max(1);
        let mut partitions = vec![Vec::new(); threads];
        let mut k = 0;
        for &y in years {
            let lo = rows.partition_point(|r| (r.year, r.month) < (y, from_month));
            let hi = rows.partition_point(|r| (r.year, r.month) <= (y, to_month));
            let step = ((hi.saturating_sub(lo)) / threads).max(16 * 1024);
            let mut offset = lo;
            while offset < hi {
                let len = step.min(hi - offset);
                partitions[k % threads].push(batch.slice(offset, len));
                offset += len;
                k += 1;
            }
        }
        Ok(Some((
            MemTable::try_new(pair_mem_schema(), partitions)?,
            forward,
        )))
    }

    fn build_context(&self) -> Result<SessionContext> {
        let config = SessionConfig::new().with_information_schema(true);
        let ctx = SessionContext::new_with_config(config);
        // records: the Parquet files the manifest lists, and no others.
        let schema = record::records_schema();
        if self.manifest.partitions.is_empty() {
            let empty = MemTable::try_new(schema.clone(), vec![vec![]])?;
            ctx.register_table("records", Arc::new(empty))?;
        } else {
            let root = std::fs::canonicalize(&self.dir).map_err(io(&self.dir))?;
            let urls = self
                .manifest
                .partitions
                .iter()
                .map(|p| ListingTableUrl::parse(root.join(&p.file).to_string_lossy()))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet");
            let config = ListingTableConfig::new_with_multi_paths(urls)
                .with_listing_options(options)
                .with_schema(schema);
            ctx.register_table("records", Arc::new(ListingTable::try_new(config)?))?;
        }
        // Aggregates in memory, cut into batches spread over as many partitions as the
        // engine runs threads, so that a scan uses every core.
        let threads = ctx.state().config().target_partitions().max(1);
        for (i, dim) in DIMS.iter().enumerate() {
            // Analysts see the aggregates as stored, without the internal key_id.
            let columns: Vec<usize> = (0..agg::schema().fields().len()).collect();
            let batch = self.agg_batches[i].project(&columns)?;
            let mut partitions = vec![Vec::new(); threads];
            let step = 32 * 1024;
            let mut offset = 0;
            let mut k = 0;
            while offset < batch.num_rows() {
                let len = step.min(batch.num_rows() - offset);
                partitions[k % threads].push(batch.slice(offset, len));
                offset += len;
                k += 1;
            }
            let t = MemTable::try_new(agg::schema(), partitions)?;
            ctx.register_table(format!("agg_{dim}"), Arc::new(t))?;
        }
        // Pair tables for analysts from their files: the dashboard reads the in-memory
        // copies, and keeping a second, text-keyed copy in memory would double their memory.
        for p in 0..PAIRS.len() {
            let name = agg::pair_name(p);
            let table: Arc<dyn datafusion::catalog::TableProvider> =
                match self.manifest.aggregates.get(&name) {
                    Some(f) => {
                        let path = std::fs::canonicalize(self.dir.join(f))
                            .map_err(io(self.dir.join(f)))?;
                        let url = ListingTableUrl::parse(path.to_string_lossy())?;
                        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                            .with_file_extension(".parquet");
                        let config = ListingTableConfig::new(url)
                            .with_listing_options(options)
                            .with_schema(agg::pair_schema(p));
                        Arc::new(ListingTable::try_new(config)?)
                    }
                    None => Arc::new(MemTable::try_new(
                        agg::pair_schema(p),
                        vec![vec![agg::pair_to_batch(p, &self.pairs[p])?]],
                    )?),
                };
            ctx.register_table(format!("agg_{name}"), table)?;
        }
        for (name, text) in crate::lookup::TABLES {
            ctx.register_table(*name, Arc::new(csv_table(text)?))?;
        }
        if let Some(r) = &self.manifest.reference {
            let text = std::fs::read_to_string(self.dir.join(r)).map_err(io(self.dir.join(r)))?;
            ctx.register_table("reference", Arc::new(csv_table(&text)?))?;
        }
        Ok(ctx)
    }

    /// Imports customs statistics files (CSV or XLSX). All files import or none does; each
    /// period and flow in them replaces what the store had for it. `progress` gets a fraction
    /// in [0, 1] and may return false to cancel.
    pub fn import_files(
        &mut self,
        files: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(f64) -> bool,
    ) -> Result<ImportReport> {
        let start = Instant::now();
        let mut strings = Interner::new();
        let mut warnings = Vec::new();
        let mut recs: Vec<Rec> = Vec::new();
        let sizes: Vec<u64> = files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len().max(1)).map_err(io(f)))
            .collect::<Result<_>>()?;
        let total: f64 = sizes.iter().sum::<u64>() as f64;
        let mut done = 0u64;
        for (i, file) in files.iter().enumerate() {
            let base = done as f64 / total;
            let share = sizes[i] as f64 / total;
            let mut tick = |f: f64| progress(0.8 * (base + share * f));
            let parsed = import::parse_file(file, i as u16, options.flow, &mut strings, &mut tick)?;
            recs.extend(parsed.recs);
            done += sizes[i];
        }
        let parse_seconds = start.elapsed().as_secs_f64();
        let rows = recs.len() as u64;
        self.warn_unknown_codes(&recs, &mut warnings);
        if !recs.is_empty() && recs.iter().all(|r| r.cny.is_nan()) {
            warnings.push(
                "no values in CNY (人民币): the figures and growth rates are computed in CNY, so these rows count as zero there; they are kept with their USD values".into(),
            );
        }
        // Bucket by period and flow (one pass), then sort each bucket and look for duplicates
        // on all cores: the buckets are independent.
        let mut buckets: BTreeMap<(Period, Flow), Vec<Rec>> = BTreeMap::new();
        for r in recs.drain(..) {
            buckets.entry((r.period, r.flow)).or_default().push(r);
        }
        drop(recs);
        let mut buckets: Vec<Vec<Rec>> = buckets.into_values().collect();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let per = buckets.len().div_ceil(threads).max(1);
        let dups: Vec<(Rec, Rec)> = std::thread::scope(|scope| {
            let handles: Vec<_> = buckets
                .chunks_mut(per)
                .map(|chunk| {
                    scope.spawn(move || {
                        let mut found = Vec::new();
                        for b in chunk.iter_mut() {
                            b.sort_unstable_by_key(Rec::key);
                            // The same dimensions twice in one period and flow would be
                            // counted twice.
                            found.extend(b.windows(2).filter(|w| w[0].key() == w[1].key()).map(
                                |w| {
                                    if (w[0].file, w[0].row) < (w[1].file, w[1].row) {
                                        (w[0], w[1])
                                    } else {
                                        (w[1], w[0])
                                    }
                                },
                            ));
                        }
                        found
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        // Report the duplicate that comes first in the files, whatever thread found it.
        if let Some((a, b)) = dups.into_iter().min_by_key(|(_, b)| (b.file, b.row)) {
            return Err(TradeError::Input {
                at: crate::error::Location {
                    file: file_name(files, b.file),
                    row: b.row as usize,
                    column: String::new(),
                },
                message: format!(
                    "duplicated row: same period, flow and codes as {}, row {}",
                    file_name(files, a.file).display(),
                    a.row
                ),
            });
        }
        let parts: Vec<(Part, Vec<String>)> = buckets
            .into_iter()
            .map(|recs| {
                let mut sources: Vec<String> = recs
                    .iter()
                    .map(|r| r.file)
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .map(|i| {
                        file_name(files, i)
                            .file_name()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                sources.sort();
                (
                    Part {
                        period: recs[0].period,
                        flow: recs[0].flow,
                        recs,
                    },
                    sources,
                )
            })
            .collect();
        let written: Vec<(Period, Flow, u64)> = parts
            .iter()
            .map(|(p, _)| (p.period, p.flow, p.recs.len() as u64))
            .collect();
        let before: HashSet<(Period, Flow)> = self
            .manifest
            .partitions
            .iter()
            .map(|p| (p.period, p.flow))
            .collect();
        let replaced = written
            .iter()
            .filter(|(p, f, _)| before.contains(&(*p, *f)))
            .count();
        let n_parts = parts.len().max(1) as f64;
        let mut k = 0usize;
        let mut iter = parts.into_iter().map(|(p, s)| Ok((p, s)));
        self.commit(
            &mut iter,
            &strings,
            false,
            options.fail_after_files,
            &mut |_| {
                k += 1;
                progress(0.8 + 0.2 * k as f64 / n_parts)
            },
        )?;
        let total_seconds = start.elapsed().as_secs_f64();
        Ok(ImportReport {
            files: files.len(),
            rows,
            partitions: written,
            replaced,
            warnings,
            parse_seconds,
            total_seconds,
            rows_per_second: rows as f64 / total_seconds.max(1e-9),
        })
    }

    fn warn_unknown_codes(&self, recs: &[Rec], warnings: &mut Vec<String>) {
        let l = crate::lookup::Lookups::get();
        let mut partners = std::collections::BTreeSet::new();
        let mut modes = std::collections::BTreeSet::new();
        for r in recs {
            if let Some(p) = record::partner_str(r.partner)
                && !l.countries.contains_key(&p)
            {
                partners.insert(p);
            }
            if let Some(m) = record::mode_str(r.mode)
                && !l.modes.contains_key(&m)
            {
                modes.insert(m);
            }
        }
        if !partners.is_empty() {
            warnings.push(format!(
                "partner codes not in the country table (kept, shown by code): {}",
                partners.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if !modes.is_empty() {
            warnings.push(format!(
                "trade mode codes not in the trade-mode table (kept, shown by code): {}",
                modes.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }

    /// Writes parts (each one period and flow, records sorted), merges the aggregates and
    /// commits by replacing the manifest. On error nothing the readers see has changed.
    pub(crate) fn commit(
        &mut self,
        parts: &mut dyn Iterator<Item = Result<(Part, Vec<String>)>>,
        strings: &Interner,
        synthetic: bool,
        fail_after_files: Option<usize>,
        progress: &mut dyn FnMut(usize) -> bool,
    ) -> Result<()> {
        let generation = self.manifest.generation + 1;
        for sub in ["records", "aggregates", "reference", "slices"] {
            let d = self.dir.join(sub);
            std::fs::create_dir_all(&d).map_err(io(&d))?;
        }
        self.remove_unlisted();
        let mut created: Vec<PathBuf> = Vec::new();
        let result = self.write_generation(
            generation,
            parts,
            strings,
            synthetic,
            fail_after_files,
            progress,
            &mut created,
        );
        match result {
            Ok((manifest, aggs, pairs)) => {
                let old = std::mem::replace(&mut self.manifest, manifest);
                self.aggs = aggs;
                self.pairs = pairs;
                // Readers now see the new generation; the old files can go.
                let keep: HashSet<&str> = self.listed_files().collect();
                for f in old
                    .partitions
                    .iter()
                    .map(|p| p.file.as_str())
                    .chain(
                        old.partitions
                            .iter()
                            .filter_map(|p| p.enterprise_slices.as_deref()),
                    )
                    .chain(old.aggregates.values().map(String::as_str))
                    .chain(old.reference.as_deref())
                {
                    if !keep.contains(f) {
                        let _ = std::fs::remove_file(self.dir.join(f));
                    }
                }
                self.rebuild()?;
                Ok(())
            }
            Err(e) => {
                if fail_after_files.is_none() {
                    for f in created {
                        let _ = std::fs::remove_file(f);
                    }
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_generation(
        &self,
        generation: u64,
        parts: &mut dyn Iterator<Item = Result<(Part, Vec<String>)>>,
        strings: &Interner,
        synthetic: bool,
        fail_after_files: Option<usize>,
        progress: &mut dyn FnMut(usize) -> bool,
        created: &mut Vec<PathBuf>,
    ) -> Result<Generation> {
        let mut new_entries: Vec<PartitionEntry> = Vec::new();
        let mut new_aggs: Vec<Vec<AggRow>> = vec![Vec::new(); DIMS.len()];
        let mut new_pairs: Vec<Vec<PairRow>> = vec![Vec::new(); PAIRS.len()];
        // Parts are produced in order (parsing, or the demo's deterministic generator) and
        // written by worker threads meanwhile: building columns, compressing and aggregating
        // a part is independent of the others.
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let written = std::sync::atomic::AtomicUsize::new(0);
        let dir = &self.dir;
        type Done = Result<(PartitionEntry, Vec<Vec<AggRow>>, Vec<Vec<PairRow>>)>;
        let write_one = |part: Part, sources: Vec<String>| -> Done {
            let batch = record::to_batch(&part.recs, strings)?;
            let rel = part_file(&part, generation);
            let path = dir.join(&rel);
            write_parquet(&path, &batch)?;
            drop(batch);
            let n = written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if fail_after_files.is_some_and(|k| n >= k) {
                return Err(TradeError::Io {
                    path,
                    source: std::io::Error::other("simulated failure after writing part"),
                });
            }
            let aggs = agg::aggregate(&part.recs, strings);
            let pairs = agg::aggregate_pairs(&part.recs);
            let slices_rel = slices_file(&part, generation);
            // Small pages: a reader skips those of every code but the one asked about, while
            // one row group keeps one dictionary of credit codes per file.
            write_parquet_pages(
                &dir.join(&slices_rel),
                &agg::enterprise_slices(&part.recs)?,
                Some(4 * 1024),
            )?;
            let entry = PartitionEntry {
                period: part.period,
                flow: part.flow,
                file: rel,
                rows: part.recs.len() as u64,
                value_cny: part
                    .recs
                    .iter()
                    .filter(|r| !r.cny.is_nan())
                    .map(|r| r.cny)
                    .sum(),
                sources,
                imported_at: now_secs(),
                enterprise_slices: Some(slices_rel),
            };
            Ok((entry, aggs, pairs))
        };
        let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<(Part, Vec<String>)>(workers);
        let job_rx = std::sync::Mutex::new(job_rx);
        std::thread::scope(|scope| -> Result<()> {
            // Owned here, so that any early return closes the queue and the workers stop.
            let job_tx = job_tx;
            let (done_tx, done_rx) = std::sync::mpsc::channel::<Done>();
            for _ in 0..workers {
                let done_tx = done_tx.clone();
                let job_rx = &job_rx;
                let write_one = &write_one;
                scope.spawn(move || {
                    loop {
                        let job = match job_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((part, sources)) = job else { return };
                        if done_tx.send(write_one(part, sources)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut n = 0usize;
            let mut take = |d: Done, n: &mut usize| -> Result<()> {
                let (entry, aggs, pairs) = d?;
                for (i, rows) in aggs.into_iter().enumerate() {
                    new_aggs[i].extend(rows);
                }
                for (i, rows) in pairs.into_iter().enumerate() {
                    new_pairs[i].extend(rows);
                }
                new_entries.push(entry);
                *n += 1;
                if !progress(*n) {
                    return Err(TradeError::Cancelled);
                }
                Ok(())
            };
            for part in parts {
                let (part, sources) = part?;
                created.push(dir.join(part_file(&part, generation)));
                created.push(dir.join(slices_file(&part, generation)));
                if job_tx.send((part, sources)).is_err() {
                    break;
                }
                while let Ok(d) = done_rx.try_recv() {
                    take(d, &mut n)?;
                }
            }
            drop(job_tx);
            for d in done_rx {
                take(d, &mut n)?;
            }
            Ok(())
        })?;
        let replaced: HashSet<(Period, Flow)> =
            new_entries.iter().map(|p| (p.period, p.flow)).collect();
        let mut manifest = self.manifest.clone();
        manifest.generation = generation;
        // A store is synthetic if what it holds after this write is all synthetic.
        let kept: Vec<PartitionEntry> = manifest
            .partitions
            .into_iter()
            .filter(|p| !replaced.contains(&(p.period, p.flow)))
            .collect();
        manifest.synthetic = synthetic && (kept.is_empty() || self.manifest.synthetic);
        manifest.partitions = kept;
        manifest.partitions.extend(new_entries);
        manifest.partitions.sort_by_key(|p| (p.period, p.flow));
        let mut aggs = Vec::with_capacity(DIMS.len());
        manifest.aggregates.clear();
        for (i, dim) in DIMS.iter().enumerate() {
            let mut rows: Vec<AggRow> = self.aggs[i]
                .iter()
                .filter(|r| {
                    !replaced.contains(&(
                        Period {
                            year: r.year,
                            month: r.month,
                        },
                        r.flow,
                    ))
                })
                .cloned()
                .collect();
            rows.append(&mut new_aggs[i]);
            rows.sort_by(|a, b| {
                (a.year, a.month, a.flow, &a.key, &a.unit)
                    .cmp(&(b.year, b.month, b.flow, &b.key, &b.unit))
            });
            let rel = format!("aggregates/{dim}-g{generation}.parquet");
            let path = self.dir.join(&rel);
            created.push(path.clone());
            write_parquet(&path, &agg::to_batch(&rows)?)?;
            manifest.aggregates.insert(dim.to_string(), rel);
            aggs.push(rows);
        }
        let mut pairs = Vec::with_capacity(PAIRS.len());
        for (p, new) in new_pairs.iter_mut().enumerate() {
            let mut rows: Vec<PairRow> = self.pairs[p]
                .iter()
                .filter(|r| {
                    !replaced.contains(&(
                        Period {
                            year: r.year,
                            month: r.month,
                        },
                        r.flow,
                    ))
                })
                .cloned()
                .collect();
            rows.append(new);
            rows.sort_by_key(pair_order);
            let name = agg::pair_name(p);
            let rel = format!("aggregates/{name}-g{generation}.parquet");
            let path = self.dir.join(&rel);
            created.push(path.clone());
            write_parquet(&path, &agg::pair_to_batch(p, &rows)?)?;
            manifest.aggregates.insert(name, rel);
            pairs.push(rows);
        }
        self.write_manifest(&manifest)?;
        Ok((manifest, aggs, pairs))
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join("manifest.json.tmp");
        let bytes =
            serde_json::to_vec_pretty(manifest).map_err(|e| TradeError::Corrupt(e.to_string()))?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(&bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        sync_dir(&self.dir);
        Ok(())
    }

    fn listed_files(&self) -> impl Iterator<Item = &str> {
        self.manifest
            .partitions
            .iter()
            .map(|p| p.file.as_str())
            .chain(
                self.manifest
                    .partitions
                    .iter()
                    .filter_map(|p| p.enterprise_slices.as_deref()),
            )
            .chain(self.manifest.aggregates.values().map(String::as_str))
            .chain(self.manifest.reference.as_deref())
    }

    /// Removes what an interrupted write left behind: files the manifest does not list.
    fn remove_unlisted(&self) {
        let keep: HashSet<String> = self.listed_files().map(str::to_string).collect();
        for sub in ["records", "aggregates", "reference", "slices"] {
            let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let rel = format!("{sub}/{}", e.file_name().to_string_lossy());
                if !keep.contains(&rel) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let _ = std::fs::remove_file(self.dir.join("manifest.json.tmp"));
    }

    /// Imports the national reference table for RCA: CSV with `year,chapter,value,source`
    /// (national exports by HS chapter, any one currency).
    pub fn import_reference(&mut self, file: &Path) -> Result<usize> {
        let bytes = std::fs::read(file).map_err(io(file))?;
        let text = import::decode(file, &bytes)?;
        let n = crate::analytics::parse_reference(file, &text)?.len();
        self.write_reference(&text, false)?;
        Ok(n)
    }

    pub(crate) fn write_reference(&mut self, text: &str, _synthetic: bool) -> Result<()> {
        let generation = self.manifest.generation + 1;
        let d = self.dir.join("reference");
        std::fs::create_dir_all(&d).map_err(io(&d))?;
        let rel = format!("reference/national-g{generation}.csv");
        let path = self.dir.join(&rel);
        let tmp = path.with_extension("csv.tmp");
        std::fs::write(&tmp, text).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        let mut manifest = self.manifest.clone();
        let old = manifest.reference.replace(rel);
        manifest.generation = generation;
        self.write_manifest(&manifest)?;
        self.manifest = manifest;
        if let Some(old) = old {
            let _ = std::fs::remove_file(self.dir.join(old));
        }
        self.rebuild()?;
        Ok(())
    }

    pub(crate) fn reference_text(&self) -> Result<Option<String>> {
        match &self.manifest.reference {
            None => Ok(None),
            Some(r) => {
                let p = self.dir.join(r);
                Ok(Some(std::fs::read_to_string(&p).map_err(io(&p))?))
            }
        }
    }

    /// Runs an analyst's query. Only reading is allowed: DDL, DML (INSERT, COPY ... TO) and
    /// statements (SET, ...) are refused before anything runs. At most `max_rows` rows return.
    pub async fn sql(&self, query: &str, max_rows: usize) -> Result<SqlResult> {
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let df = self
            .ctx
            .sql_with_options(query, options)
            .await
            .map_err(|e| match e {
                datafusion::error::DataFusionError::Plan(m)
                    if m.contains("not supported") || m.contains("not allowed") =>
                {
                    TradeError::Refused(m)
                }
                other => TradeError::Refused(other.to_string()),
            })?;
        let df = df.limit(0, Some(max_rows))?;
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await?;
        let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows = Vec::new();
        for b in &batches {
            for i in 0..b.num_rows() {
                let mut row = Vec::with_capacity(b.num_columns());
                for c in b.columns() {
                    row.push(crate::analytics::json_value(c, i));
                }
                rows.push(row);
            }
        }
        Ok(SqlResult {
            columns,
            rows,
            synthetic: self.synthetic(),
        })
    }
}

/// Rows of an analyst's query.
#[derive(Debug, Clone, Serialize)]
pub struct SqlResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub synthetic: bool,
}

/// A CSV text as an all-text in-memory table (lookup and reference tables for analysts).
fn csv_table(text: &str) -> Result<MemTable> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| TradeError::Corrupt(e.to_string()))?
        .clone();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for r in rdr.records() {
        let r = r.map_err(|e| TradeError::Corrupt(e.to_string()))?;
        for (i, c) in cols.iter_mut().enumerate() {
            c.push(r.get(i).unwrap_or("").to_string());
        }
    }
    let schema = Arc::new(Schema::new(
        headers
            .iter()
            .map(|h| Field::new(h, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = cols
        .into_iter()
        .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}
