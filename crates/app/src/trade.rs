//! Foreign-trade data of a data directory: the shared hold on its trade store, imports and
//! the synthetic demo (each written to the audit log), and the freight demand derived from
//! the records.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kaifang_assign::freight::DemandRow;
use kaifang_assign::trade_demand::{self as td, Coverage};
use kaifang_store::Store;
use kaifang_store::audit::Who;
use kaifang_store::config::TradeConfig;
use kaifang_store::uploads::Upload;
use kaifang_trade::demo::{DemoOptions, DemoReport};
use kaifang_trade::{
    Engine, ImportOptions, ImportReport, SqlLimits, SqlResult, TradeError, TradeStore,
};
use serde::Serialize;
use serde_json::json;
use tokio::sync::{RwLock, RwLockReadGuard, Semaphore};

use crate::error::{AppError, AppResult};

/// Rows of the trade demo generated with a new demo directory. Release builds generate the
/// full demo (1.2 million records); debug builds, used in development and tests, a smaller
/// one with the same calibrated totals, so a first start stays quick.
pub const DEMO_ROWS: u64 = if cfg!(debug_assertions) {
    150_000
} else {
    1_200_000
};

/// The demo's size: `KAIFANG_TRADE_DEMO_ROWS` if set, else [`DEMO_ROWS`].
pub fn demo_rows(env: impl Fn(&str) -> Option<String>) -> u64 {
    env("KAIFANG_TRADE_DEMO_ROWS")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEMO_ROWS)
}

/// The trade store of a data directory behind a read-write lock: queries share it; an
/// import takes it exclusively (the engine writes the files and its in-memory tables) and
/// reopens it from the manifest afterwards, so readers always see what is committed.
#[derive(Clone)]
pub struct TradeData {
    data_dir: PathBuf,
    store: Arc<RwLock<TradeStore>>,
    /// The manifest's size and time when the store in memory was read. Another instance
    /// sharing the data directory commits its trade writes by renaming a new manifest into
    /// place, which changes them; a read that sees the change reads the store again.
    seen: Arc<std::sync::Mutex<Option<Stamp>>>,
    /// Uploads in an import queued or running, so that a second click does not queue the same
    /// files again.
    importing: Arc<std::sync::Mutex<HashSet<i64>>>,
    /// Where the store's file queries run (`[trade] ballista`).
    engine: Engine,
}

/// Where the trade store of `data_dir` runs its file queries: the Ballista cluster of
/// `[trade] ballista` (or `KAIFANG_TRADE_BALLISTA`), else this process.
pub fn engine_of(data_dir: &Path) -> AppResult<Engine> {
    let path = kaifang_store::DataDir::new(data_dir).config_path();
    let config = kaifang_store::Config::load(&path, |k| std::env::var(k).ok())?;
    engine(&config.trade, &path.display().to_string())
}

/// The engine `[trade] ballista` names; `origin` says where the setting came from.
pub fn engine(config: &TradeConfig, origin: &str) -> AppResult<Engine> {
    let Some(url) = &config.ballista else {
        return Ok(Engine::Local);
    };
    url.parse().map(Engine::Cluster).map_err(|e: TradeError| {
        AppError::Store(kaifang_store::StoreError::Config {
            origin: origin.to_string(),
            key: "trade.ballista".into(),
            message: e.to_string(),
        })
    })
}

/// Opens the trade store of `data_dir` on the engine its configuration names.
pub fn open_store(data_dir: &Path) -> AppResult<TradeStore> {
    Ok(TradeStore::open_on(data_dir, engine_of(data_dir)?)?)
}

/// Uploads held for one import; released when dropped.
pub struct UploadClaim {
    ids: Vec<i64>,
    importing: Arc<std::sync::Mutex<HashSet<i64>>>,
}

impl Drop for UploadClaim {
    fn drop(&mut self) {
        let mut held = self.importing.lock().unwrap_or_else(|p| p.into_inner());
        for id in &self.ids {
            held.remove(id);
        }
    }
}

impl TradeData {
    /// The trade data of `data_dir`, on the engine its configuration names.
    pub fn open(data_dir: &Path) -> AppResult<TradeData> {
        TradeData::open_on(data_dir, engine_of(data_dir)?)
    }

