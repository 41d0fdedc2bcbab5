//! Volume–delay functions and generalized cost.
//!
//! A link's generalized cost for a cargo class is `fixed + weight × time(volume)`, where
//! `fixed` carries what does not depend on volume (TNTP: toll factor × toll + distance factor ×
//! length; freight: charges converted to time) and `time` is the link's volume–delay function
//! of the total volume in capacity units. Two functions:
//!
//! - **BPR** for roads and rail lines, `t0 × (1 + b × (x / c)^p)`.
//! - **Queue** for border crossings, ports and terminals: `t0 + w × ρ / (1 − ρ)` with
//!   `ρ = x / c`, the mean wait of a single-server queue scaled by `w`, which grows without
//!   bound as utilisation nears 1. Beyond `ρ_max` it continues along its tangent, so that the
//!   function stays finite, convex and defined for any volume (an overloaded crossing is very
//!   slow, not undefined) and equilibrium always exists.

use crate::error::Error;

/// The exponent of a BPR function; integer powers (the usual 4) use `powi`, which is several
/// times faster than `powf` and dominates the cost evaluation in every algorithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Power {
    Int(i32),
    Real(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Vdf {
    Bpr {
        t0: f64,
        /// `t0 × b / c^p`, precomputed.
        alpha: f64,
        power: Power,
    },
    Queue {
        t0: f64,
        wait: f64,
        capacity: f64,
        rho_max: f64,
    },
}

impl Vdf {
    /// `t0 × (1 + b × (x / capacity)^power)`. A zero `b` or zero capacity with zero `b` gives
    /// a constant time; a power of 0 is a constant `t0 × (1 + b)`.
    pub fn bpr(t0: f64, b: f64, capacity: f64, power: f64) -> Result<Vdf, Error> {
        let finite = [t0, b, capacity, power].iter().all(|v| v.is_finite());
        if !finite || t0 < 0.0 || b < 0.0 || capacity < 0.0 {
            return Err(Error::Invalid(format!(
                "BPR needs finite, non-negative t0, b and capacity (got {t0}, {b}, {capacity})"
            )));
        }
        if power != 0.0 && power < 1.0 {
            // Below 1 the function is concave at 0 and its slope there infinite; equilibrium
            // algorithms assume convex costs.
            return Err(Error::Invalid(format!(
                "a BPR power must be 0 or at least 1, not {power}"
            )));
        }
        if b > 0.0 && capacity == 0.0 && t0 > 0.0 {
            return Err(Error::Invalid(
                "zero capacity with a congestion term".into(),
            ));
        }
        let (alpha, power) = if power == 0.0 {
            // x^0 = 1: fold the constant into t0.
            return Ok(Vdf::Bpr {
                t0: t0 * (1.0 + b),
                alpha: 0.0,
                power: Power::Int(1),
            });
        } else if b == 0.0 || t0 == 0.0 {
            (0.0, Power::Int(1))
        } else {
            let p = if power.fract() == 0.0 && power <= 16.0 {
                Power::Int(power as i32)
            } else {
                Power::Real(power)
            };
            (t0 * b / capacity.powf(power), p)
        };
        Ok(Vdf::Bpr { t0, alpha, power })
    }

    /// `t0 + wait × ρ / (1 − ρ)`, continued along its tangent beyond `rho_max` (< 1).
    pub fn queue(t0: f64, wait: f64, capacity: f64, rho_max: f64) -> Result<Vdf, Error> {
        let finite = [t0, wait, capacity, rho_max].iter().all(|v| v.is_finite());
        if !finite || t0 < 0.0 || wait < 0.0 || capacity <= 0.0 || !(0.0..1.0).contains(&rho_max) {
            return Err(Error::Invalid(format!(
                "a queue needs t0 ≥ 0, wait ≥ 0, capacity > 0 and 0 ≤ ρmax < 1 (got {t0}, {wait}, {capacity}, {rho_max})"
            )));
        }
        Ok(Vdf::Queue {
            t0,
            wait,
            capacity,
            rho_max,
        })
    }

    /// A constant time (an uncongested link).
    pub fn constant(t: f64) -> Vdf {
        Vdf::Bpr {
            t0: t.max(0.0),
            alpha: 0.0,
            power: Power::Int(1),
        }
    }

    /// Free-flow time.
    pub fn t0(&self) -> f64 {
        match *self {
            Vdf::Bpr { t0, .. } | Vdf::Queue { t0, .. } => t0,
        }
    }

    /// Time at volume `x`.
    #[inline]
    pub fn time(&self, x: f64) -> f64 {
        match *self {
            Vdf::Bpr { t0, alpha, power } => t0 + alpha * pow(x, power),
            Vdf::Queue {
                t0,
                wait,
                capacity,
                rho_max,
            } => {
                let rho = x / capacity;
                if rho <= rho_max {
                    t0 + wait * rho / (1.0 - rho)
                } else {
                    let q = 1.0 - rho_max;
                    t0 + wait * rho_max / q + wait / (q * q) * (rho - rho_max)
                }
            }
        }
    }

    /// d time / d x at `x`.
    #[inline]
    pub fn slope(&self, x: f64) -> f64 {
        match *self {
            Vdf::Bpr { alpha, power, .. } => {
                if alpha == 0.0 || x <= 0.0 {
                    return match power {
                        Power::Int(1) => alpha,
                        Power::Real(1.0) => alpha,
                        _ => 0.0,
                    };
                }
                match power {
                    Power::Int(p) => alpha * p as f64 * x.powi(p - 1),
                    Power::Real(p) => alpha * p * x.powf(p - 1.0),
                }
            }
            Vdf::Queue {
                wait,
                capacity,
                rho_max,
                ..
            } => {
                let q = 1.0 - (x / capacity).min(rho_max);
                wait / (capacity * q * q)
            }
        }
    }

    /// d² time / d x² at `x` (for the marginal cost's slope in system optimum).
    #[inline]
    pub fn curvature(&self, x: f64) -> f64 {
        match *self {
            Vdf::Bpr { alpha, power, .. } => {
                if alpha == 0.0 || x <= 0.0 {
                    return match power {
                        Power::Int(2) => 2.0 * alpha,
                        _ => 0.0,
                    };
                }
                match power {
                    Power::Int(p) => alpha * (p * (p - 1)) as f64 * x.powi(p - 2),
                    Power::Real(p) => alpha * p * (p - 1.0) * x.powf(p - 2.0),
                }
            }
            Vdf::Queue {
                wait,
                capacity,
                rho_max,
                ..
            } => {
                let rho = x / capacity;
                if rho > rho_max {
                    return 0.0;
                }
                let q = 1.0 - rho;
                2.0 * wait / (capacity * capacity * q * q * q)
            }
        }
    }

    /// ∫₀ˣ time, the link's term in the Beckmann objective.
    #[inline]
    pub fn integral(&self, x: f64) -> f64 {
        match *self {
            Vdf::Bpr { t0, alpha, power } => {
                let rise = match power {
                    Power::Int(p) => alpha * pow(x, power) * x / (p as f64 + 1.0),
                    Power::Real(p) => alpha * pow(x, power) * x / (p + 1.0),
                };
                t0 * x + rise
            }
            Vdf::Queue {
                t0,
                wait,
                capacity,
                rho_max,
            } => {
                let rho = x / capacity;
                let queue = |r: f64| wait * capacity * (-r - (1.0 - r).ln());
                if rho <= rho_max {
                    t0 * x + queue(rho)
                } else {
                    let xm = rho_max * capacity;
                    let d = x - xm;
                    t0 * x
                        + queue(rho_max)
                        + (self.time(xm) - t0) * d
                        + 0.5 * self.slope(xm) * d * d
                }
            }
        }
    }
}

#[inline]
fn pow(x: f64, p: Power) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    match p {
        Power::Int(1) => x,
        Power::Int(2) => x * x,
        Power::Int(4) => {
            let s = x * x;
            s * s
        }
        Power::Int(i) => x.powi(i),
        Power::Real(r) => x.powf(r),
    }
}

