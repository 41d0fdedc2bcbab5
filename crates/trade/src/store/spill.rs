//! An import's records by period and flow, held in memory up to a budget and spilled to files
//! beyond it, so that a file of any size is read with bounded memory. A period and flow is
//! then taken back whole, sorted and written as one part; one too large to take back whole is
//! sorted on disk (sorted runs, merged as the part is written).

use super::write::{Part, Records};
use crate::codes::{Flow, Period};
use crate::error::{Location, Result, TradeError, io};
use crate::import::file_name;
use crate::record::{self, ENCODED_LEN, PART_KEY_LEN, Rec};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

type Key = (Period, Flow);

/// How much of the memory bound the buckets and a part sorted on disk may take, in records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Records held in memory before they are spilled.
    pub held: usize,
    /// The largest part taken back whole; a larger one is sorted on disk.
    pub part: usize,
    /// Records a part sorted on disk hands to its writers at a time.
    pub chunk: usize,
}

pub(crate) struct Buckets {
    /// Where the spill files go; made on the first spill, removed when the buckets are dropped.
    dir: PathBuf,
    limits: Limits,
    /// The import's files, to name the rows of a duplicate.
    files: Arc<[PathBuf]>,
    held: usize,
    mem: BTreeMap<Key, Vec<Rec>>,
    /// Records of each key in its spill file.
    spilled: BTreeMap<Key, u64>,
}

impl Buckets {
    /// Buckets spilling to `dir` (which must not exist or be disposable) past `limits.held`
    /// records.
    pub(crate) fn new(dir: PathBuf, limits: Limits, files: Arc<[PathBuf]>) -> Buckets {
        Buckets {
            dir,
            limits: Limits {
                held: limits.held.max(1),
                part: limits.part.max(1),
                chunk: limits.chunk.max(1),
            },
            files,
            held: 0,
            mem: BTreeMap::new(),
            spilled: BTreeMap::new(),
        }
    }

    pub(crate) fn push(&mut self, recs: impl IntoIterator<Item = Rec>) -> Result<()> {
        for r in recs {
            self.held += 1;
            self.mem.entry((r.period, r.flow)).or_default().push(r);
        }
        if self.held > self.limits.held {
            self.spill()?;
        }
        Ok(())
    }

    /// Every key with its number of records, in order.
    pub(crate) fn counts(&self) -> BTreeMap<Key, u64> {
        let mut c = self.spilled.clone();
        for (k, v) in self.mem.iter().filter(|(_, v)| !v.is_empty()) {
            *c.entry(*k).or_default() += v.len() as u64;
        }
        c
    }

    fn spill(&mut self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        // What each key may keep of its memory: together no more than the budget, whatever
        // order the file's periods come in.
        let keep = self.limits.held / self.mem.len().max(1);
        for (k, recs) in &mut self.mem {
            if recs.is_empty() {
                continue;
            }
            append(&spill_file(&self.dir, k), recs)?;
            *self.spilled.entry(*k).or_default() += recs.len() as u64;
            // Emptied, and only partly freed: the next records of the key fill that memory
            // instead of growing a new vector from nothing.
            recs.clear();
            recs.shrink_to(keep);
        }
        self.held = 0;
        Ok(())
    }

    /// The records `key` has in memory, taken out of the buckets.
    fn take_held(&mut self, key: &Key) -> Vec<Rec> {
        let held = self.mem.remove(key).unwrap_or_default();
        self.held -= held.len();
        held
    }

    /// All records of `key`, in the order they came (spilled first, then those held), taken
    /// out of the buckets.
    pub(crate) fn take(&mut self, key: &Key) -> Result<Vec<Rec>> {
        let held = self.take_held(key);
        let Some(n) = self.spilled.remove(key) else {
            return Ok(held);
        };
        let path = spill_file(&self.dir, key);
        let mut recs = Vec::with_capacity(n as usize + held.len());
        let mut f = std::io::BufReader::new(std::fs::File::open(&path).map_err(io(&path))?);
        read_into(&mut f, &path, n as usize, &mut recs)?;
        drop(f);
        let _ = std::fs::remove_file(&path);
        recs.extend(held);
        Ok(recs)
    }

