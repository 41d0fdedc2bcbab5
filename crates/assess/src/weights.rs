//! Weights: how much each node counts within its siblings.
//!
//! Only ratios among siblings matter; aggregation divides by the sum of the weights of the
//! children that have a value. Methods: the framework's own weights, optionally overridden
//! per code (`manual`); all ones (`equal`); and `entropy` weights for indicators, which give
//! more weight to indicators that discriminate more between units; and `pca`, where the
//! indicators of each pillar are weighted by their squared loadings on the pillar's first
//! principal component (the OECD/JRC handbook's factor-analysis weighting; squaring keeps the
//! weights positive where COINr's raw loadings can turn negative). Under `entropy` and `pca`
//! the weights of aggregates stay as in the framework.
//!
//! Not yet implemented: weights optimised so that each indicator's correlation with the
//! index matches a target.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AssessError;
use crate::framework::Framework;
use crate::matrix::Matrix;
use crate::stats;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum WeightSpec {
    Manual {
        #[serde(default)]
        overrides: BTreeMap<String, f64>,
    },
    Equal,
    Entropy,
    Pca,
}

impl Default for WeightSpec {
    fn default() -> Self {
        WeightSpec::Manual {
            overrides: BTreeMap::new(),
        }
    }
}

/// One weight per framework node (indicators first, as in the framework).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights(pub Vec<f64>);

impl Weights {
    pub fn from_framework(framework: &Framework) -> Self {
        Weights(framework.nodes().iter().map(|n| n.weight).collect())
    }

    pub fn get(&self, node: usize) -> f64 {
        self.0[node]
    }

    /// The weights of each node's children scaled to sum to one (for display).
    pub fn normalised(&self, framework: &Framework) -> Weights {
        let mut w = self.0.clone();
        for a in framework.aggregates() {
            let kids = &framework.node(a).children;
            let s: f64 = kids.iter().map(|&c| self.0[c]).sum();
            if s > 0.0 {
                for &c in kids {
                    w[c] = self.0[c] / s;
                }
            }
        }
        w[framework.root()] = 1.0;
        Weights(w)
    }
}

/// Computes the weights. `normalised` (units × indicators) is needed by data-driven methods.
pub fn weights(
    spec: &WeightSpec,
    framework: &Framework,
    normalised: &Matrix,
) -> Result<Weights, AssessError> {
    let mut w = Weights::from_framework(framework);
    match spec {
        WeightSpec::Manual { overrides } => {
            for (code, &v) in overrides {
                let i = framework.find(code).ok_or_else(|| {
                    AssessError::step("weights", format!("no node has the code {code}"))
                })?;
                if !(v >= 0.0 && v.is_finite()) {
                    return Err(AssessError::step(
                        "weights",
                        format!("the weight of {code} must be ≥ 0, not {v}"),
                    ));
                }
                w.0[i] = v;
            }
        }
        WeightSpec::Equal => w.0.iter_mut().for_each(|v| *v = 1.0),
        WeightSpec::Entropy => {
            for (j, v) in w.0.iter_mut().take(framework.n_indicators()).enumerate() {
                *v = 1.0 - entropy(normalised.col(j));
            }
        }
        WeightSpec::Pca => {
            for a in framework
                .aggregates()
                .filter(|&a| framework.node(a).level == 2)
            {
                let kids = &framework.node(a).children;
                let cols: Vec<&[f64]> = kids.iter().map(|&c| normalised.col(c)).collect();
                let loadings = first_component(&cols).ok_or_else(|| {
                    AssessError::step(
                        "weights",
                        format!(
                            "PCA weights for {}: fewer than 3 units have every indicator",
                            framework.node(a).code
                        ),
                    )
                })?;
                for (&c, l) in kids.iter().zip(loadings) {
                    w.0[c] = l * l;
                }
            }
        }
    }
    for a in framework.aggregates() {
        let kids = &framework.node(a).children;
        if kids.iter().all(|&c| w.0[c] == 0.0) {
            return Err(AssessError::step(
                "weights",
                format!(
                    "all children of {} have weight zero",
                    framework.node(a).code
                ),
            ));
        }
    }
    Ok(w)
}

/// Normalised Shannon entropy in [0, 1] of a column seen as a distribution over units
/// (shifted to be non-negative). 1 means every unit has the same value.
pub fn entropy(x: &[f64]) -> f64 {
    let v = stats::present(x);
    if v.len() < 2 {
        return 1.0;
    }
    let lo = stats::min(&v).min(0.0);
    let total: f64 = v.iter().map(|a| a - lo).sum();
    if total <= 0.0 {
        return 1.0;
    }
    let h: f64 = v
        .iter()
        .map(|a| (a - lo) / total)
        .filter(|&p| p > 0.0)
        .map(|p| -p * p.ln())
        .sum();
    h / (v.len() as f64).ln()
}