    /// The trade data of `data_dir`, with the file queries on `engine`.
    pub fn open_on(data_dir: &Path, engine: Engine) -> AppResult<TradeData> {
        let seen = stamp(data_dir);
        Ok(TradeData {
            data_dir: data_dir.to_path_buf(),
            store: Arc::new(RwLock::new(TradeStore::open_on(data_dir, engine.clone())?)),
            seen: Arc::new(std::sync::Mutex::new(seen)),
            importing: Arc::default(),
            engine,
        })
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Option<Stamp>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds `ids` for one import: refused when one is given twice or is already in an import
    /// that has not finished.
    pub fn claim_uploads(&self, ids: &[i64]) -> AppResult<UploadClaim> {
        let mut held = self.importing.lock().unwrap_or_else(|p| p.into_inner());
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(*id) {
                return Err(AppError::field(
                    "upload_ids",
                    format!("upload {id} is given more than once"),
                ));
            }
            if held.contains(id) {
                return Err(AppError::field(
                    "upload_ids",
                    format!(
                        "upload {id} is already being imported; wait for that import to finish"
                    ),
                ));
            }
        }
        held.extend(ids);
        Ok(UploadClaim {
            ids: ids.to_vec(),
            importing: self.importing.clone(),
        })
    }

    /// The store for reading; an import waits until the readers are done. When another
    /// instance has committed a trade write since the store was read, it is read again first
    /// (one `stat` of the manifest per call tells).
    pub async fn read(&self) -> RwLockReadGuard<'_, TradeStore> {
        if stamp(&self.data_dir) != *self.seen() {
            let mut guard = self.store.write().await;
            let now = stamp(&self.data_dir);
            if now != *self.seen() {
                let dir = self.data_dir.clone();
                let engine = self.engine.clone();
                match tokio::task::spawn_blocking(move || TradeStore::open_on(&dir, engine)).await {
                    Ok(Ok(fresh)) => {
                        *guard = fresh;
                        *self.seen() = now;
                        tracing::info!("the trade data changed on disk and was read again");
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "cannot read the trade data again; serving what was read before");
                    }
                    Err(e) => tracing::warn!(error = %e, "reading the trade data again failed"),
                }
            }
        }
        self.store.read().await
    }

    /// Runs `work` with the store held exclusively, off the async workers, then reopens the
    /// store from its manifest whether the work committed or not; audited so that a crash at
    /// any moment leaves the audit log saying what the trade store holds.
    ///
    /// The protocol: with the store's write lock held (in this process, and across processes
    /// the lock a backup shares), an interrupted earlier write is reconciled, then
    /// `<action>.begin` is appended with the target `intent:<id>` (the job's id when run as a
    /// job), then the write commits a manifest carrying that id, then `<action>` (committed)
    /// or `<action>.abandoned` (not) concludes it. Whether it committed is read from the
    /// manifest, not from the result: a write can fail after its commit. The lock is held
    /// until the conclusion is written, so at most one write is ever unconcluded and, after
    /// a crash, the manifest tells which way it went ([`crate::recover`]).
    async fn write<T: Send + 'static>(
        &self,
        audit: Audit<'_>,
        work: impl FnOnce(&mut TradeStore) -> Result<T, TradeError> + Send + 'static,
        conclude: impl FnOnce(&T) -> serde_json::Value,
    ) -> AppResult<T> {
        let mut guard = self.store.clone().write_owned().await;
        let data_dir = self.data_dir.clone();
        let lock =
            tokio::task::spawn_blocking(move || kaifang_trade::lock(&data_dir, true)).await??;
        crate::recover::trade(audit.store, &self.data_dir).await?;
        let id = audit
            .job
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let target = format!("intent:{id}");
        let from = guard.manifest().generation;
        let mut begin = audit.details.clone();
        if let Some(o) = begin.as_object_mut() {
            o.insert("from_generation".into(), json!(from));
            o.insert("job".into(), json!(audit.job));
        }
        audit
            .store
            .record(
                audit.who,
                &format!("{}.begin", audit.action),
                Some(&target),
                begin,
            )
            .await?;
        kaifang_store::durable::step();
        let data_dir = self.data_dir.clone();
        let intent = id.clone();
        let engine = self.engine.clone();
        let (result, manifest, seen) = tokio::task::spawn_blocking(move || {
            guard.set_intent(Some(intent));
            let result = work(&mut guard);
            match TradeStore::open_on(&data_dir, engine) {
                Ok(fresh) => *guard = fresh,
                Err(e) => {
                    tracing::error!(error = %e, "cannot reopen the trade store after writing")
                }
            }
            guard.set_intent(None);
            // The manifest on disk, not the one in memory: a reopen that failed leaves the
            // old store in memory while the new generation may be committed.
            let manifest = kaifang_trade::read_manifest(&data_dir);
            (result, manifest, stamp(&data_dir))
        })
        .await?;
        *self.seen() = seen;
        let manifest = manifest?;
        let committed = manifest.intent.as_deref() == Some(id.as_str());
        let (action, mut details) = match (&result, committed) {
            (Ok(t), true) => (audit.action.to_string(), conclude(t)),
            (Err(e), true) => (
                audit.action.to_string(),
                json!({ "error_after_commit": e.to_string() }),
            ),
            (Ok(_), false) => (
                format!("{}.abandoned", audit.action),
                json!({ "reason": "nothing to write" }),
            ),
            (Err(e), false) => (
                format!("{}.abandoned", audit.action),
                json!({ "reason": e.to_string() }),
            ),
        };
        if let Some(o) = details.as_object_mut() {
            o.insert("generation".into(), json!(manifest.generation));
        }
        audit
            .store
            .record(audit.who, &action, Some(&target), details)
            .await?;
        kaifang_store::durable::step();
        drop(lock);
        result.map_err(|e| match e {
            TradeError::Cancelled => AppError::Cancelled,
            other => AppError::Trade(other),
        })
    }
}

