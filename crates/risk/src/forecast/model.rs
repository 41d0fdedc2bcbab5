//! The fitted model: an STL decomposition, then augurs' AutoETS on the seasonally adjusted
//! series, on the raw or the log scale.

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;

use super::ForecastError;

/// Point forecasts and the 80 % and 95 % prediction intervals, on the original scale.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bands {
    pub(crate) mean: Vec<f64>,
    pub(crate) lower_80: Vec<f64>,
    pub(crate) upper_80: Vec<f64>,
    pub(crate) lower_95: Vec<f64>,
    pub(crate) upper_95: Vec<f64>,
    pub(crate) model: String,
}

/// STL's seasonal smoother span: 7 + 4 × 1, what augurs' and statsforecast's MSTL give their
/// first (here: only) period. Shorter spans let the seasonal pattern drift faster.
const SEASONAL_SPAN: usize = 11;

// Standard normal quantiles of the two-sided 80 % and 95 % intervals.
pub(crate) const Z_80: f64 = 1.281_551_565_544_600_5;
pub(crate) const Z_95: f64 = 1.959_963_984_540_054;

/// Probes of white noise run through STL (see [`stl_noise`]).
const PROBES: usize = 16;

/// What STL does to white noise of variance 1 in a series of this length and season.
#[derive(Debug, Clone, Copy)]
struct StlNoise {
    /// The variance left outside the seasonal component (below 1: the seasonal smoother
    /// takes part of the noise for pattern).
    kept: f64,
    /// The variance of the last season's seasonal values (the ones the forecast repeats).
    seasonal: f64,
}

/// Non-robust STL is linear in the data, so its effect on the noise of a series does not
/// depend on the series: it is measured once per fit on a few fixed pseudo-random probes.
fn stl_noise(len: usize, season: usize) -> Result<StlNoise, ForecastError> {
    let mut state = 0x5EED_u64.wrapping_add(len as u64);
    let mut uniform = || {
        // SplitMix64: deterministic, so the same series always gets the same interval.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 + 0.5 / (1u64 << 53) as f64
    };
    let (mut kept, mut seasonal) = (0.0, 0.0);
    let mut probe = vec![0.0; len];
    for _ in 0..PROBES {
        for v in probe.iter_mut() {
            let (u1, u2) = (uniform(), uniform());
            *v = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        }
        let stl = stlrs::params()
            .seasonal_length(SEASONAL_SPAN)
            .fit(&probe, season)
            .map_err(|e| ForecastError::Model(format!("STL decomposition: {e}")))?;
        let s = stl.seasonal();
        let var = probe.iter().map(|v| v * v).sum::<f64>() / len as f64;
        kept += probe
            .iter()
            .zip(s)
            .map(|(v, s)| (v - s).powi(2))
            .sum::<f64>()
            / len as f64
            / var;
        seasonal += s[len - season..].iter().map(|s| s * s).sum::<f64>() / season as f64 / var;
    }
    Ok(StlNoise {
        kept: (kept / PROBES as f64).clamp(0.2, 1.0),
        seasonal: seasonal / PROBES as f64,
    })
}

/// Forecasts `horizon` steps of `y` (finite values, at least two seasons, checked by the
/// caller) with seasonality `season` (≥ 2).
pub(crate) fn fit_predict(
    y: &[f64],
    season: usize,
    horizon: usize,
) -> Result<Bands, ForecastError> {
    let first = y.first().copied().ok_or(ForecastError::TooShort {
        len: 0,
        min: 2 * season,
    })?;
    if y.iter().all(|&v| v == first) {
        // Nothing varies: ETS has no variance to estimate (and fails on it); the flat line
        // with no spread is the only forecast the data supports.
        let flat = vec![first; horizon];
        return Ok(Bands {
            mean: flat.clone(),
            lower_80: flat.clone(),
            upper_80: flat.clone(),
            lower_95: flat.clone(),
            upper_95: flat,
            model: "constant".to_string(),
        });
    }
    // ETS's optimiser and STL's smoothers are scale-free in theory but not in floating point:
    // trade values in yuan reach 1e10, so the model sees the series divided by its mean size.
    let scale = y.iter().map(|v| v.abs()).sum::<f64>() / y.len() as f64;
    let scaled: Vec<f64> = y.iter().map(|v| v / scale).collect();

    let raw = fit_scale(&scaled, season, horizon, Scale::Raw);
    // Trade grows in proportion: a seasonal swing that grows with the level is additive on
    // the log scale, so positive series are also fitted there and the better one kept.
    let log = if scaled.iter().all(|&v| v > 0.0) {
        let logged: Vec<f64> = scaled.iter().map(|v| v.ln()).collect();
        Some(fit_scale(&logged, season, horizon, Scale::Log))
    } else {
        None
    };
    let best = match (raw, log) {
        (Ok(r), Some(Ok(l))) => {
            if l.in_sample_mse(&scaled) < r.in_sample_mse(&scaled) {
                l
            } else {
                r
            }
        }
        (Ok(r), _) => r,
        (Err(_), Some(Ok(l))) => l,
        (Err(e), _) => return Err(e),
    };
    Ok(best.bands(scale))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    Raw,
    Log,
}

impl Scale {
    fn back(self, v: f64) -> f64 {
        match self {
            Scale::Raw => v,
            Scale::Log => v.exp(),
        }
    }
}

/// One fit on one scale, still on that scale.
struct Fitted {
    scale: Scale,
    name: String,
    in_sample: Vec<f64>,
    mean: Vec<f64>,
    band_80: (Vec<f64>, Vec<f64>),
    band_95: (Vec<f64>, Vec<f64>),
}

