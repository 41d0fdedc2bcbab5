//! Backups and restores.
//!
//! A backup is a directory, `backups/kaifang-<time>/` unless named otherwise:
//!
//! ```text
//! kaifang.db     the database, copied through SQLite's online backup API (consistent while
//!                the server writes; page by page, with progress and cancellation)
//! uploads/       the uploaded files the copied database lists, named by SHA-256 as in the
//!                data directory
//! trade/         the trade store's generation current at the copy: its manifest and the
//!                files it lists
//! backup.json    what the backup holds: every file with its size and SHA-256
//! ```
//!
//! Why a directory and not an archive: every part is a file the data directory already holds
//! in the same layout, so a restore is a copy and a rename per part, `backup.json` can be
//! checked file by file with the naming of the one that is damaged, and no archive format
//! (and its dependency) is needed. It is written as `<name>.partial` and renamed into place
//! once everything in it is synced, so a directory under the final name is complete; a
//! `.partial` one is what an interrupted backup left and is removed when found.
//!
//! A restore checks the backup, copies it beside the data (`restore-staging/`), then swaps
//! each part in by rename, moving what it replaces to `backups/pre-restore-<time>/`. A journal
//! (`restore-journal.json`) written before the first rename lets the next process that locks
//! the directory undo a swap a crash cut short ([`undo_interrupted_restore`]), so the data
//! directory is never left half restored. A single-file `.db` backup of earlier versions is
//! still restored: it replaces the database only.

use libsqlite3_sys as ffi;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::audit::Who;
use crate::durable::{step, sync_dir};
use crate::{DataDir, Result, Store, StoreError};

/// The file in a backup directory that lists its content.
pub const MANIFEST: &str = "backup.json";
const FORMAT: u32 = 1;
const JOURNAL: &str = "restore-journal.json";
const STAGING: &str = "restore-staging";

/// Pages copied per step; between steps the source is unlocked and progress is reported.
const PAGES_PER_STEP: i32 = 256;

/// What a backup directory holds (`backup.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: u32,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Version of the Kaifang that wrote it.
    pub kaifang_version: String,
    /// Database schema version of that Kaifang.
    pub schema_version: i64,
    /// Generation of the trade store copied; `None` when it held no data.
    pub trade_generation: Option<u64>,
    pub files: Vec<BackupFile>,
}

