//! The forecast-based warning engine on simulated series with known properties.

use kaifang_risk::ForecastError;
use kaifang_risk::forecast::{
    self, MAX_HORIZON, MAX_LEN, Options, SpringFestival, backtest, check_latest, mase, smape,
    spring_festival_date,
};

/// SplitMix64 with Box-Muller: a fixed seed gives the same series on every machine.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A local-level series with a fixed additive yearly pattern (ETS(A,N,A) with γ = 0):
/// `y[t] = l[t-1] + s[t mod 12] + e[t]`, `l[t] = l[t-1] + α e[t]`, `e ~ N(0, σ²)`.
fn local_level_seasonal(rng: &mut Rng, len: usize, alpha: f64, sigma: f64) -> Vec<f64> {
    let pattern: Vec<f64> = (0..12)
        .map(|m| 12.0 * (2.0 * std::f64::consts::PI * m as f64 / 12.0).sin() + 4.0 * (m % 3) as f64)
        .collect();
    let mut level = 200.0;
    (0..len)
        .map(|t| {
            let e = sigma * rng.normal();
            let y = level + pattern[t % 12] + e;
            level += alpha * e;
            y
        })
        .collect()
}

fn inside(v: f64, lo: f64, hi: f64) -> bool {
    lo <= v && v <= hi
}

#[test]
fn intervals_cover_as_often_as_they_claim_on_simulated_series() {
    let (series, fit_len, horizon) = (200, 96, 12);
    let mut rng = Rng(20_240_601);
    let (mut all_80, mut all_95, mut one_80, mut one_95) = (0, 0, 0, 0);
    for _ in 0..series {
        let y = local_level_seasonal(&mut rng, fit_len + horizon, 0.3, 5.0);
        let (train, test) = y.split_at(fit_len);
        let f = forecast::forecast(train, horizon, &Options::default()).expect("fits");
        for (i, a) in test.iter().enumerate() {
            let h80 = inside(*a, f.lower_80[i], f.upper_80[i]);
            let h95 = inside(*a, f.lower_95[i], f.upper_95[i]);
            all_80 += usize::from(h80);
            all_95 += usize::from(h95);
            if i == 0 {
                one_80 += usize::from(h80);
                one_95 += usize::from(h95);
            }
        }
    }
    let pct = |k: usize, n: usize| 100.0 * k as f64 / n as f64;
    let (c80, c95) = (pct(all_80, series * horizon), pct(all_95, series * horizon));
    let (o80, o95) = (pct(one_80, series), pct(one_95, series));
    eprintln!("coverage, all 12 steps: 80% {c80:.1}, 95% {c95:.1}; one step: {o80:.1}, {o95:.1}");
    assert!((c80 - 80.0).abs() <= 7.0, "80% interval covers {c80:.1}%");
    assert!((c95 - 95.0).abs() <= 5.0, "95% interval covers {c95:.1}%");
    // One step ahead is what the alert uses; 200 points, so a little more slack.
    assert!(
        (o80 - 80.0).abs() <= 8.0,
        "one-step 80% interval covers {o80:.1}%"
    );
    assert!(
        (o95 - 95.0).abs() <= 5.0,
        "one-step 95% interval covers {o95:.1}%"
    );
}

#[test]
fn mase_and_smape_match_hand_computed_values() {
    // Season 4. In-sample seasonal naive errors: |12-10|, |9-8|, |15-14|, |13-11|, |13-12|,
    // |11-9|, |16-15|, |15-13| = 2, 1, 1, 2, 1, 2, 1, 2; mean 1.5.
    let train = [
        10.0, 8.0, 14.0, 11.0, 12.0, 9.0, 15.0, 13.0, 13.0, 11.0, 16.0, 15.0,
    ];
    let actual = [14.0, 12.0, 18.0, 16.0];
    let predicted = [13.0, 12.0, 15.0, 17.0];
    // Absolute errors 1, 0, 3, 1: MAE 1.25, MASE 1.25 / 1.5.
    let m = mase(&actual, &predicted, &train, 4).expect("defined");
    assert!((m - 1.25 / 1.5).abs() < 1e-12, "{m}");
    // 200 |a-f| / (|a|+|f|): 200/27, 0, 600/33, 200/33; the mean of the four.
    let s = smape(&actual, &predicted).expect("defined");
    let want = (200.0 / 27.0 + 0.0 + 600.0 / 33.0 + 200.0 / 33.0) / 4.0;
    assert!((s - want).abs() < 1e-12, "{s} against {want}");
}

