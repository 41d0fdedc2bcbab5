//! The write path: importing customs files and the national reference table, and writing a
//! generation (records, enterprise slice files, one-dimension and pair aggregates as Parquet)
//! before committing it by the manifest.

use super::manifest::{Manifest, PartitionEntry, table_key};
use super::spill::{Buckets, Limits, Merge};
use super::{TradeStore, pair_order};
use crate::agg::{self, AggRow, DIMS, PAIRS, PairRow};
use crate::codes::{Flow, Period};
use crate::error::{Result, TradeError, io};
use crate::import::{self, file_name};
use crate::record::{self, Interner, Rec};
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{
    EnabledStatistics, WriterProperties, WriterPropertiesBuilder,
};
use datafusion::parquet::schema::types::ColumnPath;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where an import's records wait, past its memory budget, to be written by period and flow.
const SPILL_DIR: &str = "spill";

/// An import's memory bound when none is given, in MB.
pub const DEFAULT_IMPORT_MEMORY_MB: u32 = 300;

/// Codes not in the lookup tables, gathered over an import for one warning each.
struct UnknownCodes {
    /// By code number: whether the country or trade-mode table has it (looked up once, not
    /// per record).
    known_partner: Vec<bool>,
    known_mode: Vec<bool>,
    partners: std::collections::BTreeSet<u16>,
    modes: std::collections::BTreeSet<u16>,
}

impl UnknownCodes {
    fn new() -> UnknownCodes {
        let l = crate::lookup::Lookups::get();
        let known = |n: usize, has: &dyn Fn(u16) -> bool| (0..n as u16).map(has).collect();
        UnknownCodes {
            known_partner: known(1000, &|p| {
                record::partner_str(p).is_some_and(|s| l.countries.contains_key(&s))
            }),
            known_mode: known(10_000, &|m| {
                record::mode_str(m).is_some_and(|s| l.modes.contains_key(&s))
            }),
            partners: Default::default(),
            modes: Default::default(),
        }
    }

    fn note(&mut self, recs: &[Rec]) {
        let known = |table: &[bool], n: u16| table.get(n as usize).copied().unwrap_or(false);
        for r in recs {
            if r.partner != 0 && !known(&self.known_partner, r.partner) {
                self.partners.insert(r.partner);
            }
            if r.mode != record::NO_MODE && !known(&self.known_mode, r.mode) {
                self.modes.insert(r.mode);
            }
        }
    }

