//! The one error type of the use cases. Each variant says whose fault it is, so that both
//! faces can answer in their own way (the API with a status and `details.field`, the command
//! line with the chain of causes) without deciding it again.

use kaifang_store::StoreError;
use kaifang_trade::TradeError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The caller's input cannot be a question: the field it came from, and why.
    #[error("{field}: {message}")]
    Field {
        field: String,
        message: String,
        /// More for machines: candidates of an ambiguous place, the known scenarios, ...
        details: Option<serde_json::Value>,
    },
    /// A file the caller gave is wrong; the message names the file, row and column.
    #[error("{0}")]
    Input(String),
    /// Values the caller gave for the zones' indicator framework do not fit it; the engine's
    /// error names the file, row and field (`location()`).
    #[error("{0}")]
    Form(kaifang_assess::AssessError),
    /// A sheet the caller gave has problems, each named by row, column and field; nothing
    /// of it was saved.
    #[error("the sheet has {} problems; nothing was saved", .0.len())]
    Sheet(Vec<kaifang_invest::sheet::SheetProblem>),
    /// What the caller asked about does not exist (the message names it).
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Trade(#[from] TradeError),
    #[error(transparent)]
    Channels(#[from] kaifang_channels::Error),
    #[error(transparent)]
    Assign(#[from] kaifang_assign::Error),
    /// Too much of this kind of work is running; the caller may try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The work was stopped on request.
    #[error("cancelled")]
    Cancelled,
    /// Something of ours that should not happen (a default dataset that does not load, a
    /// blocking task that panicked); the message is for the log.
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: impl Into<String>, message: impl std::fmt::Display) -> AppError {
        AppError::Field {
            field: field.into(),
            message: message.to_string(),
            details: None,
        }
    }

    pub fn with_details(self, details: serde_json::Value) -> AppError {
        match self {
            AppError::Field { field, message, .. } => AppError::Field {
                field,
                message,
                details: Some(details),
            },
            other => other,
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> AppError {
        AppError::Internal(format!("a background task failed: {e}"))
    }
}
