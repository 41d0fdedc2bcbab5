//! Reconciling the audit log with the files after a crash.
//!
//! Trade writes and backups change files outside the database, so their audit entries cannot
//! share a transaction with the change. Instead each announces itself (`<action>.begin`,
//! target `intent:<id>`) before it changes anything and concludes with a second entry of the
//! same target once the change is durable (`<action>`) or given up (`<action>.abandoned`). A
//! `kill -9` in between leaves an announcement without its conclusion; the files say how it
//! ended, and [`reconcile`] writes the conclusion they show, marked `reconciled`:
//!
//! - a trade write committed if and only if the manifest names its intent (the trade store's
//!   writes are serialised and each reconciles the one before, so only the latest can be
//!   open, and the manifest is the truth);
//! - a backup completed if and only if its directory is under its final name and checks
//!   against its `backup.json`; a `.partial` directory nobody holds is removed.
//!
//! A job that a crash cut short is then concluded as its write was: succeeded with the
//! conclusion's details if the write completed, failed otherwise.

use std::path::Path;

use kaifang_store::Store;
use kaifang_store::audit::{AuditEntry, Who};
use kaifang_store::jobs::JobStatus;
use serde_json::json;

use crate::error::AppResult;

/// The trade store's writes, by their concluding action.
pub(crate) const TRADE_ACTIONS: [&str; 3] = ["trade.import", "trade.demo", "trade.reference"];
/// A backup's concluding action.
pub(crate) const BACKUP_ACTION: &str = "backup.create";

/// What [`reconcile`] concluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Trade writes concluded from the manifest.
    pub trade: usize,
    /// Backups concluded from their directories.
    pub backups: usize,
    /// Jobs whose end was recorded from their write's conclusion.
    pub jobs: usize,
}

/// Concludes every write a crash left announced but not concluded, then the jobs that ran
/// them. Run by whoever holds the data directory's lock, before anything else writes: a
/// backup still running in another process (`kaifang backup` beside the server) holds its
/// directory locked and is left alone.
pub async fn reconcile(store: &Store) -> AppResult<Reconciled> {
    let root = store.data_dir().root().to_path_buf();
    let trade = {
        let _lock = tokio::task::spawn_blocking({
            let root = root.clone();
            move || kaifang_trade::lock(&root, true)
        })
        .await??;
        self::trade(store, &root).await?
    };
    let backups = backups(store).await?;
    let jobs = jobs(store).await?;
    Ok(Reconciled {
        trade,
        backups,
        jobs,
    })
}

/// Writes announced but not concluded: running now in another process, or cut short by a
/// crash and waiting for the next [`reconcile`]. Oldest first; what `kaifang check` reports.
pub async fn open_writes(store: &Store) -> AppResult<Vec<AuditEntry>> {
    let mut actions = TRADE_ACTIONS.to_vec();
    actions.push(BACKUP_ACTION);
    Ok(store.open_intents(&actions).await?)
}

fn who() -> Who {
    Who::cli("reconcile")
}

fn concluding(open: &AuditEntry) -> &str {
    open.action.strip_suffix(".begin").unwrap_or(&open.action)
}

/// Concludes an interrupted trade write from the manifest. The caller holds the trade
/// store's write lock.
pub(crate) async fn trade(store: &Store, data_dir: &Path) -> AppResult<usize> {
    let open = store.open_intents(&TRADE_ACTIONS).await?;
    if open.is_empty() {
        return Ok(0);
    }
    let manifest = kaifang_trade::read_manifest(data_dir)?;
    for entry in &open {
        let Some(target) = entry.target.as_deref() else {
            continue;
        };
        let id = target.strip_prefix("intent:").unwrap_or(target);
        let committed = manifest.intent.as_deref() == Some(id);
        let mut details = entry.details.clone();
        if let Some(o) = details.as_object_mut() {
            o.insert("generation".into(), json!(manifest.generation));
            o.insert("reconciled".into(), json!(true));
            if !committed {
                o.insert(
                    "reason".into(),
                    json!("interrupted before its commit; the trade store is unchanged"),
                );
            }
        }
        let action = if committed {
            concluding(entry).to_string()
        } else {
            format!("{}.abandoned", concluding(entry))
        };
        store.record(&who(), &action, Some(target), details).await?;
        tracing::warn!(
            intent = id,
            committed,
            generation = manifest.generation,
            "an interrupted trade write was reconciled with the trade store"
        );
    }
    Ok(open.len())
}

/// Concludes interrupted backups from what is on disk; leaves alone those still running.
pub async fn backups(store: &Store) -> AppResult<usize> {
    let open = store.open_intents(&[BACKUP_ACTION]).await?;
    let dir = store.data_dir().clone();
    tokio::task::spawn_blocking(move || crate::backup::sweep_partials(&dir)).await?;
    let mut n = 0;
    for entry in &open {
        let (Some(target), Some(path)) = (
            entry.target.as_deref(),
            entry.details.get("path").and_then(|p| p.as_str()),
        ) else {
            continue;
        };
        let path = std::path::PathBuf::from(path);
        let p = path.clone();
        let state = tokio::task::spawn_blocking(move || crate::backup::state_of(&p)).await?;
        let (action, detail) = match state {
            crate::backup::State::Running => continue,
            crate::backup::State::Complete(bytes) => (
                BACKUP_ACTION.to_string(),
                json!({ "path": path.display().to_string(), "bytes": bytes, "reconciled": true }),
            ),
            crate::backup::State::Absent(reason) => (
                format!("{BACKUP_ACTION}.abandoned"),
                json!({ "path": path.display().to_string(), "reason": reason, "reconciled": true }),
            ),
        };
        let mut details = detail;
        if let (Some(o), Some(job)) = (details.as_object_mut(), entry.details.get("job")) {
            o.insert("job".into(), job.clone());
        }
        store.record(&who(), &action, Some(target), details).await?;
        n += 1;
    }
    Ok(n)
}

/// Records the end of jobs a crash cut short whose write has concluded: succeeded if it
/// completed, failed if it was abandoned. Jobs without a write, or whose write is still
/// running elsewhere, are left for the caller.
async fn jobs(store: &Store) -> AppResult<usize> {
    let mut n = 0;
    for job in store.unfinished_jobs().await? {
        let entries = store.audit_of(&format!("intent:{}", job.id)).await?;
        let Some(last) = entries.last() else {
            continue;
        };
        if last.action.ends_with(".begin") {
            continue;
        }
        let (status, progress, message, result) = if last.action.ends_with(".abandoned") {
            let reason = last
                .details
                .get("reason")
                .and_then(|r| r.as_str())
                .unwrap_or("interrupted");
            (
                JobStatus::Failed,
                job.progress,
                Some(format!(
                    "interrupted: the server stopped while the job ran ({reason})"
                )),
                None,
            )
        } else {
            (
                JobStatus::Succeeded,
                1.0,
                Some("completed; the server stopped before the job's end was recorded".into()),
                Some(last.details.clone()),
            )
        };
        store
            .job_finished(
                &job.id,
                status,
                progress,
                message.as_deref(),
                result.as_ref(),
            )
            .await?;
        n += 1;
    }
    Ok(n)
}
