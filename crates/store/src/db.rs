//! Opening the operational database: refuse what we cannot trust, then migrate.
//!
//! Two engines run the same SQL through sqlx's `Any` driver: SQLite, a file in the data
//! directory (the default), and PostgreSQL, when `[database] url` names one. The business SQL
//! is written once, in the subset both speak ($N placeholders, RETURNING, ON CONFLICT, text
//! timestamps); only opening, checking and the write lock differ, and they live here.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyTypeInfo, AnyValueRef};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Row};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use crate::{Config, DataDir, Result, StoreError};

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");
/// The same migrations, same names and versions, in PostgreSQL's dialect.
pub(crate) static PG_MIGRATOR: Migrator = sqlx::migrate!("./migrations-postgres");

/// Which engine holds the operational database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The open operational database of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) dir: DataDir,
    location: Location,
    /// How long a job's lease lasts (`jobs.lease_secs`).
    pub(crate) job_lease: time::Duration,
}

/// The newest schema version this binary knows.
pub fn known_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Every writer takes this one advisory lock on PostgreSQL, so that writes are serialised as
/// they are on SQLite: the store's read-check-write transactions rely on no other writer
/// slipping in between, and the operational write rate of a province is far below what one
/// lock can carry. (The value is arbitrary but fixed: "KAIFANG" in ASCII, truncated.)
const WRITE_LOCK: i64 = 0x004b_4149_4641_4e47;

/// Held by the one instance doing the background round (reminders, the daily risk
/// evaluation, the bulletin schedule, the mail) on a database several instances share.
const ROUND_LOCK: i64 = WRITE_LOCK + 1;

/// Held by an instance while it looks whether the database is empty and, if so, fills it (the
/// registry or the demo): two instances started at the same moment on an empty database would
/// otherwise both fill it.
const FIRST_START_LOCK: i64 = WRITE_LOCK + 2;

/// A turn that one instance at a time holds, while held (see [`Store::background_turn`] and
/// [`Store::first_start_turn`]).
pub struct Turn {
    conn: Option<sqlx::pool::PoolConnection<Any>>,
    lock: i64,
}

impl Turn {
    /// Gives the turn back, to whichever instance takes it next.
    pub async fn end(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.lock)
                .execute(&mut *conn)
                .await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        // Not ended (a panic, a cancelled task): the connection is closed rather than
        // returned to the pool, and the server releases a session's locks when it ends.
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// A boolean column as either engine hands it back. Queries select boolean columns as
/// `CAST(col AS INTEGER)`: the `Any` driver refuses a SQLite column declared BOOLEAN outright,
/// and the cast, which both engines know, leaves an integer on both; this reads it (or a
/// PostgreSQL BOOLEAN, should one be selected plainly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<Any>>::type_info()
    }
    fn compatible(_: &AnyTypeInfo) -> bool {
        // Decoding below says what was wrong if it is neither a boolean nor an integer.
        true
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        match <bool as sqlx::Decode<Any>>::decode(value.clone()) {
            Ok(b) => Ok(Flag(b)),
            Err(_) => Ok(Flag(<i64 as sqlx::Decode<Any>>::decode(value)? != 0)),
        }
    }
}

/// A JSON text column, decoded by serde rather than by the driver (the `Any` driver has no
/// JSON type; both engines keep these columns as TEXT). NULL is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonText(Option<String>);

impl sqlx::Type<Any> for JsonText {
    fn type_info() -> AnyTypeInfo {
        <String as sqlx::Type<Any>>::type_info()
    }
    fn compatible(_: &AnyTypeInfo) -> bool {
        true
    }
}

impl<'r> sqlx::Decode<'r, Any> for JsonText {
    fn decode(value: AnyValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        Ok(JsonText(<Option<String> as sqlx::Decode<Any>>::decode(
            value,
        )?))
    }
}

impl JsonText {
    fn parse<T: serde::de::DeserializeOwned>(self) -> std::result::Result<T, serde_json::Error> {
        serde_json::from_str(self.0.as_deref().unwrap_or("null"))
    }
}

/// The column types read through `JsonText`.
macro_rules! json_columns {
    ($($t:ty),*) => {$(
        impl TryFrom<JsonText> for $t {
            type Error = serde_json::Error;
            fn try_from(j: JsonText) -> std::result::Result<Self, Self::Error> {
                j.parse()
            }
        }
    )*};
}
json_columns!(
    serde_json::Value,
    Option<serde_json::Value>,
    Vec<i64>,
    Vec<u32>
);

