//! `<data-dir>/trade/`: Parquet records (one file per period and flow, so a month is one row
//! group and re-importing a period replaces one file), pre-aggregated tables, and a manifest
//! that is the single commit point.
//!
//! Writing: new files get new names (a generation number), then `manifest.json` is replaced
//! by rename, then files no longer listed are deleted. A crash at any point leaves either the
//! old manifest (and some unlisted files, removed at the next write) or the new one: readers
//! only ever see files the manifest lists.
//!
//! The analytics read the store through `&TradeStore`: the session and the `pub(crate)`
//! accessors in `tables`. Every write takes `&mut self`, so a query cannot write; and the store
//! uses nothing of the analytics, so the dependency runs one way.

mod cluster;
mod durable;
mod manifest;
pub(crate) mod slices;
mod spill;
mod sql;
mod tables;
mod write;

pub(crate) use cluster::ClusterSession;
pub use cluster::{ClusterUrl, Engine};
pub use durable::{WriteLock, copy_generation, generation_bytes, lock, read_manifest};
pub use manifest::{Manifest, PartitionEntry};
pub use sql::{PreparedSql, SqlLimits, SqlResult};
pub use write::{ImportOptions, ImportReport};
pub(crate) use write::{Part, Records, Writing};

use crate::agg::{self, AggRow, DIMS, PAIRS, PairRow};
use crate::codes::{Flow, Period};
use crate::error::{Result, TradeError, io};
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::SessionContext;
use std::path::{Path, PathBuf};
use tables::ytd_schema;

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
    /// Where the file queries run, and the cluster's session when that is a cluster.
    engine: Engine,
    cluster: Option<ClusterSession>,
    /// The enterprise slice files read so far, with where each code's rows are.
    slice_files: slices::SliceCache,
    /// Written into the manifest of the next commit ([`TradeStore::set_intent`]).
    intent: Option<String>,
}

impl std::fmt::Debug for TradeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradeStore")
            .field("dir", &self.dir)
            .finish()
    }
}

fn pair_order(r: &PairRow) -> (i32, u32, Flow, u32, u32) {
    (r.year, r.month, r.flow, r.a, r.b)
}

fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?
        .with_batch_size(65536)
        .build()?;
    Ok(reader.collect::<std::result::Result<Vec<_>, _>>()?)
}

impl TradeStore {
    /// Opens (or creates, empty) the trade store of a data directory.
    pub fn open(data_dir: &Path) -> Result<TradeStore> {
        TradeStore::open_on(data_dir, Engine::Local)
    }

    /// Opens the store with its file queries on `engine`.
    pub fn open_on(data_dir: &Path, engine: Engine) -> Result<TradeStore> {
        let dir = data_dir.join("trade");
        let manifest = manifest::read_manifest(&dir)?;
        let mut aggs = vec![Vec::new(); DIMS.len()];
        for (i, dim) in DIMS.iter().enumerate() {
            for f in manifest::table_files(&manifest, dim) {
                for b in read_parquet(&dir.join(f))? {
                    agg::from_batch(&b, &mut aggs[i])?;
                }
            }
        }
        let mut pairs = vec![Vec::new(); PAIRS.len()];
        let complete = (0..PAIRS.len())
            .all(|p| !manifest::table_files(&manifest, &agg::pair_name(p)).is_empty());
        if complete {
            for (p, rows) in pairs.iter_mut().enumerate() {
                for f in manifest::table_files(&manifest, &agg::pair_name(p)) {
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
            engine,
            cluster: None,
            slice_files: Default::default(),
            intent: None,
        };
        store.rebuild()?;
        Ok(store)
    }

    /// Names the write that follows, as the audit log announced it: the manifest it commits
    /// carries the name, so that after a crash the manifest says whether that write committed.
    pub fn set_intent(&mut self, intent: Option<String>) {
        self.intent = intent;
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
}
