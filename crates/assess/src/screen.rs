//! Screen: drop units with too little data. A unit is kept when the fraction of its
//! indicator values that are present is at least the threshold.

use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSpec {
    /// Minimum fraction of indicator values present, in [0, 1].
    pub threshold: f64,
    /// Which data the availability is counted on.
    #[serde(default)]
    pub count_on: CountOn,
}

/// COINr counts availability on the data set it screens; when screening runs after
/// imputation that keeps every unit, so counting on the data as loaded is offered too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountOn {
    /// The data as it is at this step.
    #[default]
    Current,
    /// The data as loaded, before any step.
    Loaded,
}

/// Fraction of present values in each row.
pub fn availability(values: &Matrix) -> Vec<f64> {
    let cols = values.cols().max(1) as f64;
    (0..values.rows())
        .map(|i| {
            (0..values.cols())
                .filter(|&j| !values.get(i, j).is_nan())
                .count() as f64
                / cols
        })
        .collect()
}

/// Indices of the rows to keep. Small tolerance so that 44/49 = 0.898 fails 0.9 but a
/// fraction that equals the threshold up to rounding passes.
pub fn keep(availability: &[f64], threshold: f64) -> Vec<usize> {
    (0..availability.len())
        .filter(|&i| availability[i] >= threshold - 1e-12)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_units_at_or_above_threshold() {
        let m = Matrix::from_columns(
            3,
            vec![vec![1.0, f64::NAN, f64::NAN], vec![1.0, 2.0, f64::NAN]],
        )
        .unwrap();
        let a = availability(&m);
        assert_eq!(a, vec![1.0, 0.5, 0.0]);
        assert_eq!(keep(&a, 0.5), vec![0, 1]);
        assert_eq!(keep(&a, 0.9), vec![0]);
    }
}