/// One file of a backup, relative to its directory with `/` between names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl BackupManifest {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
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
                // SAFETY: sqlite3_errstr returns a static NUL-terminated string.
                let why = unsafe { CStr::from_ptr(ffi::sqlite3_errstr(rc)) }.to_string_lossy();
                break Err(StoreError::Sqlite(format!(
                    "copying {} to {}: {why}",
                    src.display(),
                    dest.display()
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

/// Turns the copy `db` into one self-contained file (rollback journal instead of WAL), so
/// that opening it, even read-only, creates no `-wal` or `-shm` beside it: a backup's files
/// must stay exactly as `backup.json` lists them. A restore puts it back in WAL mode.
pub fn self_contained(db: &Path) -> Result<()> {
    let conn = Conn::open(db, ffi::SQLITE_OPEN_READWRITE)?;
    let mut err = std::ptr::null_mut();
    // SAFETY: open handle, static NUL-terminated SQL, no callback; SQLite allocates `err`,
    // freed below.
    let rc = unsafe {
        ffi::sqlite3_exec(
            conn.0,
            c"PRAGMA journal_mode = DELETE".as_ptr(),
            None,
            std::ptr::null_mut(),
            &mut err,
        )
    };
    if !err.is_null() {
        // SAFETY: allocated by sqlite3_exec.
        unsafe { ffi::sqlite3_free(err.cast()) };
    }
    if rc != ffi::SQLITE_OK {
        return Err(StoreError::Sqlite(format!(
            "{}: {}",
            db.display(),
            conn.errmsg()
        )));
    }
    drop(conn);
    sync_file(db)
}

/// `<dest>.partial`: where the backup to `dest` is written until it is complete.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

/// Bytes a backup of `dir`'s database and uploads will take at most: the database with its
/// write-ahead log, and every file under `uploads/` (a backup copies only those the database
/// lists, so this errs on the safe side).
pub fn estimate(dir: &DataDir) -> u64 {
    fn tree(path: &Path) -> u64 {
        let Ok(entries) = std::fs::read_dir(path) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => tree(&e.path()),
                Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
                Err(_) => 0,
            })
            .sum()
    }
    let db = dir.db_path();
    let wal = db.with_extension("db-wal");
    [db, wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum::<u64>()
        + tree(&dir.uploads_dir())
}

/// The name of a PostgreSQL database's dump in a backup (`pg_dump`'s custom format).
pub const PG_DUMP: &str = "kaifang.pgdump";

/// The SHA-256 of every upload the database `db` lists (a backup's copy): the files a
/// backup must hold with it.
pub fn upload_hashes(db: &Path) -> Result<Vec<String>> {
    let conn = Conn::open(db, ffi::SQLITE_OPEN_READONLY)?;
    let mut stmt = std::ptr::null_mut();
    let sql = c"SELECT DISTINCT sha256 FROM uploads ORDER BY sha256";
    // SAFETY: open handle, static NUL-terminated SQL, out-pointer for the statement.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(conn.0, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
    };
    if rc != ffi::SQLITE_OK {
        return Err(StoreError::Sqlite(format!(
            "{}: {}",
            db.display(),
            conn.errmsg()
        )));
    }
    let mut hashes = Vec::new();
    let outcome = loop {
        // SAFETY: the statement is live until sqlite3_finalize below.
        match unsafe { ffi::sqlite3_step(stmt) } {
            ffi::SQLITE_ROW => {
                // SAFETY: column 0 of the current row; SQLite owns the text until the next step.
                let text = unsafe { ffi::sqlite3_column_text(stmt, 0) };
                if !text.is_null() {
                    let s = unsafe { CStr::from_ptr(text.cast()) };
                    hashes.push(s.to_string_lossy().into_owned());
                }
            }
            ffi::SQLITE_DONE => break Ok(()),
            _ => {
                break Err(StoreError::Sqlite(format!(
                    "{}: {}",
                    db.display(),
                    conn.errmsg()
                )));
            }
        }
    };
    // SAFETY: finalised exactly once.
    unsafe { ffi::sqlite3_finalize(stmt) };
    outcome?;
    // Names come from the database; only hex names are file names in uploads/.
    if let Some(bad) = hashes
        .iter()
        .find(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(StoreError::Corrupt {
            path: db.to_path_buf(),
            detail: format!("upload hash {bad:?} is not a SHA-256"),
        });
    }
    Ok(hashes)
}

/// Copies the uploads named by `hashes` from `dir` into `dest` (an `uploads/` folder of a
/// backup), each synced. `keep_going` is asked between files and may cancel.
pub fn copy_uploads(
    dir: &DataDir,
    hashes: &[String],
    dest: &Path,
    mut keep_going: impl FnMut(f64) -> bool,
) -> Result<()> {
    let mut made: Vec<PathBuf> = Vec::new();
    std::fs::create_dir_all(dest).map_err(StoreError::io(dest))?;
    for (i, h) in hashes.iter().enumerate() {
        if !keep_going(i as f64 / hashes.len().max(1) as f64) {
            return Err(StoreError::Cancelled);
        }
        let from = dir.uploads_dir().join(&h[..2]).join(h);
        let sub = dest.join(&h[..2]);
        if !made.contains(&sub) {
            std::fs::create_dir_all(&sub).map_err(StoreError::io(&sub))?;
            made.push(sub.clone());
        }
        copy_synced(&from, &sub.join(h))?;
    }
    for d in &made {
        sync_dir(d)?;
    }
    sync_dir(dest)
}

/// Copies one file and syncs the copy; errors name the file that failed.
fn copy_synced(from: &Path, to: &Path) -> Result<u64> {
    let n = std::fs::copy(from, to).map_err(StoreError::io(from))?;
    sync_file(to)?;
    Ok(n)
}

/// Every file under `root` (not following links), as paths relative to it, sorted.
fn files_under(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let here = root.join(&rel);
        for e in std::fs::read_dir(&here).map_err(StoreError::io(&here))? {
            let e = e.map_err(StoreError::io(&here))?;
            let kind = e.file_type().map_err(StoreError::io(e.path()))?;
            let r = rel.join(e.file_name());
            if kind.is_dir() {
                pending.push(r);
            } else if kind.is_file() {
                out.push(r);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn sha256_of(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).map_err(StoreError::io(path))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(StoreError::io(path))?;
    Ok((n, hex::encode(h.finalize())))
}

fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Lists every file of the backup directory `dir` with its size and checksum in
/// `backup.json` (written to a temporary name, synced, renamed, the directory synced).
pub fn seal(dir: &Path, trade_generation: Option<u64>) -> Result<BackupManifest> {
    let mut files = Vec::new();
    for rel in files_under(dir)? {
        let (bytes, sha256) = sha256_of(&dir.join(&rel))?;
        files.push(BackupFile {
            path: slash_path(&rel),
            bytes,
            sha256,
        });
    }
    let manifest = BackupManifest {
        format: FORMAT,
        created_at: crate::now(),
        kaifang_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: crate::db::known_schema_version(),
        trade_generation,
        files,
    };
    let bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| StoreError::invalid("backup.json", e.to_string()))?;
    write_synced(&dir.join(MANIFEST), &bytes)?;
    sync_dir(dir)?;
    Ok(manifest)
}

/// Writes `bytes` to `path` through a temporary name, synced before the rename (the caller
/// syncs the directory).
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(StoreError::io(path))
}

/// Checks a backup directory against its `backup.json`: every listed file present with its
/// size and checksum, and a database among them. Errors name the file at fault.
pub fn verify(dir: &Path) -> Result<BackupManifest> {
    let mpath = dir.join(MANIFEST);
    let bytes = std::fs::read(&mpath).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StoreError::NotFound(format!(
            "{} (not a complete backup: a backup directory lists its files there)",
            mpath.display()
        )),
        _ => StoreError::io(&mpath)(e),
    })?;
    let manifest: BackupManifest =
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: mpath.clone(),
            detail: e.to_string(),
        })?;
    if manifest.format > FORMAT {
        return Err(StoreError::Corrupt {
            path: mpath,
            detail: format!(
                "written by a newer Kaifang (backup format {})",
                manifest.format
            ),
        });
    }
    if !manifest
        .files
        .iter()
        .any(|f| f.path == "kaifang.db" || f.path == PG_DUMP)
    {
        return Err(StoreError::Corrupt {
            path: mpath,
            detail: format!("the backup lists no kaifang.db (nor a {PG_DUMP})"),
        });
    }
    for f in &manifest.files {
        if f.path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(StoreError::Corrupt {
                path: mpath.clone(),
                detail: format!("file name {:?} leaves the backup", f.path),
            });
        }
        let path = dir.join(&f.path);
        let (bytes, sha256) = sha256_of(&path)?;
        if bytes != f.bytes || sha256 != f.sha256 {
            return Err(StoreError::Corrupt {
                path,
                detail: "the file differs from what backup.json lists (size or SHA-256)".into(),
            });
        }
    }
    Ok(manifest)
}

