//! The traffic light on every task and appeal.

use serde::Serialize;
use time::Date;

use crate::Calendar;

/// Green: on track. Yellow: due within the warning window. Red: overdue. Grey: finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    Green,
    Yellow,
    Red,
    Grey,
}

/// The light of open work due on `deadline`, seen on `today`; `warn` is how many working
/// days before the deadline it turns yellow (reminders go out then).
pub fn light(cal: &Calendar, today: Date, deadline: Date, finished: bool, warn: u32) -> Light {
    if finished {
        Light::Grey
    } else if today > deadline {
        Light::Red
    } else if cal.working_days_between(today, deadline) <= warn {
        Light::Yellow
    } else {
        Light::Green
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn lights() {
        let c = Calendar::shipped().unwrap();
        let due = date!(2026 - 12 - 10);
        assert_eq!(
            light(&c, date!(2026 - 11 - 30), due, false, 3),
            Light::Green
        );
        assert_eq!(
            light(&c, date!(2026 - 12 - 07), due, false, 3),
            Light::Yellow
        );
        assert_eq!(
            light(&c, date!(2026 - 12 - 10), due, false, 3),
            Light::Yellow
        );
        assert_eq!(light(&c, date!(2026 - 12 - 11), due, false, 3), Light::Red);
        assert_eq!(light(&c, date!(2026 - 12 - 11), due, true, 3), Light::Grey);
    }
}
