//! Working days in mainland China.
//!
//! A day is a working day if it is Monday to Friday and not a public holiday, or if the
//! State Council's notice for its year makes it an adjusted working day (调休上班). Each year's
//! notice is a CSV file in `data/calendar/` (`date,kind,name,source`). For a year without a
//! notice only weekends are known, so a deadline that reaches into such a year is marked
//! provisional rather than silently treated as certain.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Weekday};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{file}, row {row}, field {field}: {message}")]
    Data {
        file: String,
        row: usize,
        field: &'static str,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    Holiday,
    Workday,
}

/// The working-day calendar: the notices of the years it knows.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    overrides: BTreeMap<Date, DayKind>,
    years: BTreeSet<i32>,
}

/// A deadline counted in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: Date,
    /// True when the count crossed a year whose holiday notice the calendar does not have:
    /// weekends were skipped but holidays could not be.
    pub provisional: bool,
}

const SHIPPED: &[(&str, &str)] = &[
    (
        "data/calendar/cn-2025.csv",
        include_str!("../../../data/calendar/cn-2025.csv"),
    ),
    (
        "data/calendar/cn-2026.csv",
        include_str!("../../../data/calendar/cn-2026.csv"),
    ),
];

fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

impl Calendar {
    /// The calendar of the notices shipped in `data/calendar/`.
    pub fn shipped() -> Result<Calendar, CalendarError> {
        let mut c = Calendar::default();
        for (file, text) in SHIPPED {
            c.add_notice(file, text)?;
        }
        Ok(c)
    }

