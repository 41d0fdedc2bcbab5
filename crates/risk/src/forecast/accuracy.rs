//! How good the forecasts are: rolling-origin evaluation with the M-competitions' measures.

use serde::Serialize;

use super::{ForecastError, MAX_HORIZON, MAX_ORIGINS, Options, forecast};

/// Forecast accuracy over a backtest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Accuracy {
    /// Mean absolute scaled error: the mean absolute error over the in-sample mean absolute
    /// error of the seasonal naive forecast (same month last year); below 1 beats it.
    /// Averaged over the origins.
    pub mase: f64,
    /// Symmetric mean absolute percentage error, in percent (0-200).
    pub smape: f64,
    /// Share of actual values inside the 80 % interval, in percent.
    pub coverage_80: f64,
    /// Share of actual values inside the 95 % interval, in percent.
    pub coverage_95: f64,
    /// The number of forecast origins evaluated.
    pub origins: usize,
}

/// MASE of `forecast` against `actual`, scaled by the in-sample mean absolute error of the
/// seasonal naive forecast on `train` with seasonality `season`.
pub fn mase(
    actual: &[f64],
    forecast: &[f64],
    train: &[f64],
    season: usize,
) -> Result<f64, ForecastError> {
    if actual.is_empty() || actual.len() != forecast.len() {
        return Err(ForecastError::Backtest(format!(
            "{} actual values against {} forecasts",
            actual.len(),
            forecast.len()
        )));
    }
    let season = season.max(1);
    let diffs: Vec<f64> = train
        .iter()
        .zip(train.iter().skip(season))
        .map(|(a, b)| (b - a).abs())
        .collect();
    let scale = diffs.iter().sum::<f64>() / diffs.len() as f64;
    if diffs.is_empty() || scale.is_nan() || scale <= 0.0 {
        return Err(ForecastError::Backtest(
            "the seasonal naive forecast is exact in-sample: MASE is undefined".into(),
        ));
    }
    let mae = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum::<f64>()
        / actual.len() as f64;
    Ok(mae / scale)
}

/// sMAPE of `forecast` against `actual` in percent (0-200): the mean of
/// `200 |a - f| / (|a| + |f|)`, a pair of zeros counting as no error.
pub fn smape(actual: &[f64], forecast: &[f64]) -> Result<f64, ForecastError> {
    if actual.is_empty() || actual.len() != forecast.len() {
        return Err(ForecastError::Backtest(format!(
            "{} actual values against {} forecasts",
            actual.len(),
            forecast.len()
        )));
    }
    let sum: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| {
            let d = a.abs() + f.abs();
            if d == 0.0 {
                0.0
            } else {
                200.0 * (a - f).abs() / d
            }
        })
        .sum();
    Ok(sum / actual.len() as f64)
}

/// Rolling-origin evaluation: for each of `origins` consecutive forecast origins, the last
/// one `horizon` values before the end, fit on the history up to the origin, forecast
/// `horizon` values and compare them with what followed.
pub fn backtest(
    history: &[f64],
    options: &Options,
    horizon: usize,
    origins: usize,
) -> Result<Accuracy, ForecastError> {
    if origins == 0 || origins > MAX_ORIGINS {
        return Err(ForecastError::Backtest(format!(
            "{origins} origins: it must be 1 to {MAX_ORIGINS}"
        )));
    }
    if horizon == 0 || horizon > MAX_HORIZON {
        return Err(ForecastError::Horizon {
            horizon,
            max: MAX_HORIZON,
        });
    }
    let n = history.len();
    let first_train = n
        .checked_sub(horizon + origins - 1)
        .filter(|&t| t >= super::min_len(options))
        .ok_or_else(|| {
            ForecastError::Backtest(format!(
                "{n} values cannot give {origins} origins with a horizon of {horizon} and at \
                 least {} values to fit",
                super::min_len(options)
            ))
        })?;
    let (mut mase_sum, mut smape_sum, mut in_80, mut in_95) = (0.0, 0.0, 0usize, 0usize);
    for o in 0..origins {
        let end = first_train + o;
        let (train, rest) = history.split_at(end);
        let actual = &rest[..horizon];
        let f = forecast(train, horizon, options)?;
        mase_sum += mase(actual, &f.mean, train, options.season)?;
        smape_sum += smape(actual, &f.mean)?;
        for (i, a) in actual.iter().enumerate() {
            in_80 += usize::from(f.lower_80[i] <= *a && *a <= f.upper_80[i]);
            in_95 += usize::from(f.lower_95[i] <= *a && *a <= f.upper_95[i]);
        }
    }
    let points = (origins * horizon) as f64;
    Ok(Accuracy {
        mase: mase_sum / origins as f64,
        smape: smape_sum / origins as f64,
        coverage_80: 100.0 * in_80 as f64 / points,
        coverage_95: 100.0 * in_95 as f64 / points,
        origins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_of_a_hand_computed_case() {
        // Season 2: in-sample seasonal naive errors |3-1|, |4-2|, |7-3|, |6-4| = 2, 2, 4, 2,
        // mean 2.5; forecast errors 1 and 3, mean 2: MASE 0.8.
        let train = [1.0, 2.0, 3.0, 4.0, 7.0, 6.0];
        let m = mase(&[10.0, 5.0], &[9.0, 8.0], &train, 2).expect("defined");
        assert!((m - 0.8).abs() < 1e-12, "{m}");
        // 200·1/19 and 200·3/13, averaged.
        let s = smape(&[10.0, 5.0], &[9.0, 8.0]).expect("defined");
        let want = (200.0 / 19.0 + 600.0 / 13.0) / 2.0;
        assert!((s - want).abs() < 1e-12, "{s}");
        assert_eq!(smape(&[0.0], &[0.0]), Ok(0.0));
        assert_eq!(smape(&[0.0], &[3.0]), Ok(200.0));
    }

    #[test]
    fn undefined_measures_are_errors() {
        assert!(mase(&[1.0], &[1.0], &[5.0, 5.0, 5.0, 5.0], 2).is_err());
        assert!(mase(&[1.0], &[1.0], &[5.0], 2).is_err());
        assert!(mase(&[1.0, 2.0], &[1.0], &[1.0, 2.0, 3.0], 1).is_err());
        assert!(smape(&[], &[]).is_err());
    }
}
