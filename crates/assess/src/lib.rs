//! Composite indicators, COINr-class: the engine behind the development zones' assessment.
//!
//! A pure library: no HTTP, no SQL, no async. The server and the CLI load the inputs, call
//! [`run`] (and, for robustness, [`uncertainty()`] and [`sensitivity()`]) and store or print
//! what comes back.
//!
//! The inputs are three files:
//! - a **framework** ([`Framework`]): the index tree, from a COINr-style `iMeta` CSV or TOML;
//! - **data** ([`Data`]): units × indicators with group and denominator columns, from a
//!   COINr-style `iData` CSV;
//! - a **pipeline** ([`Pipeline`]): the steps and their options, from TOML
//!   (`data/examples/coinr-asem.toml` rebuilds COINr's ASEM example and matches its
//!   published results).
//!
//! One module per step, each a function over the data: [`denominate`], [`impute`],
//! [`screen`], [`outliers`], [`normalise`], [`weights`], [`aggregate`]; then [`results`]
//! (scores, ranks, group ranks, strengths and weaknesses, CSV and JSON), [`uncertainty`]
//! (Monte Carlo rank intervals) and [`sensitivity`] (Sobol indices).
//!
//! Data with a `Time` column (or in long form) is a [`Panel`]; the pipeline's panel
//! imputations run on it before one year is assessed. [`report::assess`] builds what
//! officials read (rank intervals, movement, typology, suggestions), and [`zones`] holds
//! Jilin's development zones, the default framework and the synthetic demo data.
//!
//! ```no_run
//! let results = kaifang_assess::run_paths(
//!     "data/examples/coinr-asem.toml",
//!     "ASEM_iMeta.csv",
//!     "ASEM_iData.csv",
//! )?;
//! print!("{}", results.to_csv());
//! # Ok::<(), kaifang_assess::AssessError>(())
//! ```

pub mod aggregate;
pub mod data;
pub mod denominate;
pub mod error;
pub mod framework;
pub mod impute;
pub mod matrix;
pub mod normalise;
pub mod outliers;
pub mod panel;
pub mod pipeline;
pub mod report;
pub mod results;
pub mod rng;
pub mod screen;
pub mod sensitivity;
pub mod stats;
pub mod uncertainty;
pub mod weights;
pub mod zone_form;
pub mod zones;

pub use data::Data;
pub use error::{AssessError, Location};
pub use framework::Framework;
pub use panel::Panel;
pub use pipeline::{Pipeline, load, run, run_paths};
pub use results::Results;
pub use sensitivity::{Sensitivity, sensitivity, sensitivity_with};
pub use uncertainty::{Control, Uncertainty, UncertaintySpec, uncertainty, uncertainty_with};
