//! The crate's one error type.

use std::path::PathBuf;

/// Where in an input file a problem is: file, 1-based row (as a spreadsheet shows it) and
/// column header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub row: usize,
    pub column: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, row {}", self.file.display(), self.row)?;
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TradeError {
    /// A value in an input file that cannot be taken.
    #[error("{at}: {message}")]
    Input { at: Location, message: String },
    /// A problem with a whole file (encoding, header, format).
    #[error("{}: {message}", file.display())]
    File { file: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the trade store is damaged: {0}")]
    Corrupt(String),
    #[error("query refused: {0}")]
    Refused(String),
    #[error("invalid argument: {0}")]
    Argument(String),
    #[error("import cancelled; the store is unchanged")]
    Cancelled,
    /// The Ballista cluster did not answer or failed the query; the message names it.
    #[error("{0}")]
    Cluster(String),
    #[error("query engine: {0}")]
    Engine(#[from] datafusion::error::DataFusionError),
    #[error("parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}

pub type Result<T, E = TradeError> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> TradeError {
    let path = path.into();
    move |source| TradeError::Io { path, source }
}
