//! `manifest.json`: what the store holds, and the commit point. Writing it (the listed files'
//! directories synced, then a temporary file, sync, rename, sync of the directory) is what
//! makes a generation visible, and durable.

use super::TradeStore;
use super::durable::{step, sync_dir};
use crate::codes::{Flow, Period};
use crate::error::{Result, TradeError, io};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

pub(super) const MANIFEST: &str = "manifest.json";
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
    /// `table/year` → that year's file of an aggregate table (a dimension or a pair of
    /// them), so that an import rewrites only the years it touches. Stores written before
    /// files were per year have one file per table, under the table's name.
    pub aggregates: BTreeMap<String, String>,
    /// National reference table for RCA (CSV copy), if one was imported.
    pub reference: Option<String>,
    /// The write that made this generation, as announced in the audit log: how a restart
    /// tells whether an interrupted write committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

/// The manifest key of a table's file of one year.
pub(super) fn table_key(table: &str, year: i32) -> String {
    format!("{table}/{year}")
}

/// The files of an aggregate table, oldest year first (years are four digits, so the keys'
/// order is theirs).
pub(super) fn table_files<'m>(m: &'m Manifest, table: &str) -> Vec<&'m str> {
    let prefix = format!("{table}/");
    m.aggregates
        .iter()
        .filter(|(k, _)| *k == table || k.starts_with(&prefix))
        .map(|(_, f)| f.as_str())
        .collect()
}

/// The files a manifest lists, relative to the store's directory.
pub(super) fn listed(m: &Manifest) -> impl Iterator<Item = &str> {
    m.partitions
        .iter()
        .map(|p| p.file.as_str())
        .chain(
            m.partitions
                .iter()
                .filter_map(|p| p.enterprise_slices.as_deref()),
        )
        .chain(m.aggregates.values().map(String::as_str))
        .chain(m.reference.as_deref())
}

/// The sub-directories that hold a generation's files.
pub(super) const SUBDIRS: [&str; 4] = ["records", "aggregates", "reference", "slices"];

/// The manifest of a store directory; an empty one when there is none yet.
pub(super) fn read_manifest(dir: &Path) -> Result<Manifest> {
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
    Ok(manifest)
}

impl TradeStore {
    pub(super) fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join("manifest.json.tmp");
        let bytes =
            serde_json::to_vec_pretty(manifest).map_err(|e| TradeError::Corrupt(e.to_string()))?;
        // The files the manifest lists were renamed into place; their names must be durable
        // before the manifest that points at them is.
        for sub in SUBDIRS {
            let d = self.dir.join(sub);
            if d.is_dir() {
                sync_dir(&d)?;
            }
        }
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(&bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        step();
        sync_dir(&self.dir)?;
        if let Some(parent) = self.dir.parent() {
            // A new store's directory itself must outlast a crash.
            sync_dir(parent)?;
        }
        Ok(())
    }

    pub(super) fn listed_files(&self) -> impl Iterator<Item = &str> {
        listed(&self.manifest)
    }

    /// Removes what an interrupted write left behind: files the manifest does not list.
    pub(super) fn remove_unlisted(&self) {
        let keep: HashSet<String> = self.listed_files().map(str::to_string).collect();
        for sub in SUBDIRS {
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
}