/// One part of the data directory a restore replaces, named relative to its root.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Part {
    name: String,
    /// Whether the backup supplies it (staged); otherwise the restore only moves the
    /// current one away (the database's `-wal` and `-shm`, or trade data the backup lacks).
    staged: bool,
}

/// What the next process undoes if a restore is cut short during its swap.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    previous: PathBuf,
    parts: Vec<Part>,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Where what was replaced was kept (`backups/pre-restore-<time>/`), if there was any.
    pub kept: Option<PathBuf>,
    /// The backup was a single database file of an earlier version: uploads and trade data
    /// were left as they were.
    pub database_only: bool,
}

/// Replaces the data of `dir` with the backup `src`: a backup directory (or its
/// `backup.json`), or a single `.db` file of an earlier version (the database only). The
/// caller holds the directory's lock (no server running). The backup is checked first;
/// what it replaces is kept in `backups/pre-restore-<time>/`. Writes the audit entry
/// `backup.restore` into the restored database.
pub async fn restore(
    dir: &DataDir,
    src: &Path,
    mut progress: impl FnMut(f64) -> bool + Send + 'static,
) -> Result<Restored> {
    let src = if src.file_name().is_some_and(|n| n == MANIFEST) {
        src.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        src.to_path_buf()
    };
    let database_only = src.is_file();
    if !database_only && !src.is_dir() {
        return Err(StoreError::NotFound(format!("backup {}", src.display())));
    }
    // Restoring into PostgreSQL is the database server's own tool's work; the swap below
    // knows SQLite files only. Refused before anything is touched, saying what to run.
    let postgres = matches!(
        crate::db::Location::of(dir)?,
        crate::db::Location::Postgres(_)
    );
    let dump = src.join(PG_DUMP);
    if postgres || dump.is_file() {
        return Err(StoreError::Conflict(format!(
            "{} a PostgreSQL database: restore its database with \
             `pg_restore --clean --if-exists --no-owner --dbname=URL {}`, \
             then copy its uploads/ and trade/ folders into the data directory",
            if postgres {
                "this data directory keeps its database on PostgreSQL, not in"
            } else {
                "this backup holds the dump of"
            },
            dump.display()
        )));
    }
    if !database_only {
        let s = src.clone();
        tokio::task::spawn_blocking(move || verify(&s))
            .await
            .map_err(|e| StoreError::Sqlite(e.to_string()))??;
    }
    if !progress(0.1) {
        return Err(StoreError::Cancelled);
    }
    dir.create()?;
    let staging = dir.root().join(STAGING);
    remove_dir_if_any(&staging)?;
    std::fs::create_dir(&staging).map_err(StoreError::io(&staging))?;
    let (s, st) = (src.clone(), staging.clone());
    let staged = tokio::task::spawn_blocking(move || stage(&s, &st, database_only, progress))
        .await
        .map_err(|e| StoreError::Sqlite(e.to_string()));
    let staged = match staged {
        Ok(Ok(parts)) => inspect_staged(&staging, &src).await.map(|()| parts),
        Ok(Err(e)) | Err(e) => Err(e),
    };
    let parts = match staged {
        Ok(parts) => parts,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let stamp = crate::now().replace([':', '.'], "-");
    let previous = dir.backups_dir().join(format!("pre-restore-{stamp}"));
    let (d, p) = (dir.clone(), previous.clone());
    let kept = tokio::task::spawn_blocking(move || swap(&d, &p, parts))
        .await
        .map_err(|e| StoreError::Sqlite(e.to_string()))??;
    if kept {
        let p = previous.clone();
        let sealed = tokio::task::spawn_blocking(move || seal_kept(&p))
            .await
            .map_err(|e| StoreError::Sqlite(e.to_string()))
            .and_then(|r| r);
        // The restore itself is complete; what it replaced is still all there, only not
        // restorable by `restore` without its list.
        if let Err(e) = sealed {
            tracing::warn!(kept = %previous.display(), error = %e,
                "what the restore replaced was kept but could not be listed as a backup");
        }
    }
    let store = Store::open(dir, false).await?;
    store
        .record(
            &Who::cli("restore"),
            "backup.restore",
            None,
            serde_json::json!({
                "from": src.display().to_string(),
                "kept": kept.then(|| previous.display().to_string()),
                "database_only": database_only,
            }),
        )
        .await?;
    store.close().await;
    Ok(Restored {
        kept: kept.then_some(previous),
        database_only,
    })
}

/// Refuses a staged database that is not a Kaifang database this binary understands. The
/// staged copy, not the backup, is opened: opening may write (the journal mode), and the
/// backup's files must stay as `backup.json` lists them.
async fn inspect_staged(staging: &Path, src: &Path) -> Result<()> {
    let db = staging.join("kaifang.db");
    let pool = crate::db::connect(&db, false, false).await;
    let checked = match pool {
        Ok(pool) => {
            let checked = crate::db::inspect(&pool, &db).await;
            pool.close().await;
            checked
        }
        Err(e) => Err(e),
    };
    checked.map_err(|e| StoreError::Corrupt {
        path: src.to_path_buf(),
        detail: format!("its database cannot be restored: {e}"),
    })
}

/// Makes what a restore replaced (`previous`) a backup in its own right, so that a restore
/// of it puts the directory back as it was: the database folded into one file (its write-ahead
/// log applied) and every file listed in `backup.json`.
fn seal_kept(previous: &Path) -> Result<BackupManifest> {
    let db = previous.join("kaifang.db");
    if db.is_file() {
        self_contained(&db)?;
    }
    for leftover in ["kaifang.db-wal", "kaifang.db-shm"] {
        match std::fs::remove_file(previous.join(leftover)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(StoreError::io(previous.join(leftover))(e));
            }
            _ => {}
        }
    }
    let generation = std::fs::read(previous.join("trade").join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| m.get("generation").and_then(serde_json::Value::as_u64))
        .filter(|g| *g > 0);
    seal(previous, generation)
}