    fn warn(self, warnings: &mut Vec<String>) {
        if !self.partners.is_empty() {
            warnings.push(format!(
                "partner codes not in the country table (kept, shown by code): {}",
                self.partners
                    .into_iter()
                    .filter_map(record::partner_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.modes.is_empty() {
            warnings.push(format!(
                "trade mode codes not in the trade-mode table (kept, shown by code): {}",
                self.modes
                    .into_iter()
                    .filter_map(record::mode_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
}

/// How an import spends its memory bound.
struct Budget {
    /// Records held before they are spilled to disk.
    records: usize,
    /// What the buckets hold, and the part sizes they hand out.
    limits: Limits,
    /// Bytes of a CSV file read, decoded and parsed at a time.
    block_bytes: usize,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The flow of files that have no flow column (the platform exports imports and exports
    /// as separate files).
    pub flow: Option<Flow>,
    /// What a spreadsheet may hold before it is read.
    pub xlsx_limits: kaifang_workbook::Limits,
    /// Testing aid: fail after writing this many record files, before the commit, as a crash
    /// would.
    #[doc(hidden)]
    pub fail_after_files: Option<usize>,
    /// The import's memory bound in MB ([`DEFAULT_IMPORT_MEMORY_MB`] when none): records past
    /// it wait on disk, and a CSV file is read a block at a time.
    pub memory_mb: Option<u32>,
}

impl ImportOptions {
    /// Records the writers may hold at once.
    pub(crate) fn rows_in_flight(&self) -> u64 {
        self.budget().records as u64
    }

    fn budget(&self) -> Budget {
        let bytes = self.memory_mb.unwrap_or(DEFAULT_IMPORT_MEMORY_MB).max(8) as usize * (1 << 20);
        // A quarter for the records waiting, a twenty-fourth per block (its bytes, its text
        // and its records); the rest for the parts being written, the aggregates, and what
        // the allocator keeps.
        let records = bytes / 4 / std::mem::size_of::<Rec>();
        Budget {
            records,
            // A part takes at most half the records' share whole (it is sorted with a key
            // per record beside it); a larger one is sorted on disk and handed to its writers
            // in chunks of an eighth.
            limits: Limits {
                held: records,
                part: records / 2,
                chunk: (records / 8).clamp(1, 64 * 1024),
            },
            block_bytes: bytes / 24,
        }
    }
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
    /// The files its records came from (indices into the import's list).
    pub files: Vec<u16>,
    pub recs: Records,
}

/// A part's records, sorted by their key and without rows twice.
pub(crate) enum Records {
    /// In memory, whole.
    Held(Vec<Rec>),
    /// Sorted on disk, larger than the memory bound lets a part be; handed out a chunk at a
    /// time (the check for rows twice ends with the last chunk).
    Merged(Box<Merge>),
}

impl Part {
    pub(crate) fn rows(&self) -> u64 {
        match &self.recs {
            Records::Held(recs) => recs.len() as u64,
            Records::Merged(m) => m.rows(),
        }
    }
}

/// How a generation is written.
pub(crate) struct Writing {
    /// The records are the synthetic demo.
    pub synthetic: bool,
    /// Testing aid: fail after writing this many record files, before the commit.
    pub fail_after_files: Option<usize>,
    /// Records the writers may hold at once (a larger part is written alone).
    pub max_rows_in_flight: u64,
}

/// A part's one-dimension and pair aggregates.
type Sums = (Vec<Vec<AggRow>>, Vec<Vec<PairRow>>, f64);

/// A written generation: its manifest, one-dimension tables and pair tables.
type Generation = (Manifest, Vec<Vec<AggRow>>, Vec<Vec<PairRow>>);

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
    write_batches(
        path,
        batch.schema(),
        page_rows,
        None,
        std::iter::once(Ok(batch.clone())),
    )
}

/// A part's records as one Parquet file of one row group, turned into Arrow a slice at a
/// time: the whole part's columns are never in memory at once, only its encoded pages.
fn write_records(path: &Path, recs: &[Rec], strings: &Interner) -> Result<()> {
    let batches = recs
        .chunks(64 * 1024)
        .map(|chunk| record::to_batch(chunk, strings));
    write_batches(path, record::records_schema(), None, None, batches)
}

/// The record files' columns written without a dictionary: amounts are nearly all distinct,
/// so a dictionary only costs a hash per value and ends larger than the values.
const PLAIN_COLUMNS: [&str; 4] = ["qty1", "qty2", "value_cny", "value_usd"];

/// The record files' columns without minimum and maximum: no reader prunes by them, and
/// comparing every name is a good part of writing them.
const UNPRUNED_COLUMNS: [&str; 4] = ["enterprise", "unit1", "unit2", "partner_iso2"];

/// How the columns of a record file are written (the other files take the defaults).
fn record_columns(mut props: WriterPropertiesBuilder) -> WriterPropertiesBuilder {
    for c in PLAIN_COLUMNS {
        props = props.set_column_dictionary_enabled(ColumnPath::from(c), false);
    }
    for c in UNPRUNED_COLUMNS {
        props = props.set_column_statistics_enabled(ColumnPath::from(c), EnabledStatistics::None);
    }
    props
}

/// A part sorted on disk: its records file written from the merge's chunks as they come, in
/// row groups of `group_rows` (the writer holds one encoded), and its sums taken meanwhile.
fn write_merged(
    path: &Path,
    slices_path: &Path,
    mut merge: Merge,
    strings: &Interner,
) -> Result<Sums> {
    let group_rows = merge.group_rows;
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::sync::Arc<Vec<Rec>>>(1);
    let mut sums = agg::PartSums::default();
    std::thread::scope(|scope| {
        // The records file on one thread, the sums on this one: a chunk is shared, not copied.
        let writer = scope.spawn(move || {
            let batches = rx.into_iter().map(|c| record::to_batch(&c, strings));
            write_batches(
                path,
                record::records_schema(),
                None,
                Some(group_rows),
                batches,
            )
        });
        let fed = (|| -> Result<()> {
            while let Some(chunk) = merge.next_chunk()? {
                sums.add(&chunk);
                if tx.send(std::sync::Arc::new(chunk)).is_err() {
                    // The writer stopped: its error is the one to tell.
                    break;
                }
            }
            Ok(())
        })();
        drop(tx);
        let written = writer.join().unwrap_or_else(|_| {
            Err(TradeError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("the record writer failed"),
            })
        });
        // A merge that failed (rows twice, a read error) leaves the writer a file cut short,
        // which the caller removes with the rest of the generation.
        fed?;
        written
    })?;
    finish_sums(sums, strings, slices_path)
}

/// A part's tables from its sums, and its enterprise slice file written: small pages, so that
/// a reader skips those of every code but the one asked about, while one row group keeps one
/// dictionary of credit codes per file.
fn finish_sums(sums: agg::PartSums, strings: &Interner, slices_path: &Path) -> Result<Sums> {
    let tables = sums.finish(strings)?;
    write_parquet_pages(slices_path, &tables.slices, Some(4 * 1024))?;
    Ok((tables.aggs, tables.pairs, tables.value_cny))
}

/// Writes `batches` to a temporary file, syncs it and renames it to `path`: one row group,
/// or row groups of `group_rows`.
fn write_batches(
    path: &Path,
    schema: datafusion::arrow::datatypes::SchemaRef,
    page_rows: Option<usize>,
    group_rows: Option<usize>,
    batches: impl Iterator<Item = Result<RecordBatch>>,
) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(group_rows.unwrap_or(usize::MAX).max(1)));
    if schema == record::records_schema() {
        props = record_columns(props);
    }
    if let Some(n) = page_rows {
        props = props.set_data_page_row_count_limit(n);
    }
    let mut w = ArrowWriter::try_new(file, schema, Some(props.build()))?;
    for batch in batches {
        w.write(&batch?)?;
    }
    let file = w.into_inner()?;
    file.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}

/// `old` less the rows of the periods and flows `replaced`, merged with `new`, in `order` (which
/// `old` is in already): an import sorts its own rows, not the whole table again.
fn merge_replacing<T: Clone>(
    old: &[T],
    mut new: Vec<T>,
    replaced: &HashSet<(Period, Flow)>,
    at: impl Fn(&T) -> (Period, Flow),
    order: impl Fn(&T, &T) -> Ordering,
) -> Vec<T> {
    new.sort_by(&order);
    let mut out = Vec::with_capacity(old.len() + new.len());
    let mut new = new.into_iter().peekable();
    for r in old.iter().filter(|r| !replaced.contains(&at(r))) {
        while let Some(n) = new.next_if(|n| order(n, r) == Ordering::Less) {
            out.push(n);
        }
        out.push(r.clone());
    }
    out.extend(new);
    out
}

/// Writes an aggregate table's files of the years an import touched, one file per year.
struct YearFiles<'a> {
    dir: &'a Path,
    generation: u64,
    table: &'a str,
    touched: &'a BTreeSet<i32>,
    /// The manifest's aggregate files, updated as files are written.
    files: &'a mut BTreeMap<String, String>,
    created: &'a mut Vec<PathBuf>,
}

impl YearFiles<'_> {
    /// `rows` are the whole table, sorted by year first.
    fn write<T>(
        &mut self,
        rows: &[T],
        year: impl Fn(&T) -> i32,
        to_batch: impl Fn(&[T]) -> Result<RecordBatch>,
    ) -> Result<()> {
        // Besides the years touched, every year of the table that has no file of its own: all
        // of them in a store written before the files were per year (one file held every
        // year), or when the table had no file at all (pair tables derived from the records).
        self.files.remove(self.table);
        let mut years = self.touched.clone();
        let mut at = 0;
        while let Some(r) = rows.get(at) {
            let y = year(r);
            if !self.files.contains_key(&table_key(self.table, y)) {
                years.insert(y);
            }
            at = rows.partition_point(|r| year(r) <= y);
        }
        for y in years {
            // Rows are sorted by year first. A touched year without rows of this table gets an
            // empty file, which replaces what the year had.
            let lo = rows.partition_point(|r| year(r) < y);
            let hi = rows.partition_point(|r| year(r) <= y);
            let rel = format!("aggregates/{}-{y}-g{}.parquet", self.table, self.generation);
            let path = self.dir.join(&rel);
            self.created.push(path.clone());
            write_parquet(&path, &to_batch(&rows[lo..hi])?)?;
            self.files.insert(table_key(self.table, y), rel);
        }
        Ok(())
    }
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

impl TradeStore {
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
        let budget = options.budget();
        let mut strings = Interner::new();
        let mut warnings = Vec::new();
        let mut unknown = UnknownCodes::new();
        let mut valued = false;
        let spill_dir = self.dir.join(SPILL_DIR);
        // What an import cut short left; writers hold the data directory's lock, so no other
        // import is using it.
        super::spill::clear(&spill_dir);
        let names: std::sync::Arc<[PathBuf]> = files.into();
        let mut buckets = Buckets::new(spill_dir, budget.limits, names);
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
            import::parse_file(
                file,
                i as u16,
                options.flow,
                &options.xlsx_limits,
                budget.block_bytes,
                &mut strings,
                &mut tick,
                &mut |recs| {
                    unknown.note(recs);
                    valued |= recs.iter().any(|r| !r.cny.is_nan());
                    buckets.push(recs.drain(..))
                },
            )?;
            done += sizes[i];
        }
        let parse_seconds = start.elapsed().as_secs_f64();
        let counts = buckets.counts();
        let rows: u64 = counts.values().sum();
        unknown.warn(&mut warnings);
        if rows > 0 && !valued {
            warnings.push(
                "no values in CNY (人民币): the figures and growth rates are computed in CNY, so these rows count as zero there; they are kept with their USD values".into(),
            );
        }
        let written: Vec<(Period, Flow, u64)> =
            counts.iter().map(|(&(p, f), &n)| (p, f, n)).collect();
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
        let n_parts = written.len().max(1) as f64;
        let mut k = 0usize;
        // Each period and flow is taken back whole, sorted and checked for rows twice as the
        // writers ask for it: one or two parts in memory at a time, not the whole import.
        let mut iter = counts.keys().map(|key| {
            let part = buckets.part(key)?;
            let mut sources: Vec<String> = part
                .files
                .iter()
                .map(|&i| {
                    file_name(files, i)
                        .file_name()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            sources.sort();
            Ok((part, sources))
        });
        let writing = Writing {
            synthetic: false,
            fail_after_files: options.fail_after_files,
            max_rows_in_flight: budget.records as u64,
        };
        self.commit(&mut iter, &strings, writing, &mut |_| {
            k += 1;
            progress(0.8 + 0.2 * k as f64 / n_parts)
        })?;
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

    /// Writes parts (each one period and flow, records sorted), merges the aggregates and
    /// commits by replacing the manifest. On error nothing the readers see has changed.
    pub(crate) fn commit(
        &mut self,
        parts: &mut dyn Iterator<Item = Result<(Part, Vec<String>)>>,
        strings: &Interner,
        writing: Writing,
        progress: &mut dyn FnMut(usize) -> bool,
    ) -> Result<()> {
        let generation = self.manifest.generation + 1;
        for sub in super::manifest::SUBDIRS {
            let d = self.dir.join(sub);
            std::fs::create_dir_all(&d).map_err(io(&d))?;
        }
        self.remove_unlisted();
        let mut created: Vec<PathBuf> = Vec::new();
        let fail_after_files = writing.fail_after_files;
        let result =
            self.write_generation(generation, parts, strings, writing, progress, &mut created);
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

    fn write_generation(
        &self,
        generation: u64,
        parts: &mut dyn Iterator<Item = Result<(Part, Vec<String>)>>,
        strings: &Interner,
        writing: Writing,
        progress: &mut dyn FnMut(usize) -> bool,
        created: &mut Vec<PathBuf>,
    ) -> Result<Generation> {
        let Writing {
            synthetic,
            fail_after_files,
            max_rows_in_flight,
        } = writing;
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
        // A part's entry and sums, and the records it held in memory meanwhile.
        type Done = Result<(PartitionEntry, Vec<Vec<AggRow>>, Vec<Vec<PairRow>>, u64)>;
        // What a part holds in memory while it is written: a part sorted on disk counts as
        // the whole allowance, so that it is written alone.
        let weight = |part: &Part| match &part.recs {
            Records::Held(recs) => recs.len() as u64,
            Records::Merged(_) => max_rows_in_flight,
        };
        let write_one = |part: Part, sources: Vec<String>| -> Done {
            let rel = part_file(&part, generation);
            let path = dir.join(&rel);
            let slices_rel = slices_file(&part, generation);
            let (period, flow, rows, held) = (part.period, part.flow, part.rows(), weight(&part));
            let (aggs, pairs, value_cny) = match part.recs {
                Records::Held(recs) => {
                    let sums = || -> Result<Sums> {
                        let mut sums = agg::PartSums::default();
                        sums.add(&recs);
                        finish_sums(sums, strings, &dir.join(&slices_rel))
                    };
                    // A large part is written alone: its record file on one thread, its sums
                    // and slice file on another, so that it still has both cores. Smaller
                    // parts are written side by side, each on one.
                    let (records, sums) = if recs.len() as u64 * 2 > max_rows_in_flight {
                        std::thread::scope(|scope| {
                            let records = scope.spawn(|| write_records(&path, &recs, strings));
                            let sums = sums();
                            let records = records.join().unwrap_or_else(|_| {
                                Err(TradeError::Io {
                                    path: path.clone(),
                                    source: std::io::Error::other("the record writer failed"),
                                })
                            });
                            (records, sums)
                        })
                    } else {
                        (write_records(&path, &recs, strings), sums())
                    };
                    records?;
                    sums?
                }
                Records::Merged(merge) => {
                    write_merged(&path, &dir.join(&slices_rel), *merge, strings)?
                }
            };
            let n = written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if fail_after_files.is_some_and(|k| n >= k) {
                return Err(TradeError::Io {
                    path,
                    source: std::io::Error::other("simulated failure after writing part"),
                });
            }
            let entry = PartitionEntry {
                period,
                flow,
                file: rel,
                rows,
                value_cny,
                sources,
                imported_at: now_secs(),
                enterprise_slices: Some(slices_rel),
            };
            Ok((entry, aggs, pairs, held))
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
            // Records of the parts sent to the writers and not yet written.
            let mut in_flight = 0u64;
            let mut take = |d: Done, n: &mut usize, in_flight: &mut u64| -> Result<()> {
                let (entry, aggs, pairs, held) = d?;
                *in_flight = in_flight.saturating_sub(held);
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
            // Records of the last part: the next one's size, as far as can be told before
            // it is taken out of the buckets.
            let mut last = 0u64;
            loop {
                // Large parts wait for those being written, so that the records in memory stay
                // within the budget: before the next part is made (it is likely the size of
                // the last), and once it is; a part alone always goes.
                while in_flight > 0 && in_flight + last > max_rows_in_flight {
                    match done_rx.recv() {
                        Ok(d) => take(d, &mut n, &mut in_flight)?,
                        Err(_) => break,
                    }
                }
                let Some(part) = parts.next() else { break };
                let (part, sources) = part?;
                let rows = weight(&part);
                last = rows;
                while in_flight > 0 && in_flight + rows > max_rows_in_flight {
                    match done_rx.recv() {
                        Ok(d) => take(d, &mut n, &mut in_flight)?,
                        Err(_) => break,
                    }
                }
                in_flight += rows;
                created.push(dir.join(part_file(&part, generation)));
                created.push(dir.join(slices_file(&part, generation)));
                if job_tx.send((part, sources)).is_err() {
                    break;
                }
                while let Ok(d) = done_rx.try_recv() {
                    take(d, &mut n, &mut in_flight)?;
                }
            }
            drop(job_tx);
            for d in done_rx {
                take(d, &mut n, &mut in_flight)?;
            }
            Ok(())
        })?;
        let replaced: HashSet<(Period, Flow)> =
            new_entries.iter().map(|p| (p.period, p.flow)).collect();
        let mut manifest = self.manifest.clone();
        manifest.generation = generation;
        manifest.intent = self.intent.clone();
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
        // Only the years of the periods written get new aggregate files; the others' files
        // stay as they are.
        let touched: BTreeSet<i32> = replaced.iter().map(|(p, _)| p.year).collect();
        let period_of = |year: i32, month: u32, flow: Flow| (Period { year, month }, flow);
        let mut aggs = Vec::with_capacity(DIMS.len());
        for (i, dim) in DIMS.iter().enumerate() {
            let rows = merge_replacing(
                &self.aggs[i],
                std::mem::take(&mut new_aggs[i]),
                &replaced,
                |r| period_of(r.year, r.month, r.flow),
                |a, b| {
                    (a.year, a.month, a.flow, &a.key, &a.unit)
                        .cmp(&(b.year, b.month, b.flow, &b.key, &b.unit))
                },
            );
            let mut years = YearFiles {
                dir: &self.dir,
                generation,
                table: dim,
                touched: &touched,
                files: &mut manifest.aggregates,
                created,
            };
            years.write(&rows, |r| r.year, agg::to_batch)?;
            aggs.push(rows);
        }
        let mut pairs = Vec::with_capacity(PAIRS.len());
        for (p, new) in new_pairs.iter_mut().enumerate() {
            let rows = merge_replacing(
                &self.pairs[p],
                std::mem::take(new),
                &replaced,
                |r| period_of(r.year, r.month, r.flow),
                |a, b| pair_order(a).cmp(&pair_order(b)),
            );
            let name = agg::pair_name(p);
            let mut years = YearFiles {
                dir: &self.dir,
                generation,
                table: &name,
                touched: &touched,
                files: &mut manifest.aggregates,
                created,
            };
            years.write(&rows, |r| r.year, |rows| agg::pair_to_batch(p, rows))?;
            pairs.push(rows);
        }
        self.write_manifest(&manifest)?;
        Ok((manifest, aggs, pairs))
    }

    /// Imports the national reference table for RCA: CSV with `year,chapter,value,source`
    /// (national exports by HS chapter, any one currency).
    pub fn import_reference(&mut self, file: &Path) -> Result<usize> {
        let bytes = std::fs::read(file).map_err(io(file))?;
        let text = import::decode(file, &bytes)?;
        let n = import::parse_reference(file, &text)?.len();
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
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(text.as_bytes()).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        let mut manifest = self.manifest.clone();
        let old = manifest.reference.replace(rel);
        manifest.generation = generation;
        manifest.intent = self.intent.clone();
        self.write_manifest(&manifest)?;
        self.manifest = manifest;
        if let Some(old) = old {
            let _ = std::fs::remove_file(self.dir.join(old));
        }
        self.rebuild()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::uscc_check_char;
    use datafusion::arrow::compute::concat_batches;
    use std::io::Write;

    /// `rows` rows of one month and flow, in an order unlike their keys', from 300 enterprises.
    fn one_month(path: &Path, rows: u64) {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        writeln!(
            w,
            "period,flow,commodity,partner,trade_mode,region,uscc,enterprise,qty1,unit1,value_cny"
        )
        .unwrap();
        for i in 0..rows {
            let k = (i * 7919) % rows;
            let body = format!("91220101MA{:07}", k % 300);
            let c = uscc_check_char(body.as_bytes()).unwrap() as char;
            writeln!(
                w,
                "2025-03,export,{:08},{},0110,2201{:02},{body}{c},企业{},{},千克,{}.{:02}",
                87_000_000 + k / 300,
                [344, 110, 502, 133][(k % 4) as usize],
                k % 7,
                k % 300,
                k % 97 + 1,
                k % 9000 + 1,
                k % 100
            )
            .unwrap();
        }
        w.flush().unwrap();
    }

    fn import(dir: &Path, csv: &Path, memory_mb: u32) -> Result<TradeStore> {
        let mut store = TradeStore::open(dir)?;
        let options = ImportOptions {
            memory_mb: Some(memory_mb),
            ..Default::default()
        };
        store.import_files(&[csv.to_path_buf()], &options, &mut |_| true)?;
        Ok(store)
    }

    fn file_of(store: &TradeStore, rel: &str) -> RecordBatch {
        let batches = super::super::read_parquet(&store.dir.join(rel)).unwrap();
        concat_batches(&batches[0].schema(), &batches).unwrap()
    }

    #[test]
    fn a_month_sorted_on_disk_is_stored_as_one_sorted_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("month.csv");
        let rows = 60_000;
        one_month(&csv, rows);
        // At 8 MB a part may hold some 8 thousand records whole: this month is sorted on disk
        // in runs. At 1000 MB it is sorted in memory.
        let small = ImportOptions {
            memory_mb: Some(8),
            ..Default::default()
        };
        assert!((small.budget().limits.part as u64) < rows / 4);
        let on_disk = import(&dir.path().join("a"), &csv, 8).unwrap();
        let in_memory = import(&dir.path().join("b"), &csv, 1000).unwrap();
        let (a, b) = (&on_disk.manifest.partitions, &in_memory.manifest.partitions);
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].rows, a[0].value_cny), (rows, b[0].value_cny));
        assert_eq!(a[0].sources, b[0].sources);
        assert_eq!(on_disk.aggs, in_memory.aggs);
        assert_eq!(on_disk.pairs, in_memory.pairs);
        assert_eq!(
            file_of(&on_disk, &a[0].file),
            file_of(&in_memory, &b[0].file)
        );
        let slices = |s: &TradeStore, p: &PartitionEntry| {
            file_of(s, p.enterprise_slices.as_deref().unwrap())
        };
        assert_eq!(slices(&on_disk, &a[0]), slices(&in_memory, &b[0]));
        assert!(!dir.path().join("a").join(SPILL_DIR).exists());
    }

    #[test]
    fn rows_twice_in_a_month_sorted_on_disk_leave_the_store_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("month.csv");
        one_month(&csv, 30_000);
        let mut text = std::fs::read_to_string(&csv).unwrap();
        // The file's third data row again, at its end (row 30 002).
        let third = text.lines().nth(3).unwrap().to_string();
        text.push_str(&third);
        text.push('\n');
        std::fs::write(&csv, text).unwrap();
        let store_dir = dir.path().join("a");
        let Err(e) = import(&store_dir, &csv, 8) else {
            panic!("rows twice are refused")
        };
        let e = e.to_string();
        assert!(
            e.contains("row 30002: duplicated row: same period, flow and codes as"),
            "{e}"
        );
        assert!(e.ends_with("row 4"), "{e}");
        let store = TradeStore::open(&store_dir).unwrap();
        assert!(store.is_empty());
        let left: Vec<_> = std::fs::read_dir(store_dir.join("records"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "nothing half-written is left: {left:?}");
    }
}
