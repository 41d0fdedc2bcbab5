//! An import's records by period and flow, held in memory up to a budget and spilled to files
//! beyond it, so that a file of any size is read with bounded memory: each period and flow is
//! then taken back whole, sorted and written as one part.

use super::write::Part;
use crate::codes::{Flow, Period};
use crate::error::{Result, io};
use crate::record::{self, ENCODED_LEN, Rec};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

type Key = (Period, Flow);

pub(crate) struct Buckets {
    /// Where the spill files go; made on the first spill, removed when the buckets are dropped.
    dir: PathBuf,
    /// Records held in memory before they are spilled.
    budget: usize,
    held: usize,
    mem: BTreeMap<Key, Vec<Rec>>,
    /// Records of each key in its spill file.
    spilled: BTreeMap<Key, u64>,
}

impl Buckets {
    /// Buckets spilling to `dir` (which must not exist or be disposable) past `budget` records.
    pub(crate) fn new(dir: PathBuf, budget: usize) -> Buckets {
        Buckets {
            dir,
            budget: budget.max(1),
            held: 0,
            mem: BTreeMap::new(),
            spilled: BTreeMap::new(),
        }
    }

    pub(crate) fn push(&mut self, recs: Vec<Rec>) -> Result<()> {
        self.held += recs.len();
        for r in recs {
            self.mem.entry((r.period, r.flow)).or_default().push(r);
        }
        if self.held > self.budget {
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
        let mut bytes = Vec::new();
        // What each key may keep of its memory: together no more than the budget, whatever
        // order the file's periods come in.
        let keep = self.budget / self.mem.len().max(1);
        for (k, recs) in &mut self.mem {
            if recs.is_empty() {
                continue;
            }
            let path = spill_file(&self.dir, k);
            bytes.clear();
            bytes.reserve(recs.len() * ENCODED_LEN);
            for r in recs.iter() {
                r.encode(&mut bytes);
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io(&path))?;
            f.write_all(&bytes).map_err(io(&path))?;
            *self.spilled.entry(*k).or_default() += recs.len() as u64;
            // Emptied, and only partly freed: the next records of the key fill that memory
            // instead of growing a new vector from nothing.
            recs.clear();
            recs.shrink_to(keep);
        }
        self.held = 0;
        Ok(())
    }

    /// All records of `key`, in the order they came (spilled first, then those held), taken
    /// out of the buckets.
    pub(crate) fn take(&mut self, key: &Key) -> Result<Vec<Rec>> {
        let held = self.mem.remove(key).unwrap_or_default();
        self.held -= held.len();
        let Some(n) = self.spilled.remove(key) else {
            return Ok(held);
        };
        let path = spill_file(&self.dir, key);
        let mut recs = Vec::with_capacity(n as usize + held.len());
        let mut f = std::io::BufReader::new(std::fs::File::open(&path).map_err(io(&path))?);
        let mut buf = [0u8; ENCODED_LEN];
        for _ in 0..n {
            f.read_exact(&mut buf).map_err(io(&path))?;
            recs.push(Rec::decode(&buf));
        }
        drop(f);
        let _ = std::fs::remove_file(&path);
        recs.extend(held);
        Ok(recs)
    }

    /// One key's records as a part: sorted, checked for rows twice (the pair, first in file
    /// order first, when there are).
    pub(crate) fn part(&mut self, key: &Key) -> Result<std::result::Result<Part, (Rec, Rec)>> {
        let mut recs = self.take(key)?;
        let dup = record::sort_part(&mut recs);
        Ok(match dup {
            Some(d) => Err(d),
            None => Ok(Part {
                period: key.0,
                flow: key.1,
                recs,
            }),
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
        let mut b = Buckets::new(dir.path().join("spill"), 4);
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
        let Ok(part) = b.part(&key).unwrap() else {
            panic!("no duplicates here")
        };
        assert_eq!(part.recs.len(), 21);
        assert!(part.recs.windows(2).all(|w| w[0].key() < w[1].key()));
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
        let mut b = Buckets::new(spill.clone(), 10);
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
            let Ok(part) = b.part(k).unwrap() else {
                panic!("no duplicates here")
            };
            assert!(part.recs.iter().all(|r| (r.period, r.flow) == *k));
            seen += part.recs.len();
        }
        assert_eq!(seen, 25);
        drop(b);
        assert!(!spill.exists(), "the spill files are removed");
    }

    #[test]
    fn a_row_twice_is_found_across_memory_and_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Buckets::new(dir.path().join("spill"), 2);
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
        let Err((first, second)) = b.part(&key).unwrap() else {
            panic!("the duplicate is not found")
        };
        assert_eq!((first.row, second.row), (2, 9));
    }
}