#[test]
fn backtest_agrees_with_forecasts_made_by_hand() {
    let mut rng = Rng(7);
    let y = local_level_seasonal(&mut rng, 72, 0.2, 4.0);
    let options = Options::default();
    let acc = backtest(&y, &options, 6, 3).expect("enough history");
    assert_eq!(acc.origins, 3);
    let (mut m, mut s, mut c80, mut c95) = (0.0, 0.0, 0, 0);
    for end in [64, 65, 66] {
        let (train, rest) = y.split_at(end);
        let actual = &rest[..6];
        let f = forecast::forecast(train, 6, &options).expect("fits");
        m += mase(actual, &f.mean, train, 12).expect("defined") / 3.0;
        s += smape(actual, &f.mean).expect("defined") / 3.0;
        for (i, a) in actual.iter().enumerate() {
            c80 += usize::from(inside(*a, f.lower_80[i], f.upper_80[i]));
            c95 += usize::from(inside(*a, f.lower_95[i], f.upper_95[i]));
        }
    }
    assert!((acc.mase - m).abs() < 1e-12);
    assert!((acc.smape - s).abs() < 1e-12);
    assert!((acc.coverage_80 - 100.0 * c80 as f64 / 18.0).abs() < 1e-12);
    assert!((acc.coverage_95 - 100.0 * c95 as f64 / 18.0).abs() < 1e-12);
    assert!(acc.smape > 0.0 && acc.smape < 200.0);
}

#[test]
fn a_level_shift_at_the_last_point_is_flagged_and_a_normal_point_is_not() {
    let mut rng = Rng(99);
    let mut y = local_level_seasonal(&mut rng, 85, 0.2, 5.0);
    // The last point's expected value under the generating process is its predecessor's
    // level plus the pattern; take the fitted expectation instead to stay model-agnostic.
    let fitted = forecast::forecast(&y[..84], 1, &Options::default()).expect("fits");
    y[84] = fitted.mean[0];
    let normal = check_latest(&y, &Options::default()).expect("fits");
    assert!(!normal.outside_80 && !normal.outside_95, "{normal:?}");
    assert_eq!(normal.expected, fitted.mean[0]);

    // A fall of 40 % of the level, eight noise deviations.
    y[84] = fitted.mean[0] - 80.0;
    let shifted = check_latest(&y, &Options::default()).expect("fits");
    assert!(shifted.outside_95 && shifted.outside_80, "{shifted:?}");
    assert!(shifted.actual < shifted.lower_95);
}

#[test]
fn inputs_out_of_bounds_are_refused() {
    let ok: Vec<f64> = (0..48)
        .map(|t| 100.0 + (t % 12) as f64 + t as f64)
        .collect();
    let o = Options::default();
    assert!(forecast::forecast(&ok, 12, &o).is_ok());

    let long = vec![1.0; MAX_LEN + 1];
    assert_eq!(
        forecast::forecast(&long, 12, &o),
        Err(ForecastError::TooLong {
            len: MAX_LEN + 1,
            max: MAX_LEN
        })
    );
    assert!(matches!(
        check_latest(&long, &o),
        Err(ForecastError::TooLong { .. })
    ));
    assert_eq!(
        forecast::forecast(&ok[..20], 12, &o),
        Err(ForecastError::TooShort { len: 20, min: 24 })
    );
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut y = ok.clone();
        y[7] = bad;
        assert_eq!(
            forecast::forecast(&y, 12, &o),
            Err(ForecastError::NotFinite { index: 7 })
        );
        let mut y = ok.clone();
        y[47] = bad;
        assert_eq!(
            check_latest(&y, &o),
            Err(ForecastError::NotFinite { index: 47 })
        );
    }
    for h in [0, MAX_HORIZON + 1, usize::MAX] {
        assert!(matches!(
            forecast::forecast(&ok, h, &o),
            Err(ForecastError::Horizon { .. })
        ));
        assert!(matches!(
            backtest(&ok, &o, h, 2),
            Err(ForecastError::Horizon { .. })
        ));
    }
    for season in [0, 25] {
        let o = Options { season, ..o };
        assert!(matches!(
            forecast::forecast(&ok, 6, &o),
            Err(ForecastError::Season { .. })
        ));
    }
    assert!(matches!(
        backtest(&ok, &o, 12, 0),
        Err(ForecastError::Backtest(_))
    ));
    assert!(matches!(
        backtest(&ok, &o, 12, 20),
        Err(ForecastError::Backtest(_))
    ));
    assert!(matches!(
        check_latest(&[], &o),
        Err(ForecastError::TooShort { .. })
    ));

    let festival = |start_year, start_month| Options {
        season: 12,
        spring_festival: Some(SpringFestival {
            start_year,
            start_month,
        }),
    };
    assert!(forecast::forecast(&ok, 12, &festival(2020, 1)).is_ok());
    assert!(matches!(
        forecast::forecast(&ok, 12, &festival(1998, 1)),
        Err(ForecastError::Calendar(_))
    ));
    // 2037-01 + 48 months of history + 12 forecast months reaches 2041.
    assert!(matches!(
        forecast::forecast(&ok, 12, &festival(2037, 1)),
        Err(ForecastError::Calendar(_))
    ));
    assert!(matches!(
        forecast::forecast(&ok, 12, &festival(2020, 0)),
        Err(ForecastError::Calendar(_))
    ));
    let quarterly = Options {
        season: 4,
        ..festival(2020, 1)
    };
    assert!(matches!(
        forecast::forecast(&ok, 4, &quarterly),
        Err(ForecastError::Calendar(_))
    ));
}