/// Copies the backup into `staging` and syncs it; returns the parts to swap in.
fn stage(
    src: &Path,
    staging: &Path,
    database_only: bool,
    mut progress: impl FnMut(f64) -> bool,
) -> Result<Vec<Part>> {
    let db = if database_only {
        src.to_path_buf()
    } else {
        src.join("kaifang.db")
    };
    let staged_db = staging.join("kaifang.db");
    // Through the backup API even for a backup's own copy: it yields one self-contained file
    // (no -wal beside it) whatever journal mode the source was in.
    copy_database(&db, &staged_db, |f| progress(0.1 + 0.5 * f))?;
    sync_file(&staged_db)?;
    let mut parts = vec![
        Part {
            name: "kaifang.db-wal".into(),
            staged: false,
        },
        Part {
            name: "kaifang.db-shm".into(),
            staged: false,
        },
        Part {
            name: "kaifang.db".into(),
            staged: true,
        },
    ];
    if !database_only {
        for (i, name) in ["uploads", "trade"].into_iter().enumerate() {
            let from = src.join(name);
            let staged = from.is_dir();
            if staged {
                copy_tree(&from, &staging.join(name))?;
            } else if name == "uploads" {
                // The data directory always has an uploads folder.
                let d = staging.join(name);
                std::fs::create_dir(&d).map_err(StoreError::io(&d))?;
            }
            if !progress(0.6 + 0.2 * (i + 1) as f64) {
                return Err(StoreError::Cancelled);
            }
            parts.push(Part {
                name: name.into(),
                staged: staged || name == "uploads",
            });
        }
    }
    sync_dir(staging)?;
    Ok(parts)
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(StoreError::io(path))
}

