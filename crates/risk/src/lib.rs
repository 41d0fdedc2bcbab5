//! Risk watch (风险预警): the meeting's "strengthen risk warning and prevention, and firmly
//! maintain safety bottom lines" as a registry of indicators, each with its definition, unit,
//! the module its values come from, the department that owns it, and thresholds that turn a
//! value into a level (蓝 blue, 黄 yellow, 橙 orange, 红 red); and the rules of an alert's
//! life ([`alert`]), from raised to closed or dismissed.
//!
//! Pure: this crate knows nothing of trade records, SQL or HTTP. The use-case layer measures
//! the values in the other modules and asks [`Indicator::classify`] what level each is.

pub mod alert;
pub mod level;
pub mod registry;

pub use alert::{AlertEvent, AlertState, AlertTransitionError};
pub use level::{Level, Reading};
pub use registry::{Direction, Indicator, Registry, RiskError, Rule, Source, Threshold};
