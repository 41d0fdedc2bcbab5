//! Setting up a data directory: for serving (an empty one gets the demo), as a new empty
//! installation with one administrator, or as the demo; and opening one for a command that
//! changes it.

use kaifang_model::{Password, Username};
use kaifang_store::audit::Who;
use kaifang_store::{Config, DataDir, DirLock, Store, StoreError};

use crate::error::{AppError, AppResult};
use crate::trade;

/// A data directory opened for serving: locked, migrated, with the demo loaded if it was new.
pub struct Prepared {
    pub lock: DirLock,
    pub store: Store,
    pub config: Config,
    /// True when this start created the directory and loaded the demo into it.
    pub created_demo: bool,
    /// The database holds the demo (synthetic accounts and work).
    pub demo: bool,
    /// No account exists yet: the first administrator is made with a setup token.
    pub needs_setup: bool,
}

/// What `serve` was asked for, beyond the data directory's configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServeOptions {
    /// Listen here instead of `server.addr`.
    pub addr: Option<std::net::SocketAddr>,
    /// Fill an empty directory with the demo even on an address others can reach.
    pub demo: bool,
}

/// How a first start fills an empty data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstStart {
    /// The demo, whose accounts share a published password: only where nobody else can
    /// reach the server (a loopback address), or when asked for.
    Demo,
    /// The organisation registry and no account; the first administrator is made with a
    /// one-time setup token printed to the log, or with `kaifang user add`.
    Setup,
}

impl FirstStart {
    pub fn for_address(addr: std::net::SocketAddr, demo_asked: bool) -> FirstStart {
        if demo_asked || addr.ip().is_loopback() {
            FirstStart::Demo
        } else {
            FirstStart::Setup
        }
    }
}

/// Locks and opens `dir` for serving. Writes a crash interrupted are concluded first
/// ([`crate::recover`]). An empty or missing directory gets the demo data, the
/// synthetic trade records included, when served on a loopback address or asked for (see
/// [`FirstStart`]), and the bare registry otherwise; an existing one is used as it is (and
/// refused if corrupt or written by a newer version). `env` reads the `KAIFANG_*` overrides.
pub async fn prepare(
    dir: &DataDir,
    env: impl Fn(&str) -> Option<String>,
    options: &ServeOptions,
) -> AppResult<Prepared> {
    let fresh = !Store::exists(dir).await?;
    // On PostgreSQL several instances serve one directory (shared on a network file system
    // or a volume they all mount); on SQLite one process has it to itself.
    let lock = match kaifang_store::Location::of(dir)? {
        kaifang_store::Location::Postgres(_) => dir.lock_shared()?,
        kaifang_store::Location::Sqlite(_) => dir.lock()?,
    };
    let mut config = Config::load(&dir.config_path(), &env)?;
    if let Some(addr) = options.addr {
        config.server.addr = addr.to_string();
    }
    let addr = config.server.addr.parse().map_err(|_| {
        AppError::field(
            "server.addr",
            format!("{:?} is not an address", config.server.addr),
        )
    })?;
    let store = Store::open(dir, fresh).await?;
    // Another instance starting at the same moment on an empty PostgreSQL database waits here
    // until this one has filled it, then finds it filled.
    let turn = store.first_start_turn().await?;
    let mut created_demo = false;
    if store.is_empty().await? {
        match FirstStart::for_address(addr, options.demo) {
            FirstStart::Demo => {
                store.load_demo(&Who::cli("serve")).await?;
                seed_projects(&store, dir).await?;
                created_demo = true;
            }
            FirstStart::Setup => {
                store.initialise_registry(&Who::cli("serve")).await?;
                crate::cooperation::seed_reference(&store, &Who::cli("serve")).await?;
            }
        }
    }
    if created_demo {
        trade::ensure_demo(&store, trade::demo_rows(&env), &Who::cli("serve"), |_| true).await?;
    }
    turn.end().await;
    write_config_template(dir)?;
    let reconciled = crate::recover::reconcile(&store).await?;
    if reconciled != crate::recover::Reconciled::default() {
        tracing::warn!(
            trade_writes = reconciled.trade,
            backups = reconciled.backups,
            jobs = reconciled.jobs,
            "writes interrupted by the previous process were concluded in the audit log as the files show"
        );
    }
    let interrupted = store.fail_interrupted_jobs().await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "jobs left running by the previous process were marked failed"
        );
    }
    let demo = store.is_demo().await?;
    let needs_setup = !store.has_users().await?;
    Ok(Prepared {
        lock,
        store,
        config,
        created_demo,
        demo,
        needs_setup,
    })
}

