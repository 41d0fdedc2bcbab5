//! Forecast-based warnings: forecast a monthly series with prediction intervals, and tell
//! whether its latest value falls outside the band the history predicted for it.
//!
//! # The model, and why
//!
//! Monthly trade series have a trend that changes slowly, a yearly pattern (season 12) and
//! noise whose size often grows with the level. Exponential smoothing (ETS, the
//! state-space form of Hyndman et al., *Forecasting with Exponential Smoothing*, 2008) fits
//! exactly that, chooses its own form (additive or multiplicative error, no, additive or
//! damped trend) by AICc, and gives prediction intervals from the model itself rather than
//! from a rule of thumb. It is the reference method for such series (statsforecast's and
//! R's `AutoETS`/`ets`), which is why the warning band is built on it.
//!
//! The library is [augurs](https://github.com/grafana/augurs) (MIT or Apache-2.0), pure
//! Rust. Its `AutoETS` (augurs-ets 0.10) fits non-seasonal models only: its seasonal models
//! are not implemented yet (fitting one ends in `unimplemented!`), and neither are the
//! intervals of several seasonal forms. Its own answer for seasonal data is MSTL: remove the
//! seasonal pattern with an STL decomposition, forecast the seasonally adjusted series with
//! ETS, add the last seasonal pattern back (R's `stlf`). That is what this module does, with
//! the STL implementation augurs' MSTL uses (`stlrs`) and its default seasonal span for one
//! period, called directly rather than through `augurs-mstl` so that the chosen ETS form can
//! be reported in [`Forecast::model`]. MSTL's point, several seasonal periods at once (daily
//! and weekly in hourly data), does not arise in monthly data: one period, 12, is all there
//! is. Two choices of our own:
//! - positive series are fitted on the raw and on the log scale and the one with the
//!   smaller in-sample one-step error is kept: a seasonal swing that grows with the level
//!   (most trade series) is additive only on the log scale. On the log scale the point
//!   forecast is the median, and the bounds are the log-scale bounds transformed back.
//! - the intervals are ETS's on the seasonally adjusted series, widened. Taken as they are
//!   (as R's `stlf` does) they are too narrow: STL's seasonal smoother takes part of the
//!   noise for pattern, so ETS sees less noise than there is, and the repeated last season
//!   carries its own estimation error. On simulated series the 80 % interval covered 69 %
//!   and the 95 % one 88 %. Non-robust STL is linear in the data, so both effects are
//!   measured by running STL on a few fixed white-noise probes of the same length, and the
//!   interval's variance is divided by the share of noise STL leaves and increased by the
//!   variance of the last season's estimate; the coverage test in `tests/forecast.rs`
//!   checks the result (about 78 % and 93 % there).
//!
//! # Spring Festival
//!
//! See [`calendar`]: with [`Options::spring_festival`] set, January and February are
//! forecast as one period and split by the year's festival date.
//!
//! # Bounds
//!
//! Every input is bounded: at most [`MAX_LEN`] values, a horizon of 1 to [`MAX_HORIZON`],
//! a season of 1 to [`MAX_SEASON`], finite values only, and at least two seasons of history.

pub mod accuracy;
pub mod calendar;
mod model;

use serde::Serialize;

pub use accuracy::{Accuracy, backtest, mase, smape};
pub use calendar::{SpringFestival, january_exposure, spring_festival_date};

/// The longest history accepted: 50 years of months.
pub const MAX_LEN: usize = 600;
/// The longest horizon: three years of months.
pub const MAX_HORIZON: usize = 36;
/// The longest season: two years of months, or 24 hours.
pub const MAX_SEASON: usize = 24;
/// The most rolling origins [`backtest`] evaluates (one fit each).
pub const MAX_ORIGINS: usize = 120;

/// What a forecast refuses, or why it failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ForecastError {
    /// More values than [`MAX_LEN`].
    #[error("the series has {len} values; at most {max} are accepted")]
    TooLong { len: usize, max: usize },
    /// Fewer values than [`min_len`].
    #[error("the series has {len} values; at least {min} are needed (two seasons)")]
    TooShort { len: usize, min: usize },
    /// A NaN or infinite value, by its index.
    #[error("value {index} of the series is not a finite number")]
    NotFinite { index: usize },
    /// A horizon of 0 or over [`MAX_HORIZON`].
    #[error("horizon {horizon}: it must be 1 to {max}")]
    Horizon { horizon: usize, max: usize },
    /// A season of 0 or over [`MAX_SEASON`].
    #[error("season {season}: it must be 1 (none) to {max}")]
    Season { season: usize, max: usize },
    /// The Spring Festival calendar does not fit the series.
    #[error("Spring Festival: {0}")]
    Calendar(String),
    /// A backtest asked for more than the history can give.
    #[error("backtest: {0}")]
    Backtest(String),
    /// The model could not be fitted to this series.
    #[error("model: {0}")]
    Model(String),
}