    /// One key's records as a part, sorted: in memory when they fit in the part limit, else
    /// as sorted runs on disk merged while the part is written. Rows twice (the same period,
    /// flow and codes) are an error naming both, the pair whose second row comes first in
    /// the files: at once for a part in memory, at the end of the merge for one on disk.
    pub(crate) fn part(&mut self, key: &Key) -> Result<Part> {
        let count = self.spilled.get(key).copied().unwrap_or(0)
            + self.mem.get(key).map_or(0, |v| v.len() as u64);
        if count > self.limits.part as u64 {
            return self.sorted_on_disk(key);
        }
        let mut recs = self.take(key)?;
        if let Some((a, b)) = record::sort_part(&mut recs) {
            return Err(duplicated(&self.files, a, b));
        }
        let files = file_ids(&recs);
        Ok(Part {
            period: key.0,
            flow: key.1,
            files,
            recs: Records::Held(recs),
        })
    }

    /// Cuts `key`'s records into runs of at most `limits.part` records, each sorted and
    /// written to one runs file, for [`Merge`] to read back in order.
    fn sorted_on_disk(&mut self, key: &Key) -> Result<Part> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let source = spill_file(&self.dir, key);
        // The records held join those spilled, so that their memory is free before the runs
        // take theirs.
        let held = self.take_held(key);
        if !held.is_empty() {
            append(&source, &held)?;
            *self.spilled.entry(*key).or_default() += held.len() as u64;
        }
        drop(held);
        let spilled = self.spilled.remove(key).unwrap_or(0) as usize;
        let runs_path = self.dir.join(format!("{}-{}.runs", key.0, key.1.as_str()));
        let mut out = BufWriter::new(std::fs::File::create(&runs_path).map_err(io(&runs_path))?);
        let mut runs: Vec<(u64, u64)> = Vec::new();
        let mut dup: Option<(Rec, Rec)> = None;
        let mut files = BTreeSet::new();
        let mut offset = 0u64;
        let mut write_run = |recs: &mut Vec<Rec>| -> Result<()> {
            if let Some(d) = record::sort_part(recs) {
                dup = Some(earlier(dup, d));
            }
            files.extend(file_ids(recs));
            write_encoded(&mut out, &runs_path, recs)?;
            runs.push((offset, recs.len() as u64));
            offset += (recs.len() * ENCODED_LEN) as u64;
            Ok(())
        };
        if spilled > 0 {
            let mut f = std::io::BufReader::new(std::fs::File::open(&source).map_err(io(&source))?);
            let mut run = Vec::with_capacity(self.limits.part.min(spilled));
            let mut left = spilled;
            while left > 0 {
                let n = left.min(self.limits.part);
                run.clear();
                read_into(&mut f, &source, n, &mut run)?;
                write_run(&mut run)?;
                left -= n;
            }
            drop(f);
            let _ = std::fs::remove_file(&source);
        }
        out.flush().map_err(io(&runs_path))?;
        drop(out);
        let merge = Merge::open(runs_path, &runs, self.limits, dup, Arc::clone(&self.files))?;
        Ok(Part {
            period: key.0,
            flow: key.1,
            files: files.into_iter().collect(),
            recs: Records::Merged(Box::new(merge)),
        })
    }
}

impl Drop for Buckets {
    fn drop(&mut self) {
        if self.dir.exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Writes `recs` encoded by [`Rec::encode`] to `w` (writing to `path`), a few thousand at a time.
fn write_encoded(w: &mut impl Write, path: &Path, recs: &[Rec]) -> Result<()> {
    let mut bytes = Vec::with_capacity(4096 * ENCODED_LEN);
    for chunk in recs.chunks(4096) {
        bytes.clear();
        for r in chunk {
            r.encode(&mut bytes);
        }
        w.write_all(&bytes).map_err(io(path))?;
    }
    Ok(())
}

/// Appends `recs` to the spill file `path`.
fn append(path: &Path, recs: &[Rec]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io(path))?;
    write_encoded(&mut f, path, recs)
}

/// The records encoded by [`Rec::encode`] in `bytes`.
fn decoded(bytes: &[u8]) -> impl Iterator<Item = Rec> + '_ {
    // `chunks_exact` hands out exactly ENCODED_LEN bytes.
    bytes
        .chunks_exact(ENCODED_LEN)
        .map(|b| Rec::decode(b.try_into().unwrap_or(&[0; ENCODED_LEN])))
}

/// Reads `n` records written by [`Rec::encode`] from `f` onto `out`.
fn read_into(f: &mut impl Read, path: &Path, n: usize, out: &mut Vec<Rec>) -> Result<()> {
    let mut buf = vec![0u8; 4096 * ENCODED_LEN];
    let mut left = n;
    while left > 0 {
        let k = left.min(4096);
        let bytes = &mut buf[..k * ENCODED_LEN];
        f.read_exact(bytes).map_err(io(path))?;
        out.extend(decoded(bytes));
        left -= k;
    }
    Ok(())
}