/// A new, empty installation: the organisation registry and one administrator.
pub async fn init(dir: &DataDir, admin: &Username, password: &Password) -> AppResult<()> {
    if Store::exists(dir).await? {
        return Err(AppError::field(
            "data-dir",
            format!(
                "{} holds a database already; refusing to overwrite it",
                dir.root().display()
            ),
        ));
    }
    let lock = dir.lock()?;
    let store = Store::open(dir, true).await?;
    store.initialise(&Who::cli("init"), admin, password).await?;
    crate::cooperation::seed_reference(&store, &Who::cli("init")).await?;
    write_config_template(dir)?;
    store.close().await;
    drop(lock);
    Ok(())
}

/// What `demo` loaded.
#[derive(Debug, Clone)]
pub struct DemoLoaded {
    /// Rows of synthetic trade records generated now (0: the trade data was there already).
    pub trade_rows: u64,
}

/// Loads the demo into `dir`: the registry, the synthetic accounts, directives and appeals,
/// and — as `serve` does for a new directory — the synthetic trade records when the directory
/// holds no trade data. `reset` replaces an existing database (and its uploads); trade data
/// the directory holds already is kept. `progress` sees the trade generation's fraction done.
pub async fn demo(
    dir: &DataDir,
    reset: bool,
    trade_rows: u64,
    progress: impl FnMut(f64) -> bool + Send + 'static,
) -> AppResult<DemoLoaded> {
    let lock = dir.lock()?;
    if reset {
        Store::erase(dir).await?;
        remove(&dir.uploads_dir(), |p| std::fs::remove_dir_all(p))?;
    } else if Store::exists(dir).await? {
        return Err(AppError::field(
            "data-dir",
            format!(
                "{} holds a database already; use `kaifang demo --reset` to replace it with the demo",
                dir.root().display()
            ),
        ));
    }
    let store = Store::open(dir, true).await?;
    let who = Who::cli("demo");
    store.load_demo(&who).await?;
    seed_projects(&store, dir).await?;
    let generated = trade::ensure_demo(&store, trade_rows, &who, progress).await?;
    write_config_template(dir)?;
    // The demo's first risk evaluation: its alerts are computed from the demo data, as the
    // server's daily one would, so the alert board is not empty on the first visit.
    let config = Config::load(&dir.config_path(), |_| None)?;
    let rules = kaifang_store::rules::Rules::from_config(&config.work)?;
    let trade_data = trade::TradeData::open(dir.root())?;
    crate::risk::evaluate_and_raise(
        &Default::default(),
        &store,
        &trade_data,
        &rules,
        None,
        kaifang_store::rules::today_in_china(),
        &who,
    )
    .await?;
    store.close().await;
    drop(lock);
    Ok(DemoLoaded {
        trade_rows: generated.map_or(0, |r| r.rows),
    })
}

/// Opens an initialised directory for a command that changes it, holding its lock.
pub async fn open_locked(
    dir: &DataDir,
    env: impl Fn(&str) -> Option<String>,
) -> AppResult<(DirLock, Store)> {
    if !dir.is_initialised() {
        return Err(AppError::field(
            "data-dir",
            format!(
                "{} is not a Kaifang data directory (no kaifang.db); run `kaifang init` or `kaifang serve` first",
                dir.root().display()
            ),
        ));
    }
    let lock = dir.lock()?;
    Config::load(&dir.config_path(), env)?;
    let store = Store::open(dir, false).await?;
    Ok((lock, store))
}

/// Writes `kaifang.toml` with every key commented, unless the directory has one.
fn write_config_template(dir: &DataDir) -> AppResult<()> {
    if !dir.config_path().exists() {
        std::fs::write(dir.config_path(), Config::template())
            .map_err(StoreError::io(dir.config_path()))?;
    }
    Ok(())
}

/// Removes a file or folder that may not exist.
fn remove(
    path: &std::path::Path,
    how: impl FnOnce(&std::path::Path) -> std::io::Result<()>,
) -> AppResult<()> {
    match how(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(path.to_path_buf())(e).into()),
    }
}

/// The demo's investment projects, checked against the negative lists the directory knows, and
/// the cooperation registry: its sourced partners, then the demo's synthetic ones, exchanges
/// linked to those projects, and arrivals.
async fn seed_projects(store: &Store, dir: &DataDir) -> AppResult<()> {
    let lists = crate::invest::NegativeLists::load(Some(&dir.root().join("negative-list")))?;
    let today = kaifang_store::rules::today_in_china();
    crate::invest::seed_demo(store, &lists, today).await?;
    crate::cooperation::seed_demo(store, &Who::cli("demo"), today).await?;
    Ok(())
}
