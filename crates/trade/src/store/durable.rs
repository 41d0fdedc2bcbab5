//! What makes a generation durable and lets a backup copy one whole: syncing directories
//! after renames, the write lock shared with backups, and the copy of the files a manifest
//! lists.

use super::manifest::{self, Manifest};
use crate::error::{Result, io};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Syncs `dir`, so that names created or renamed in it survive a crash of the machine: an
/// `fsync` of the file alone does not make its name durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(unix) {
        let synced = std::fs::File::open(dir).and_then(|d| d.sync_all());
        match synced {
            // Some file systems cannot sync a directory; their renames are then as durable
            // as they get.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {}
            other => other.map_err(io(dir))?,
        }
    }
    step();
    Ok(())
}

/// A point between two durable steps of a write. Testing aid: in a debug build,
/// `KAIFANG_TEST_ABORT_AT=trade:N` aborts the process at the N-th such point (no clean-up runs,
/// as under `kill -9`). Release builds ignore the variable.
pub(crate) fn step() {
    static TARGET: OnceLock<Option<usize>> = OnceLock::new();
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    if !cfg!(debug_assertions) {
        return;
    }
    let target = TARGET.get_or_init(|| {
        let v = std::env::var("KAIFANG_TEST_ABORT_AT").ok()?;
        let (scope, n) = v.split_once(':')?;
        (scope == "trade").then(|| n.trim().parse().ok()).flatten()
    });
    if let Some(n) = *target
        && COUNT.fetch_add(1, Ordering::SeqCst) + 1 == n
    {
        std::process::abort();
    }
}

/// The trade store's write lock (`trade/write.lock`), held until dropped and released by the
/// operating system if the process dies. A writer holds it exclusively from the audit entry
/// that announces a write to the one that concludes it; a backup holds it shared while it
/// copies the database and a generation, so that the copy never holds a generation without
/// its audit entries, nor audit entries of a generation it lacks. It works across processes
/// (`kaifang backup` beside `kaifang serve`).
#[derive(Debug)]
pub struct WriteLock {
    _file: std::fs::File,
}

/// Waits for the trade store's write lock of `data_dir`: `exclusive` for a write, shared for
/// a backup.
pub fn lock(data_dir: &Path, exclusive: bool) -> Result<WriteLock> {
    let dir = data_dir.join("trade");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let path = dir.join("write.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    if exclusive {
        file.lock().map_err(io(&path))?;
    } else {
        file.lock_shared().map_err(io(&path))?;
    }
    Ok(WriteLock { _file: file })
}

/// The manifest of `data_dir`'s trade store, read without opening the store: what a
/// reconciliation compares the audit log with. An empty manifest when there is none.
pub fn read_manifest(data_dir: &Path) -> Result<Manifest> {
    manifest::read_manifest(&data_dir.join("trade"))
}

/// Bytes of the files the current generation of `data_dir`'s trade store lists: what
/// [`copy_generation`] would write, so that a backup can check the disk before it starts.
pub fn generation_bytes(data_dir: &Path) -> Result<u64> {
    let src = data_dir.join("trade");
    let manifest = manifest::read_manifest(&src)?;
    Ok(manifest::listed(&manifest)
        .filter_map(|rel| std::fs::metadata(src.join(rel)).ok())
        .map(|m| m.len())
        .sum())
}

/// Copies the generation the manifest of `data_dir`'s trade store names into `dest` (a new
/// directory laid out as `trade/`): the files it lists, then the manifest itself, each synced.
/// Returns the manifest copied, or `None` when the store holds nothing (then nothing is
/// written). Hold [`lock`] (shared) meanwhile, so that no write replaces the generation.
pub fn copy_generation(data_dir: &Path, dest: &Path) -> Result<Option<Manifest>> {
    let src = data_dir.join("trade");
    let manifest = manifest::read_manifest(&src)?;
    if manifest.generation == 0 {
        return Ok(None);
    }
    let mut dirs: Vec<PathBuf> = vec![dest.to_path_buf()];
    for rel in manifest::listed(&manifest) {
        let to = dest.join(rel);
        if let Some(parent) = to.parent()
            && !dirs.iter().any(|d| d == parent)
        {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
            dirs.push(parent.to_path_buf());
        }
        copy_synced(&src.join(rel), &to)?;
    }
    std::fs::create_dir_all(dest).map_err(io(dest))?;
    // The manifest as read, not the file again: a write between the two reads would pair
    // another generation's manifest with these files.
    let path = dest.join(manifest::MANIFEST);
    let bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| crate::error::TradeError::Corrupt(e.to_string()))?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&path).map_err(io(&path))?;
        f.write_all(&bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
    }
    for d in dirs.iter().rev() {
        sync_dir(d)?;
    }
    Ok(Some(manifest))
}

fn copy_synced(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to).map_err(io(from))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io(to))
}
