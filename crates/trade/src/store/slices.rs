//! The enterprise slice files read directly: each file's rows are sorted by dimension, code and
//! credit code, so one code's rows are one run. The runs of a file are found once (reading its
//! `dim` and `code` columns) and kept with its metadata; a question then decodes only the pages
//! of the runs it asks for, without planning a query over the files.

use super::TradeStore;
use crate::codes::Flow;
use crate::error::{Result, TradeError, io};
use datafusion::arrow::array::{Array, AsArray, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::Float64Type;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use datafusion::parquet::file::metadata::PageIndexPolicy;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One slice file: its metadata (page index included), where each (dimension, code) run is,
/// and each row's enterprise as its key id in the enterprise aggregate, so that a question
/// reads only the values of the rows it wants.
pub(crate) struct SliceFile {
    meta: ArrowReaderMetadata,
    runs: BTreeMap<(String, String), Vec<(usize, usize)>>,
    enterprise: Vec<u32>,
}

/// Slice files by their name in the store; a new generation's files have new names.
pub(crate) type SliceCache = Arc<Mutex<HashMap<String, Arc<SliceFile>>>>;

/// A row asked for: its enterprise (key id), its code and its value.
pub(crate) type SliceRow<'a> = (u32, &'a str, f64);

impl SliceFile {
    /// Reads the file's `dim`, `code` and `uscc` columns once; `id_of` gives an enterprise's
    /// key id.
    fn open(path: &Path, id_of: &dyn Fn(&str) -> Option<i32>) -> Result<SliceFile> {
        let file = std::fs::File::open(path).map_err(io(path))?;
        // The page index lets a read of a few rows decode only the pages that hold them.
        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
        let meta = ArrowReaderMetadata::load(&file, options)?;
        let mask = ProjectionMask::columns(meta.parquet_schema(), ["dim", "code", "uscc"]);
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
            .with_projection(mask)
            .with_batch_size(64 * 1024)
            .build()?;
        let mut runs: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
        let mut enterprise = Vec::new();
        let mut at = 0usize;
        let mut current: Option<((String, String), usize)> = None;
        for batch in reader {
            let batch = batch?;
            let (dims, codes) = (texts(&batch, "dim")?, texts(&batch, "code")?);
            let usccs = texts(&batch, "uscc")?;
            for i in 0..batch.num_rows() {
                let u = usccs.value(i);
                let id = id_of(u)
                    .and_then(|id| u32::try_from(id).ok())
                    .ok_or_else(|| {
                        TradeError::Corrupt(format!(
                            "{u} is in the enterprise slice files but not in agg_enterprise"
                        ))
                    })?;
                enterprise.push(id);
                let (d, c) = (dims.value(i), codes.value(i));
                match &current {
                    Some(((kd, kc), _)) if kd == d && kc == c => {}
                    _ => {
                        let key = (d.to_string(), c.to_string());
                        if let Some((k, start)) = current.take() {
                            runs.entry(k).or_default().push((start, at + i - start));
                        }
                        current = Some((key, at + i));
                    }
                }
            }
            at += batch.num_rows();
        }
        if let Some((k, start)) = current {
            runs.entry(k).or_default().push((start, at - start));
        }
        Ok(SliceFile {
            meta,
            runs,
            enterprise,
        })
    }

    /// The rows of `dim` (its codes `codes`, or all), of one enterprise (key id) or all, with
    /// their values: only the value column of just those rows is read.
    fn rows(
        &self,
        path: &Path,
        dim: &str,
        codes: Option<&[String]>,
        only: Option<u32>,
    ) -> Result<Vec<SliceRow<'_>>> {
        let mut ranges: Vec<(usize, usize, &str)> = self
            .runs
            .range((dim.to_string(), String::new())..)
            .take_while(|((d, _), _)| d == dim)
            .filter(|((_, c), _)| codes.is_none_or(|codes| codes.iter().any(|x| x == c)))
            .flat_map(|((_, c), r)| r.iter().map(move |&(s, n)| (s, n, c.as_str())))
            .collect();
        if let Some(e) = only {
            ranges = ranges
                .into_iter()
                .flat_map(|(s, n, c)| {
                    (s..s + n)
                        .filter(|&r| self.enterprise.get(r) == Some(&e))
                        .map(move |r| (r, 1, c))
                })
                .collect();
        }
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        ranges.sort_unstable_by_key(|r| r.0);
        let mut selectors = Vec::with_capacity(2 * ranges.len());
        let mut at = 0;
        for &(start, len, _) in &ranges {
            if start > at {
                selectors.push(RowSelector::skip(start - at));
            }
            selectors.push(RowSelector::select(len));
            at = start + len;
        }
        let file = std::fs::File::open(path).map_err(io(path))?;
        let mask = ProjectionMask::columns(self.meta.parquet_schema(), ["value_cny"]);
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_projection(mask)
            .with_row_selection(RowSelection::from(selectors))
            .with_batch_size(64 * 1024)
            .build()?;
        // The values come in the order of the rows selected.
        let mut wanted = ranges
            .iter()
            .flat_map(|&(s, n, c)| (s..s + n).map(move |r| (r, c)));
        let mut out = Vec::new();
        for batch in reader {
            let batch = batch?;
            let v = values(&batch)?;
            for i in 0..batch.num_rows() {
                let Some((row, code)) = wanted.next() else {
                    return Err(TradeError::Corrupt(format!(
                        "{} gave more rows than were selected",
                        path.display()
                    )));
                };
                let value = if v.is_null(i) { 0.0 } else { v.value(i) };
                out.push((self.enterprise[row], code, value));
            }
        }
        Ok(out)
    }
}

