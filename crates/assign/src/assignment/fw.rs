//! Frank–Wolfe and its conjugate-direction variants.
//!
//! Each iteration loads all trips all-or-nothing on the current shortest paths (`y`), picks a
//! search point `s` and moves the volumes toward it by the step that minimises the objective
//! along the segment. Plain FW takes `s = y`; CFW makes the direction conjugate to the last
//! one, and BFW to the last two, with respect to the diagonal Hessian of the objective
//! (the link cost slopes), after Mitradjieva and Lindberg (2013), "The stiff is moving —
//! conjugate direction Frank–Wolfe methods with applications to traffic assignment". The
//! conjugate weights are found here by solving the two conjugacy conditions directly; when
//! they would leave the convex hull of the previous points the method falls back to CFW,
//! then to FW.
//!
//! The conjugate variants keep one volume vector per point and so take one class; several
//! classes run plain FW (or the bush algorithm, which is the better choice for them anyway).

use std::time::Instant;

use super::aon::all_or_nothing;
use super::{Algorithm, Options, Problem, Progress, Solution, Step, relative_gap, since};
use crate::costing::time_and_slope;
use crate::error::Error;

/// Keeps conjugate weights away from 1, where the direction would stall (as in the paper).
const DELTA: f64 = 1e-6;

pub fn solve(
    p: &Problem,
    options: &Options,
    algorithm: Algorithm,
    progress: Progress,
) -> Result<Solution, Error> {
    let single = p.classes.len() == 1;
    if matches!(algorithm, Algorithm::Cfw | Algorithm::Bfw) && !single {
        return Err(Error::Invalid(format!(
            "{algorithm:?} takes one class; this problem has {} (use fw or bush)",
            p.classes.len()
        )));
    }
    let start = Instant::now();
    let threads = options.thread_count();
    let m = p.graph.links();
    let classes = p.classes.len();
    let mut time = vec![0.0; m];
    let mut slope = vec![0.0; m];
    let mut costs = vec![vec![0.0; m]; classes];
    let refresh = |f: &[Vec<f64>], time: &mut [f64], slope: &mut [f64], costs: &mut [Vec<f64>]| {
        let x = p.total_volume(f);
        p.times(&x, time, slope);
        for (k, c) in costs.iter_mut().enumerate() {
            p.class_costs(k, time, c);
        }
    };

    refresh(
        &vec![vec![0.0; m]; classes],
        &mut time,
        &mut slope,
        &mut costs,
    );
    let first = all_or_nothing(p, &costs, threads, true);
    let unserved = first.unserved;
    let mut f = first.class_volume;

    let mut steps = Vec::new();
    let mut prev: Option<Vec<f64>> = None;
    let mut prev2: Option<Vec<f64>> = None;
    let mut tau_prev = 1.0;
    let mut converged = false;
    let mut gap;
    let mut tstt;
    let mut iteration = 0;
    loop {
        iteration += 1;
        refresh(&f, &mut time, &mut slope, &mut costs);
        let y = all_or_nothing(p, &costs, threads, true);
        tstt = total_cost(&f, &costs);
        gap = relative_gap(tstt, y.sptt);
        let step = Step {
            iteration,
            relative_gap: gap,
            objective: p.objective_value(&f),
            seconds: since(start),
        };
        steps.push(step);
        let stop = progress(&step).is_break();
        if gap <= options.gap {
            converged = true;
        }
        if converged || stop || iteration >= options.max_iterations || algorithm == Algorithm::Aon {
            break;
        }
        let target: Vec<Vec<f64>> = if single {
            let y0 = &y.class_volume[0];
            let s = match algorithm {
                Algorithm::Bfw => bfw_point(
                    &f[0],
                    y0,
                    prev.as_deref(),
                    prev2.as_deref(),
                    tau_prev,
                    &slope,
                ),
                Algorithm::Cfw => cfw_point(&f[0], y0, prev.as_deref(), tau_prev, &slope),
                _ => y0.clone(),
            };
            vec![s]
        } else {
            y.class_volume
        };
        let tau = line_search(p, &f, &target);
        for (fk, sk) in f.iter_mut().zip(&target) {
            for (x, s) in fk.iter_mut().zip(sk) {
                *x += tau * (s - *x);
            }
        }
        if single {
            prev2 = prev.take();
            prev = target.into_iter().next();
        }
        tau_prev = tau;
    }
    let x = p.total_volume(&f);
    p.times(&x, &mut time, &mut slope);
    Ok(Solution {
        objective: p.objective_value(&f),
        volume: x,
        class_volume: f,
        time,
        relative_gap: gap,
        total_cost: tstt,
        iterations: iteration,
        seconds: since(start),
        converged,
        steps,
        unserved,
    })
}

/// Σ volume × cost over classes and links, skipping unused (and closed) links.
fn total_cost(f: &[Vec<f64>], costs: &[Vec<f64>]) -> f64 {
    f.iter()
        .zip(costs)
        .map(|(v, c)| {
            v.iter()
                .zip(c)
                .filter(|(x, _)| **x != 0.0)
                .map(|(x, c)| x * c)
                .sum::<f64>()
        })
        .sum()
}

/// Σ a_i × h_i × b_i.
fn hdot(a: impl Iterator<Item = f64>, b: impl Iterator<Item = f64>, h: &[f64]) -> f64 {
    a.zip(b).zip(h).map(|((a, b), h)| a * h * b).sum()
}