/// Where the database is: the SQLite file of the data directory, or a PostgreSQL URL.
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// The database of `dir`: the URL in its configuration (or `KAIFANG_DATABASE_URL`), or its
    /// SQLite file.
    pub fn of(dir: &DataDir) -> Result<Location> {
        let config = Config::load(&dir.config_path(), |k| std::env::var(k).ok())?;
        Ok(Location::configured(dir, &config))
    }

    fn configured(dir: &DataDir, config: &Config) -> Location {
        match &config.database.url {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Sqlite(dir.db_path()),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }

    /// How to name it in a message: the file, or the URL without its password.
    pub fn display(&self) -> PathBuf {
        match self {
            Location::Sqlite(p) => p.clone(),
            Location::Postgres(url) => PathBuf::from(redact(url)),
        }
    }
}

/// Whether `text` names a PostgreSQL database (the only URL `[database] url` takes).
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// The URL with any password replaced, fit for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(a database URL that does not parse)".into(),
    }
}

fn install_drivers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

impl Store {
    /// A transaction that writes. It takes the write lock at its start, so that it waits for
    /// another writer (within the busy timeout on SQLite): on SQLite with `BEGIN IMMEDIATE`,
    /// since a deferred transaction that read first would fail at once on its first write if
    /// another had written meanwhile; on PostgreSQL with the advisory lock `WRITE_LOCK`.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Any>> {
        match self.backend() {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    /// Where the database is (as the configuration said when the store was opened).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The turn to do the background round, or `None` while another instance on the same
    /// PostgreSQL database does it. On SQLite the directory lock already keeps every other
    /// process out, so the turn is always this one's. The round's work is idempotent (one
    /// reminder per dedupe key, one bulletin per month, one alert per reading); the turn keeps
    /// two instances from doing it at the same moment.
    pub async fn background_turn(&self) -> Result<Option<Turn>> {
        if self.backend() == Backend::Sqlite {
            return Ok(Some(Turn {
                conn: None,
                lock: ROUND_LOCK,
            }));
        }
        let mut conn = self.pool.acquire().await?;
        let got: Flag = sqlx::query_scalar("SELECT CAST(pg_try_advisory_lock($1) AS INTEGER)")
            .bind(ROUND_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        Ok(got.0.then_some(Turn {
            conn: Some(conn),
            lock: ROUND_LOCK,
        }))
    }

    /// The turn to look whether the database is empty and fill it, waiting while another
    /// instance on the same PostgreSQL database has it; on SQLite the directory lock already
    /// keeps every other process out.
    pub async fn first_start_turn(&self) -> Result<Turn> {
        if self.backend() == Backend::Sqlite {
            return Ok(Turn {
                conn: None,
                lock: FIRST_START_LOCK,
            });
        }
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_lock($1)) AS taken")
            .bind(FIRST_START_LOCK)
            .execute(&mut *conn)
            .await?;
        Ok(Turn {
            conn: Some(conn),
            lock: FIRST_START_LOCK,
        })
    }

    /// Opens (creating if `create`) the database of `dir`, refuses a corrupt database or one
    /// written by a newer binary without touching it, and applies pending migrations.
    pub async fn open(dir: &DataDir, create: bool) -> Result<Store> {
        let config = Config::load(&dir.config_path(), |k| std::env::var(k).ok())?;
        let location = Location::configured(dir, &config);
        dir.create()?;
        let pool = match &location {
            Location::Sqlite(path) => {
                if !create && !path.is_file() {
                    return Err(StoreError::NotFound(format!(
                        "database {} (run `kaifang init` or `kaifang serve` first)",
                        path.display()
                    )));
                }
                check_header(path)?;
                let pool = connect(path, create, false).await?;
                inspect(&pool, path).await?;
                MIGRATOR.run(&pool).await?;
                pool
            }
            Location::Postgres(url) => {
                let pool = connect_postgres(url).await?;
                let shown = location.display();
                let fresh = inspect_postgres(&pool, &shown).await?;
                if fresh && !create {
                    return Err(StoreError::NotFound(format!(
                        "a Kaifang schema in {} (run `kaifang init` or `kaifang serve` first)",
                        shown.display()
                    )));
                }
                PG_MIGRATOR.run(&pool).await?;
                pool
            }
        };
        Ok(Store {
            pool,
            dir: dir.clone(),
            location,
            job_lease: time::Duration::seconds(
                i64::try_from(config.jobs.lease_secs).unwrap_or(i64::MAX),
            ),
        })
    }

    /// Whether `dir`'s database holds a Kaifang schema already: its SQLite file exists, or its
    /// PostgreSQL schema has tables. `init` and `demo` refuse to write over one.
    pub async fn exists(dir: &DataDir) -> Result<bool> {
        match Location::of(dir)? {
            Location::Sqlite(path) => Ok(path.is_file()),
            Location::Postgres(url) => {
                let pool = connect_postgres(&url).await?;
                let tables = tables(&pool, Backend::Postgres).await?;
                pool.close().await;
                Ok(!tables.is_empty())
            }
        }
    }

    /// Removes `dir`'s database, for `demo --reset`: the SQLite files, or every table, and the
    /// schema's one function, in its PostgreSQL schema. Nothing else in the schema is touched.
    pub async fn erase(dir: &DataDir) -> Result<()> {
        match Location::of(dir)? {
            Location::Sqlite(path) => {
                for p in [
                    path.clone(),
                    path.with_extension("db-wal"),
                    path.with_extension("db-shm"),
                ] {
                    match std::fs::remove_file(&p) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            return Err(StoreError::io(&p)(e));
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            Location::Postgres(url) => {
                let pool = connect_postgres(&url).await?;
                let mut tx = pool.begin().await?;
                for t in tables(&mut *tx, Backend::Postgres).await? {
                    let sql = format!(
                        "DROP TABLE IF EXISTS \"{}\" CASCADE",
                        t.replace('"', "\"\"")
                    );
                    tx.execute(sql.as_str()).await?;
                }
                tx.execute("DROP FUNCTION IF EXISTS kaifang_refuse() CASCADE")
                    .await?;
                tx.commit().await?;
                pool.close().await;
                Ok(())
            }
        }
    }

    /// The PostgreSQL schema the store's tables live in (`main` on SQLite).
    pub async fn current_schema(&self) -> Result<String> {
        match self.backend() {
            Backend::Sqlite => Ok("main".into()),
            Backend::Postgres => Ok(sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
                .fetch_one(&self.pool)
                .await?),
        }
    }

    /// The connection pool now: connections open, of them idle, and the most it opens.
    pub fn pool_figures(&self) -> (u32, usize, u32) {
        (
            self.pool.size(),
            self.pool.num_idle(),
            self.pool.options().get_max_connections(),
        )
    }

    /// How long a job's lease lasts (`jobs.lease_secs`).
    pub fn job_lease(&self) -> std::time::Duration {
        self.job_lease.unsigned_abs()
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// Checkpoints the WAL (on SQLite) and closes all connections.
    pub async fn close(self) {
        if self.backend() == Backend::Sqlite {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await;
        }
        self.pool.close().await;
    }

    /// A cheap liveness probe for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM kaifang_meta WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub(crate) async fn set_meta(
        tx: &mut sqlx::AnyConnection,
        key: &str,
        value: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO kaifang_meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(tx)
        .await?;
        Ok(())
    }

    /// Whether the directory holds the synthetic demo data.
    pub async fn is_demo(&self) -> Result<bool> {
        Ok(self.meta("demo").await?.as_deref() == Some("true"))
    }

    /// Full consistency check for `kaifang check`: integrity, foreign keys, and the schema.
    pub async fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        if self.backend() == Backend::Postgres {
            // PostgreSQL checks its pages and enforces foreign keys itself; what is left to
            // check is that every migration is applied and the files match the database.
            let applied: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(&self.pool)
                    .await?;
            let known = PG_MIGRATOR.iter().count() as i64;
            if applied != known {
                problems.push(format!("schema: {applied} of {known} migrations applied"));
            }
            problems.extend(crate::uploads::verify(self).await?);
            return Ok(problems);
        }
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let msg: String = r.try_get(0)?;
            if msg != "ok" {
                problems.push(format!("integrity: {msg}"));
            }
        }
        let fk = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&self.pool)
            .await?;
        for r in fk {
            let table: String = r.try_get(0)?;
            let rowid: Option<i64> = r.try_get(1).ok();
            problems.push(format!(
                "foreign key: {table} row {} points to a missing record",
                rowid.map_or("?".into(), |r| r.to_string())
            ));
        }
        problems.extend(crate::uploads::verify(self).await?);
        Ok(problems)
    }
}

