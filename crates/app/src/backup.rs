//! Backups of a whole data directory — the database, the uploads it lists and the trade
//! store's current generation — and restores of them. The layout and the restore's swap are
//! `kaifang_store::backup`'s; this module puts the parts together and audits them.
//!
//! A backup announces itself in the audit log (`backup.create.begin`, target `intent:<id>`),
//! is written as `<name>.partial` (locked by its writer, so that a reconciliation elsewhere
//! leaves it alone), renamed to `<name>` once complete and synced, and concluded by
//! `backup.create`; a failure removes the partial copy and concludes `backup.create.abandoned`.
//! After a crash [`crate::recover`] concludes it from what is on disk.

use std::path::{Path, PathBuf};

use kaifang_store::audit::Who;
use kaifang_store::backup::{self as store_backup, BackupManifest, PG_DUMP, Restored};
use kaifang_store::durable::{step, sync_dir};
use kaifang_store::{DataDir, Store, StoreError};
use serde::Serialize;
use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::recover::BACKUP_ACTION;

/// What a backup wrote.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BackupInfo {
    /// The backup directory.
    #[schema(value_type = String)]
    pub path: PathBuf,
    pub bytes: u64,
    /// Files in it, `backup.json` not counted.
    pub files: usize,
    /// Generation of the trade store copied; none when it held no data.
    pub trade_generation: Option<u64>,
}

/// `backups/kaifang-<time>` in `dir`: where a backup goes unless named.
pub fn default_path(dir: &DataDir) -> PathBuf {
    let stamp = kaifang_store::now().replace([':', '.'], "-");
    dir.backups_dir().join(format!("kaifang-{stamp}"))
}

/// Writes a backup of the data directory of `store` to the new directory `dest`; safe while
/// the server keeps writing. `job`: the job running it, if any. `disk_reserve`: bytes the
/// backup's disk must keep free after it (`uploads.disk_reserve_mb`); a backup that would eat
/// into them is refused (`DiskFull`) before anything is copied. `progress` gets the fraction
/// done and may return false to cancel, which leaves nothing at `dest`.
pub async fn create(
    store: &Store,
    who: &Who,
    dest: &Path,
    job: Option<&str>,
    disk_reserve: u64,
    progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<BackupInfo> {
    if dest.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists already; choose a new name for the backup",
            dest.display()
        ))
        .into());
    }
    let partial = store_backup::partial_path(dest);
    let p = partial.clone();
    let hold = tokio::task::spawn_blocking(move || claim(&p)).await??;
    let id = job
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let target = format!("intent:{id}");
    let path = dest.display().to_string();
    let begun = store
        .record(
            who,
            &format!("{BACKUP_ACTION}.begin"),
            Some(&target),
            json!({ "path": path, "job": job }),
        )
        .await;
    if let Err(e) = begun {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e.into());
    }
    step();
    let (dir, d, p) = (
        store.data_dir().clone(),
        dest.to_path_buf(),
        partial.clone(),
    );
    let source = match store.location() {
        kaifang_store::Location::Sqlite(_) => Source::Sqlite,
        kaifang_store::Location::Postgres(url) => Source::Postgres {
            url: url.clone(),
            schema: store.current_schema().await?,
            store: store.clone(),
        },
    };
    let written =
        tokio::task::spawn_blocking(move || write(&dir, &source, &p, &d, disk_reserve, progress))
            .await
            .map_err(AppError::from)
            .and_then(|r| r);
    match written {
        Ok(manifest) => {
            let info = BackupInfo {
                path: dest.to_path_buf(),
                bytes: manifest.bytes(),
                files: manifest.files.len(),
                trade_generation: manifest.trade_generation,
            };
            store
                .record(
                    who,
                    BACKUP_ACTION,
                    Some(&target),
                    json!({
                        "path": path,
                        "bytes": info.bytes,
                        "files": info.files,
                        "trade_generation": info.trade_generation,
                        "job": job,
                    }),
                )
                .await?;
            step();
            drop(hold);
            Ok(info)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            let _ = std::fs::remove_dir_all(dest);
            drop(hold);
            let reason = match &e {
                AppError::Cancelled | AppError::Store(StoreError::Cancelled) => {
                    "cancelled".to_string()
                }
                other => other.to_string(),
            };
            store
                .record(
                    who,
                    &format!("{BACKUP_ACTION}.abandoned"),
                    Some(&target),
                    json!({ "path": path, "reason": reason, "job": job }),
                )
                .await?;
            Err(e)
        }
    }
}

/// Creates the backup's `.partial` directory and locks it for as long as the returned file
/// lives. A `.partial` directory nobody holds is what a crash left, and is replaced.
fn claim(partial: &Path) -> AppResult<std::fs::File> {
    if let Some(parent) = partial.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
    }
    if partial.exists() {
        if held(partial) {
            return Err(StoreError::Conflict(format!(
                "a backup is being written to {} already",
                partial.display()
            ))
            .into());
        }
        std::fs::remove_dir_all(partial).map_err(StoreError::io(partial))?;
    }
    std::fs::create_dir(partial).map_err(StoreError::io(partial))?;
    let file = std::fs::File::open(partial).map_err(StoreError::io(partial))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Conflict(format!(
            "a backup is being written to {} already",
            partial.display()
        ))
        .into()),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::io(partial)(e).into()),
    }
}

