//! Normalise: bring indicators onto a common scale where higher is better.
//!
//! Every method first multiplies the column by the indicator's direction (−1 for "lower is
//! better"), so that the best unit gets the highest score whatever the method.

use serde::{Deserialize, Serialize};

use crate::error::AssessError;
use crate::framework::{Direction, Node};
use crate::stats::{self, Order};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Normalisation {
    /// Linear map of [min, max] onto [low, high].
    MinMax {
        #[serde(default = "zero")]
        low: f64,
        #[serde(default = "hundred")]
        high: f64,
    },
    /// (x − mean) / sd, then scaled to the given mean and standard deviation.
    ZScore {
        #[serde(default = "zero")]
        mean: f64,
        #[serde(default = "one")]
        sd: f64,
    },
    /// Rank, 1 for the worst unit; ties share the lowest rank.
    Rank,
    /// Percentile rank in [0, 100]: (rank − 1) / (n − 1) · 100.
    PercentileRank,
    /// Borda count: the number of units strictly worse.
    Borda,
    /// Progress from the worst unit to the indicator's target, in [0, 100] (capped at 100
    /// when `cap` is true).
    DistanceToTarget {
        #[serde(default = "yes")]
        cap: bool,
    },
    /// Position between the indicator's goalposts, in [0, scale], values outside clamped.
    Goalposts {
        #[serde(default = "hundred")]
        scale: f64,
    },
}

fn zero() -> f64 {
    0.0
}
fn one() -> f64 {
    1.0
}
fn hundred() -> f64 {
    100.0
}
fn yes() -> bool {
    true
}

impl Default for Normalisation {
    fn default() -> Self {
        Normalisation::MinMax {
            low: 0.0,
            high: 100.0,
        }
    }
}

impl Normalisation {
    /// A short name for reports and uncertainty output.
    pub fn label(&self) -> String {
        match self {
            Normalisation::MinMax { low, high } => format!("minmax[{low},{high}]"),
            Normalisation::ZScore { mean, sd } => format!("zscore({mean},{sd})"),
            Normalisation::Rank => "rank".into(),
            Normalisation::PercentileRank => "percentile_rank".into(),
            Normalisation::Borda => "borda".into(),
            Normalisation::DistanceToTarget { .. } => "distance_to_target".into(),
            Normalisation::Goalposts { scale } => format!("goalposts({scale})"),
        }
    }
}

