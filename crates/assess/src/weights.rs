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
//! `optimised` chooses weights so that each node's correlation with the index (or with its
//! parent) matches its target importance, the framework weights: with equal framework
//! weights, every indicator ends up equally correlated with the index, which weights alone
//! do not ensure (an indicator with a wider spread, or one correlated with its siblings,
//! counts for more than its nominal weight). See [`optimise`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aggregate::{self, AggregateSpec};
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
    /// Correlation-optimised weights ([`optimise`]).
    Optimised {
        /// Levels of the nodes whose weights are chosen (1 = indicators within pillars, ...);
        /// every level below the index when empty.
        #[serde(default)]
        levels: Vec<usize>,
        /// What the correlation is taken with.
        #[serde(default)]
        against: Against,
        #[serde(default = "default_iterations")]
        max_iterations: usize,
        /// Stop when every normalised correlation is within this of its target.
        #[serde(default = "default_tolerance")]
        tolerance: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    #[default]
    Index,
    Parent,
}

fn default_iterations() -> usize {
    500
}
fn default_tolerance() -> f64 {
    1e-6
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
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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

/// Computes the weights. `normalised` (units × indicators) is needed by data-driven methods,
/// and the aggregation by the correlation-optimised ones.
pub fn weights(
    spec: &WeightSpec,
    framework: &Framework,
    normalised: &Matrix,
    aggregation: &AggregateSpec,
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
        WeightSpec::Optimised {
            levels,
            against,
            max_iterations,
            tolerance,
        } => {
            w = optimise(
                framework,
                normalised,
                aggregation,
                &w,
                &Optimisation {
                    levels: levels.clone(),
                    against: *against,
                    max_iterations: *max_iterations,
                    tolerance: *tolerance,
                },
            )?
            .weights;
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

/// Options of [`optimise`].
#[derive(Debug, Clone, PartialEq)]
pub struct Optimisation {
    pub levels: Vec<usize>,
    pub against: Against,
    pub max_iterations: usize,
    pub tolerance: f64,
}

/// What [`optimise`] reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimised {
    pub weights: Weights,
    pub iterations: usize,
    /// Largest |normalised correlation − target| over the optimised nodes at the end.
    pub max_deviation: f64,
}

/// Correlation-optimised weights.
///
/// Within each group of siblings on an optimised level, the target of child k is its
/// framework weight as a share of its siblings' weights, t_k. Its correlation c_k with the
/// index (or the parent) is computed from the scores the current weights give, and
/// normalised over the siblings, ĉ_k = max(c_k, 0) / Σ max(c, 0). The weights minimise
/// Σ (ĉ_k − t_k)² over all optimised groups; a minimum of zero is exactly a set of weights
/// where every normalised correlation equals its target. The search is a pattern search
/// on the logarithms of the weights (try each weight up and down by a step, keep what
/// helps, halve the step when nothing does): it needs no derivatives, keeps weights
/// positive, and is deterministic. It stops when every |ĉ_k − t_k| is below the tolerance,
/// the step is negligible, or after `max_iterations` sweeps. Nodes whose correlation is
/// undefined (a constant column) are left out of the objective.
///
/// For two uncorrelated indicators with standard deviations 2 and 1 and equal targets the
/// answer is (1/3, 2/3): the correlation of an indicator with their weighted sum is
/// proportional to its weight times its standard deviation.
pub fn optimise(
    framework: &Framework,
    normalised: &Matrix,
    aggregation: &AggregateSpec,
    start: &Weights,
    opt: &Optimisation,
) -> Result<Optimised, AssessError> {
    let below_root = framework.n_levels().saturating_sub(1);
    for &l in &opt.levels {
        if l == 0 || l > below_root {
            return Err(AssessError::step(
                "weights",
                format!("optimised weights: level {l} is not below the index (1..={below_root})"),
            ));
        }
    }
    if opt.tolerance.is_nan() || opt.tolerance <= 0.0 {
        return Err(AssessError::step(
            "weights",
            "optimised weights: the tolerance must be > 0",
        ));
    }
    if normalised.rows() < 3 {
        return Err(AssessError::step(
            "weights",
            "optimised weights need at least 3 units",
        ));
    }
    let on = |level: usize| opt.levels.is_empty() || opt.levels.contains(&level);
    // Sibling groups whose weights are chosen, with their targets.
    let groups: Vec<Group> = framework
        .aggregates()
        .filter(|&a| on(framework.node(a).level - 1))
        .map(|a| {
            let kids = framework.node(a).children.clone();
            let total: f64 = kids.iter().map(|&c| start.0[c]).sum();
            let targets = kids.iter().map(|&c| start.0[c] / total).collect();
            Group {
                parent: a,
                kids,
                targets,
            }
        })
        .collect();
    let mut w = start.clone();
    for g in &groups {
        for (&c, &t) in g.kids.iter().zip(&g.targets) {
            w.0[c] = t;
        }
    }
    let free: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(gi, g)| {
            g.kids
                .iter()
                .zip(&g.targets)
                .filter(|(_, t)| **t > 0.0)
                .map(move |(&k, _)| (gi, k))
        })
        .collect();
    let eval = |w: &Weights| -> Result<(f64, f64), AssessError> {
        let scores = aggregate::aggregate(framework, normalised, w, aggregation)?;
        Ok(deviations(framework, &scores, &groups, opt.against))
    };
    let (mut squares, mut deviation) = eval(&w)?;
    let mut step = 0.5f64;
    let mut sweeps = 0;
    while deviation >= opt.tolerance && sweeps < opt.max_iterations && step > 1e-12 {
        sweeps += 1;
        let mut improved = false;
        for &(gi, k) in &free {
            for dir in [1.0, -1.0] {
                let mut trial = w.clone();
                trial.0[k] *= (dir * step).exp();
                let kids = &groups[gi].kids;
                let s: f64 = kids.iter().map(|&c| trial.0[c]).sum();
                for &c in kids {
                    trial.0[c] /= s;
                }
                let (sq, dev) = eval(&trial)?;
                if sq < squares {
                    (w, squares, deviation) = (trial, sq, dev);
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            step /= 2.0;
        }
    }
    Ok(Optimised {
        weights: w,
        iterations: sweeps,
        max_deviation: deviation,
    })
}

struct Group {
    parent: usize,
    kids: Vec<usize>,
    targets: Vec<f64>,
}

/// (Σ (ĉ − t)², max |ĉ − t|) over the groups.
fn deviations(
    framework: &Framework,
    scores: &Matrix,
    groups: &[Group],
    against: Against,
) -> (f64, f64) {
    let (mut squares, mut worst) = (0.0, 0.0f64);
    for g in groups {
        let y = scores.col(match against {
            Against::Index => framework.root(),
            Against::Parent => g.parent,
        });
        let c: Vec<f64> = g
            .kids
            .iter()
            .map(|&k| correlation(scores.col(k), y))
            .collect();
        let total: f64 = c.iter().filter(|v| !v.is_nan()).map(|v| v.max(0.0)).sum();
        // Compare like with like: shares among the children with a defined correlation.
        let share: f64 = g
            .targets
            .iter()
            .zip(&c)
            .filter(|(_, c)| !c.is_nan())
            .map(|(t, _)| t)
            .sum();
        if share <= 0.0 {
            continue;
        }
        for (&t, &ck) in g.targets.iter().zip(&c) {
            if ck.is_nan() {
                continue;
            }
            let chat = if total > 0.0 {
                ck.max(0.0) / total
            } else {
                0.0
            };
            let d = chat - t / share;
            squares += d * d;
            worst = worst.max(d.abs());
        }
    }
    (squares, worst)
}

/// Pearson correlation over the rows where both are present; `NaN` when undefined.
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 2 {
        return f64::NAN;
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
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

    const A: AggregateSpec = AggregateSpec {
        method: crate::aggregate::Aggregation::Arithmetic,
        levels: BTreeMap::new(),
    };

    fn optimised(levels: Vec<usize>, against: Against) -> WeightSpec {
        WeightSpec::Optimised {
            levels,
            against,
            max_iterations: default_iterations(),
            tolerance: 1e-9,
        }
    }

    #[test]
    fn optimised_weights_equalise_correlations() {
        // a and b are uncorrelated (their products sum to zero) and a's spread is twice b's,
        // so with equal weights a dominates the index. Equal correlations need w_b = 2·w_a.
        let fw = Framework::from_imeta_str(
            "meta.csv",
            "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,1,Indicator\nP,,1,1,Aggregate\n",
        )
        .unwrap();
        let m = Matrix::from_columns(
            4,
            vec![vec![2.0, 2.0, -2.0, -2.0], vec![1.0, -1.0, 1.0, -1.0]],
        )
        .unwrap();
        let w = weights(&optimised(vec![], Against::Index), &fw, &m, &A).unwrap();
        assert!((w.0[0] - 1.0 / 3.0).abs() < 1e-9, "{:?}", w.0);
        assert!((w.0[1] - 2.0 / 3.0).abs() < 1e-9, "{:?}", w.0);
        // Unequal targets (framework weights 1 and 3): the correlations must be in the ratio
        // 1 : 3, i.e. 2·w_a : w_b = 1 : 3, so w = (1/7, 6/7).
        let fw13 = Framework::from_imeta_str(
            "meta.csv",
            "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,3,Indicator\nP,,1,1,Aggregate\n",
        )
        .unwrap();
        let w = weights(&optimised(vec![1], Against::Parent), &fw13, &m, &A).unwrap();
        assert!((w.0[0] - 1.0 / 7.0).abs() < 1e-9, "{:?}", w.0);
        assert!((w.0[1] - 6.0 / 7.0).abs() < 1e-9, "{:?}", w.0);
        let e = weights(&optimised(vec![2], Against::Index), &fw, &m, &A).unwrap_err();
        assert!(
            e.to_string().contains("level 2 is not below the index"),
            "{e}"
        );
    }

    #[test]
    fn optimised_weights_on_a_deeper_tree_reach_their_targets() {
        let (fw, data) = crate::uncertainty::tests::toy();
        let norm = crate::pipeline::normalise_all(
            &fw,
            data.values(),
            &crate::normalise::Normalisation::default(),
        )
        .unwrap();
        let start = Weights::from_framework(&fw);
        let opt = optimise(
            &fw,
            &norm,
            &A,
            &start,
            &Optimisation {
                levels: vec![],
                against: Against::Index,
                max_iterations: 2000,
                tolerance: 1e-6,
            },
        )
        .unwrap();
        assert!(opt.max_deviation < 1e-6, "{opt:?}");
        // Check the claim directly: within every pillar, correlations with the index are in
        // the ratio of the framework weights (d has weight 2 against c's 1).
        let s = aggregate::aggregate(&fw, &norm, &opt.weights, &A).unwrap();
        let idx = s.col(fw.root());
        let (c, d) = (fw.find("c").unwrap(), fw.find("d").unwrap());
        let ratio = correlation(s.col(d), idx) / correlation(s.col(c), idx);
        assert!((ratio - 2.0).abs() < 1e-4, "{ratio}");
    }

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
            weights(&WeightSpec::default(), &fw, &m, &A).unwrap().0,
            vec![1.0, 3.0, 1.0]
        );
        assert_eq!(
            weights(&WeightSpec::Equal, &fw, &m, &A).unwrap().0,
            vec![1.0, 1.0, 1.0]
        );
        let o = WeightSpec::Manual {
            overrides: [("a".to_string(), 2.0)].into(),
        };
        assert_eq!(weights(&o, &fw, &m, &A).unwrap().0[0], 2.0);
        let bad = WeightSpec::Manual {
            overrides: [("zz".to_string(), 2.0)].into(),
        };
        assert!(weights(&bad, &fw, &m, &A).is_err());
        let zero = WeightSpec::Manual {
            overrides: [("a".to_string(), 0.0), ("b".to_string(), 0.0)].into(),
        };
        assert!(
            weights(&zero, &fw, &m, &A)
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
        let w = weights(&WeightSpec::Pca, &fw, &m, &A).unwrap();
        assert!((w.0[0] - 0.5).abs() < 1e-6 && (w.0[1] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn entropy_prefers_discriminating_indicators() {
        assert!((entropy(&[5.0, 5.0, 5.0]) - 1.0).abs() < 1e-12);
        assert!(entropy(&[0.0, 0.0, 9.0]).abs() < 1e-12);
        let fw = fw();
        let m = Matrix::from_columns(3, vec![vec![1.0, 1.1, 1.2], vec![0.0, 0.0, 50.0]]).unwrap();
        let w = weights(&WeightSpec::Entropy, &fw, &m, &A).unwrap();
        assert!(w.0[1] > w.0[0]);
    }
}