    /// Adds one year's notice (`date,kind,name,source`; kind `holiday` or `workday`).
    pub fn add_notice(&mut self, file: &str, text: &str) -> Result<(), CalendarError> {
        let err = |row: usize, field: &'static str, message: String| CalendarError::Data {
            file: file.to_string(),
            row,
            field,
            message,
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut years = BTreeSet::new();
        let mut days = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let row = i + 2;
            let rec = rec.map_err(|e| err(row, "row", e.to_string()))?;
            let date = parse_date(rec.get(0).unwrap_or("")).ok_or_else(|| {
                err(
                    row,
                    "date",
                    format!("{:?} is not a date (YYYY-MM-DD)", rec.get(0).unwrap_or("")),
                )
            })?;
            let kind = match rec.get(1).map(str::trim) {
                Some("holiday") => DayKind::Holiday,
                Some("workday") => DayKind::Workday,
                other => {
                    return Err(err(
                        row,
                        "kind",
                        format!("{other:?}: must be holiday or workday"),
                    ));
                }
            };
            if rec.get(3).is_none_or(|s| s.trim().is_empty()) {
                return Err(err(
                    row,
                    "source",
                    "must name the notice it comes from".into(),
                ));
            }
            let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
            if kind == DayKind::Workday && !weekend {
                return Err(err(
                    row,
                    "kind",
                    format!(
                        "{date} is a weekday already; only weekend days can be made working days"
                    ),
                ));
            }
            years.insert(date.year());
            days.push((date, kind));
        }
        self.overrides.extend(days);
        self.years.extend(years);
        Ok(())
    }

    /// Whether the calendar has the holiday notice for `year`.
    pub fn knows(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.overrides.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The day on which `n` working days after `start` have passed: the deadline of a time
    /// limit of `n` working days starting the day after `start` (the day of filing does not
    /// count, as in the administrative practice of counting from the next day).
    ///
    /// Time limits longer than [`MAX_WORKING_DAYS`] are counted as that many: no limit of a
    /// directive or an appeal comes near it, and the count must end whatever a caller asks.
    pub fn add_working_days(&self, start: Date, n: u32) -> Deadline {
        let mut d = start;
        let mut left = n.min(MAX_WORKING_DAYS);
        let mut provisional = false;
        while left > 0 {
            let Some(next) = d.next_day() else {
                break;
            };
            d = next;
            provisional |= !self.knows(d.year());
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Deadline {
            date: d,
            provisional,
        }
    }

    /// Working days after `from` up to and including `to` (0 if `to` is not after `from`).
    ///
    /// Counts at most [`MAX_WORKING_DAYS`]: a span beyond it answers that.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to && n < MAX_WORKING_DAYS {
            d = d.next_day().unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

/// About ten years of working days: the longest span the calendar counts.
pub const MAX_WORKING_DAYS: u32 = 2_600;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn counting_is_bounded_whatever_is_asked() {
        let c = cal();
        let t = std::time::Instant::now();
        let far = c.add_working_days(date!(2025 - 01 - 02), u32::MAX);
        assert!(far.provisional);
        assert_eq!(
            far,
            c.add_working_days(date!(2025 - 01 - 02), MAX_WORKING_DAYS)
        );
        assert!(far.date.year() < 2036, "{far:?}");
        let end = c.add_working_days(Date::MAX.previous_day().unwrap(), 10);
        assert_eq!(end.date, Date::MAX, "stops at the last date");
        assert_eq!(
            c.working_days_between(date!(2025 - 01 - 02), Date::MAX),
            MAX_WORKING_DAYS
        );
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    fn cal() -> Calendar {
        Calendar::shipped().unwrap()
    }

    #[test]
    fn holidays_and_adjusted_weekends() {
        let c = cal();
        assert!(
            !c.is_working_day(date!(2026 - 02 - 16)),
            "Spring Festival Monday"
        );
        assert!(
            c.is_working_day(date!(2026 - 02 - 14)),
            "adjusted working Saturday"
        );
        assert!(c.is_working_day(date!(2026 - 02 - 28)));
        assert!(!c.is_working_day(date!(2026 - 10 - 07)));
        assert!(c.is_working_day(date!(2026 - 10 - 10)));
        assert!(!c.is_working_day(date!(2026 - 11 - 29)), "a plain Sunday");
        assert!(c.is_working_day(date!(2026 - 11 - 30)));
        assert!(!c.is_working_day(date!(2025 - 01 - 28)));
        assert!(c.is_working_day(date!(2025 - 01 - 26)));
    }

    #[test]
    fn seven_working_days_across_national_day() {
        // Filed Tuesday 29 September 2026: 30 Sep (1), holidays 1–7 Oct, 8 Oct (2), 9 Oct (3),
        // Saturday 10 Oct is a working day (4), 12–14 Oct (5–7).
        let d = cal().add_working_days(date!(2026 - 09 - 29), 7);
        assert_eq!(
            d,
            Deadline {
                date: date!(2026 - 10 - 14),
                provisional: false
            }
        );
    }

    #[test]
    fn counts_into_an_unknown_year_are_provisional() {
        let d = cal().add_working_days(date!(2026 - 11 - 30), 60);
        assert!(d.provisional);
        assert!(d.date.year() == 2027);
        assert!(!cal().add_working_days(date!(2026 - 11 - 30), 5).provisional);
    }

    #[test]
    fn between_is_the_inverse_of_add() {
        let c = cal();
        let start = date!(2026 - 01 - 30);
        for n in [0, 1, 7, 20, 60, 100] {
            let d = c.add_working_days(start, n);
            assert_eq!(c.working_days_between(start, d.date), n);
        }
    }

    #[test]
    fn bad_notices_name_file_row_and_field() {
        let mut c = Calendar::default();
        let e = c
            .add_notice("x.csv", "date,kind,name,source\n2026-13-01,holiday,x,s\n")
            .unwrap_err();
        assert_eq!(
            e.to_string().split(':').next().unwrap(),
            "x.csv, row 2, field date"
        );
        let e = c
            .add_notice("x.csv", "date,kind,name,source\n2026-11-30,workday,x,s\n")
            .unwrap_err();
        assert!(e.to_string().contains("field kind"), "{e}");
        let e = c
            .add_notice("x.csv", "date,kind,name,source\n2026-11-29,workday,x,\n")
            .unwrap_err();
        assert!(e.to_string().contains("field source"), "{e}");
    }
}
