//! The Spring Festival (春节, lunar new year) and what it does to January and February.
//!
//! China's customs figures for January and February move with the festival: factories and
//! ports slow down for about a week before it and two to three weeks after, and the festival
//! falls anywhere between 21 January and 20 February. A fixed monthly seasonal pattern then
//! mistakes the festival's move for noise. The holiday-aware forecast ([`SpringFestival`])
//! therefore models January + February as one period (whose total barely depends on the
//! date) and splits the forecast total between the two months by a regression of January's
//! share on how much of the festival's slowdown falls in January that year.

use serde::Serialize;

use super::ForecastError;
use super::model::{Bands, Z_80, Z_95, fit_predict};

/// The first and last year of the embedded table.
pub const FIRST_YEAR: i32 = 2000;
/// See [`FIRST_YEAR`].
pub const LAST_YEAR: i32 = 2040;

// The Gregorian date (month, day) of the first day of the first lunar month, 2000-2040, as in
// the Hong Kong Observatory's Gregorian-lunar calendar conversion tables (public facts,
// cross-checked against the `lunardate` Python package's conversion).
const DATES: [(u8, u8); (LAST_YEAR - FIRST_YEAR + 1) as usize] = [
    (2, 5),  // 2000
    (1, 24), // 2001
    (2, 12), // 2002
    (2, 1),  // 2003
    (1, 22), // 2004
    (2, 9),  // 2005
    (1, 29), // 2006
    (2, 18), // 2007
    (2, 7),  // 2008
    (1, 26), // 2009
    (2, 14), // 2010
    (2, 3),  // 2011
    (1, 23), // 2012
    (2, 10), // 2013
    (1, 31), // 2014
    (2, 19), // 2015
    (2, 8),  // 2016
    (1, 28), // 2017
    (2, 16), // 2018
    (2, 5),  // 2019
    (1, 25), // 2020
    (2, 12), // 2021
    (2, 1),  // 2022
    (1, 22), // 2023
    (2, 10), // 2024
    (1, 29), // 2025
    (2, 17), // 2026
    (2, 6),  // 2027
    (1, 26), // 2028
    (2, 13), // 2029
    (2, 3),  // 2030
    (1, 23), // 2031
    (2, 11), // 2032
    (1, 31), // 2033
    (2, 19), // 2034
    (2, 8),  // 2035
    (1, 28), // 2036
    (2, 15), // 2037
    (2, 4),  // 2038
    (1, 24), // 2039
    (2, 12), // 2040
];

/// Days before the festival that the slowdown starts, and its whole length in days. A week
/// or so before the festival factories close; work resumes gradually over the following two
/// to three weeks. The split regression only needs a regressor that moves with the date, so
/// the exact window matters little.
const WINDOW_BEFORE: i32 = 10;
const WINDOW_DAYS: i32 = 30;

/// The calendar of a monthly series, which turns on the holiday-aware forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SpringFestival {
    /// The year of the series' first value.
    pub start_year: i32,
    /// The month (1-12) of the series' first value.
    pub start_month: u32,
}

impl SpringFestival {
    /// Year and month (1-12) of the value at `index` (0 = the first).
    pub(crate) fn month_of(&self, index: usize) -> (i32, u32) {
        let months = (self.start_month as i64 - 1) + index as i64;
        (
            self.start_year + months.div_euclid(12) as i32,
            months.rem_euclid(12) as u32 + 1,
        )
    }

    /// Checks the start month and that every year from the first value to the last forecast
    /// month is in the table.
    pub(crate) fn validate(&self, months: usize) -> Result<(), ForecastError> {
        if !(1..=12).contains(&self.start_month) {
            return Err(ForecastError::Calendar(format!(
                "start month {} is not a month (1-12)",
                self.start_month
            )));
        }
        let last = self.month_of(months.saturating_sub(1)).0;
        if self.start_year < FIRST_YEAR || last > LAST_YEAR {
            return Err(ForecastError::Calendar(format!(
                "the series and its forecast cover {}-{last}; Spring Festival dates are known \
                 for {FIRST_YEAR}-{LAST_YEAR} only",
                self.start_year
            )));
        }
        Ok(())
    }
}

