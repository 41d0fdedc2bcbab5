//! Foreign-trade statistics for the Department of Commerce: customs records imported from
//! the China Customs statistics platform (or Kaifang's canonical layout), stored as Parquet
//! in the data directory, and analysed on Apache DataFusion the way Chinese trade statistics
//! are read: month and year to date, year-on-year growth, contributions, shares.
//!
//! A thin face (HTTP handler, CLI command) opens a [`TradeStore`] and calls one function:
//! [`summary`], [`breakdown`], [`trend`], [`enterprise_dynamics`], [`concentration`],
//! [`rca`], [`price_volume`], or [`TradeStore::sql`]. Nothing here knows of HTTP.

mod agg;
pub mod analytics;
mod cell;
pub mod codes;
mod csv_rows;
pub mod demo;
mod drill;
mod error;
mod import;
pub mod lookup;
mod memory;
mod record;
mod store;
mod sums;

pub use analytics::{
    Breakdown, Concentration, ConcentrationOf, Dimension, Dynamics, Filter, FlowDynamics, FlowKpi,
    Kpi, PriceVolume, PriceVolumeRow, Rca, RcaRow, Row, Summary, TrendPoint, breakdown,
    concentration, concentration_of, enterprise_dynamics, price_volume, rca, summary, trend,
};
pub use codes::{Flow, Ownership, Period};
pub use drill::{Slice, breakdown_from_records, breakdown_in, trend_from_records, trend_in};
pub use error::{Location, Result, TradeError};
#[doc(hidden)]
pub use import::fuzzing;
pub use memory::bound_resident_memory;
pub use store::{
    ClusterUrl, Engine, ImportOptions, ImportReport, Manifest, PartitionEntry, PreparedSql,
    SqlLimits, SqlResult, TradeStore, WriteLock, copy_generation, generation_bytes, lock,
    read_manifest,
};