/// How to forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Options {
    /// Values per seasonal cycle: 12 for monthly data, 1 for none.
    pub season: usize,
    /// The series' calendar, when January and February should follow the Spring Festival
    /// (monthly data only: `season` must be 12).
    pub spring_festival: Option<SpringFestival>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            season: 12,
            spring_festival: None,
        }
    }
}

/// A forecast: the point forecast and its 80 % and 95 % prediction intervals, step by step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Forecast {
    pub mean: Vec<f64>,
    pub lower_80: Vec<f64>,
    pub upper_80: Vec<f64>,
    pub lower_95: Vec<f64>,
    pub upper_95: Vec<f64>,
    /// The model that was fitted, e.g. `STL(12) + ETS(A,Ad,N) on log scale`.
    pub model: String,
}

/// The latest value against the band its history predicted: what a warning is raised on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct BandCheck {
    pub actual: f64,
    pub expected: f64,
    pub lower_80: f64,
    pub upper_80: f64,
    pub lower_95: f64,
    pub upper_95: f64,
    pub outside_80: bool,
    pub outside_95: bool,
    /// The model fitted on the history before the latest value.
    pub model: String,
}

/// The fewest values a forecast needs with these options.
pub fn min_len(options: &Options) -> usize {
    // Two full seasons for STL to separate season from trend, and enough for ETS's few
    // parameters when there is no season; two more months with the festival because a
    // leading February and a trailing January fall out of the combined series.
    let base = (2 * options.season).max(10);
    if options.spring_festival.is_some() {
        base + 2
    } else {
        base
    }
}

fn check_options(options: &Options, horizon: usize) -> Result<(), ForecastError> {
    if options.season == 0 || options.season > MAX_SEASON {
        return Err(ForecastError::Season {
            season: options.season,
            max: MAX_SEASON,
        });
    }
    if horizon == 0 || horizon > MAX_HORIZON {
        return Err(ForecastError::Horizon {
            horizon,
            max: MAX_HORIZON,
        });
    }
    if options.spring_festival.is_some() && options.season != 12 {
        return Err(ForecastError::Calendar(format!(
            "the holiday-aware forecast is for monthly data (season 12), not season {}",
            options.season
        )));
    }
    Ok(())
}

fn check_series(history: &[f64], options: &Options) -> Result<(), ForecastError> {
    if history.len() > MAX_LEN {
        return Err(ForecastError::TooLong {
            len: history.len(),
            max: MAX_LEN,
        });
    }
    if let Some(index) = history.iter().position(|v| !v.is_finite()) {
        return Err(ForecastError::NotFinite { index });
    }
    let min = min_len(options);
    if history.len() < min {
        return Err(ForecastError::TooShort {
            len: history.len(),
            min,
        });
    }
    Ok(())
}

/// Forecasts `horizon` values after `history` (oldest first), with 80 % and 95 % intervals.
pub fn forecast(
    history: &[f64],
    horizon: usize,
    options: &Options,
) -> Result<Forecast, ForecastError> {
    check_options(options, horizon)?;
    check_series(history, options)?;
    let bands = match &options.spring_festival {
        Some(cal) => calendar::holiday_aware(history, horizon, cal)?,
        None => model::fit_predict(history, options.season, horizon)?,
    };
    Ok(Forecast {
        mean: bands.mean,
        lower_80: bands.lower_80,
        upper_80: bands.upper_80,
        lower_95: bands.lower_95,
        upper_95: bands.upper_95,
        model: bands.model,
    })
}

/// Fits on all but the last value of `history_with_latest`, forecasts one step, and tells
/// whether the last value falls outside the 80 % and 95 % bands.
pub fn check_latest(
    history_with_latest: &[f64],
    options: &Options,
) -> Result<BandCheck, ForecastError> {
    let (&actual, history) = history_with_latest
        .split_last()
        .ok_or(ForecastError::TooShort {
            len: 0,
            min: min_len(options) + 1,
        })?;
    if !actual.is_finite() {
        return Err(ForecastError::NotFinite {
            index: history.len(),
        });
    }
    if history_with_latest.len() > MAX_LEN {
        return Err(ForecastError::TooLong {
            len: history_with_latest.len(),
            max: MAX_LEN,
        });
    }
    let f = forecast(history, 1, options).map_err(|e| match e {
        // Count the latest value too, so the message speaks of what the caller passed.
        ForecastError::TooShort { len, min } => ForecastError::TooShort {
            len: len + 1,
            min: min + 1,
        },
        other => other,
    })?;
    let first = |v: &[f64]| v.first().copied().unwrap_or(f64::NAN);
    let (lower_80, upper_80) = (first(&f.lower_80), first(&f.upper_80));
    let (lower_95, upper_95) = (first(&f.lower_95), first(&f.upper_95));
    Ok(BandCheck {
        actual,
        expected: first(&f.mean),
        lower_80,
        upper_80,
        lower_95,
        upper_95,
        outside_80: actual < lower_80 || actual > upper_80,
        outside_95: actual < lower_95 || actual > upper_95,
        model: f.model,
    })
}