/// The Gregorian (month, day) of the Spring Festival of `year`, for 2000-2040.
pub fn spring_festival_date(year: i32) -> Result<(u32, u32), ForecastError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(ForecastError::Calendar(format!(
            "Spring Festival dates are known for {FIRST_YEAR}-{LAST_YEAR}, not {year}"
        )));
    }
    let (m, d) = DATES[(year - FIRST_YEAR) as usize];
    Ok((m as u32, d as u32))
}

/// The share (0-1) of the festival's slowdown window that falls in January of `year`.
pub fn january_exposure(year: i32) -> Result<f64, ForecastError> {
    let (month, day) = spring_festival_date(year)?;
    // Day of the year, 1 = 1 January; the festival is never later than February.
    let festival = if month == 1 { day } else { 31 + day } as i32;
    let start = festival - WINDOW_BEFORE;
    let in_january = (31 - start + 1).clamp(0, WINDOW_DAYS);
    Ok(f64::from(in_january) / f64::from(WINDOW_DAYS))
}

/// How a combined January + February forecast is split between the two months: January's
/// share is `intercept + slope × exposure`, fitted on the history's complete years.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split {
    intercept: f64,
    slope: f64,
    /// Standard deviation of the share around the fitted line (0 with fewer than 3 years).
    pub(crate) sd: f64,
}

impl Split {
    /// Fits the split on (exposure, January share) pairs, one per complete year. With fewer
    /// than three years, or all years of the same exposure, the share is the mean.
    pub(crate) fn fit(points: &[(f64, f64)]) -> Split {
        let n = points.len() as f64;
        if points.is_empty() {
            return Split {
                intercept: 0.5,
                slope: 0.0,
                sd: 0.0,
            };
        }
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let (intercept, slope, dof) = if points.len() >= 3 && sxx > 1e-9 {
            let slope = sxy / sxx;
            (my - slope * mx, slope, n - 2.0)
        } else {
            (my, 0.0, n - 1.0)
        };
        let rss: f64 = points
            .iter()
            .map(|p| (p.1 - intercept - slope * p.0).powi(2))
            .sum();
        let sd = if dof >= 1.0 { (rss / dof).sqrt() } else { 0.0 };
        Split {
            intercept,
            slope,
            sd,
        }
    }

    /// January's share in a year of this exposure, kept within [0, 1].
    pub(crate) fn share(&self, exposure: f64) -> f64 {
        (self.intercept + self.slope * exposure).clamp(0.0, 1.0)
    }
}

/// Which part of a combined forecast step a forecast month is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Whole,
    January(i32),
    February(i32),
}

