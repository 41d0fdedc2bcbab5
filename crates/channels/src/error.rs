//! The crate's one error type. Input errors name the file, the feature (or row) and the
//! field, so that whoever fixes the data knows where to look.

use std::fmt;

use crate::geo::LonLat;
use crate::passage::PassageSet;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not valid JSON: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    /// A problem with one GeoJSON feature; `feature` is its 0-based index in `features`.
    #[error("{file}, feature {feature}, field {field}: {message}")]
    Feature {
        file: String,
        feature: usize,
        field: String,
        message: String,
    },
    /// A problem with the file as a whole (wrong top-level type, nothing usable in it).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A problem with one row of a CSV file; `row` is the line number (the header is line 1).
    #[error("{file}, row {row}, field {field}: {message}")]
    Row {
        file: String,
        row: u64,
        field: String,
        message: String,
    },
    #[error("invalid network: {0}")]
    InvalidGraph(String),
    #[error("no place matches {0:?} (try a Chinese or English name, a UN/LOCODE, or LAT,LON)")]
    UnknownPlace(String),
    #[error("{query:?} matches several places: {}", candidates.join("; "))]
    AmbiguousPlace {
        query: String,
        candidates: Vec<String>,
    },
    #[error("scenario {scenario}: {message}")]
    Scenario { scenario: String, message: String },
    #[error(transparent)]
    NoRoute(Box<crate::routing::NoRoute>),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A field of a request that cannot be a question (see `RouteRequest::resolve`).
    #[error("{field}: {source}")]
    Field {
        field: &'static str,
        #[source]
        source: Box<Error>,
    },
    #[error(transparent)]
    Unreachable(Box<Unreachable>),
}

impl Error {
    pub(crate) fn row(file: &str, row: u64, field: &str, message: String) -> Error {
        Error::Row {
            file: file.to_string(),
            row,
            field: field.to_string(),
            message,
        }
    }
}

/// Why no route exists: what blocks it, so the answer to "why not?" is in the error.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Unreachable {
    pub from: LonLat,
    pub to: LonLat,
    pub avoid: PassageSet,
    pub cause: Blockage,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blockage {
    /// Every route passes a passage the query avoids. `blocking` are the avoided passages on
    /// the best route without restrictions, of `open_route_km`; opening them would allow it.
    Passages {
        blocking: PassageSet,
        open_route_km: f64,
    },
    /// Origin and destination snap to parts of the network that no lane connects.
    Disconnected {
        origin_part_nodes: usize,
        destination_part_nodes: usize,
    },
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no sea route from ({:.4}, {:.4}) to ({:.4}, {:.4})",
            self.from.lon, self.from.lat, self.to.lon, self.to.lat
        )?;
        if !self.avoid.is_empty() {
            write!(f, " avoiding {}", self.avoid)?;
        }
        match &self.cause {
            Blockage::Passages {
                blocking,
                open_route_km,
            } => write!(
                f,
                ": every route passes {blocking}; with it open the route is {open_route_km:.0} km"
            ),
            Blockage::Disconnected {
                origin_part_nodes,
                destination_part_nodes,
            } => write!(
                f,
                ": origin and destination are in unconnected parts of the network \
                 ({origin_part_nodes} and {destination_part_nodes} nodes)"
            ),
        }
    }
}

impl std::error::Error for Unreachable {}
