//! Moving a whole operational database between the engines: SQLite to PostgreSQL when a
//! deployment outgrows one office, and back.
//!
//! The target is migrated by its own engine's migrations, then every table is copied in an
//! order that puts a referenced table before the tables referring to it, row by row in one
//! transaction, ids included. Before the commit the rows of every table are counted on both
//! sides; any difference rolls the whole copy back, so a target is either a complete copy or
//! untouched.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{AnyConnection, AnyPool, Executor, Row};

use crate::db::{
    Backend, Flag, Location, MIGRATOR, PG_MIGRATOR, connect, connect_postgres, tables,
};
use crate::{Result, StoreError};

/// Rows of one table in the source and, after the copy, in the target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    pub table: String,
    pub rows: i64,
}

/// How a column's values are carried across.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Text,
    Bool,
    Blob,
}

/// Copies the operational database at `from` into the empty database at `to`; returns the
/// rows of each table. `progress` sees each table as it is done (table, rows).
pub async fn copy_database(
    from: &Location,
    to: &Location,
    mut progress: impl FnMut(&str, i64),
) -> Result<Vec<Copied>> {
    let source = open(from, false).await?;
    let target = open(to, true).await?;
    let present = tables(&target, to.backend()).await?;
    if !present.is_empty() {
        return Err(StoreError::Conflict(format!(
            "{} holds tables already; copy into an empty database (or schema)",
            to.display().display()
        )));
    }
    match to.backend() {
        Backend::Sqlite => MIGRATOR.run(&target).await?,
        Backend::Postgres => PG_MIGRATOR.run(&target).await?,
    }
    let order = table_order(&source, from.backend()).await?;
    let mut read = source.acquire().await?;
    let mut tx = target.begin().await?;
    let mut copied = Vec::with_capacity(order.len());
    for table in &order {
        let columns = columns(&mut read, from.backend(), table).await?;
        let rows = copy_table(&mut read, &mut tx, table, &columns).await?;
        if to.backend() == Backend::Postgres && columns.iter().any(|(c, _)| c == "id") {
            let identity: Option<String> =
                sqlx::query_scalar("SELECT CAST(pg_get_serial_sequence($1, 'id') AS TEXT)")
                    .bind(table.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
            if identity.is_some() {
                // Ids were written explicitly; the identity must continue after them.
                tx.execute(
                    format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )
                    .as_str(),
                )
                .await?;
            }
        }
        progress(table, rows);
        copied.push(Copied {
            table: table.clone(),
            rows,
        });
    }
    for c in &copied {
        let there: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", c.table))
            .fetch_one(&mut *tx)
            .await?;
        let here: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", c.table))
            .fetch_one(&mut *read)
            .await?;
        if there != c.rows || here != c.rows {
            return Err(StoreError::Conflict(format!(
                "table {}: {here} rows in the source, {} read, {there} in the target; \
                 nothing was copied",
                c.table, c.rows
            )));
        }
    }
    tx.commit().await?;
    drop(read);
    source.close().await;
    target.close().await;
    Ok(copied)
}

async fn open(at: &Location, create: bool) -> Result<AnyPool> {
    match at {
        Location::Sqlite(path) => {
            if !create && !path.is_file() {
                return Err(StoreError::NotFound(format!("database {}", path.display())));
            }
            if create && path.exists() {
                return Err(StoreError::Conflict(format!(
                    "{} exists already; copy into a new file",
                    path.display()
                )));
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
            }
            connect(path, create, false).await
        }
        Location::Postgres(url) => connect_postgres(url).await,
    }
}