/// The holiday-aware forecast: January + February as one period (season 11), the forecast
/// total split by [`Split`]. The caller has checked the series and that `season` is 12.
pub(crate) fn holiday_aware(
    history: &[f64],
    horizon: usize,
    cal: &SpringFestival,
) -> Result<Bands, ForecastError> {
    let n = history.len();
    cal.validate(n + horizon)?;

    let mut combined = Vec::with_capacity(n);
    let mut shares = Vec::new();
    // A leading February has lost its January: it is left out.
    let mut i = usize::from(cal.month_of(0).1 == 2);
    while i < n {
        let (year, month) = cal.month_of(i);
        if month == 1 {
            let (Some(&jan), Some(&feb)) = (history.get(i), history.get(i + 1)) else {
                // A trailing January has no February yet: it is forecast as its pair's part.
                break;
            };
            combined.push(jan + feb);
            // A share means something only for two non-negative months with some trade.
            if jan >= 0.0 && feb >= 0.0 && jan + feb > 0.0 {
                shares.push((january_exposure(year)?, jan / (jan + feb)));
            }
            i += 2;
        } else {
            combined.push(history[i]);
            i += 1;
        }
    }
    let used = i;

    // Map the months from the first one outside the combined series to the last forecast
    // month onto combined steps; only those from `n` on are reported.
    let mut parts: Vec<(usize, Part)> = Vec::with_capacity(horizon + 1);
    let mut steps = 0;
    let mut k = used;
    while k < n + horizon {
        let (year, month) = cal.month_of(k);
        match month {
            1 => {
                parts.push((steps, Part::January(year)));
                parts.push((steps, Part::February(year)));
                k += 2;
            }
            _ => {
                parts.push((steps, Part::Whole));
                k += 1;
            }
        }
        steps += 1;
    }
    let skip = n - used;
    // Two seasons of 11; the caller's minimum length guarantees it, this keeps it so.
    if combined.len() < 2 * 11 {
        return Err(ForecastError::TooShort {
            len: n,
            min: 2 * 12 + 2,
        });
    }
    let c = fit_predict(&combined, 11, steps)?;
    let split = Split::fit(&shares);

    let mut out = Bands {
        mean: Vec::with_capacity(horizon),
        lower_80: Vec::with_capacity(horizon),
        upper_80: Vec::with_capacity(horizon),
        lower_95: Vec::with_capacity(horizon),
        upper_95: Vec::with_capacity(horizon),
        model: format!(
            "{}; January + February as one period, split by the Spring Festival date",
            c.model
        ),
    };
    for &(step, part) in parts.iter().skip(skip).take(horizon) {
        let at = |v: &[f64]| v.get(step).copied().unwrap_or(f64::NAN);
        let (mean, l80, u80, l95, u95) = (
            at(&c.mean),
            at(&c.lower_80),
            at(&c.upper_80),
            at(&c.lower_95),
            at(&c.upper_95),
        );
        let share = match part {
            Part::Whole => {
                out.mean.push(mean);
                out.lower_80.push(l80);
                out.upper_80.push(u80);
                out.lower_95.push(l95);
                out.upper_95.push(u95);
                continue;
            }
            Part::January(year) => split.share(january_exposure(year)?),
            Part::February(year) => 1.0 - split.share(january_exposure(year)?),
        };
        // A month is share × total; its spread adds the total's (scaled) and the share's
        // own scatter around the fitted line, as independent normal errors.
        let widen =
            |z: f64, half: f64| ((share * half).powi(2) + (z * mean * split.sd).powi(2)).sqrt();
        let m = share * mean;
        out.mean.push(m);
        out.lower_80.push(m - widen(Z_80, mean - l80));
        out.upper_80.push(m + widen(Z_80, u80 - mean));
        out.lower_95.push(m - widen(Z_95, mean - l95));
        out.upper_95.push(m + widen(Z_95, u95 - mean));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_in_the_festival_season_and_bounded() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let (m, d) = spring_festival_date(year).expect("in the table");
            let day_of_year = if m == 1 { d } else { 31 + d };
            assert!((21..=51).contains(&day_of_year), "{year}: {m}-{d}");
        }
        assert_eq!(spring_festival_date(2024), Ok((2, 10)));
        assert_eq!(spring_festival_date(2025), Ok((1, 29)));
        assert!(spring_festival_date(1999).is_err());
        assert!(spring_festival_date(2041).is_err());
    }

    #[test]
    fn exposure_follows_the_date() {
        // 22 January 2023: the window 12 January - 10 February, 20 of its 30 days in January.
        assert!((january_exposure(2023).expect("known") - 20.0 / 30.0).abs() < 1e-12);
        // 17 February 2026: the window starts 7 February, nothing in January.
        assert_eq!(january_exposure(2026), Ok(0.0));
    }

    #[test]
    fn split_recovers_a_line_and_falls_back_to_the_mean() {
        let points: Vec<_> = [0.0, 0.2, 0.5, 0.7]
            .iter()
            .map(|&x| (x, 0.55 - 0.3 * x))
            .collect();
        let split = Split::fit(&points);
        assert!((split.share(0.4) - 0.43).abs() < 1e-12);
        assert!(split.sd < 1e-12);
        let split = Split::fit(&[(0.1, 0.4), (0.6, 0.6)]);
        assert!((split.share(0.9) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn months_count_from_the_start() {
        let cal = SpringFestival {
            start_year: 2019,
            start_month: 11,
        };
        assert_eq!(cal.month_of(0), (2019, 11));
        assert_eq!(cal.month_of(2), (2020, 1));
        assert_eq!(cal.month_of(14), (2021, 1));
        assert!(cal.validate(12 * 21).is_ok());
        assert!(cal.validate(12 * 22).is_err());
        let bad = SpringFestival {
            start_year: 2019,
            start_month: 13,
        };
        assert!(bad.validate(10).is_err());
    }
}
