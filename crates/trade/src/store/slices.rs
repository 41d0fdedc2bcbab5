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

/// One slice file: its metadata (page index included) and where each (dimension, code) run is.
pub(crate) struct SliceFile {
    meta: ArrowReaderMetadata,
    runs: BTreeMap<(String, String), Vec<(usize, usize)>>,
}

/// Slice files by their name in the store; a new generation's files have new names.
pub(crate) type SliceCache = Arc<Mutex<HashMap<String, Arc<SliceFile>>>>;

impl SliceFile {
    fn open(path: &Path) -> Result<SliceFile> {
        let file = std::fs::File::open(path).map_err(io(path))?;
        // The page index lets a read of one run decode only the pages that hold it.
        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
        let meta = ArrowReaderMetadata::load(&file, options)?;
        let mask = ProjectionMask::columns(meta.parquet_schema(), ["dim", "code"]);
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
            .with_projection(mask)
            .with_batch_size(64 * 1024)
            .build()?;
        let mut runs: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
        let mut at = 0usize;
        let mut current: Option<((String, String), usize)> = None;
        for batch in reader {
            let batch = batch?;
            let (dims, codes) = (texts(&batch, "dim")?, texts(&batch, "code")?);
            for i in 0..batch.num_rows() {
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
        Ok(SliceFile { meta, runs })
    }

    /// The rows of `dim` (all its codes, or only `codes`) with `columns`.
    fn read(
        &self,
        path: &Path,
        dim: &str,
        codes: Option<&[String]>,
        columns: &[&str],
    ) -> Result<Vec<RecordBatch>> {
        let mut ranges: Vec<(usize, usize)> = match codes {
            Some(codes) => codes
                .iter()
                .filter_map(|c| self.runs.get(&(dim.to_string(), c.clone())))
                .flatten()
                .copied()
                .collect(),
            None => self
                .runs
                .range((dim.to_string(), String::new())..)
                .take_while(|((d, _), _)| d == dim)
                .flat_map(|(_, r)| r.iter().copied())
                .collect(),
        };
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        ranges.sort_unstable();
        let mut selectors = Vec::with_capacity(2 * ranges.len());
        let mut at = 0;
        for (start, len) in ranges {
            if start > at {
                selectors.push(RowSelector::skip(start - at));
            }
            selectors.push(RowSelector::select(len));
            at = start + len;
        }
        let file = std::fs::File::open(path).map_err(io(path))?;
        let mask = ProjectionMask::columns(self.meta.parquet_schema(), columns.iter().copied());
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_projection(mask)
            .with_row_selection(RowSelection::from(selectors))
            .with_batch_size(64 * 1024)
            .build()?;
        reader
            .map(|b| b.map_err(TradeError::from))
            .collect::<Result<Vec<_>>>()
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
pub(crate) struct Window<'a> {
    pub years: &'a [i32],
    pub from_month: u32,
    pub to_month: u32,
    pub flow: Option<Flow>,
}

/// A slice file's rows asked for, with the year of its period.
pub(crate) type YearRows = (i32, Vec<RecordBatch>);

impl TradeStore {
    /// The rows of `dim` (its codes `codes`, or all) in the enterprise slice files of the
    /// window, with `columns`, per file; None when some period of the window has no slice
    /// file (a store written before they existed).
    pub(crate) fn slice_rows(
        &self,
        w: &Window<'_>,
        dim: &str,
        codes: Option<&[String]>,
        columns: &[&str],
    ) -> Result<Option<Vec<YearRows>>> {
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
            return Ok(None);
        };
        let mut out = Vec::with_capacity(files.len());
        for (year, name) in files {
            let path = self.dir.join(name);
            let file = self.slice_file(name, &path)?;
            out.push((year, file.read(&path, dim, codes, columns)?));
        }
        Ok(Some(out))
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
        let f = Arc::new(SliceFile::open(path)?);
        if let Ok(mut c) = self.slice_files.lock() {
            c.insert(name.to_string(), f.clone());
        }
        Ok(f)
    }
}
