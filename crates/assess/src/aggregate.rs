//! Aggregate: compute every aggregate from its children, level by level.
//!
//! Missing children are skipped and the weights of the children that are present are
//! renormalised, so a unit missing one indicator is scored on the others rather than
//! dropped. An aggregate with no present child is missing.
//!
//! Geometric, harmonic and generalised means with p ≤ 0 need positive values; normalise to
//! e.g. [1, 100] before using them.
//!
//! The method may differ by level ([`AggregateSpec`]): a common choice is a geometric mean
//! at the pillar level, so that a weak indicator cannot be fully compensated inside its
//! pillar, and an arithmetic mean above it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AssessError;
use crate::framework::Framework;
use crate::matrix::Matrix;
use crate::weights::Weights;

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Aggregation {
    #[default]
    Arithmetic,
    Geometric,
    Harmonic,
    /// Weighted power mean (Σ w xᵖ / Σ w)^(1/p); p = 1 is arithmetic, p → 0 geometric,
    /// p = −1 harmonic.
    Generalised {
        p: f64,
    },
    /// Copeland: each unit scores +1 for every other unit it beats on weighted majority of
    /// the children, −1 for every unit that beats it. Not compensatory.
    Copeland,
}

impl Aggregation {
    pub fn label(&self) -> String {
        match self {
            Aggregation::Arithmetic => "arithmetic".into(),
            Aggregation::Geometric => "geometric".into(),
            Aggregation::Harmonic => "harmonic".into(),
            Aggregation::Generalised { p } => format!("generalised({p})"),
            Aggregation::Copeland => "copeland".into(),
        }
    }
}

/// The aggregation of a whole framework: one method, and optionally another one for the
/// aggregates of a given level (2 = pillars computed from indicators, 3 = the level above,
/// ...).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AggregateSpec {
    pub method: Aggregation,
    pub levels: BTreeMap<usize, Aggregation>,
}

impl AggregateSpec {
    /// The same method at every level.
    pub fn uniform(method: Aggregation) -> Self {
        AggregateSpec {
            method,
            levels: BTreeMap::new(),
        }
    }

    /// The method that computes the aggregates of `level`.
    pub fn at(&self, level: usize) -> &Aggregation {
        self.levels.get(&level).unwrap_or(&self.method)
    }

    /// e.g. `arithmetic` or `arithmetic; level 2: geometric`.
    pub fn label(&self) -> String {
        let mut s = self.method.label();
        for (l, m) in &self.levels {
            s.push_str(&format!("; level {l}: {}", m.label()));
        }
        s
    }

