//! Making a rename survive a power cut, and the test aid that stops the process between two
//! steps of a write.
//!
//! `fsync` of a file makes its bytes durable but not its name: a rename, or a file created in
//! a directory, is only durable once the directory itself is synced. Every write that commits
//! by renaming calls [`sync_dir`] on the directory the name lives in.

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Result, StoreError};

/// Syncs `dir`, so that the names created or renamed in it survive a crash of the machine.
pub fn sync_dir(dir: &Path) -> Result<()> {
    sync_dir_io(dir).map_err(StoreError::io(dir))?;
    step();
    Ok(())
}

fn sync_dir_io(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        match std::fs::File::open(dir)?.sync_all() {
            // Some file systems cannot sync a directory; their renames are then as durable
            // as they get.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
            other => other,
        }
    } else {
        Ok(())
    }
}

/// A point between two durable steps of a write. Testing aid: in a debug build,
/// `KAIFANG_TEST_ABORT_AT=store:N` aborts the process at the N-th such point (no clean-up runs,
/// as under `kill -9`), so that a test can stop a write at every step in turn. Release builds
/// ignore the variable.
pub fn step() {
    static TARGET: OnceLock<Option<usize>> = OnceLock::new();
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    if !cfg!(debug_assertions) {
        return;
    }
    let target = TARGET.get_or_init(|| abort_target("store"));
    if let Some(n) = *target
        && COUNT.fetch_add(1, Ordering::SeqCst) + 1 == n
    {
        std::process::abort();
    }
}

/// N of `KAIFANG_TEST_ABORT_AT=<scope>:N`, when the variable names this scope.
fn abort_target(scope: &str) -> Option<usize> {
    let v = std::env::var("KAIFANG_TEST_ABORT_AT").ok()?;
    let (s, n) = v.split_once(':')?;
    (s == scope).then(|| n.trim().parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_syncs() {
        let tmp = tempfile::tempdir().unwrap();
        sync_dir(tmp.path()).unwrap();
        assert!(sync_dir(&tmp.path().join("missing")).is_err());
    }
}