/// CFW: `s = α s_prev + (1 − α) y`, with `s − x` conjugate to `s_prev − x`.
fn cfw_point(x: &[f64], y: &[f64], prev: Option<&[f64]>, tau_prev: f64, h: &[f64]) -> Vec<f64> {
    let Some(sp) = prev.filter(|_| tau_prev < 1.0) else {
        return y.to_vec();
    };
    let dbar = || sp.iter().zip(x).map(|(s, x)| s - x);
    let n = hdot(dbar(), y.iter().zip(x).map(|(y, x)| y - x), h);
    let d = hdot(dbar(), y.iter().zip(sp).map(|(y, s)| y - s), h);
    let alpha = if d != 0.0 { n / d } else { 0.0 };
    let alpha = if alpha.is_finite() {
        alpha.clamp(0.0, 1.0 - DELTA)
    } else {
        0.0
    };
    sp.iter()
        .zip(y)
        .map(|(s, y)| alpha * s + (1.0 - alpha) * y)
        .collect()
}

/// BFW: `s = (y + a s_prev + b s_prev2) / (1 + a + b)` with `s − x` conjugate to both previous
/// directions; falls back to CFW when that has no solution with a, b ≥ 0.
fn bfw_point(
    x: &[f64],
    y: &[f64],
    prev: Option<&[f64]>,
    prev2: Option<&[f64]>,
    tau_prev: f64,
    h: &[f64],
) -> Vec<f64> {
    let (Some(s1), Some(s2)) = (prev, prev2) else {
        return cfw_point(x, y, prev, tau_prev, h);
    };
    if tau_prev >= 1.0 {
        return cfw_point(x, y, prev, tau_prev, h);
    }
    // The last direction, up to a factor: s1 − x. The one before: τ s1 − x + (1 − τ) s2
    // (since x = x_prev + τ (s1 − x_prev), this is (1 − τ)(s2 − x_prev)).
    let p1: Vec<f64> = s1.iter().zip(x).map(|(s, x)| s - x).collect();
    let p2: Vec<f64> = s1
        .iter()
        .zip(s2)
        .zip(x)
        .map(|((s1, s2), x)| tau_prev * s1 - x + (1.0 - tau_prev) * s2)
        .collect();
    let u = || y.iter().zip(x).map(|(y, x)| y - x);
    let q = || s2.iter().zip(x).map(|(s, x)| s - x);
    let a11 = hdot(p1.iter().copied(), p1.iter().copied(), h);
    let a12 = hdot(p1.iter().copied(), q(), h);
    let a21 = hdot(p2.iter().copied(), p1.iter().copied(), h);
    let a22 = hdot(p2.iter().copied(), q(), h);
    let b1 = -hdot(p1.iter().copied(), u(), h);
    let b2 = -hdot(p2.iter().copied(), u(), h);
    let det = a11 * a22 - a12 * a21;
    let scale = (a11 * a22).abs().max((a12 * a21).abs());
    if det.abs() <= 1e-14 * scale || !det.is_finite() {
        return cfw_point(x, y, prev, tau_prev, h);
    }
    let a = (b1 * a22 - a12 * b2) / det;
    let b = (a11 * b2 - a21 * b1) / det;
    if !(a.is_finite() && b.is_finite()) || a < 0.0 || b < 0.0 {
        return cfw_point(x, y, prev, tau_prev, h);
    }
    let beta0 = 1.0 / (1.0 + a + b);
    if beta0 < DELTA {
        return cfw_point(x, y, prev, tau_prev, h);
    }
    y.iter()
        .zip(s1)
        .zip(s2)
        .map(|((y, s1), s2)| beta0 * (y + a * s1 + b * s2))
        .collect()
}

/// The step τ in [0, 1] minimising the objective from `f` toward `s`: the root of
/// φ'(τ) = Σ_k Σ_a d_ka × cost_ka(f + τ d), by Newton's method kept inside a shrinking
/// bracket (bisection when Newton would leave it).
fn line_search(p: &Problem, f: &[Vec<f64>], s: &[Vec<f64>]) -> f64 {
    let m = p.graph.links();
    let d: Vec<Vec<f64>> = f
        .iter()
        .zip(s)
        .map(|(fk, sk)| sk.iter().zip(fk).map(|(s, f)| s - f).collect())
        .collect();
    let x0 = p.total_volume(f);
    let dx = p.total_volume(&d);
    // φ'(τ) = fixed + Σ_a wd_a × T_a(x0_a + τ dx_a), T the time under the objective.
    let mut fixed = 0.0;
    let mut wd = vec![0.0; m];
    for (k, dk) in d.iter().enumerate() {
        let w = p.classes[k].time_weight;
        for a in 0..m {
            if dk[a] != 0.0 {
                fixed += dk[a] * p.fixed(k, a);
                wd[a] += w * dk[a];
            }
        }
    }
    let active: Vec<usize> = (0..m).filter(|&a| wd[a] != 0.0).collect();
    let derivative = |tau: f64| -> (f64, f64) {
        let mut g = fixed;
        let mut h = 0.0;
        for &a in &active {
            let (t, sl) = time_and_slope(&p.vdf[a], p.objective, x0[a] + tau * dx[a]);
            g += wd[a] * t;
            h += wd[a] * sl * dx[a];
        }
        (g, h)
    };
    let (g1, _) = derivative(1.0);
    if g1 <= 0.0 {
        return 1.0;
    }
    let (g0, _) = derivative(0.0);
    if g0 >= 0.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    let mut tau = 0.5;
    for _ in 0..200 {
        let (g, h) = derivative(tau);
        if g == 0.0 {
            return tau;
        }
        if g < 0.0 {
            lo = tau;
        } else {
            hi = tau;
        }
        if hi - lo <= 1e-15 {
            break;
        }
        let newton = tau - g / h;
        let next = if h > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - tau).abs() <= 1e-15 {
            return next;
        }
        tau = next;
    }
    tau
}
