//! Variance-based sensitivity: first-order and total Sobol indices of the ranks with
//! respect to each uncertain input (normalisation choice, aggregation choice, the weights of
//! each level as a group).
//!
//! Sampling follows Saltelli: two independent N × d sample matrices A and B, and for each
//! input group i the matrix A_B⁽ⁱ⁾ (A with the columns of group i taken from B), so N·(k+2)
//! model runs for k groups. First-order indices use the Saltelli (2010) estimator
//! S_i = mean(f(B)·(f(A_B⁽ⁱ⁾) − f(A))) / V, total indices the Jansen (1999) estimator
//! S_Ti = mean((f(A) − f(A_B⁽ⁱ⁾))²) / (2V), with V the variance of f over A and B together.
//!
//! Outputs analysed: every unit's rank, and the mean absolute rank shift against the
//! nominal ranks (one number for the whole ranking).

use serde::Serialize;

use crate::data::Data;
use crate::error::AssessError;
use crate::framework::Framework;
use crate::pipeline::Pipeline;
use crate::rng::Rng;
use crate::uncertainty::{Control, Model, UncertaintySpec, evaluate_many};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SobolIndex {
    pub input: String,
    /// First-order index: share of the variance due to this input alone.
    pub first: f64,
    /// Total index: share due to this input including its interactions.
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSensitivity {
    pub unit: String,
    pub indices: Vec<SobolIndex>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub samples: usize,
    pub model_runs: usize,
    pub seed: u64,
    /// Indices for the mean absolute rank shift.
    pub mean_abs_rank_shift: Vec<SobolIndex>,
    pub units: Vec<UnitSensitivity>,
}

/// (first, total) from model outputs on A, B and A_B⁽ⁱ⁾. `NaN` when the output does not vary.
pub fn saltelli_jansen(ya: &[f64], yb: &[f64], yab: &[f64]) -> (f64, f64) {
    let n = ya.len() as f64;
    let all = ya.iter().chain(yb);
    let mean = all.clone().sum::<f64>() / (2.0 * n);
    let var = all.map(|y| (y - mean) * (y - mean)).sum::<f64>() / (2.0 * n - 1.0);
    if var.is_nan() || var <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let mut first = 0.0;
    let mut total = 0.0;
    for ((a, b), ab) in ya.iter().zip(yb).zip(yab) {
        first += b * (ab - a);
        total += (a - ab) * (a - ab);
    }
    (first / n / var, total / (2.0 * n) / var)
}

/// Sobol indices of the ranks, with `spec.sobol_samples` as N.
pub fn sensitivity(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
    spec: &UncertaintySpec,
) -> Result<Sensitivity, AssessError> {
    sensitivity_with(pipeline, framework, data, spec, &Control::default())
}

pub fn sensitivity_with(
    pipeline: &Pipeline,
    framework: &Framework,
    data: &Data,
    spec: &UncertaintySpec,
    control: &Control,
) -> Result<Sensitivity, AssessError> {
    let model = Model::new(pipeline, framework, data, spec)?;
    let k = model.inputs().len();
    if k == 0 {
        return Err(AssessError::step(
            "sensitivity",
            "nothing is uncertain: give weight_noise > 0 or several normalisations or aggregations",
        ));
    }
    let n_samples = spec.sobol_samples.max(2);
    let d = model.dim();
    let units = model.units().len();
    let groups: Vec<std::ops::Range<usize>> =
        model.inputs().iter().map(|i| i.columns.clone()).collect();
    let seed = spec.seed;
    // Row j of A and of B come from their own streams; run r = block·N + j where block 0 is
    // A, 1 is B and 2 + i is A_B⁽ⁱ⁾.
    let row = |which: u64, j: usize, u: &mut [f64]| {
        let mut rng = Rng::stream(seed ^ (0xA5A5_0000 + which), j as u64);
        u.iter_mut().for_each(|x| *x = rng.next_f64());
    };
    let inputs = |r: usize, u: &mut [f64]| {
        let (block, j) = (r / n_samples, r % n_samples);
        match block {
            0 => row(0, j, u),
            1 => row(1, j, u),
            b => {
                row(0, j, u);
                let mut from_b = vec![0.0; d];
                row(1, j, &mut from_b);
                let cols = groups[b - 2].clone();
                u[cols.clone()].copy_from_slice(&from_b[cols]);
            }
        }
    };
    let runs = n_samples * (k + 2);
    let mut ranks = vec![f64::NAN; runs * units];
    evaluate_many(&model, runs, spec.threads, control, &inputs, &mut ranks)?;

    let output = |block: usize, j: usize, unit: Option<usize>| -> f64 {
        let r = &ranks[(block * n_samples + j) * units..(block * n_samples + j + 1) * units];
        match unit {
            Some(i) => r[i],
            None => {
                let (s, c) = r
                    .iter()
                    .zip(model.nominal())
                    .filter(|(x, n)| !x.is_nan() && !n.is_nan())
                    .fold((0.0, 0usize), |(s, c), (x, n)| (s + (x - n).abs(), c + 1));
                if c > 0 { s / c as f64 } else { f64::NAN }
            }
        }
    };
    let indices_for = |unit: Option<usize>| -> Vec<SobolIndex> {
        let ya: Vec<f64> = (0..n_samples).map(|j| output(0, j, unit)).collect();
        let yb: Vec<f64> = (0..n_samples).map(|j| output(1, j, unit)).collect();
        model
            .inputs()
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let yab: Vec<f64> = (0..n_samples).map(|j| output(2 + i, j, unit)).collect();
                let (first, total) = saltelli_jansen(&ya, &yb, &yab);
                SobolIndex {
                    input: input.name.clone(),
                    first,
                    total,
                }
            })
            .collect()
    };
    Ok(Sensitivity {
        samples: n_samples,
        model_runs: runs,
        seed,
        mean_abs_rank_shift: indices_for(None),
        units: (0..units)
            .map(|i| UnitSensitivity {
                unit: model.units()[i].clone(),
                indices: indices_for(Some(i)),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Aggregation;
    use crate::normalise::Normalisation;

    #[test]
    fn estimators_recover_an_additive_function() {
        // f = x1 + 2·x2 with uniform inputs: V1 = 1/12, V2 = 4/12, so S1 = 0.2, S2 = 0.8, and
        // with no interactions the total indices equal the first-order ones.
        let n = 200_000;
        let f = |x: &[f64]| x[0] + 2.0 * x[1];
        let mut ra = Rng::new(1);
        let mut rb = Rng::new(2);
        let a: Vec<[f64; 2]> = (0..n).map(|_| [ra.next_f64(), ra.next_f64()]).collect();
        let b: Vec<[f64; 2]> = (0..n).map(|_| [rb.next_f64(), rb.next_f64()]).collect();
        let ya: Vec<f64> = a.iter().map(|x| f(x)).collect();
        let yb: Vec<f64> = b.iter().map(|x| f(x)).collect();
        for (i, want) in [(0, 0.2), (1, 0.8)] {
            let yab: Vec<f64> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| {
                    let mut z = *x;
                    z[i] = y[i];
                    f(&z)
                })
                .collect();
            let (s, st) = saltelli_jansen(&ya, &yb, &yab);
            assert!((s - want).abs() < 0.02, "S{i} = {s}");
            assert!((st - want).abs() < 0.02, "ST{i} = {st}");
        }
        let (s, st) = saltelli_jansen(&[1.0, 1.0], &[1.0, 1.0], &[1.0, 1.0]);
        assert!(s.is_nan() && st.is_nan());
    }

    #[test]
    fn ranks_of_the_toy_index() {
        let (fw, data) = crate::uncertainty::tests::toy();
        let spec = UncertaintySpec {
            seed: 5,
            weight_noise: 0.3,
            normalisation: vec![Normalisation::default(), Normalisation::Rank],
            aggregation: vec![Aggregation::Arithmetic],
            sobol_samples: 400,
            threads: Some(2),
            ..UncertaintySpec::default()
        };
        let s = sensitivity(&Pipeline::default(), &fw, &data, &spec).unwrap();
        assert_eq!(s.model_runs, 400 * 5);
        let names: Vec<&str> = s
            .mean_abs_rank_shift
            .iter()
            .map(|i| i.input.as_str())
            .collect();
        assert_eq!(
            names,
            ["normalisation", "weights (level 1)", "weights (level 2)"]
        );
        for i in &s.mean_abs_rank_shift {
            assert!(i.total > -0.1 && i.total < 1.5, "{i:?}");
        }
        let again = sensitivity(
            &Pipeline::default(),
            &fw,
            &data,
            &UncertaintySpec {
                threads: Some(1),
                ..spec
            },
        )
        .unwrap();
        assert_eq!(s, again);
    }
}