/// Normalises one indicator column.
pub fn normalise_column(
    x: &[f64],
    node: &Node,
    method: &Normalisation,
) -> Result<Vec<f64>, AssessError> {
    let sign = node.direction.sign();
    let y: Vec<f64> = x.iter().map(|v| v * sign).collect();
    Ok(match method {
        Normalisation::MinMax { low, high } => {
            let (lo, hi) = (stats::min(&y), stats::max(&y));
            // A constant column carries no information: every unit gets the middle of the
            // scale, so it shifts all units equally instead of turning into missing values.
            if hi > lo {
                y.iter()
                    .map(|v| (v - lo) / (hi - lo) * (high - low) + low)
                    .collect()
            } else {
                y.iter()
                    .map(|v| {
                        if v.is_nan() {
                            f64::NAN
                        } else {
                            (low + high) / 2.0
                        }
                    })
                    .collect()
            }
        }
        Normalisation::ZScore { mean, sd } => {
            let (m, s) = (stats::mean(&y), stats::sd(&y));
            if s > 0.0 {
                y.iter().map(|v| (v - m) / s * sd + mean).collect()
            } else {
                y.iter()
                    .map(|v| if v.is_nan() { f64::NAN } else { *mean })
                    .collect()
            }
        }
        Normalisation::Rank => stats::rank_min(&y, Order::Ascending),
        Normalisation::PercentileRank => {
            let n = stats::count_present(&y);
            let r = stats::rank_min(&y, Order::Ascending);
            if n > 1 {
                r.iter()
                    .map(|v| (v - 1.0) / (n - 1) as f64 * 100.0)
                    .collect()
            } else {
                r.iter()
                    .map(|v| if v.is_nan() { f64::NAN } else { 100.0 })
                    .collect()
            }
        }
        Normalisation::Borda => stats::rank_min(&y, Order::Ascending)
            .iter()
            .map(|r| r - 1.0)
            .collect(),
        Normalisation::DistanceToTarget { cap } => {
            let target = node.target.ok_or_else(|| {
                AssessError::step(
                    "normalise",
                    format!(
                        "indicator {} has no target for distance to target",
                        node.code
                    ),
                )
            })? * sign;
            let lo = stats::min(&y);
            if target <= lo {
                return Err(AssessError::step(
                    "normalise",
                    format!(
                        "indicator {}: the target is not better than the worst unit",
                        node.code
                    ),
                ));
            }
            y.iter()
                .map(|v| {
                    let s = (v - lo) / (target - lo) * 100.0;
                    if *cap { s.min(100.0) } else { s }
                })
                .collect()
        }
        Normalisation::Goalposts { scale } => {
            let (lo, hi) = node.goalposts.ok_or_else(|| {
                AssessError::step(
                    "normalise",
                    format!("indicator {} has no goalposts", node.code),
                )
            })?;
            if hi <= lo {
                return Err(AssessError::step(
                    "normalise",
                    format!(
                        "indicator {}: the upper goalpost must exceed the lower one",
                        node.code
                    ),
                ));
            }
            x.iter()
                .map(|v| {
                    let f = match node.direction {
                        Direction::Positive => (v - lo) / (hi - lo),
                        Direction::Negative => (hi - v) / (hi - lo),
                    };
                    if f.is_nan() {
                        f
                    } else {
                        f.clamp(0.0, 1.0) * scale
                    }
                })
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(direction: Direction) -> Node {
        Node {
            code: "x".into(),
            name: "x".into(),
            level: 1,
            parent: None,
            children: vec![],
            weight: 1.0,
            direction,
            denominator: None,
            target: Some(8.0),
            goalposts: Some((0.0, 10.0)),
            name_en: None,
            unit: None,
            unit_en: None,
            min: None,
            max: None,
            source: None,
            advice: None,
            advice_en: None,
        }
    }

    fn run(x: &[f64], d: Direction, m: Normalisation) -> Vec<f64> {
        normalise_column(x, &node(d), &m).unwrap()
    }

    #[test]
    fn min_max_with_direction() {
        let x = [2.0, 4.0, 6.0, f64::NAN];
        let y = run(&x, Direction::Positive, Normalisation::default());
        assert_eq!(&y[..3], &[0.0, 50.0, 100.0]);
        assert!(y[3].is_nan());
        let y = run(
            &x,
            Direction::Negative,
            Normalisation::MinMax {
                low: 1.0,
                high: 11.0,
            },
        );
        assert_eq!(&y[..3], &[11.0, 6.0, 1.0]);
        let c = run(&[3.0, 3.0], Direction::Positive, Normalisation::default());
        assert_eq!(c, vec![50.0, 50.0]);
    }

    #[test]
    fn min_max_stays_in_range() {
        // A spread of awkward values, including negatives and huge magnitudes.
        let x: Vec<f64> = (0..200)
            .map(|i| ((i * 7919) % 211) as f64 * 1e3 - 5e4 + (i as f64).sin())
            .collect();
        for d in [Direction::Positive, Direction::Negative] {
            let y = run(&x, d, Normalisation::default());
            assert!(y.iter().all(|v| (0.0..=100.0).contains(v)));
            assert!(y.contains(&0.0) && y.contains(&100.0));
        }
    }

    #[test]
    fn z_score() {
        let y = run(
            &[1.0, 2.0, 3.0],
            Direction::Positive,
            Normalisation::ZScore {
                mean: 10.0,
                sd: 2.0,
            },
        );
        assert_eq!(y, vec![8.0, 10.0, 12.0]);
    }

    #[test]
    fn ranks_percentiles_and_borda() {
        let x = [5.0, 1.0, 5.0, 3.0];
        assert_eq!(
            run(&x, Direction::Positive, Normalisation::Rank),
            vec![3.0, 1.0, 3.0, 2.0]
        );
        assert_eq!(
            run(&x, Direction::Negative, Normalisation::Rank),
            vec![1.0, 4.0, 1.0, 3.0]
        );
        let p = run(&x, Direction::Positive, Normalisation::PercentileRank);
        for (a, b) in p.iter().zip([200.0 / 3.0, 0.0, 200.0 / 3.0, 100.0 / 3.0]) {
            assert!((a - b).abs() < 1e-12);
        }
        assert_eq!(
            run(&x, Direction::Positive, Normalisation::Borda),
            vec![2.0, 0.0, 2.0, 1.0]
        );
    }

    #[test]
    fn target_and_goalposts() {
        let x = [0.0, 4.0, 10.0];
        let y = run(
            &x,
            Direction::Positive,
            Normalisation::DistanceToTarget { cap: true },
        );
        assert_eq!(y, vec![0.0, 50.0, 100.0]);
        let y = run(
            &x,
            Direction::Positive,
            Normalisation::DistanceToTarget { cap: false },
        );
        assert_eq!(y[2], 125.0);
        let y = run(
            &[-5.0, 2.5, 20.0],
            Direction::Positive,
            Normalisation::Goalposts { scale: 100.0 },
        );
        assert_eq!(y, vec![0.0, 25.0, 100.0]);
        let y = run(
            &[-5.0, 2.5, 20.0],
            Direction::Negative,
            Normalisation::Goalposts { scale: 1.0 },
        );
        assert_eq!(y, vec![1.0, 0.75, 0.0]);
    }
}
