//! The data directory: configuration, the operational database, uploads and backups.
//!
//! This is the only crate that touches files in the data directory or speaks SQL. Everything
//! it hands out is plain data; callers never see a connection.
//!
//! Layout of a data directory:
//! ```text
//! kaifang.toml      configuration (optional; defaults apply)
//! kaifang.db        SQLite database in WAL mode (+ -wal and -shm while open); absent when
//!                   `[database] url` puts the database on PostgreSQL
//! kaifang.lock      held by the process that serves or changes the directory
//! uploads/ab/abcd…  uploaded files, named by SHA-256
//! trade/            the trade store (`kaifang-trade` writes it)
//! backups/          backups (a directory each: see `backup`), and what a restore replaced
//! ```

pub mod accounts;
pub mod alerts;
pub mod appeals;
pub mod audit;
pub mod backup;
pub mod bulletins;
pub mod config;
pub mod cooperation;
pub mod copy;
pub mod datadir;
pub mod db;
pub mod demo;
mod demo_work;
pub mod durable;
mod error;
pub mod invest;
pub mod jobs;
pub mod logins;
pub mod notifications;
pub mod overview;
pub mod rules;
mod step;
pub mod tasks;
pub mod testing;
pub mod uploads;
pub mod zone_data;

pub use config::Config;
pub use datadir::{DataDir, DirLock};
pub use db::{Backend, Location, Store};
pub use error::{Result, StoreError};

/// Current time as RFC 3339 UTC text with microseconds, the one timestamp format in the
/// database (sortable as text, identical in SQLite and PostgreSQL).
pub fn now() -> String {
    format_ts(time::OffsetDateTime::now_utc())
}

pub fn format_ts(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.format(&fmt).unwrap_or_else(|_| t.to_string())
}
