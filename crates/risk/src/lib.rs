//! Risk watch (风险预警): the meeting's "strengthen risk warning and prevention, and firmly
//! maintain safety bottom lines" as a registry of indicators, each with its definition, unit,
//! the module its values come from, the department that owns it, and thresholds that turn a
//! value into a level (蓝 blue, 黄 yellow, 橙 orange, 红 red); and the rules of an alert's
//! life ([`alert`]), from raised to closed or dismissed.
//!
//! Pure: this crate knows nothing of trade records, SQL or HTTP. The use-case layer measures
//! the values in the other modules and asks [`Indicator::classify`] what level each is.
//!
//! [`forecast`] adds warnings from forecasts: a monthly series is forecast with 80 % and
//! 95 % prediction intervals (STL + exponential smoothing, optionally aware of the Spring
//! Festival's move between January and February), and [`check_latest`] tells whether the
//! latest value falls outside the band its history predicted. [`backtest`] measures how
//! good those forecasts are (MASE, sMAPE, interval coverage).

pub mod alert;
pub mod forecast;
pub mod level;
pub mod registry;

pub use alert::{AlertEvent, AlertState, AlertTransitionError};
pub use forecast::{
    Accuracy, BandCheck, Forecast, ForecastError, Options, SpringFestival, backtest, check_latest,
    spring_festival_date,
};
pub use level::{Level, Reading};
pub use registry::{Direction, Indicator, Registry, RiskError, Rule, Source, Threshold};