    /// Every level named must be an aggregate level of the framework.
    pub fn check(&self, framework: &Framework) -> Result<(), AssessError> {
        for &l in self.levels.keys() {
            if l < 2 || l > framework.n_levels() {
                return Err(AssessError::step(
                    "aggregate",
                    format!(
                        "level {l} is not an aggregate level of the framework (2..={})",
                        framework.n_levels()
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl From<Aggregation> for AggregateSpec {
    fn from(method: Aggregation) -> Self {
        AggregateSpec::uniform(method)
    }
}

/// The tree flattened for fast repeated aggregation (the Monte Carlo runs it thousands of
/// times): for each aggregate in bottom-up order, its node index, level and children.
#[derive(Debug, Clone)]
pub struct Plan {
    n_nodes: usize,
    n_indicators: usize,
    steps: Vec<(usize, usize, Vec<usize>)>,
    codes: Vec<String>,
}

impl Plan {
    pub fn new(framework: &Framework) -> Self {
        Plan {
            n_nodes: framework.nodes().len(),
            n_indicators: framework.n_indicators(),
            steps: framework
                .aggregates()
                .map(|a| {
                    let node = framework.node(a);
                    (a, node.level, node.children.clone())
                })
                .collect(),
            codes: framework.nodes().iter().map(|n| n.code.clone()).collect(),
        }
    }

    pub fn n_nodes(&self) -> usize {
        self.n_nodes
    }
}

/// Scores of every node: units × nodes, indicator columns copied from `indicators`.
pub fn aggregate(
    framework: &Framework,
    indicators: &Matrix,
    weights: &Weights,
    method: &AggregateSpec,
) -> Result<Matrix, AssessError> {
    method.check(framework)?;
    let plan = Plan::new(framework);
    let n = indicators.rows();
    let mut buf = vec![f64::NAN; n * plan.n_nodes];
    let mut scratch = Scratch::new(n);
    aggregate_into(
        &plan,
        indicators,
        &weights.0,
        method,
        &mut buf,
        &mut scratch,
    )?;
    let cols = buf
        .chunks(n.max(1))
        .take(plan.n_nodes)
        .map(<[f64]>::to_vec)
        .collect();
    Matrix::from_columns(n, cols)
        .ok_or_else(|| AssessError::step("aggregate", "internal size mismatch"))
}

/// Reusable accumulators, so the hot loop does not allocate.
pub struct Scratch {
    num: Vec<f64>,
    den: Vec<f64>,
}

impl Scratch {
    pub fn new(units: usize) -> Self {
        Scratch {
            num: vec![0.0; units],
            den: vec![0.0; units],
        }
    }
}

/// Fills `out` (column-major units × nodes) with indicator scores and every aggregate.
pub fn aggregate_into(
    plan: &Plan,
    indicators: &Matrix,
    weights: &[f64],
    spec: &AggregateSpec,
    out: &mut [f64],
    scratch: &mut Scratch,
) -> Result<(), AssessError> {
    let n = indicators.rows();
    for j in 0..plan.n_indicators {
        out[j * n..(j + 1) * n].copy_from_slice(indicators.col(j));
    }
    for (node, level, kids) in &plan.steps {
        let method = spec.at(*level);
        let (done, rest) = out.split_at_mut(node * n);
        let target = &mut rest[..n];
        let res = match *method {
            Aggregation::Copeland => {
                copeland(done, n, kids, weights, target);
                Ok(())
            }
            Aggregation::Arithmetic => {
                power_mean(done, n, kids, weights, Power::One, target, scratch)
            }
            Aggregation::Geometric => {
                power_mean(done, n, kids, weights, Power::Zero, target, scratch)
            }
            Aggregation::Harmonic => {
                power_mean(done, n, kids, weights, Power::P(-1.0), target, scratch)
            }
            Aggregation::Generalised { p: 0.0 } => {
                power_mean(done, n, kids, weights, Power::Zero, target, scratch)
            }
            Aggregation::Generalised { p: 1.0 } => {
                power_mean(done, n, kids, weights, Power::One, target, scratch)
            }
            Aggregation::Generalised { p } => {
                power_mean(done, n, kids, weights, Power::P(p), target, scratch)
            }
        };
        if let Err((unit, child)) = res {
            return Err(AssessError::step(
                "aggregate",
                format!(
                    "{} of {} needs positive values, but {} of unit #{} is {}; normalise to e.g. [1, 100]",
                    method.label(),
                    plan.codes[*node],
                    plan.codes[child],
                    unit + 1,
                    done[child * n + unit]
                ),
            ));
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Power {
    One,
    Zero,
    P(f64),
}

/// Weighted power mean over the children, skipping missing values. Err((unit, child)) when
/// a value is outside the method's domain.
fn power_mean(
    done: &[f64],
    n: usize,
    kids: &[usize],
    weights: &[f64],
    power: Power,
    target: &mut [f64],
    s: &mut Scratch,
) -> Result<(), (usize, usize)> {
    s.num.iter_mut().for_each(|v| *v = 0.0);
    s.den.iter_mut().for_each(|v| *v = 0.0);
    for &c in kids {
        let w = weights[c];
        let col = &done[c * n..(c + 1) * n];
        match power {
            Power::One => {
                for ((num, den), &x) in s.num.iter_mut().zip(s.den.iter_mut()).zip(col) {
                    if !x.is_nan() {
                        *num += w * x;
                        *den += w;
                    }
                }
            }
            Power::Zero => {
                for (i, &x) in col.iter().enumerate() {
                    if x.is_nan() {
                        continue;
                    }
                    if x <= 0.0 {
                        return Err((i, c));
                    }
                    s.num[i] += w * x.ln();
                    s.den[i] += w;
                }
            }
            Power::P(p) => {
                for (i, &x) in col.iter().enumerate() {
                    if x.is_nan() {
                        continue;
                    }
                    if x < 0.0 || (x == 0.0 && p < 0.0) {
                        return Err((i, c));
                    }
                    s.num[i] += w * x.powf(p);
                    s.den[i] += w;
                }
            }
        }
    }
    for ((t, &num), &den) in target.iter_mut().zip(&s.num).zip(&s.den) {
        *t = if den > 0.0 {
            match power {
                Power::One => num / den,
                Power::Zero => (num / den).exp(),
                Power::P(p) => (num / den).powf(1.0 / p),
            }
        } else {
            f64::NAN
        };
    }
    Ok(())
}

fn copeland(done: &[f64], n: usize, kids: &[usize], weights: &[f64], target: &mut [f64]) {
    for a in 0..n {
        if kids.iter().all(|&c| done[c * n + a].is_nan()) {
            target[a] = f64::NAN;
            continue;
        }
        let mut score = 0.0;
        for b in 0..n {
            if a == b || kids.iter().all(|&c| done[c * n + b].is_nan()) {
                continue;
            }
            let (mut ab, mut ba) = (0.0, 0.0);
            for &c in kids {
                let (xa, xb) = (done[c * n + a], done[c * n + b]);
                if xa.is_nan() || xb.is_nan() {
                    continue;
                }
                let w = weights[c];
                if xa > xb {
                    ab += w;
                } else if xb > xa {
                    ba += w;
                } else {
                    ab += w / 2.0;
                    ba += w / 2.0;
                }
            }
            if ab > ba {
                score += 1.0;
            } else if ba > ab {
                score -= 1.0;
            }
        }
        target[a] = score;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw() -> Framework {
        Framework::from_imeta_str(
            "meta.csv",
            "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,3,Indicator\nc,Q,1,1,Indicator\n\
             P,I,1,1,Aggregate\nQ,I,1,1,Aggregate\nI,,1,1,Aggregate\n",
        )
        .unwrap()
    }

    fn run(m: &Matrix, method: Aggregation) -> Result<Matrix, AssessError> {
        let fw = fw();
        aggregate(&fw, m, &Weights::from_framework(&fw), &method.into())
    }

    #[test]
    fn a_method_per_level() {
        // P = geometric(1, 16; weights 1, 3) = 8, Q = 4; the index is arithmetic: (8 + 4) / 2.
        let m = Matrix::from_columns(1, vec![vec![1.0], vec![16.0], vec![4.0]]).unwrap();
        let fw = fw();
        let spec = AggregateSpec {
            method: Aggregation::Arithmetic,
            levels: [(2, Aggregation::Geometric)].into(),
        };
        let s = aggregate(&fw, &m, &Weights::from_framework(&fw), &spec).unwrap();
        let (p, i) = (fw.find("P").unwrap(), fw.find("I").unwrap());
        assert!((s.get(0, p) - 8.0).abs() < 1e-12);
        assert!((s.get(0, i) - 6.0).abs() < 1e-12);
        // Arithmetic everywhere would give P = 12.25 and I = 8.125.
        let a = run(&m, Aggregation::Arithmetic).unwrap();
        assert_eq!((a.get(0, p), a.get(0, i)), (12.25, 8.125));
        assert_eq!(spec.label(), "arithmetic; level 2: geometric");
        let bad = AggregateSpec {
            method: Aggregation::Arithmetic,
            levels: [(4, Aggregation::Geometric)].into(),
        };
        let e = aggregate(&fw, &m, &Weights::from_framework(&fw), &bad).unwrap_err();
        assert!(
            e.to_string().contains("level 4 is not an aggregate level"),
            "{e}"
        );
    }

    #[test]
    fn arithmetic_skips_missing_and_renormalises() {
        let m = Matrix::from_columns(
            2,
            vec![vec![10.0, 10.0], vec![20.0, f64::NAN], vec![40.0, f64::NAN]],
        )
        .unwrap();
        let s = run(&m, Aggregation::Arithmetic).unwrap();
        let fw = fw();
        let (p, q, i) = (
            fw.find("P").unwrap(),
            fw.find("Q").unwrap(),
            fw.find("I").unwrap(),
        );
        assert_eq!(s.get(0, p), 17.5); // (10 + 3·20) / 4
        assert_eq!(s.get(1, p), 10.0); // b missing: a alone
        assert!(s.get(1, q).is_nan());
        assert_eq!(s.get(0, i), 28.75);
        assert_eq!(s.get(1, i), 10.0);
    }

    #[test]
    fn geometric_harmonic_generalised() {
        let m = Matrix::from_columns(1, vec![vec![1.0], vec![16.0], vec![4.0]]).unwrap();
        let fw = fw();
        let p = fw.find("P").unwrap();
        let g = run(&m, Aggregation::Geometric).unwrap().get(0, p);
        assert!((g - 8.0).abs() < 1e-12); // (1 · 16³)^(1/4)
        let h = run(&m, Aggregation::Harmonic).unwrap().get(0, p);
        assert!((h - 4.0 / (1.0 + 3.0 / 16.0)).abs() < 1e-12);
        let q = run(&m, Aggregation::Generalised { p: 2.0 })
            .unwrap()
            .get(0, p);
        assert!((q - ((1.0 + 3.0 * 256.0) / 4.0f64).sqrt()).abs() < 1e-12);
        let g0 = run(&m, Aggregation::Generalised { p: 0.0 })
            .unwrap()
            .get(0, p);
        assert!((g0 - g).abs() < 1e-12);
        let zero = Matrix::from_columns(1, vec![vec![0.0], vec![1.0], vec![1.0]]).unwrap();
        let e = run(&zero, Aggregation::Geometric).unwrap_err().to_string();
        assert!(
            e.contains("needs positive values") && e.contains(" a of unit #1"),
            "{e}"
        );
    }

    #[test]
    fn copeland_counts_pairwise_wins() {
        // Unit 0 wins on b (weight 3) against both; unit 1 beats unit 2 on a only, ties on b.
        let m = Matrix::from_columns(
            3,
            vec![
                vec![1.0, 5.0, 2.0],
                vec![9.0, 1.0, 1.0],
                vec![1.0, 1.0, 1.0],
            ],
        )
        .unwrap();
        let fw = fw();
        let s = run(&m, Aggregation::Copeland).unwrap();
        let p = fw.find("P").unwrap();
        assert_eq!((s.get(0, p), s.get(1, p), s.get(2, p)), (2.0, 0.0, -2.0));
    }
}
