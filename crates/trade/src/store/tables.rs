//! What readers see. For analysts' SQL, the DataFusion session: `records` and the pair tables
//! over the Parquet files the manifest lists; the one-dimension aggregates, lookup tables and
//! reference table in memory. For the analytics, the in-memory aggregates with integer key ids,
//! and the record and enterprise slice files of a window, cut to just the months asked about.

use super::TradeStore;
use super::manifest::PartitionEntry;
use crate::agg::{self, AggRow, DIMS, PAIRS};
use crate::codes::Flow;
use crate::error::{Result, TradeError, io};
use crate::record;
use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Index of the enterprise dimension in [`DIMS`].
const ENTERPRISE: usize = 6;

pub(super) fn ytd_schema() -> Arc<Schema> {
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

/// A table over some of the store's Parquet files (names relative to the store).
pub(super) fn listing(
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

impl TradeStore {
    pub(super) fn rebuild(&mut self) -> Result<()> {
        // Slice files of an earlier generation are no longer listed.
        if let Ok(mut c) = self.slice_files.lock() {
            c.clear();
        }
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
        self.cluster = match &self.engine {
            super::Engine::Local => None,
            super::Engine::Cluster(url) => Some(super::ClusterSession::new(url, self)?),
        };
        Ok(())
    }

    /// Enterprises' year-to-date values at `month` of `years` (columns year, month, flow,
    /// key_id, value_cny), as zero-copy slices of the in-memory batch.
    pub(crate) fn enterprise_ytd_rows(&self, years: &[i32], month: u32) -> Vec<RecordBatch> {
        years
            .iter()
            .filter_map(|&y| self.ytd_index.iter().find(|e| e.0 == (y, month)))
            .map(|&(_, lo, hi)| self.ent_ytd.slice(lo, hi - lo))
            .collect()
    }

    /// The key and label behind a `key_id` of a dimension's aggregate.
    pub(crate) fn agg_key(&self, dim: &str, id: i32) -> Option<&(String, Option<String>)> {
        let i = DIMS.iter().position(|d| *d == dim)?;
        self.agg_keys.get(i)?.get(usize::try_from(id).ok()?)
    }

    /// An aggregate's rows of January–`to_month` (or `month` alone) of `years`, as zero-copy
    /// slices of the sorted in-memory batch, one per year: a dashboard question reads only the
    /// months it asks about.
    pub(crate) fn agg_rows(
        &self,
        dim: &str,
        years: &[i32],
        from_month: u32,
        to_month: u32,
    ) -> Result<Vec<RecordBatch>> {
        let i = DIMS
            .iter()
            .position(|d| *d == dim)
            .ok_or_else(|| TradeError::Argument(format!("no aggregate {dim}")))?;
        let rows = &self.aggs[i];
        Ok(window(
            &self.agg_batches[i],
            years,
            from_month,
            to_month,
            |k| (rows[k].year, rows[k].month),
        ))
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

    /// The pair table of two dimensions restricted to months, as [`agg_rows`] does, with
    /// whether `first` is its `a` side; None when no pair table holds them.
    ///
    /// [`agg_rows`]: TradeStore::agg_rows
    pub(crate) fn pair_rows(
        &self,
        first: &str,
        second: &str,
        years: &[i32],
        from_month: u32,
        to_month: u32,
    ) -> Result<Option<(Vec<RecordBatch>, bool)>> {
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
        let batches = window(&self.pair_batches[p], years, from_month, to_month, |k| {
            (rows[k].year, rows[k].month)
        });
        Ok(Some((batches, forward)))
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
            let files: Vec<&str> = self
                .manifest
                .partitions
                .iter()
                .map(|p| p.file.as_str())
                .collect();
            ctx.register_table("records", Arc::new(listing(&self.dir, &files, schema)?))?;
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
            let files = super::manifest::table_files(&self.manifest, &name);
            let table: Arc<dyn datafusion::catalog::TableProvider> = if files.is_empty() {
                Arc::new(MemTable::try_new(
                    agg::pair_schema(p),
                    vec![vec![agg::pair_to_batch(p, &self.pairs[p])?]],
                )?)
            } else {
                Arc::new(listing(&self.dir, &files, agg::pair_schema(p))?)
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

    pub(crate) fn reference_text(&self) -> Result<Option<String>> {
        match &self.manifest.reference {
            None => Ok(None),
            Some(r) => {
                let p = self.dir.join(r);
                Ok(Some(std::fs::read_to_string(&p).map_err(io(&p))?))
            }
        }
    }
}

/// The rows of `batch` (sorted by year and month; `period(k)` is row k's) from `from_month` to
/// `to_month` of each of `years`, one zero-copy slice per year.
fn window(
    batch: &RecordBatch,
    years: &[i32],
    from_month: u32,
    to_month: u32,
    period: impl Fn(usize) -> (i32, u32),
) -> Vec<RecordBatch> {
    let n = batch.num_rows();
    let first = |p: &dyn Fn((i32, u32)) -> bool| {
        // partition_point over row indices: the first row whose period fails `p`.
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if p(period(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    years
        .iter()
        .filter_map(|&y| {
            let lo = first(&|x| x < (y, from_month));
            let hi = first(&|x| x <= (y, to_month));
            (hi > lo).then(|| batch.slice(lo, hi - lo))
        })
        .collect()
}