/// Loadings (unit eigenvector) of the first principal component of the correlation matrix
/// of the columns, over the rows where every column is present. `None` with fewer than three
/// such rows. A constant column gets zero correlation with everything.
pub fn first_component(cols: &[&[f64]]) -> Option<Vec<f64>> {
    let k = cols.len();
    if k == 1 {
        return Some(vec![1.0]);
    }
    let rows: Vec<usize> = (0..cols.first()?.len())
        .filter(|&i| cols.iter().all(|c| !c[i].is_nan()))
        .collect();
    if rows.len() < 3 {
        return None;
    }
    let z: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let v: Vec<f64> = rows.iter().map(|&i| c[i]).collect();
            let (m, s) = (stats::mean(&v), stats::sd(&v));
            v.iter()
                .map(|x| if s > 0.0 { (x - m) / s } else { 0.0 })
                .collect()
        })
        .collect();
    let n1 = (rows.len() - 1) as f64;
    let mut r = vec![vec![0.0; k]; k];
    for a in 0..k {
        for b in 0..k {
            r[a][b] = z[a].iter().zip(&z[b]).map(|(x, y)| x * y).sum::<f64>() / n1;
        }
    }
    // Power iteration: the correlation matrix is positive semi-definite, so it converges to
    // the component with the largest eigenvalue.
    let mut v = vec![1.0 / (k as f64).sqrt(); k];
    for _ in 0..10_000 {
        let mut next: Vec<f64> = (0..k)
            .map(|a| (0..k).map(|b| r[a][b] * v[b]).sum())
            .collect();
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Some(vec![1.0 / (k as f64).sqrt(); k]);
        }
        next.iter_mut().for_each(|x| *x /= norm);
        let diff: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        if diff < 1e-13 {
            break;
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw() -> Framework {
        Framework::from_imeta_str(
            "meta.csv",
            "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,3,Indicator\nP,,1,1,Aggregate\n",
        )
        .unwrap()
    }

    #[test]
    fn manual_equal_and_overrides() {
        let fw = fw();
        let m = Matrix::missing(2, 2);
        assert_eq!(
            weights(&WeightSpec::default(), &fw, &m).unwrap().0,
            vec![1.0, 3.0, 1.0]
        );
        assert_eq!(
            weights(&WeightSpec::Equal, &fw, &m).unwrap().0,
            vec![1.0, 1.0, 1.0]
        );
        let o = WeightSpec::Manual {
            overrides: [("a".to_string(), 2.0)].into(),
        };
        assert_eq!(weights(&o, &fw, &m).unwrap().0[0], 2.0);
        let bad = WeightSpec::Manual {
            overrides: [("zz".to_string(), 2.0)].into(),
        };
        assert!(weights(&bad, &fw, &m).is_err());
        let zero = WeightSpec::Manual {
            overrides: [("a".to_string(), 0.0), ("b".to_string(), 0.0)].into(),
        };
        assert!(
            weights(&zero, &fw, &m)
                .unwrap_err()
                .to_string()
                .contains("weight zero")
        );
    }

    #[test]
    fn normalised_weights_sum_to_one() {
        let fw = fw();
        let w = Weights::from_framework(&fw).normalised(&fw);
        assert_eq!(w.0, vec![0.25, 0.75, 1.0]);
    }

    #[test]
    fn pca_weights_favour_the_common_factor() {
        // a and b move together, so for two indicators the first component loads both
        // equally: (1/√2, 1/√2), squared 0.5 each.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [2.0, 4.1, 5.9, 8.2, 9.9];
        let l = first_component(&[&a, &b]).unwrap();
        assert!((l[0].abs() - 0.5f64.sqrt()).abs() < 1e-9);
        // A third, unrelated indicator gets a small loading.
        let c = [3.0, -1.0, 4.0, -1.0, 3.0];
        let l = first_component(&[&a, &b, &c]).unwrap();
        assert!(l[2].abs() < l[0].abs() && l[2].abs() < l[1].abs());
        let sq: f64 = l.iter().map(|x| x * x).sum();
        assert!((sq - 1.0).abs() < 1e-9, "squared loadings sum to one");
        assert!(first_component(&[&a[..2], &b[..2]]).is_none());
        let fw = fw();
        let m = Matrix::from_columns(5, vec![a.to_vec(), b.to_vec()]).unwrap();
        let w = weights(&WeightSpec::Pca, &fw, &m).unwrap();
        assert!((w.0[0] - 0.5).abs() < 1e-6 && (w.0[1] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn entropy_prefers_discriminating_indicators() {
        assert!((entropy(&[5.0, 5.0, 5.0]) - 1.0).abs() < 1e-12);
        assert!(entropy(&[0.0, 0.0, 9.0]).abs() < 1e-12);
        let fw = fw();
        let m = Matrix::from_columns(3, vec![vec![1.0, 1.1, 1.2], vec![0.0, 0.0, 50.0]]).unwrap();
        let w = weights(&WeightSpec::Entropy, &fw, &m).unwrap();
        assert!(w.0[1] > w.0[0]);
    }
}
