//! Test support: a fresh data directory on the engine a test run asks for.
//!
//! The store's, the server's and the command line's tests run on SQLite. When
//! `KAIFANG_TEST_POSTGRES` holds a PostgreSQL URL, the directories made here are configured
//! to keep their database there instead, each in a schema of its own, so that the same
//! tests run on both engines and never see each other's rows.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{ConnectOptions, Connection, Executor};

use crate::{DataDir, Store};

/// The PostgreSQL server the tests are asked to run on, if any.
pub fn postgres() -> Option<String> {
    std::env::var("KAIFANG_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// Makes `path` a data directory for one test: on SQLite, nothing more than the directory;
/// on PostgreSQL (see the module), a new schema and a `kaifang.toml` that names it.
pub async fn data_dir(path: &Path) -> DataDir {
    let dir = DataDir::new(path);
    dir.create().expect("create the test's data directory");
    if let Some(server) = postgres() {
        let url = new_schema(&server).await;
        std::fs::write(
            dir.config_path(),
            format!("[database]\nurl = {}\n", toml_string(&url)),
        )
        .expect("write the test's kaifang.toml");
    }
    dir
}

/// A fresh data directory at `path`, opened (see [`data_dir`]).
pub async fn open(path: &Path) -> Store {
    let dir = data_dir(path).await;
    Store::open(&dir, true).await.expect("open the test store")
}

/// A connection pool of the test's own to the database of `dir`, to set up what the API
/// cannot (a token past its expiry, a session left idle).
pub async fn raw_pool(dir: &DataDir) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match crate::db::Location::of(dir).expect("the test's configuration") {
        crate::db::Location::Postgres(url) => url,
        crate::db::Location::Sqlite(path) => sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .to_url_lossy()
            .to_string(),
    };
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, meta| {
            Box::pin(async move {
                if meta.age.is_zero() && conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .expect("open the test's database")
}

/// Creates a schema for one test and returns the URL that selects it. Schemas that earlier
/// runs left behind (named with their creation time) are dropped after a day.
async fn new_schema(server: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(server)
        .await
        .expect("KAIFANG_TEST_POSTGRES: connect");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if SEQ.load(Ordering::Relaxed) == 0 {
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(nspname AS TEXT) FROM pg_namespace WHERE nspname LIKE 'kt\\_%'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("list test schemas");
        for name in old {
            let born = name
                .split('_')
                .nth(1)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            if now.saturating_sub(born) > 86_400 {
                let _ = conn
                    .execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
                    .await;
            }
        }
    }
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let schema = format!(
        "kt_{now}_{}_{seq}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    );
    conn.execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("create the test's schema");
    let _ = conn.close().await;
    let sep = if server.contains('?') { '&' } else { '?' };
    format!("{server}{sep}options=-c%20search_path%3D{schema}")
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether `path`'s store is on PostgreSQL (some tests look at SQLite's files themselves).
pub fn on_postgres(dir: &DataDir) -> bool {
    matches!(
        crate::db::Location::of(dir),
        Ok(crate::db::Location::Postgres(_))
    )
}
