//! The rules the work modules are judged by: the working-day calendar, the appeal time limits
//! and the warning window, fixed when the server starts.

use kaifang_work::appeal::Limits;
use kaifang_work::{Calendar, Light};
use std::sync::Arc;
use time::Date;

use crate::config::WorkConfig;
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct Rules {
    pub calendar: Arc<Calendar>,
    pub limits: Limits,
    pub warn_working_days: u32,
}

impl Rules {
    /// The shipped calendar and the configured limits.
    pub fn from_config(work: &WorkConfig) -> Result<Rules> {
        let calendar = Calendar::shipped().map_err(|e| StoreError::Sqlite(e.to_string()))?;
        Ok(Rules {
            calendar: Arc::new(calendar),
            limits: Limits {
                accept_working_days: work.accept_working_days,
                resolve_working_days: work.resolve_working_days,
            },
            warn_working_days: work.warn_working_days,
        })
    }

    pub fn light(&self, today: Date, deadline: Date, finished: bool) -> Light {
        kaifang_work::status::light(
            &self.calendar,
            today,
            deadline,
            finished,
            self.warn_working_days,
        )
    }
}

/// Today in China Standard Time (UTC+8): deadlines are days of the Chinese calendar, and a
/// server running on UTC must not think the day has not started at 07:00 in Changchun.
pub fn today_in_china() -> Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(offset).date()
}

pub fn format_date(d: Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_else(|_| d.to_string())
}

/// Parses `YYYY-MM-DD`; `field` names the value in the error.
pub fn parse_date(field: &str, s: &str) -> Result<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt)
        .map_err(|_| StoreError::invalid(field, format!("{s:?} is not a date such as 2026-12-31")))
}