pub(crate) async fn connect(path: &Path, create: bool, read_only: bool) -> Result<AnyPool> {
    install_drivers();
    let url = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .read_only(read_only)
        .to_url_lossy();
    let options = AnyConnectOptions::from_url(&url).map_err(|e| corrupt_or_db(path, e))?;
    AnyPoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // WAL: readers never wait for the writer. FULL: a committed transaction
                // survives power loss, not only a killed process.
                conn.execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| corrupt_or_db(path, e))
}

pub(crate) async fn connect_postgres(url: &str) -> Result<AnyPool> {
    install_drivers();
    // No prepared statements kept across executions: the `Any` driver declares a NULL's type
    // by the Rust type bound (and a NULL f64 as float4), so a statement kept from a call that
    // bound a value would meet a later call's NULL with a different declared type, which the
    // server refuses. Each statement is prepared with the types of its own call instead.
    let url = if url.contains("statement-cache-capacity=") {
        url.to_string()
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}statement-cache-capacity=0")
    };
    let url = url.as_str();
    let options = AnyConnectOptions::from_str(url).map_err(|e| StoreError::Config {
        origin: "database.url".into(),
        key: "database.url".into(),
        message: format!("{}: {e}", redact(url)),
    })?;
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _| {
            Box::pin(async move {
                // The server's notices ("relation ... already exists, skipping" at every
                // start) are not news to the person running a command.
                conn.execute("SET client_min_messages = warning").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Sqlite(format!("cannot reach {}: {e}", redact(url))))?;
    // A plain check that the connection works end to end before migrating anything.
    let mut conn = pool.acquire().await?;
    conn.ping().await?;
    Ok(pool)
}

fn corrupt_or_db(path: &Path, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d)
            if d.message().contains("not a database") || d.message().contains("malformed") =>
        {
            StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: d.message().to_string(),
            }
        }
        _ => StoreError::Db(e),
    }
}