/// Copies the directory tree `from` to `to` (new), every file and directory synced.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(StoreError::io(to))?;
    let mut dirs = vec![to.to_path_buf()];
    for rel in files_under(from)? {
        let dest = to.join(&rel);
        if let Some(parent) = dest.parent()
            && !dirs.iter().any(|d| d == parent)
        {
            std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
            dirs.push(parent.to_path_buf());
        }
        copy_synced(&from.join(&rel), &dest)?;
    }
    for d in dirs.iter().rev() {
        sync_dir(d)?;
    }
    Ok(())
}

/// Moves each current part to `previous` and the staged one into place, after writing the
/// journal that lets the next process undo a swap cut short. On an error the swap is undone
/// at once. Returns whether anything was kept in `previous`.
fn swap(dir: &DataDir, previous: &Path, parts: Vec<Part>) -> Result<bool> {
    std::fs::create_dir_all(previous).map_err(StoreError::io(previous))?;
    sync_dir(&dir.backups_dir())?;
    let journal = Journal {
        previous: previous.to_path_buf(),
        parts,
    };
    let bytes = serde_json::to_vec_pretty(&journal)
        .map_err(|e| StoreError::invalid(JOURNAL, e.to_string()))?;
    write_synced(&dir.root().join(JOURNAL), &bytes)?;
    sync_dir(dir.root())?;
    let root = dir.root();
    let staging = root.join(STAGING);
    let moved = (|| -> Result<()> {
        for p in &journal.parts {
            let live = root.join(&p.name);
            if live.exists() {
                rename(&live, &previous.join(&p.name))?;
                step();
            }
            if p.staged {
                rename(&staging.join(&p.name), &live)?;
                step();
            }
        }
        sync_dir(previous)?;
        sync_dir(root)
    })();
    if let Err(e) = moved {
        if let Err(undo) = undo(dir, &journal) {
            tracing::error!(error = %undo, "cannot undo a failed restore; the next start retries");
        }
        return Err(e);
    }
    remove_file_synced(&root.join(JOURNAL), root)?;
    let _ = std::fs::remove_dir_all(&staging);
    let kept = std::fs::read_dir(previous)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if !kept {
        let _ = std::fs::remove_dir(previous);
    }
    Ok(kept)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| StoreError::Io {
        path: from.to_path_buf(),
        source: std::io::Error::new(e.kind(), format!("renaming to {}: {e}", to.display())),
    })
}

