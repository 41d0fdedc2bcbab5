use std::path::PathBuf;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A configuration value is wrong; names the file (or variable) and the key.
    #[error("{origin}: {key}: {message}")]
    Config {
        origin: String,
        key: String,
        message: String,
    },
    #[error(
        "data directory {0} is in use by another Kaifang process (is `kaifang serve` running?)"
    )]
    Locked(PathBuf),
    #[error("{path} is not a usable Kaifang database: {detail}; refusing to open it")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path} was written by a newer Kaifang (schema version {found}; this binary knows up to {known}); refusing to open it"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error(transparent)]
    Parse(#[from] kaifang_model::ParseError),
    #[error("{file}, row {row}, field {field}: {message}")]
    Data {
        file: String,
        row: usize,
        field: String,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Sqlite(String),
    /// An event the workflow does not allow in the record's current state.
    #[error("{0}")]
    Transition(String),
    /// The record changed since the caller read it; `current` is what it is now.
    #[error("{message}")]
    Stale {
        message: String,
        current: serde_json::Value,
    },
    #[error("cancelled")]
    Cancelled,
    /// The organisation's uploads would pass their quota.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The write would leave less free disk space than the configured reserve.
    #[error("{0}")]
    DiskFull(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Someone else changed `what` (e.g. "task 3") since the caller read version `had`;
    /// `current` is the record as it is now.
    pub fn stale(what: &str, had: i64, now: i64, current: &impl serde::Serialize) -> StoreError {
        StoreError::Stale {
            message: format!(
                "{what} was changed by someone else (you had version {had}, it is now {now}); reload and try again"
            ),
            current: serde_json::to_value(current).unwrap_or_default(),
        }
    }

    /// A uniqueness violation, which callers report as a conflict rather than a fault.
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
    }
}