/// The trade manifest's size and modification time, if it exists.
type Stamp = (u64, std::time::SystemTime);

fn stamp(data_dir: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(data_dir.join("trade").join("manifest.json")).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Who writes the trade store and how the audit log names it: `action` is the concluding
/// entry's action (`trade.import`), announced as `<action>.begin`.
struct Audit<'a> {
    store: &'a Store,
    who: &'a Who,
    action: &'static str,
    /// The job running the write, if any: its id names the write, so a restart can conclude
    /// the job as the write concluded.
    job: Option<&'a str>,
    /// What the announcement says besides the generation it starts from.
    details: serde_json::Value,
}

/// One period and flow an import wrote.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportedPeriod {
    pub period: PeriodValue,
    /// `import` or `export`.
    pub flow: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct PeriodValue {
    pub year: i32,
    pub month: u32,
}

/// What an import did: the answer of `kaifang import trade --format json` and the result of
/// a trade-import job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub files: usize,
    pub rows: u64,
    /// Each period and flow written replaced what the store held for it.
    pub periods: Vec<ImportedPeriod>,
    /// How many of them replaced stored data.
    pub replaced: usize,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub rows_per_second: f64,
}

impl From<&ImportReport> for ImportSummary {
    fn from(r: &ImportReport) -> ImportSummary {
        ImportSummary {
            files: r.files,
            rows: r.rows,
            periods: r
                .partitions
                .iter()
                .map(|(p, f, n)| ImportedPeriod {
                    period: PeriodValue {
                        year: p.year,
                        month: p.month,
                    },
                    flow: f.to_string(),
                    rows: *n,
                })
                .collect(),
            replaced: r.replaced,
            warnings: r.warnings.clone(),
            seconds: r.total_seconds,
            rows_per_second: r.rows_per_second,
        }
    }
}

