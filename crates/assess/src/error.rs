//! The crate's one error type.
//!
//! Input errors carry a [`Location`] (file, row or entry, field) so that the CLI can print
//! `ASEM_iMeta.csv, row 3, field Parent: unknown parent "Phys"` and the server can put the
//! same facts into its error body without parsing the message.

use std::fmt;

/// Where in an input file a problem was found. Rows are 1-based with the header as row 1,
/// so the number matches what a spreadsheet shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// `"row"` for CSV files, `"node"` or `"step"` for entries of a TOML array of tables.
    pub unit: &'static str,
    pub index: Option<usize>,
    pub field: Option<String>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            unit: "row",
            index: None,
            field: None,
        }
    }

    pub fn row(file: impl Into<String>, row: usize) -> Self {
        Location {
            file: file.into(),
            unit: "row",
            index: Some(row),
            field: None,
        }
    }

    pub fn entry(file: impl Into<String>, unit: &'static str, index: usize) -> Self {
        Location {
            file: file.into(),
            unit,
            index: Some(index),
            field: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(i) = self.index {
            write!(f, ", {} {i}", self.unit)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        Ok(())
    }
}

/// A unit in the data that is not the framework's unit for the indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitMismatch {
    pub indicator: String,
    pub given: String,
    pub expected: String,
}

/// A value outside the indicator's valid range.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeViolation {
    pub value: f64,
    /// "below the minimum" or "above the maximum".
    pub bound: &'static str,
    pub limit: f64,
    pub indicator: String,
    pub unit: String,
}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error("{at}: cannot read the file: {source}")]
    Io {
        at: Location,
        #[source]
        source: std::io::Error,
    },
    #[error("{at}: malformed CSV: {message}")]
    Csv { at: Location, message: String },
    #[error("{at}: malformed TOML: {message}")]
    Toml { at: Location, message: String },
    #[error("{at}: unknown parent \"{parent}\"")]
    UnknownParent { at: Location, parent: String },
    #[error("{at}: duplicate code \"{code}\"")]
    DuplicateCode { at: Location, code: String },
    #[error("{at}: \"{code}\" is its own ancestor (the Parent links form a cycle)")]
    Cycle { at: Location, code: String },
    #[error("{at}: the weights of all children of \"{parent}\" are zero")]
    ZeroWeights { at: Location, parent: String },
    #[error("{at}: direction must be 1 or -1, not \"{value}\"")]
    BadDirection { at: Location, value: String },
    #[error("{at}: unknown denominator column \"{name}\"")]
    UnknownDenominator { at: Location, name: String },
    #[error("{at}: \"{value}\" is not a number")]
    NotANumber { at: Location, value: String },
    #[error("{at}: unknown column \"{name}\" (not described in the framework)")]
    UnknownColumn { at: Location, name: String },
    #[error("{at}: missing column \"{name}\"")]
    MissingColumn { at: Location, name: String },
    #[error("{at}: unit \"{unit}\" has no indicator data at all")]
    EmptyUnit { at: Location, unit: String },
    #[error("{at}: indicator {} is in \"{}\", not \"{}\"", .detail.indicator, .detail.expected, .detail.given)]
    WrongUnit {
        at: Location,
        detail: Box<UnitMismatch>,
    },
    #[error(
        "{at}: value {} is {} {} of {} ({})",
        .detail.value, .detail.bound, .detail.limit, .detail.indicator, .detail.unit
    )]
    OutOfRange {
        at: Location,
        detail: Box<RangeViolation>,
    },
    #[error("{at}: {message}")]
    Invalid { at: Location, message: String },
    /// A computation step cannot proceed with this data or these options.
    #[error("{step}: {message}")]
    Step { step: &'static str, message: String },
}

impl AssessError {
    pub(crate) fn invalid(at: Location, message: impl Into<String>) -> Self {
        AssessError::Invalid {
            at,
            message: message.into(),
        }
    }

    pub(crate) fn step(step: &'static str, message: impl Into<String>) -> Self {
        AssessError::Step {
            step,
            message: message.into(),
        }
    }

    /// The location the error points at, when it comes from an input file.
    pub fn location(&self) -> Option<&Location> {
        use AssessError::*;
        match self {
            Io { at, .. }
            | Csv { at, .. }
            | Toml { at, .. }
            | UnknownParent { at, .. }
            | DuplicateCode { at, .. }
            | Cycle { at, .. }
            | ZeroWeights { at, .. }
            | BadDirection { at, .. }
            | UnknownDenominator { at, .. }
            | NotANumber { at, .. }
            | UnknownColumn { at, .. }
            | MissingColumn { at, .. }
            | EmptyUnit { at, .. }
            | WrongUnit { at, .. }
            | OutOfRange { at, .. }
            | Invalid { at, .. } => Some(at),
            Step { .. } => None,
        }
    }
}