/// The files (indices into the import's list) the records came from, in order.
fn file_ids(recs: &[Rec]) -> Vec<u16> {
    let mut seen = BTreeSet::new();
    let mut last = None;
    for r in recs {
        // Records come file by file: one look-up per change of file, not per record.
        if last != Some(r.file) {
            seen.insert(r.file);
            last = Some(r.file);
        }
    }
    seen.into_iter().collect()
}

/// Of two duplicate pairs, the one whose second row comes first in the files.
fn earlier(found: Option<(Rec, Rec)>, d: (Rec, Rec)) -> (Rec, Rec) {
    match found {
        Some(f) if (f.1.file, f.1.row) <= (d.1.file, d.1.row) => f,
        _ => d,
    }
}

/// Two records with the same key, the first in file order first.
fn in_file_order(a: Rec, b: Rec) -> (Rec, Rec) {
    if (a.file, a.row) <= (b.file, b.row) {
        (a, b)
    } else {
        (b, a)
    }
}

/// The error for rows twice: the second, naming the first.
pub(crate) fn duplicated(files: &[PathBuf], a: Rec, b: Rec) -> TradeError {
    TradeError::Input {
        at: Location {
            file: file_name(files, b.file),
            row: b.row as usize,
            column: String::new(),
        },
        message: format!(
            "duplicated row: same period, flow and codes as {}, row {}",
            file_name(files, a.file).display(),
            a.row
        ),
    }
}

/// One sorted run of a runs file, read a buffer at a time.
struct Run {
    /// Where its next unread bytes are in the file, and how many records are left there.
    at: u64,
    left: u64,
    buf: Vec<u8>,
    /// Records decoded from `buf` and not yet handed out.
    pending: std::collections::VecDeque<Rec>,
}

/// A part's sorted runs merged into one sorted stream, handed out a chunk at a time; the
/// runs file is removed when the merge is dropped.
pub(crate) struct Merge {
    path: PathBuf,
    file: std::fs::File,
    runs: Vec<Run>,
    /// Each run's next record, by key and then run (earlier runs came earlier in the files).
    heap: BinaryHeap<Reverse<([u8; PART_KEY_LEN], usize)>>,
    heads: Vec<Option<Rec>>,
    last: Option<([u8; PART_KEY_LEN], Rec)>,
    dup: Option<(Rec, Rec)>,
    rows: u64,
    chunk: usize,
    /// Rows of a row group of the part's record file: its writer holds one encoded.
    pub(crate) group_rows: usize,
    files: Arc<[PathBuf]>,
}

impl Merge {
    fn open(
        path: PathBuf,
        runs: &[(u64, u64)],
        limits: Limits,
        dup: Option<(Rec, Rec)>,
        files: Arc<[PathBuf]>,
    ) -> Result<Merge> {
        let file = std::fs::File::open(&path).map_err(io(&path))?;
        // The runs' buffers share half a part's worth of memory.
        let share = limits.part * std::mem::size_of::<Rec>() / 2 / runs.len().max(1);
        let per_run = (share / ENCODED_LEN).clamp(16, 8192);
        let mut m = Merge {
            path,
            file,
            runs: runs
                .iter()
                .map(|&(at, left)| Run {
                    at,
                    left,
                    buf: vec![0; per_run * ENCODED_LEN],
                    pending: Default::default(),
                })
                .collect(),
            heap: BinaryHeap::with_capacity(runs.len()),
            heads: vec![None; runs.len()],
            last: None,
            dup,
            rows: runs.iter().map(|r| r.1).sum(),
            chunk: limits.chunk,
            group_rows: limits.part,
            files,
        };
        for i in 0..m.runs.len() {
            m.advance(i)?;
        }
        Ok(m)
    }

    /// The part's records in all.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Puts run `i`'s next record on the heap, reading its next buffer when it needs to.
    fn advance(&mut self, i: usize) -> Result<()> {
        let run = &mut self.runs[i];
        if run.pending.is_empty() && run.left > 0 {
            let n = (run.buf.len() / ENCODED_LEN).min(run.left as usize);
            let bytes = &mut run.buf[..n * ENCODED_LEN];
            read_at(&self.file, bytes, run.at).map_err(io(&self.path))?;
            run.at += bytes.len() as u64;
            run.left -= n as u64;
            run.pending.extend(decoded(bytes));
        }
        self.heads[i] = run.pending.pop_front();
        if let Some(r) = &self.heads[i] {
            self.heap.push(Reverse((r.part_key(), i)));
        }
        Ok(())
    }