/// A file that exists but does not start like an SQLite database is refused before SQLite
/// gets a chance to treat it as something to initialise.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path)(e)),
    };
    let mut header = [0u8; 16];
    let n = f.read(&mut header).map_err(StoreError::io(path))?;
    if n == 0 {
        return Ok(()); // an empty file is a fresh database to SQLite
    }
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: "the file is not an SQLite database".into(),
        });
    }
    Ok(())
}

/// Refuses a database that SQLite finds damaged or that carries migrations this binary does
/// not know (written by a newer version). Touches nothing.
pub(crate) async fn inspect(pool: &AnyPool, path: &Path) -> Result<()> {
    let quick: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(pool)
        .await
        .map_err(|e| corrupt_or_db(path, e))?;
    if quick != "ok" {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: quick,
        });
    }
    let has_migrations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if has_migrations == 0 {
        let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master")
            .fetch_one(pool)
            .await?;
        if tables > 0 {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: "it holds tables but no Kaifang schema history".into(),
            });
        }
        return Ok(());
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await?;
    let known = known_schema_version();
    if let Some(&unknown) = applied
        .iter()
        .find(|v| MIGRATOR.iter().all(|m| m.version != **v))
    {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: applied.iter().copied().max().unwrap_or(unknown),
            known,
        });
    }
    Ok(())
}

/// The tables of the database's schema (PostgreSQL: the current schema), the migration
/// history included.
pub(crate) async fn tables<'e>(
    on: impl sqlx::Executor<'e, Database = Any>,
    backend: Backend,
) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    Ok(sqlx::query_scalar(sql).fetch_all(on).await?)
}

/// The PostgreSQL form of `inspect`: refuses a schema that holds tables but no Kaifang
/// history, or migrations this binary does not know. Returns whether the schema is empty.
async fn inspect_postgres(pool: &AnyPool, shown: &Path) -> Result<bool> {
    let tables = tables(pool, Backend::Postgres).await?;
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        if !tables.is_empty() {
            return Err(StoreError::Corrupt {
                path: shown.to_path_buf(),
                detail: "its schema holds tables but no Kaifang schema history".into(),
            });
        }
        return Ok(true);
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await?;
    if let Some(&unknown) = applied
        .iter()
        .find(|v| PG_MIGRATOR.iter().all(|m| m.version != **v))
    {
        return Err(StoreError::TooNew {
            path: shown.to_path_buf(),
            found: applied.iter().copied().max().unwrap_or(unknown),
            known: known_schema_version(),
        });
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_creates_and_reopens() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let s = Store::open(&dir, true).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&s.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&s.pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        s.close().await;
        Store::open(&dir, false).await.unwrap();
    }

    #[tokio::test]
    async fn refuses_a_file_that_is_not_a_database_and_leaves_it_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        std::fs::write(
            dir.db_path(),
            b"this is not a database, it is a shopping list",
        )
        .unwrap();
        let e = Store::open(&dir, true).await.unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
        assert_eq!(
            std::fs::read(dir.db_path()).unwrap(),
            b"this is not a database, it is a shopping list"
        );
    }

    #[tokio::test]
    async fn refuses_a_database_from_a_newer_binary() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let s = Store::open(&dir, true).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (99990101000000, 'from the future', '2099-01-01', TRUE, x'00', 0)",
        )
        .execute(&s.pool)
        .await
        .unwrap();
        s.close().await;
        let e = Store::open(&dir, false).await.unwrap_err();
        assert!(matches!(e, StoreError::TooNew { .. }), "{e}");
        assert!(e.to_string().contains("newer"), "{e}");
    }

    #[tokio::test]
    async fn numbered_placeholders_bind_by_number_not_by_position() {
        // The SQL is written with PostgreSQL's $N placeholders; SQLite must honour the numbers.
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::open(&DataDir::new(tmp.path()), true).await.unwrap();
        let (a, b): (String, String) = sqlx::query_as("SELECT $2, $1")
            .bind("first")
            .bind("second")
            .fetch_one(&s.pool)
            .await
            .unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("second", "first"));
    }
}