fn column<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b dyn Array> {
    b.column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| TradeError::Corrupt(format!("a slice file lacks its {name} column")))
}

/// A text column of a slice file's batch.
pub(crate) fn texts<'b>(b: &'b RecordBatch, name: &str) -> Result<&'b StringArray> {
    column(b, name)?
        .as_string_opt::<i32>()
        .ok_or_else(|| TradeError::Corrupt(format!("column {name} of a slice file is not text")))
}

/// The value column of a slice file's batch.
pub(crate) fn values(b: &RecordBatch) -> Result<&Float64Array> {
    column(b, "value_cny")?
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| TradeError::Corrupt("value_cny of a slice file is not Float64".into()))
}

/// The periods a question covers: January (or `from_month`) to `to_month` of `years`, one
/// flow or both.
pub(crate) struct Window {
    /// Last year and this year.
    pub years: [i32; 2],
    pub from_month: u32,
    pub to_month: u32,
    pub flow: Option<Flow>,
}

impl TradeStore {
    /// Calls `each(year, enterprise key id, code, value)` for the rows of `dim` (its codes
    /// `codes`, or all; of one enterprise, or all) in the enterprise slice files of the window;
    /// false when some period of the window has no slice file (a store written before they
    /// existed), and nothing was called.
    pub(crate) fn slice_rows(
        &self,
        w: &Window,
        dim: &str,
        codes: Option<&[String]>,
        only: Option<u32>,
        each: &mut dyn FnMut(i32, u32, &str, f64),
    ) -> Result<bool> {
        let files: Option<Vec<(i32, &str)>> = self
            .manifest
            .partitions
            .iter()
            .filter(|p| {
                w.years.contains(&p.period.year)
                    && (w.from_month..=w.to_month).contains(&p.period.month)
                    && w.flow.is_none_or(|f| f == p.flow)
            })
            .map(|p| p.enterprise_slices.as_deref().map(|f| (p.period.year, f)))
            .collect();
        let Some(files) = files else {
            return Ok(false);
        };
        let opened: Vec<(i32, std::path::PathBuf, Arc<SliceFile>)> = files
            .into_iter()
            .map(|(year, name)| {
                let path = self.dir.join(name);
                let file = self.slice_file(name, &path)?;
                Ok((year, path, file))
            })
            .collect::<Result<_>>()?;
        // The files' values are decoded on all cores, then handed over in the files' order.
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4)
            .min(opened.len().max(1));
        let per_thread = opened.len().div_ceil(threads).max(1);
        type Read<'f> = Result<Vec<(i32, Vec<SliceRow<'f>>)>>;
        let read: Vec<Read<'_>> = std::thread::scope(|scope| {
            let handles: Vec<_> = opened
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || -> Read<'_> {
                        chunk
                            .iter()
                            .map(|(year, path, file)| {
                                Ok((*year, file.rows(path, dim, codes, only)?))
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(TradeError::Corrupt("a slice file reader failed".into()))
                    })
                })
                .collect()
        });
        for chunk in read {
            for (year, rows) in chunk? {
                for (e, code, v) in rows {
                    each(year, e, code, v);
                }
            }
        }
        Ok(true)
    }

    fn slice_file(&self, name: &str, path: &Path) -> Result<Arc<SliceFile>> {
        let cached = self
            .slice_files
            .lock()
            .ok()
            .and_then(|c| c.get(name).cloned());
        if let Some(f) = cached {
            return Ok(f);
        }
        let f = Arc::new(SliceFile::open(path, &|u| {
            self.agg_key_id("enterprise", u)
        })?);
        if let Ok(mut c) = self.slice_files.lock() {
            c.insert(name.to_string(), f.clone());
        }
        Ok(f)
    }
}