impl Fitted {
    /// Mean squared one-step in-sample error on the (scaled) original scale: the two scales'
    /// likelihoods are of different data, so they are compared on what both predict.
    fn in_sample_mse(&self, y: &[f64]) -> f64 {
        let (sum, n) = self
            .in_sample
            .iter()
            .zip(y)
            .map(|(f, v)| self.scale.back(*f) - v)
            .filter(|e| e.is_finite())
            .fold((0.0, 0usize), |(s, n), e| (s + e * e, n + 1));
        if n == 0 {
            f64::INFINITY
        } else {
            sum / n as f64
        }
    }

    fn bands(self, scale: f64) -> Bands {
        let back = |v: &[f64]| -> Vec<f64> {
            v.iter()
                .map(|x| self.scale.back(*x) * scale)
                .collect::<Vec<_>>()
        };
        Bands {
            mean: back(&self.mean),
            lower_80: back(&self.band_80.0),
            upper_80: back(&self.band_80.1),
            lower_95: back(&self.band_95.0),
            upper_95: back(&self.band_95.1),
            model: self.name,
        }
    }
}

fn fit_scale(
    y: &[f64],
    season: usize,
    horizon: usize,
    scale: Scale,
) -> Result<Fitted, ForecastError> {
    // Season 1 means no seasonality: ETS on the series itself.
    let (adjusted, seasonal) = if season > 1 {
        let stl = stlrs::params()
            .seasonal_length(SEASONAL_SPAN)
            .fit(y, season)
            .map_err(|e| ForecastError::Model(format!("STL decomposition: {e}")))?;
        let adjusted: Vec<f64> = stl
            .trend()
            .iter()
            .zip(stl.remainder())
            .map(|(t, r)| t + r)
            .collect();
        (adjusted, stl.seasonal().to_vec())
    } else {
        (y.to_vec(), vec![0.0; y.len()])
    };

    let ets = AutoETS::non_seasonal()
        .fit(&adjusted)
        .map_err(|e| ForecastError::Model(format!("ETS: {e}")))?;
    let predict = |level: Option<f64>| {
        ets.predict(horizon, level)
            .map_err(|e| ForecastError::Model(format!("ETS forecast: {e}")))
    };
    let p80 = predict(Some(0.8))?;
    let p95 = predict(Some(0.95))?;
    let fitted = ets
        .predict_in_sample(None)
        .map_err(|e| ForecastError::Model(format!("ETS fit: {e}")))?;

    // The forecast's seasonal part repeats the last estimated season, as augurs' MSTL does.
    let last_season = seasonal
        .get(seasonal.len().saturating_sub(season)..)
        .filter(|s| !s.is_empty())
        .ok_or(ForecastError::TooShort {
            len: y.len(),
            min: 2 * season,
        })?;
    let add_season = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(last_season.iter().cycle())
            .map(|(a, s)| a + s)
            .collect()
    };
    let noise = if season > 1 {
        stl_noise(y.len(), season)?
    } else {
        StlNoise {
            kept: 1.0,
            seasonal: 0.0,
        }
    };
    // ETS's interval on the adjusted series, widened for what STL did to the noise: its
    // variance was estimated on residuals STL had shrunk (÷ kept), and the repeated last
    // season carries its own estimation error (+ seasonal × the one-step variance).
    let bounds =
        |f: &augurs_core::Forecast, z: f64| -> Result<(Vec<f64>, Vec<f64>), ForecastError> {
            let i = f
                .intervals
                .as_ref()
                .ok_or_else(|| ForecastError::Model("ETS gave no prediction interval".into()))?;
            let one_step = match (i.lower.first(), i.upper.first()) {
                (Some(l), Some(u)) => (u - l) / (2.0 * z),
                _ => 0.0,
            };
            let extra = (z * one_step).powi(2) * noise.seasonal;
            let widen = |half: f64| ((half * half + extra) / noise.kept).sqrt();
            let lower: Vec<f64> = f
                .point
                .iter()
                .zip(&i.lower)
                .map(|(m, l)| m - widen(m - l))
                .collect();
            let upper: Vec<f64> = f
                .point
                .iter()
                .zip(&i.upper)
                .map(|(m, u)| m + widen(u - m))
                .collect();
            Ok((add_season(&lower), add_season(&upper)))
        };
    let band_80 = bounds(&p80, Z_80)?;
    let band_95 = bounds(&p95, Z_95)?;
    let mean = add_season(&p80.point);
    let in_sample = fitted
        .point
        .iter()
        .zip(&seasonal)
        .map(|(f, s)| f + s)
        .collect();
    let model = ets.model();
    let damped = if model.damped() { "d" } else { "" };
    let kind = model.model_type().to_string();
    // "AAN" + damped → ETS(A,Ad,N), the usual notation.
    let mut parts = kind.chars();
    let (e, t, s) = (
        parts.next().unwrap_or('?'),
        parts.next().unwrap_or('?'),
        parts.next().unwrap_or('?'),
    );
    let stl = if season > 1 {
        format!("STL({season}) + ")
    } else {
        String::new()
    };
    let log = if scale == Scale::Log {
        " on log scale"
    } else {
        ""
    };
    let name = format!("{stl}ETS({e},{t}{damped},{s}){log}");
    Ok(Fitted {
        scale,
        name,
        in_sample,
        mean,
        band_80,
        band_95,
    })
}