/// What the travellers minimise: their own cost (user equilibrium) or, as an option for
/// planning, the marginal cost they impose on all (system optimum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    #[default]
    UserEquilibrium,
    SystemOptimum,
}

/// The time part of a link's cost under `objective` and its slope, at total volume `x`.
#[inline]
pub fn time_and_slope(vdf: &Vdf, objective: Objective, x: f64) -> (f64, f64) {
    match objective {
        Objective::UserEquilibrium => (vdf.time(x), vdf.slope(x)),
        Objective::SystemOptimum => {
            let s = vdf.slope(x);
            (vdf.time(x) + x * s, 2.0 * s + x * vdf.curvature(x))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_slope(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-4 * x.max(1.0);
        (f(x + h) - f(x - h)) / (2.0 * h)
    }

    #[test]
    fn slopes_and_integrals_agree_with_the_time_functions() -> Result<(), Error> {
        let fns = [
            Vdf::bpr(10.0, 0.15, 1000.0, 4.0)?,
            Vdf::bpr(10.0, 0.15, 1000.0, 2.5)?,
            Vdf::bpr(3.0, 1.0, 50.0, 1.0)?,
            Vdf::queue(2.0, 0.5, 100.0, 0.95)?,
        ];
        for vdf in fns {
            for x in [1.0, 300.0, 900.0, 1500.0, 40.0, 96.0, 120.0] {
                let s = numeric_slope(|v| vdf.time(v), x);
                assert!(
                    (vdf.slope(x) - s).abs() <= 1e-6 * s.abs().max(1e-3),
                    "{vdf:?} slope at {x}"
                );
                let c = numeric_slope(|v| vdf.slope(v), x);
                assert!(
                    (vdf.curvature(x) - c).abs() <= 1e-5 * c.abs().max(1e-3),
                    "{vdf:?} curvature at {x}"
                );
                let i = numeric_slope(|v| vdf.integral(v), x);
                assert!(
                    (vdf.time(x) - i).abs() <= 1e-6 * i.abs(),
                    "{vdf:?} integral at {x}"
                );
            }
            assert_eq!(vdf.integral(0.0), 0.0);
        }
        Ok(())
    }

    #[test]
    fn a_queue_grows_steeply_near_capacity_and_stays_finite_beyond() -> Result<(), Error> {
        let q = Vdf::queue(1.0, 1.0, 100.0, 0.95)?;
        assert!((q.time(50.0) - 2.0).abs() < 1e-12);
        assert!(q.time(94.0) > 15.0);
        assert!(q.time(200.0).is_finite() && q.time(200.0) > q.time(95.0));
        Ok(())
    }

    #[test]
    fn zero_power_is_a_constant_and_concave_powers_are_refused() -> Result<(), Error> {
        let c = Vdf::bpr(2.0, 0.15, 100.0, 0.0)?;
        assert_eq!(c.time(0.0), c.time(1e6));
        assert!(Vdf::bpr(2.0, 0.15, 100.0, 0.5).is_err());
        assert!(Vdf::bpr(2.0, -0.15, 100.0, 4.0).is_err());
        Ok(())
    }
}