fn remove_file_synced(path: &Path, dir: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StoreError::io(path)(e)),
    }
    sync_dir(dir)
}

fn remove_dir_if_any(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(path)(e)),
    }
}

/// Puts back what a swap moved: each part brought in from staging goes back there, each
/// part moved to `previous` comes back. Safe to run again if it is itself cut short.
fn undo(dir: &DataDir, journal: &Journal) -> Result<()> {
    let root = dir.root();
    let staging = root.join(STAGING);
    for p in journal.parts.iter().rev() {
        let live = root.join(&p.name);
        let kept = journal.previous.join(&p.name);
        if p.staged && !staging.join(&p.name).exists() && live.exists() {
            rename(&live, &staging.join(&p.name))?;
        }
        if kept.exists() {
            // An empty directory in its place was made after the crash (a data directory's
            // folders are created when missing); the kept one is the real one.
            if live.is_dir() {
                std::fs::remove_dir(&live).map_err(StoreError::io(&live))?;
            }
            if !live.exists() {
                rename(&kept, &live)?;
            }
        }
    }
    sync_dir(root)?;
    remove_file_synced(&root.join(JOURNAL), root)?;
    let _ = std::fs::remove_dir_all(&staging);
    let _ = std::fs::remove_dir(&journal.previous);
    Ok(())
}

/// Undoes a restore that a crash cut short during its swap, so the directory is as it was
/// before the restore; a restore that had not reached its swap only left `restore-staging/`,
/// which is removed. Called by whoever takes the directory's lock, before anything opens the
/// database. Returns whether there was a restore to undo.
pub fn undo_interrupted_restore(dir: &DataDir) -> Result<bool> {
    let path = dir.root().join(JOURNAL);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            remove_dir_if_any(&dir.root().join(STAGING))?;
            return Ok(false);
        }
        Err(e) => return Err(StoreError::io(&path)(e)),
    };
    let journal: Journal = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    undo(dir, &journal)?;
    tracing::warn!(
        "a restore was interrupted; the data directory is back as it was before it (run the restore again)"
    );
    Ok(true)
}
