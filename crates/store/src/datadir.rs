//! Paths inside a data directory, and the lock that keeps two processes from changing it.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Held while a process serves or changes a data directory; released on drop (and by the
/// operating system if the process dies).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Bytes free for an unprivileged writer on the disk that holds `path` (which must exist).
pub fn free_space_at(path: &Path) -> Result<u64> {
    let s = rustix::fs::statvfs(path).map_err(|e| StoreError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// Refuses ([`StoreError::DiskFull`]) writing `incoming` bytes on the disk holding `path`
/// when that would leave less than `reserve` bytes free. `what` names the disk in the message.
pub fn check_free_space_at(path: &Path, what: &str, reserve: u64, incoming: u64) -> Result<()> {
    let free = free_space_at(path)?;
    if free < reserve.saturating_add(incoming) {
        const MIB: u64 = 1024 * 1024;
        return Err(StoreError::DiskFull(format!(
            "{what} has {} MiB free and keeps {} MiB in reserve; \
             writing {} MiB more is refused — free some space or ask the administrator",
            free / MIB,
            reserve / MIB,
            incoming.div_ceil(MIB)
        )));
    }
    Ok(())
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// Bytes free for an unprivileged writer on the data directory's disk.
    pub fn free_space(&self) -> Result<u64> {
        free_space_at(&self.root)
    }

    /// Refuses ([`StoreError::DiskFull`]) a write of `incoming` bytes that would leave less
    /// than `reserve` bytes free, so that SQLite and the trade store never meet a full disk.
    pub fn check_free_space(&self, reserve: u64, incoming: u64) -> Result<()> {
        check_free_space_at(&self.root, "the data directory's disk", reserve, incoming)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db_path(&self) -> PathBuf {
        self.root.join("kaifang.db")
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("kaifang.toml")
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.root.join("uploads")
    }

    pub fn backups_dir(&self) -> PathBuf {
        self.root.join("backups")
    }

    fn lock_path(&self) -> PathBuf {
        self.root.join("kaifang.lock")
    }

    /// Whether this is an initialised data directory: its SQLite database exists, or its
    /// configuration puts the database on PostgreSQL (whose schema `Store::open` checks).
    pub fn is_initialised(&self) -> bool {
        self.db_path().is_file()
            || matches!(
                crate::db::Location::of(self),
                Ok(crate::db::Location::Postgres(_))
            )
    }

    /// Creates the directory and its sub-directories if missing.
    pub fn create(&self) -> Result<()> {
        for dir in [self.root.clone(), self.uploads_dir(), self.backups_dir()] {
            std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        }
        Ok(())
    }

    fn lock_file(&self) -> Result<File> {
        // Only the root before the lock: the sub-directories may be mid-restore.
        std::fs::create_dir_all(&self.root).map_err(StoreError::io(&self.root))?;
        let path = self.lock_path();
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(StoreError::io(&path))
    }

    /// The lock of one of several `serve` processes sharing the directory, as they may when
    /// the database is on PostgreSQL: any number hold it together, and a command that
    /// replaces the data (`restore`, `demo --reset`, `init`, `copy-db`) waits for none of them
    /// but is refused while one runs. The first to come undoes a restore a crash cut short.
    pub fn lock_shared(&self) -> Result<DirLock> {
        if let Ok(first) = self.lock() {
            drop(first);
        }
        let file = self.lock_file()?;
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(self.root.clone()));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::io(self.lock_path())(e));
            }
        }
        self.create()?;
        Ok(DirLock { _file: file })
    }

    /// Takes the directory's exclusive lock, or says who holds it.
    pub fn lock(&self) -> Result<DirLock> {
        let path = self.lock_path();
        let file = self.lock_file()?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(self.root.clone()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::io(&path)(e)),
        }
        // Before anyone opens the database: a restore cut short is undone, so nothing sees a
        // database from one time beside uploads or trade data from another.
        crate::backup::undo_interrupted_restore(self)?;
        self.create()?;
        Ok(DirLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("d"));
        let first = dir.lock().unwrap();
        assert!(matches!(dir.lock(), Err(StoreError::Locked(_))));
        drop(first);
        dir.lock().unwrap();
    }
}
