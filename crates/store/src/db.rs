//! Opening the operational database: refuse what we cannot trust, then migrate.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;

use crate::{DataDir, Result, StoreError};

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The open operational database of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
    pub(crate) dir: DataDir,
}

/// The newest schema version this binary knows.
pub fn known_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Store {
    /// A transaction that writes. It takes the write lock at its start (`BEGIN IMMEDIATE`), so
    /// that it waits for another writer within the busy timeout; a deferred one that read
    /// first would fail at once on its first write if another had written meanwhile.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Opens (creating if `create`) the database of `dir`, refuses a corrupt database or one
    /// written by a newer binary without touching it, and applies pending migrations.
    pub async fn open(dir: &DataDir, create: bool) -> Result<Store> {
        let path = dir.db_path();
        if !create && !path.is_file() {
            return Err(StoreError::NotFound(format!(
                "database {} (run `kaifang init` or `kaifang serve` first)",
                path.display()
            )));
        }
        dir.create()?;
        check_header(&path)?;
        let pool = connect(&path, create, false).await?;
        inspect(&pool, &path).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store {
            pool,
            dir: dir.clone(),
        })
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// Checkpoints the WAL and closes all connections.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
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
        tx: &mut sqlx::SqliteConnection,
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

pub(crate) async fn connect(path: &Path, create: bool, read_only: bool) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .read_only(read_only)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a committed transaction survives power loss, not only a killed process.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .connect_with(options)
        .await
        .map_err(|e| corrupt_or_db(path, e))
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
pub(crate) async fn inspect(pool: &SqlitePool, path: &Path) -> Result<()> {
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