    /// The next records in key order, at most a chunk of them; None once all are handed out.
    /// At the end, rows twice anywhere in the part are an error.
    pub(crate) fn next_chunk(&mut self) -> Result<Option<Vec<Rec>>> {
        let mut out = Vec::with_capacity(self.chunk);
        while out.len() < self.chunk {
            let Some(Reverse((key, i))) = self.heap.pop() else {
                break;
            };
            let Some(r) = self.heads[i].take() else {
                break;
            };
            if let Some((k, prev)) = &self.last
                && *k == key
            {
                self.dup = Some(earlier(self.dup, in_file_order(*prev, r)));
            }
            self.last = Some((key, r));
            out.push(r);
            self.advance(i)?;
        }
        if !out.is_empty() {
            return Ok(Some(out));
        }
        match self.dup.take() {
            Some((a, b)) => Err(duplicated(&self.files, a, b)),
            None => Ok(None),
        }
    }
}

impl Drop for Merge {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn read_at(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, at)
}

#[cfg(not(unix))]
fn read_at(mut f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(buf)
}

fn spill_file(dir: &Path, (period, flow): &Key) -> PathBuf {
    dir.join(format!("{period}-{}.bin", flow.as_str()))
}

/// Removes what an import cut short left in `dir`.
pub(crate) fn clear(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Ownership;

    fn buckets(dir: PathBuf, held: usize) -> Buckets {
        let limits = Limits {
            held,
            part: 1000,
            chunk: 7,
        };
        // The records below come from the second file.
        let files = vec![PathBuf::from("other.csv"), PathBuf::from("a.csv")];
        Buckets::new(dir, limits, Arc::from(files))
    }

    fn held(part: Part) -> Vec<Rec> {
        match part.recs {
            Records::Held(recs) => recs,
            Records::Merged(_) => panic!("a small part is sorted in memory"),
        }
    }

    fn rec(month: u32, flow: Flow, partner: u16, row: u32) -> Rec {
        Rec {
            period: Period { year: 2025, month },
            flow,
            code_len: 8,
            code: *b"8703239000",
            partner,
            mode: 110,
            region: 220104,
            uscc: Some(*b"91220101MA00FAW01E"),
            name: 3,
            ownership: Some(Ownership::Foreign),
            qty1: 2.5,
            unit1: 1,
            qty2: f64::NAN,
            unit2: 0,
            cny: 1234.5,
            usd: 170.25,
            file: 1,
            row,
        }
    }

    #[test]
    fn a_part_comes_sorted_by_its_records_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = buckets(dir.path().join("spill"), 4);
        let mut row = 0;
        for partner in [344u16, 110, 502, 133, 101, 799, 116] {
            for unit1 in [3u32, 1, 2] {
                let mut r = rec(1, Flow::Export, partner, row);
                r.unit1 = unit1;
                r.code[7] = b'0' + (row % 10) as u8;
                b.push(vec![r]).unwrap();
                row += 1;
            }
        }
        let key = (
            Period {
                year: 2025,
                month: 1,
            },
            Flow::Export,
        );
        let recs = held(b.part(&key).unwrap());
        assert_eq!(recs.len(), 21);
        assert!(recs.windows(2).all(|w| w[0].key() < w[1].key()));
    }

    #[test]
    fn a_record_survives_its_spill_file() {
        let r = rec(7, Flow::Import, 344, 99);
        let mut bytes = Vec::new();
        r.encode(&mut bytes);
        assert_eq!(bytes.len(), ENCODED_LEN);
        let back = Rec::decode(bytes.as_slice().try_into().unwrap());
        assert_eq!(back.key(), r.key());
        assert_eq!((back.file, back.row, back.name), (1, 99, 3));
        assert_eq!(back.ownership, Some(Ownership::Foreign));
        assert_eq!((back.cny, back.usd, back.qty1), (1234.5, 170.25, 2.5));
        assert!(back.qty2.is_nan());
    }

    #[test]
    fn past_the_budget_records_go_to_disk_and_come_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join("spill");
        let mut b = buckets(spill.clone(), 10);
        for i in 0..25 {
            let flow = if i % 2 == 0 {
                Flow::Export
            } else {
                Flow::Import
            };
            b.push(vec![rec(1 + i % 3, flow, 100 + i as u16, i)])
                .unwrap();
        }
        assert!(!b.spilled.is_empty());
        assert!(b.held <= 10);
        let counts = b.counts();
        assert_eq!(counts.values().sum::<u64>(), 25);
        let mut seen = 0;
        for k in counts.keys() {
            let recs = held(b.part(k).unwrap());
            assert!(recs.iter().all(|r| (r.period, r.flow) == *k));
            seen += recs.len();
        }
        assert_eq!(seen, 25);
        drop(b);
        assert!(!spill.exists(), "the spill files are removed");
    }

    #[test]
    fn a_row_twice_is_found_across_memory_and_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = buckets(dir.path().join("spill"), 2);
        b.push(vec![
            rec(1, Flow::Export, 344, 2),
            rec(1, Flow::Export, 110, 3),
        ])
        .unwrap();
        b.push(vec![rec(1, Flow::Export, 1, 4), rec(1, Flow::Export, 2, 5)])
            .unwrap();
        b.push(vec![rec(1, Flow::Export, 344, 9)]).unwrap();
        let key = (
            Period {
                year: 2025,
                month: 1,
            },
            Flow::Export,
        );
        let Err(e) = b.part(&key) else {
            panic!("the duplicate is not found")
        };
        assert_eq!(
            e.to_string(),
            "a.csv, row 9: duplicated row: same period, flow and codes as a.csv, row 2"
        );
    }

    /// Records of one month and flow in a scrambled order, some keys repeated when `twice`.
    fn scrambled(n: u32, twice: bool) -> Vec<Rec> {
        (0..n)
            .map(|i| {
                // A permutation of 0..n (n prime to 37): the file's order is not the key's.
                let k = (i * 37 + 11) % n;
                let k = if twice && i % 29 == 28 { k / 2 } else { k };
                let mut r = rec(3, Flow::Import, 100 + (k % 50) as u16, i + 2);
                r.code[5] = b'0' + (k / 50 % 10) as u8;
                r.code[6] = b'0' + (k / 500 % 10) as u8;
                r.cny = k as f64;
                r
            })
            .collect()
    }

    fn merged(b: &mut Buckets, key: &Key) -> Result<Vec<Rec>> {
        let Records::Merged(mut m) = b.part(key)?.recs else {
            panic!("a part over the limit is sorted on disk")
        };
        let mut out = Vec::new();
        while let Some(chunk) = m.next_chunk()? {
            assert!(chunk.len() <= 7, "chunks are bounded");
            out.extend(chunk);
        }
        Ok(out)
    }

    #[test]
    fn a_part_over_the_limit_is_sorted_on_disk_as_it_would_be_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let recs = scrambled(1000, false);
        let key = (recs[0].period, recs[0].flow);
        let limits = Limits {
            held: 40,
            part: 64,
            chunk: 7,
        };
        let files: Arc<[PathBuf]> = Arc::from(vec![PathBuf::from("a.csv")]);
        let mut b = Buckets::new(dir.path().join("spill"), limits, files);
        for c in recs.chunks(9) {
            b.push(c.to_vec()).unwrap();
        }
        let out = merged(&mut b, &key).unwrap();
        let mut expected = recs.clone();
        assert!(record::sort_part(&mut expected).is_none());
        assert_eq!(out.len(), expected.len());
        for (a, e) in out.iter().zip(&expected) {
            assert_eq!((a.key(), a.row, a.cny), (e.key(), e.row, e.cny));
        }
        // The runs file goes with the merge.
        assert_eq!(
            std::fs::read_dir(dir.path().join("spill")).unwrap().count(),
            0
        );
    }

    #[test]
    fn rows_twice_in_a_part_sorted_on_disk_name_the_same_rows_as_in_memory() {
        let recs = scrambled(1000, true);
        let key = (recs[0].period, recs[0].flow);
        let error = |part: usize| {
            let dir = tempfile::tempdir().unwrap();
            let limits = Limits {
                held: 40,
                part,
                chunk: 7,
            };
            let files: Arc<[PathBuf]> = Arc::from(vec![PathBuf::from("a.csv")]);
            let mut b = Buckets::new(dir.path().join("spill"), limits, files);
            for c in recs.chunks(9) {
                b.push(c.to_vec()).unwrap();
            }
            if part < recs.len() {
                merged(&mut b, &key).unwrap_err().to_string()
            } else {
                b.part(&key).err().expect("rows twice").to_string()
            }
        };
        let in_memory = error(100_000);
        assert!(in_memory.contains("duplicated row"), "{in_memory}");
        assert_eq!(error(64), in_memory);
        assert_eq!(error(333), in_memory);
    }
}