#[test]
fn a_constant_series_forecasts_itself() {
    let f = forecast::forecast(&[5.0; 30], 3, &Options::default()).expect("fits");
    assert_eq!(f.mean, vec![5.0; 3]);
    assert_eq!(f.lower_95, vec![5.0; 3]);
    assert_eq!(f.model, "constant");
}

#[test]
fn forecasts_have_the_horizon_and_ordered_bands() {
    let mut rng = Rng(3);
    // Multiplicative: the seasonal swing grows with the level.
    let y: Vec<f64> = (0..120)
        .map(|t| {
            let level = 100.0 * 1.01f64.powi(t);
            let season = 1.0 + 0.3 * (2.0 * std::f64::consts::PI * (t % 12) as f64 / 12.0).sin();
            level * season * (1.0 + 0.02 * rng.normal())
        })
        .collect();
    let f = forecast::forecast(&y, 18, &Options::default()).expect("fits");
    assert_eq!(f.mean.len(), 18);
    for i in 0..18 {
        assert!(f.lower_95[i] <= f.lower_80[i]);
        assert!(f.lower_80[i] <= f.mean[i] && f.mean[i] <= f.upper_80[i]);
        assert!(f.upper_80[i] <= f.upper_95[i]);
    }
    assert!(f.model.starts_with("STL(12) + ETS("), "{}", f.model);
    let json = serde_json::to_value(&f).expect("serialises");
    for key in [
        "mean", "lower_80", "upper_80", "lower_95", "upper_95", "model",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

/// A monthly trade-like series, 2005-2024, whose January and February lose 40 % of the
/// festival's slowdown in proportion to how much of a 21-day window (a week before the
/// festival, two after) falls in each month.
fn festival_series(rng: &mut Rng) -> Vec<f64> {
    let mut y = Vec::new();
    for year in 2005..2025 {
        let (m, d) = spring_festival_date(year).expect("in the table");
        let day = if m == 1 { d } else { 31 + d } as i32;
        let in_january = f64::from((31 - (day - 7) + 1).clamp(0, 21)) / 21.0;
        for month in 1..=12u32 {
            let t = (year - 2005) * 12 + month as i32 - 1;
            let level = 1000.0 * 1.004f64.powi(t);
            let season = 1.0 + 0.15 * (2.0 * std::f64::consts::PI * month as f64 / 12.0).cos();
            let festival = match month {
                1 => 1.0 - 0.4 * in_january,
                2 => 1.0 - 0.4 * (1.0 - in_january),
                _ => 1.0,
            };
            y.push(level * season * festival * (1.0 + 0.02 * rng.normal()));
        }
    }
    y
}

#[test]
fn the_holiday_aware_forecast_is_better_on_january_and_february() {
    let mut rng = Rng(2026);
    let y = festival_series(&mut rng);
    let plain = Options::default();
    let aware = Options {
        season: 12,
        spring_festival: Some(SpringFestival {
            start_year: 2005,
            start_month: 1,
        }),
    };
    // Forecast each of the last eight years from the December before it.
    let (mut err_plain, mut err_aware, mut err_other_plain, mut err_other_aware) =
        (0.0, 0.0, 0.0, 0.0);
    for year in 2017..2025 {
        let end = (year - 2005) * 12;
        let (train, test) = y.split_at(end);
        let p = forecast::forecast(train, 12, &plain).expect("fits");
        let a = forecast::forecast(train, 12, &aware).expect("fits");
        for (i, t) in test.iter().take(12).enumerate() {
            let (ep, ea) = ((t - p.mean[i]).abs(), (t - a.mean[i]).abs());
            if i < 2 {
                err_plain += ep;
                err_aware += ea;
            } else {
                err_other_plain += ep;
                err_other_aware += ea;
            }
        }
    }
    eprintln!(
        "January + February absolute error: plain {err_plain:.0}, holiday-aware {err_aware:.0}; \
         other months: plain {err_other_plain:.0}, holiday-aware {err_other_aware:.0}"
    );
    assert!(
        err_aware < 0.7 * err_plain,
        "holiday-aware {err_aware:.0} against plain {err_plain:.0}"
    );
    // The other months must not pay for it.
    assert!(err_other_aware < 1.25 * err_other_plain);
}

#[test]
fn the_holiday_aware_check_handles_a_history_ending_in_january() {
    let mut rng = Rng(11);
    let y = festival_series(&mut rng);
    let aware = Options {
        season: 12,
        spring_festival: Some(SpringFestival {
            start_year: 2005,
            start_month: 1,
        }),
    };
    // Up to February 2024: the fit ends with January 2024, whose pair is incomplete.
    let up_to_feb = &y[..(2024 - 2005) * 12 + 2];
    let check = check_latest(up_to_feb, &aware).expect("fits");
    assert!(check.lower_95 < check.expected && check.expected < check.upper_95);
    // And from a history starting in February (its January missing).
    let from_feb = Options {
        season: 12,
        spring_festival: Some(SpringFestival {
            start_year: 2005,
            start_month: 2,
        }),
    };
    let f = forecast::forecast(&y[1..100], 14, &from_feb).expect("fits");
    assert_eq!(f.mean.len(), 14);
    assert!(f.mean.iter().all(|v| v.is_finite()));
}
