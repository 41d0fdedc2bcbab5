//! Outlier treatment, following COINr's default rule.
//!
//! An indicator is an outlier case when |skewness| ≥ `skew_threshold` **and** excess kurtosis
//! ≥ `kurtosis_threshold` (type-2 sample estimators). Such an indicator is winsorised on the
//! side of its skew one step at a time: the most extreme value, together with every value
//! tied with it, is set to the next value inward, and the rule is checked again. The
//! `winmax` limit is compared with the number of points changed in the latest step, not with
//! the running total: that is what COINr does, and matching it is what reproduces COINr's
//! published results. If winsorisation ends with the indicator still flagged, the original
//! column (not the winsorised one) is log-transformed instead:
//! `ln(x − min + 0.01·(max − min))`, which keeps every value positive.

use serde::{Deserialize, Serialize};

use crate::stats;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlierSpec {
    #[serde(default = "default_winmax")]
    pub winmax: usize,
    #[serde(default = "default_skew")]
    pub skew_threshold: f64,
    #[serde(default = "default_kurt")]
    pub kurtosis_threshold: f64,
    /// What to do when winsorisation does not remove the outliers.
    #[serde(default)]
    pub fallback: Fallback,
}

fn default_winmax() -> usize {
    5
}
fn default_skew() -> f64 {
    2.0
}
fn default_kurt() -> f64 {
    3.5
}

impl Default for OutlierSpec {
    fn default() -> Self {
        OutlierSpec {
            winmax: default_winmax(),
            skew_threshold: default_skew(),
            kurtosis_threshold: default_kurt(),
            fallback: Fallback::Log,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// `ln(x − min + 0.01·(max − min))` of the original column.
    #[default]
    Log,
    /// Keep the winsorised column even though it is still flagged.
    Keep,
}

/// What happened to one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "treatment", rename_all = "snake_case")]
pub enum Treatment {
    /// Not flagged; left as it was.
    None,
    /// Winsorised: how many points were moved down from the top and up from the bottom.
    Winsorised { high: usize, low: usize },
    /// Winsorisation did not help; the original column was log-transformed.
    Log,
    /// Winsorisation did not help and the fallback is `keep`.
    StillFlagged { high: usize, low: usize },
}

/// Whether the skew/kurtosis rule flags the values.
pub fn flagged(x: &[f64], spec: &OutlierSpec) -> bool {
    let s = stats::skewness(x);
    let k = stats::kurtosis(x);
    s.abs() >= spec.skew_threshold && k >= spec.kurtosis_threshold
}

/// Treats one column; missing values stay missing.
pub fn treat_column(x: &[f64], spec: &OutlierSpec) -> (Vec<f64>, Treatment) {
    if !flagged(x, spec) {
        return (x.to_vec(), Treatment::None);
    }
    let mut w = x.to_vec();
    let (mut high, mut low) = (0, 0);
    let mut latest = 0;
    while latest < spec.winmax && flagged(&w, spec) {
        let high_side = stats::skewness(&w) > 0.0;
        let extreme = if high_side {
            stats::max(&w)
        } else {
            stats::min(&w)
        };
        let inner = w
            .iter()
            .copied()
            .filter(|v| !v.is_nan() && *v != extreme)
            .fold(f64::NAN, if high_side { f64::max } else { f64::min });
        if inner.is_nan() {
            break; // every value is tied: nothing left to move
        }
        latest = 0;
        for v in w.iter_mut().filter(|v| **v == extreme) {
            *v = inner;
            latest += 1;
        }
        if high_side {
            high += latest;
        } else {
            low += latest;
        }
    }
    if !flagged(&w, spec) {
        return (w, Treatment::Winsorised { high, low });
    }
    match spec.fallback {
        Fallback::Log => (log_shift(x), Treatment::Log),
        Fallback::Keep => (w, Treatment::StillFlagged { high, low }),
    }
}

/// `ln(x − min + 0.01·(max − min))`: shifts the column so that its minimum maps to a small
/// positive number (1% of the range) and the log is defined everywhere.
pub fn log_shift(x: &[f64]) -> Vec<f64> {
    let (lo, hi) = (stats::min(x), stats::max(x));
    x.iter().map(|v| (v - lo + 0.01 * (hi - lo)).ln()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unflagged_columns_are_untouched() {
        let x: Vec<f64> = (1..=20).map(f64::from).collect();
        let (y, t) = treat_column(&x, &OutlierSpec::default());
        assert_eq!(t, Treatment::None);
        assert_eq!(y, x);
    }

    #[test]
    fn one_outlier_is_winsorised_to_the_next_value() {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(1000.0);
        x.push(f64::NAN);
        let (y, t) = treat_column(&x, &OutlierSpec::default());
        assert_eq!(t, Treatment::Winsorised { high: 1, low: 0 });
        assert_eq!(y[20], 20.0);
        assert!(y[21].is_nan());
    }

    #[test]
    fn ties_move_together_and_low_side_works() {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(-1000.0);
        x.push(-1000.0);
        let (y, t) = treat_column(&x, &OutlierSpec::default());
        assert_eq!(t, Treatment::Winsorised { high: 0, low: 2 });
        assert_eq!((y[20], y[21]), (1.0, 1.0));
    }

    #[test]
    fn falls_back_to_log_of_the_original_column() {
        // Two separate outliers: with winmax 1 the loop stops after moving the top one,
        // the column is still flagged, so the original is log-transformed.
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(1000.0);
        x.push(2000.0);
        let spec = OutlierSpec {
            winmax: 1,
            ..OutlierSpec::default()
        };
        let (y, t) = treat_column(&x, &spec);
        assert_eq!(t, Treatment::Log);
        assert_eq!(y, log_shift(&x));
        let keep = OutlierSpec {
            fallback: Fallback::Keep,
            ..spec
        };
        assert_eq!(
            treat_column(&x, &keep).1,
            Treatment::StillFlagged { high: 1, low: 0 }
        );
        let lx = log_shift(&[1.0, 2.0, 101.0]);
        assert!((lx[0] - 1.0f64.ln()).abs() < 1e-12);
        assert!((lx[2] - 101.0f64.ln()).abs() < 1e-12);
    }
}