/// Whether a live process holds the backup directory `dir` (writing it, or about to
/// conclude its audit entry).
fn held(dir: &Path) -> bool {
    std::fs::File::open(dir)
        .map(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
        .unwrap_or(false)
}

/// Copies the parts into `partial`, seals it, and renames it to `dest`.
fn write(
    dir: &DataDir,
    source: &Source,
    partial: &Path,
    dest: &Path,
    disk_reserve: u64,
    mut progress: impl FnMut(f64) -> bool,
) -> AppResult<BackupManifest> {
    let needed = store_backup::estimate(dir) + kaifang_trade::generation_bytes(dir.root())?;
    kaifang_store::datadir::check_free_space_at(
        partial,
        "the backup's disk",
        disk_reserve,
        needed,
    )?;
    let db = partial.join("kaifang.db");
    let generation = {
        // The database and the trade store at one moment: no trade write runs between the two
        // copies, so the copied audit log and the copied generation agree.
        let _lock = kaifang_trade::lock(dir.root(), false)?;
        match source {
            Source::Sqlite => {
                store_backup::copy_database(&dir.db_path(), &db, |f| progress(0.6 * f))?;
                store_backup::self_contained(&db)?;
            }
            Source::Postgres { url, schema, .. } => {
                pg_dump(url, schema, &partial.join(PG_DUMP))?;
            }
        }
        kaifang_trade::copy_generation(dir.root(), &partial.join("trade"))?.map(|m| m.generation)
    };
    if !progress(0.7) {
        return Err(AppError::Cancelled);
    }
    // Listed after the dump: an upload's file is written before its row, so every upload the
    // dump holds has its file by now.
    let hashes = match source {
        Source::Sqlite => store_backup::upload_hashes(&db)?,
        Source::Postgres { store, .. } => {
            tokio::runtime::Handle::current().block_on(store.upload_hashes())?
        }
    };
    store_backup::copy_uploads(dir, &hashes, &partial.join("uploads"), |f| {
        progress(0.7 + 0.2 * f)
    })?;
    let manifest = store_backup::seal(partial, generation)?;
    if !progress(0.95) {
        return Err(AppError::Cancelled);
    }
    std::fs::rename(partial, dest).map_err(StoreError::io(dest))?;
    step();
    match dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent)?,
        None => sync_dir(Path::new("."))?,
    }
    progress(1.0);
    Ok(manifest)
}

/// Where a backup's database comes from.
enum Source {
    /// The data directory's SQLite file, copied with SQLite's online backup.
    Sqlite,
    /// A PostgreSQL schema, dumped with `pg_dump` (a consistent snapshot while others write).
    Postgres {
        url: String,
        schema: String,
        store: Store,
    },
}

/// Dumps `schema` of the database at `url` into `file` with the server's own tool. Without
/// `pg_dump` on the path the backup is refused, naming what to install: a backup of the files
/// alone would look complete and restore nothing of the database.
fn pg_dump(url: &str, schema: &str, file: &Path) -> AppResult<()> {
    let out = std::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg(format!("--schema={schema}"))
        .arg(format!("--file={}", file.display()))
        .arg(format!("--dbname={url}"))
        .output()
        .map_err(|e| {
            StoreError::Conflict(format!(
                "the database is on PostgreSQL and pg_dump could not be run ({e}); install the \
                 PostgreSQL client tools of the server's major version"
            ))
        })?;
    if !out.status.success() {
        return Err(StoreError::Sqlite(format!(
            "pg_dump of {} failed: {}",
            kaifang_store::db::redact(url),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
        .into());
    }
    Ok(())
}

/// How a backup announced in the audit log ended, judged from the disk.
pub(crate) enum State {
    /// A live process is writing it or concluding it.
    Running,
    /// Complete under its final name; its size in bytes.
    Complete(u64),
    /// Not there (the reason); a partial copy nobody holds has been removed.
    Absent(String),
}

pub(crate) fn state_of(dest: &Path) -> State {
    let partial = store_backup::partial_path(dest);
    if partial.exists() {
        if held(&partial) {
            return State::Running;
        }
        let _ = std::fs::remove_dir_all(&partial);
        return State::Absent(
            "interrupted before it was complete; the partial copy was removed".into(),
        );
    }
    if !dest.exists() {
        return State::Absent("interrupted; no backup was written".into());
    }
    if held(dest) {
        return State::Running;
    }
    match store_backup::verify(dest) {
        Ok(m) => State::Complete(m.bytes()),
        Err(e) => State::Absent(format!(
            "the directory does not check against its list: {e}"
        )),
    }
}

/// Removes `.partial` backup directories in `backups/` that no process holds and no
/// announcement names (a crash between creating one and announcing it).
pub(crate) fn sweep_partials(dir: &DataDir) {
    let Ok(entries) = std::fs::read_dir(dir.backups_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "partial") && path.is_dir() && !held(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Checks a backup directory against its `backup.json`.
pub fn verify(path: &Path) -> AppResult<BackupManifest> {
    Ok(store_backup::verify(path)?)
}

/// Replaces the data of `dir` with the backup `src` (see `kaifang_store::backup::restore`),
/// then reconciles the restored audit log with the restored files: a write the backup caught
/// announced but not concluded is concluded as the restored files show. The caller holds the
/// directory's lock.
pub async fn restore(
    dir: &DataDir,
    src: &Path,
    progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<Restored> {
    let restored = store_backup::restore(dir, src, progress).await?;
    let store = Store::open(dir, false).await?;
    let reconciled = crate::recover::reconcile(&store).await;
    store.close().await;
    reconciled?;
    Ok(restored)
}