/// Imports customs files into the trade store — all of them or none — announced in the audit
/// log as `trade.import.begin` and concluded by `trade.import` (or `trade.import.abandoned`),
/// naming the files (and the uploads they came from, if any) and the generation written.
/// `job`: the job running the import, if any.
#[allow(clippy::too_many_arguments)]
pub async fn import(
    store: &Store,
    trade: &TradeData,
    who: &Who,
    files: Vec<PathBuf>,
    uploads: &[i64],
    options: ImportOptions,
    job: Option<&str>,
    mut progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<ImportSummary> {
    let names: Vec<String> = files.iter().map(|f| display_name(f)).collect();
    let audit = Audit {
        store,
        who,
        action: "trade.import",
        job,
        details: json!({ "files": names, "uploads": uploads }),
    };
    let report = trade
        .write(
            audit,
            move |t| t.import_files(&files, &options, &mut progress),
            |report| {
                json!({
                    "files": names,
                    "uploads": uploads,
                    "rows": report.rows,
                    "periods": report.partitions.len(),
                    "replaced": report.replaced,
                })
            },
        )
        .await?;
    Ok(ImportSummary::from(&report))
}

/// Imports uploaded files. The engine reads files by name (the extension chooses CSV or
/// XLSX, and errors name the file), so each upload is copied under its own name into a
/// scratch folder of the data directory, removed afterwards; errors name the file as it was
/// uploaded, not the copy.
pub async fn import_uploads(
    store: &Store,
    trade: &TradeData,
    who: &Who,
    uploads: &[Upload],
    options: ImportOptions,
    job: Option<&str>,
    progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<ImportSummary> {
    let scratch = store
        .data_dir()
        .root()
        .join(format!("trade-import-{}", uuid::Uuid::new_v4()));
    let result = async {
        let mut files = Vec::with_capacity(uploads.len());
        for (i, u) in uploads.iter().enumerate() {
            let bytes = store.upload_bytes(u).await?;
            let name: String = u
                .filename
                .chars()
                .map(|c| {
                    if c == '/' || c == '\\' || c.is_control() {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            let dir = scratch.join(i.to_string());
            let path = dir.join(if name.is_empty() {
                "upload.csv".into()
            } else {
                name
            });
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(kaifang_store::StoreError::io(&dir))?;
            tokio::fs::write(&path, bytes)
                .await
                .map_err(kaifang_store::StoreError::io(&path))?;
            files.push(path);
        }
        let ids: Vec<i64> = uploads.iter().map(|u| u.id).collect();
        import(store, trade, who, files, &ids, options, job, progress).await
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    result.map_err(|e| match e {
        AppError::Trade(t) => {
            let mut m = t.to_string();
            for i in 0..uploads.len() {
                m = m.replace(&format!("{}/{i}/", scratch.display()), "");
            }
            AppError::Input(m)
        }
        other => other,
    })
}

/// Generates the synthetic demo records into the trade store, replacing what it holds,
/// audited as `trade.demo` (announced, then concluded; see [`TradeData`]'s writes).
pub async fn generate_demo(
    store: &Store,
    trade: &TradeData,
    who: &Who,
    options: DemoOptions,
    mut progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<DemoReport> {
    let seed = options.seed;
    let audit = Audit {
        store,
        who,
        action: "trade.demo",
        job: None,
        details: json!({ "rows": options.rows, "seed": seed, "synthetic": true }),
    };
    trade
        .write(
            audit,
            move |t| kaifang_trade::demo::generate(t, &options, &mut progress),
            |report| json!({ "rows": report.rows, "seed": seed, "synthetic": true }),
        )
        .await
}

/// Generates the demo records if the directory holds no trade data (a new demo directory).
pub(crate) async fn ensure_demo(
    store: &Store,
    rows: u64,
    who: &Who,
    progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<Option<DemoReport>> {
    let trade = TradeData::open(store.data_dir().root())?;
    if !trade.read().await.is_empty() {
        return Ok(None);
    }
    let options = DemoOptions {
        rows,
        ..Default::default()
    };
    let report = generate_demo(store, &trade, who, options, progress).await?;
    tracing::info!(
        rows = report.rows,
        seconds = report.seconds,
        "generated the synthetic trade demo"
    );
    Ok(Some(report))
}

/// Imports the national reference table for RCA and writes the audit entry.
pub async fn import_reference(
    store: &Store,
    trade: &TradeData,
    who: &Who,
    file: PathBuf,
) -> AppResult<usize> {
    let name = display_name(&file);
    let audit = Audit {
        store,
        who,
        action: "trade.reference",
        job: None,
        details: json!({ "file": name }),
    };
    trade
        .write(
            audit,
            move |t| t.import_reference(&file),
            |rows| json!({ "file": name, "rows": rows }),
        )
        .await
}

/// Freight demand derived from the trade records.
#[derive(Debug, Clone)]
pub struct TradeDemand {
    pub rows: Vec<DemandRow>,
    /// Where it came from, e.g. "customs statistics 2024 (SYNTHETIC demo records)".
    pub label: String,
    /// How much of the year's trade value the demand covers.
    pub coverage: Coverage,
    /// Derived from the synthetic demo records.
    pub synthetic: bool,
}

/// The freight demand of `year` derived from the trade records: container flows between
/// the province's cities and their partners, with the value per tonne computed from the
/// records themselves, and how much of the trade value it covers.
pub async fn freight_demand(trade: &TradeStore, year: i32) -> AppResult<TradeDemand> {
    if !(1900..=2200).contains(&year) {
        return Err(AppError::field(
            "year",
            format!("{year} is not a plausible year"),
        ));
    }
    let query = format!(
        "SELECT city, partner_iso2, flow, chapter, SUM(value_cny) AS v, \
         SUM(CASE WHEN unit1 = '千克' THEN qty1 END) AS kg, \
         SUM(CASE WHEN unit1 = '千克' THEN value_cny END) AS vkg \
         FROM records WHERE year = {year} AND city IS NOT NULL AND partner_iso2 IS NOT NULL \
         AND chapter IS NOT NULL GROUP BY city, partner_iso2, flow, chapter"
    );
    let r = trade.sql(&query, 10_000_000).await?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let num = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
    let cells: Vec<td::TradeCell> = r
        .rows
        .iter()
        .filter(|row| row.len() == 7)
        .map(|row| td::TradeCell {
            city: text(&row[0]),
            partner_iso2: text(&row[1]),
            flow: text(&row[2]),
            chapter: text(&row[3]),
            value_cny: num(&row[4]),
            kg: num(&row[5]),
            value_of_kg_records: num(&row[6]),
        })
        .collect();
    if cells.is_empty() {
        return Err(AppError::field(
            "year",
            format!(
                "no trade records for {year} in {} (import some, or run `kaifang trade demo`)",
                trade.dir().display()
            ),
        ));
    }
    let label = format!(
        "customs statistics {year}{}",
        if trade.synthetic() {
            " (SYNTHETIC demo records)"
        } else {
            ""
        }
    );
    let (rows, coverage) = td::demand(&cells, &label)?;
    Ok(TradeDemand {
        rows,
        label,
        coverage,
        synthetic: trade.synthetic(),
    })
}

/// Longest analyst's query accepted, in bytes: checked before anything parses it.
pub const MAX_SQL_BYTES: usize = 20_000;
/// How long a stopped query's plan may take to notice, before its slot is given back anyway.
const SQL_STOP_GRACE: Duration = Duration::from_secs(10);
/// How long a query waits for a free slot before it is refused.
const SQL_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// The analysts' read-only SQL. The engine bounds each query (memory, time, rows, no
/// generators); here at most `sql_concurrency` run at once, each on a thread of its own so
/// the HTTP workers stay free for everyone else, each holding the trade store only while it
/// is prepared, and each written to the audit log with its outcome.
#[derive(Clone)]
pub struct AnalystSql {
    slots: Arc<Semaphore>,
    limits: SqlLimits,
}

impl AnalystSql {
    pub fn new(config: &TradeConfig) -> AnalystSql {
        let mib = |m: u64| usize::try_from(m.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        AnalystSql {
            slots: Arc::new(Semaphore::new(
                usize::try_from(config.sql_concurrency).unwrap_or(1).max(1),
            )),
            limits: SqlLimits {
                memory_bytes: mib(config.sql_memory_mb),
                max_rows: usize::try_from(config.sql_max_rows).unwrap_or(usize::MAX),
                timeout: Duration::from_secs(config.sql_timeout_secs),
            },
        }
    }

    pub fn limits(&self) -> SqlLimits {
        self.limits
    }

    /// Runs `query` for `who` (at most `max_rows` rows, and never more than the configured
    /// cap) and audits it as `trade.sql`; `store` is `None` where there is no database to
    /// audit in (the command line on a bare trade store).
    pub async fn run(
        &self,
        store: Option<&Store>,
        trade: &TradeData,
        who: &Who,
        query: &str,
        max_rows: Option<usize>,
    ) -> AppResult<SqlResult> {
        if query.len() > MAX_SQL_BYTES {
            return Err(AppError::field(
                "query",
                format!("at most {MAX_SQL_BYTES} bytes"),
            ));
        }
        let started = Instant::now();
        let result = self.execute(trade, query, max_rows).await;
        if let Some(store) = store {
            let text: String = query.chars().take(4_000).collect();
            let (rows, error) = match &result {
                Ok(r) => (Some(r.rows.len()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            store
                .record(
                    who,
                    "trade.sql",
                    None,
                    json!({
                        "query": text,
                        "rows": rows,
                        "error": error,
                        "ms": started.elapsed().as_millis() as u64,
                    }),
                )
                .await?;
        }
        result
    }

    async fn execute(
        &self,
        trade: &TradeData,
        query: &str,
        max_rows: Option<usize>,
    ) -> AppResult<SqlResult> {
        let slot = tokio::time::timeout(SQL_QUEUE_WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| {
                AppError::Busy(
                    "as many queries as allowed are running; try again in a moment".into(),
                )
            })?
            .map_err(|_| AppError::Internal("the SQL slots are closed".into()))?;
        let mut limits = self.limits;
        if let Some(n) = max_rows {
            limits.max_rows = limits.max_rows.min(n.max(1));
        }
        // The store is held only while the query is prepared.
        let prepared = trade.read().await.prepare_sql(query, limits)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Dropped when the answer is given up (time limit, or the client went away): the
        // query's thread then stops waiting for the plan and shuts its runtime down.
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // Each query runs on a thread and runtime of its own: an operator that computes for
        // long without yielding (a join emitting batch after batch) then delays neither the
        // server's workers nor other queries. The plan's tasks run on the runtime's one worker
        // while this thread waits for the answer or the stop; on a stop the runtime is shut
        // down, dropping the plan's tasks at their next yield, and the query's slot is kept
        // until that has happened (or a grace period has passed).
        std::thread::Builder::new()
            .name("kaifang-sql".into())
            .spawn(move || {
                let _slot = slot;
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("kaifang-sql-plan")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(AppError::Internal(format!(
                            "cannot start a SQL runtime: {e}"
                        ))));
                        return;
                    }
                };
                let answer = rt.block_on(async {
                    let run = rt_spawned(prepared);
                    tokio::select! {
                        r = run => Some(r),
                        _ = stopped => None,
                    }
                });
                rt.shutdown_timeout(SQL_STOP_GRACE);
                if let Some(r) = answer {
                    let _ = tx.send(r);
                }
            })
            .map_err(|e| AppError::Internal(format!("cannot start a SQL thread: {e}")))?;
        // The answer leaves on time even if the query has not yet noticed its time is up.
        let grace = Duration::from_millis(500);
        let answer = tokio::time::timeout(limits.timeout + grace, rx).await;
        drop(stop);
        match answer {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AppError::Internal(
                "the SQL thread ended without an answer".into(),
            )),
            Err(_) => Err(AppError::Trade(TradeError::Refused(format!(
                "the query ran longer than {} s and was stopped",
                limits.timeout.as_secs()
            )))),
        }
    }
}

/// Runs the prepared query as a task of the current runtime (on its worker, not on the thread
/// that waits for it), so the waiting thread stays free to notice a stop.
async fn rt_spawned(prepared: kaifang_trade::PreparedSql) -> AppResult<SqlResult> {
    match tokio::spawn(prepared.run()).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(AppError::Internal(format!("the SQL task failed: {e}"))),
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two instances serving one data directory: what one writes, the other reads next.
    #[tokio::test]
    async fn a_trade_write_by_one_instance_is_read_by_the_other() {
        let tmp = tempfile::tempdir().unwrap();
        let store = kaifang_store::testing::open(tmp.path()).await;
        let a = TradeData::open(tmp.path()).unwrap();
        let b = TradeData::open(tmp.path()).unwrap();
        assert_eq!(b.read().await.manifest().generation, 0);
        let options = DemoOptions {
            rows: 2_000,
            ..Default::default()
        };
        generate_demo(&store, &a, &Who::cli("test"), options, |_| true)
            .await
            .unwrap();
        let written = a.read().await.manifest().generation;
        assert!(written > 0);
        assert_eq!(b.read().await.manifest().generation, written);
        assert_eq!(
            b.read().await.manifest().partitions.len(),
            a.read().await.manifest().partitions.len()
        );
    }
}
