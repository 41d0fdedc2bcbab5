//! The crate's one error type. Input errors name the file, the line and the field.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A problem with the file as a whole (missing metadata, counts that disagree).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A problem with one line; `line` is 1-based.
    #[error("{file}, line {line}, field {field}: {message}")]
    Line {
        file: String,
        line: u64,
        field: String,
        message: String,
    },
    /// The network or demand handed to the engine is inconsistent.
    #[error("invalid problem: {0}")]
    Invalid(String),
}

impl Error {
    pub(crate) fn line(file: &str, line: u64, field: &str, message: impl Into<String>) -> Error {
        Error::Line {
            file: file.to_string(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn file(file: &str, message: impl Into<String>) -> Error {
        Error::File {
            file: file.to_string(),
            message: message.into(),
        }
    }
}
