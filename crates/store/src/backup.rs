//! Backups and restores through SQLite's online backup API: a consistent copy page by page,
//! safe while the server keeps writing, with progress and cancellation between steps.

use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::audit::Who;
use crate::{DataDir, Result, Store, StoreError};

/// Pages copied per step; between steps the source is unlocked and progress is reported.
const PAGES_PER_STEP: i32 = 256;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub pages: i64,
}

/// A raw connection closed on drop.
struct Conn(*mut ffi::sqlite3);

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sqlite3_open_v2 and is closed exactly once.
        unsafe {
            ffi::sqlite3_close(self.0);
        }
    }
}

impl Conn {
    fn open(path: &Path, flags: i32) -> Result<Conn> {
        let c = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| StoreError::invalid("path", "contains a NUL byte"))?;
        let mut db = std::ptr::null_mut();
        // SAFETY: valid C string and out-pointer; on failure SQLite may still return a handle,
        // which Conn closes.
        let rc = unsafe { ffi::sqlite3_open_v2(c.as_ptr(), &mut db, flags, std::ptr::null()) };
        let conn = Conn(db);
        if rc != ffi::SQLITE_OK {
            return Err(StoreError::Sqlite(format!(
                "{}: {}",
                path.display(),
                conn.errmsg()
            )));
        }
        // SAFETY: open handle.
        unsafe { ffi::sqlite3_busy_timeout(db, 5000) };
        Ok(conn)
    }

    fn errmsg(&self) -> String {
        if self.0.is_null() {
            return "out of memory".into();
        }
        // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the connection.
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }
}

/// Copies database `src` into `dest` (replacing its content in one transaction). `progress`
/// receives the fraction done and returns `false` to cancel, which leaves `dest` unchanged.
pub fn copy_database(
    src: &Path,
    dest: &Path,
    mut progress: impl FnMut(f64) -> bool,
) -> Result<i64> {
    let source = Conn::open(src, ffi::SQLITE_OPEN_READONLY)?;
    let target = Conn::open(dest, ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE)?;
    // SAFETY: both handles are open; the names are static C strings.
    let backup =
        unsafe { ffi::sqlite3_backup_init(target.0, c"main".as_ptr(), source.0, c"main".as_ptr()) };
    if backup.is_null() {
        return Err(StoreError::Sqlite(format!(
            "{}: {}",
            dest.display(),
            target.errmsg()
        )));
    }
    let mut pages: i64;
    let outcome = loop {
        // SAFETY: backup is live until sqlite3_backup_finish below.
        let rc = unsafe { ffi::sqlite3_backup_step(backup, PAGES_PER_STEP) };
        let (remaining, total) = unsafe {
            (
                ffi::sqlite3_backup_remaining(backup),
                ffi::sqlite3_backup_pagecount(backup),
            )
        };
        pages = i64::from(total);
        match rc {
            ffi::SQLITE_DONE => {
                progress(1.0);
                break Ok(());
            }
            ffi::SQLITE_OK | ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => {
                let done = if total > 0 {
                    1.0 - f64::from(remaining) / f64::from(total)
                } else {
                    0.0
                };
                if !progress(done) {
                    break Err(StoreError::Cancelled);
                }
                if rc != ffi::SQLITE_OK {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
            _ => {
                break Err(StoreError::Sqlite(format!(
                    "backup step failed: {}",
                    target.errmsg()
                )));
            }
        }
    };
    // SAFETY: finishing releases the backup object; an unfinished copy is rolled back.
    let rc = unsafe { ffi::sqlite3_backup_finish(backup) };
    outcome?;
    if rc != ffi::SQLITE_OK {
        return Err(StoreError::Sqlite(format!(
            "{}: {}",
            dest.display(),
            target.errmsg()
        )));
    }
    Ok(pages)
}

impl Store {
    /// Writes a consistent copy of the database to `dest` (a new file). Nothing is left at
    /// `dest` if the backup fails or is cancelled.
    pub async fn backup_to(
        &self,
        who: &Who,
        dest: &Path,
        progress: impl FnMut(f64) -> bool + Send + 'static,
    ) -> Result<BackupInfo> {
        if dest.exists() {
            return Err(StoreError::Conflict(format!(
                "{} exists already; choose a new file name",
                dest.display()
            )));
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
        }
        let src = self.dir.db_path();
        let partial = dest.with_extension("partial");
        let (d, p) = (dest.to_path_buf(), partial.clone());
        let pages = tokio::task::spawn_blocking(move || {
            let r = copy_database(&src, &p, progress).and_then(|pages| {
                std::fs::rename(&p, &d).map_err(StoreError::io(&d))?;
                Ok(pages)
            });
            if r.is_err() {
                let _ = std::fs::remove_file(&p);
            }
            r
        })
        .await
        .map_err(|e| StoreError::Sqlite(e.to_string()))??;
        let bytes = std::fs::metadata(dest).map_err(StoreError::io(dest))?.len();
        let info = BackupInfo {
            path: dest.to_path_buf(),
            bytes,
            pages,
        };
        self.record(
            who,
            "backup.create",
            None,
            serde_json::json!({ "path": dest.display().to_string(), "bytes": bytes }),
        )
        .await?;
        Ok(info)
    }
}

/// Replaces the database of `dir` with the backup `src`. The caller holds the directory's
/// lock (no server running). The backup is checked first (a Kaifang database this binary can
/// read); the current database is first copied to `backups/pre-restore-<time>.db`. Returns
/// the path of that copy, if there was a database to keep.
pub async fn restore(
    dir: &DataDir,
    src: &Path,
    progress: impl FnMut(f64) -> bool + Send + 'static,
) -> Result<Option<PathBuf>> {
    if !src.is_file() {
        return Err(StoreError::NotFound(format!(
            "backup file {}",
            src.display()
        )));
    }
    {
        // Refuse anything that is not a Kaifang database this binary understands.
        let pool = crate::db::connect(src, false, true).await?;
        let checked = crate::db::inspect(&pool, src).await;
        pool.close().await;
        checked?;
    }
    dir.create()?;
    let current = dir.db_path();
    let kept = if current.is_file() {
        let stamp = crate::now().replace([':', '.'], "-");
        let keep = dir.backups_dir().join(format!("pre-restore-{stamp}.db"));
        let (c, k) = (current.clone(), keep.clone());
        tokio::task::spawn_blocking(move || copy_database(&c, &k, |_| true))
            .await
            .map_err(|e| StoreError::Sqlite(e.to_string()))??;
        Some(keep)
    } else {
        None
    };
    let (s, c) = (src.to_path_buf(), current.clone());
    tokio::task::spawn_blocking(move || copy_database(&s, &c, progress))
        .await
        .map_err(|e| StoreError::Sqlite(e.to_string()))??;
    let store = Store::open(dir, false).await?;
    store
        .record(&Who::cli("restore"), "backup.restore", None, serde_json::json!({ "from": src.display().to_string(), "kept": kept.as_ref().map(|k| k.display().to_string()) }))
        .await?;
    store.close().await;
    Ok(kept)
}