/// The operational tables (the migration history is each engine's own), referenced tables
/// first, then by name.
async fn table_order(pool: &AnyPool, backend: Backend) -> Result<Vec<String>> {
    let refs_sql = match backend {
        Backend::Sqlite => {
            "SELECT m.name, p.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) p \
             WHERE m.type = 'table'"
        }
        Backend::Postgres => {
            "SELECT CAST(cl.relname AS TEXT), CAST(ft.relname AS TEXT) FROM pg_constraint c \
             JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class ft ON ft.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = cl.relnamespace \
             WHERE c.contype = 'f' AND n.nspname = current_schema()"
        }
    };
    let mut tables = tables(pool, backend).await?;
    tables.retain(|t| t != "_sqlx_migrations");
    let refs: Vec<(String, String)> = sqlx::query_as(refs_sql).fetch_all(pool).await?;
    let mut needs: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    for (table, referenced) in refs {
        if table != referenced {
            needs.entry(table).or_default().insert(referenced);
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    let mut placed = BTreeSet::new();
    while order.len() < needs.len() {
        let ready: Vec<String> = needs
            .iter()
            .filter(|(t, deps)| !placed.contains(*t) && deps.iter().all(|d| placed.contains(d)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Conflict(
                "the tables refer to each other in a cycle; no order copies them".into(),
            ));
        }
        for t in ready {
            placed.insert(t.clone());
            order.push(t);
        }
    }
    Ok(order)
}

/// The columns of `table` in order, with how each is carried.
async fn columns(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, Kind)>> {
    let rows: Vec<(String, String)> = match backend {
        Backend::Sqlite => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut *conn)
                .await?
        }
        Backend::Postgres => {
            sqlx::query_as(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.into_iter()
        .map(|(name, ty)| {
            let t = ty.to_ascii_lowercase();
            let kind = if t.contains("bool") {
                Kind::Bool
            } else if t.contains("int") {
                Kind::Integer
            } else if t.contains("real") || t.contains("double") || t.contains("float") {
                Kind::Real
            } else if t.contains("blob") || t.contains("bytea") {
                Kind::Blob
            } else if t.contains("text") || t.contains("char") {
                Kind::Text
            } else {
                return Err(StoreError::Conflict(format!(
                    "table {table}, column {name}: type {ty:?} is not one the copy knows"
                )));
            };
            Ok((name, kind))
        })
        .collect()
}

/// Copies every row of `table`, ordered by its first column (the id, where it has one, so
/// that a row referring to an earlier row of its own table comes after it).
async fn copy_table(
    read: &mut AnyConnection,
    write: &mut AnyConnection,
    table: &str,
    columns: &[(String, Kind)],
) -> Result<i64> {
    let select = columns
        .iter()
        .map(|(c, k)| match k {
            // The `Any` driver refuses SQLite's BOOLEAN columns; an integer crosses both ways.
            Kind::Bool => format!("CAST(\"{c}\" AS INTEGER)"),
            _ => format!("\"{c}\""),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let names = columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let params = (1..=columns.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!("INSERT INTO {table} ({names}) VALUES ({params})");
    let rows = sqlx::query(&format!("SELECT {select} FROM {table} ORDER BY 1"))
        .fetch_all(&mut *read)
        .await?;
    for row in &rows {
        let mut q = sqlx::query(&insert);
        for (i, (name, kind)) in columns.iter().enumerate() {
            let bad =
                |e: sqlx::Error| StoreError::Conflict(format!("table {table}, column {name}: {e}"));
            q = match kind {
                Kind::Integer => q.bind(row.try_get::<Option<i64>, _>(i).map_err(bad)?),
                Kind::Real => q.bind(row.try_get::<Option<f64>, _>(i).map_err(bad)?),
                Kind::Text => q.bind(row.try_get::<Option<String>, _>(i).map_err(bad)?),
                Kind::Blob => q.bind(row.try_get::<Option<Vec<u8>>, _>(i).map_err(bad)?),
                Kind::Bool => q.bind(
                    row.try_get::<Option<Flag>, _>(i)
                        .map_err(bad)?
                        .map(bool::from),
                ),
            };
        }
        q.execute(&mut *write).await?;
    }
    Ok(rows.len() as i64)
}
