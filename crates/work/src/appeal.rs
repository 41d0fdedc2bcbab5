//! An enterprise appeal (诉求): filed → accepted (or rejected) by the Department of Commerce
//! within the acceptance limit → assigned to a department → answered within the resolution
//! limit → rated by the enterprise. Past a limit, an open appeal escalates.
//!
//! Default limits follow MOFCOM's rules on handling foreign-invested enterprises' complaints
//! (2020): acceptance within 7 working days, handling within 60 working days. Both are
//! parameters, not constants, because provinces set their own.

use serde::Serialize;
use time::Date;

use crate::{Calendar, Deadline, TransitionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub accept_working_days: u32,
    pub resolve_working_days: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            accept_working_days: 7,
            resolve_working_days: 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    Filed,
    Accepted,
    Rejected,
    Assigned,
    Answered,
    Rated,
}

impl AppealState {
    pub const ALL: [AppealState; 6] = [
        AppealState::Filed,
        AppealState::Accepted,
        AppealState::Rejected,
        AppealState::Assigned,
        AppealState::Answered,
        AppealState::Rated,
    ];

    pub fn from_key(key: &str) -> Option<AppealState> {
        AppealState::ALL.into_iter().find(|s| s.as_str() == key)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AppealState::Filed => "filed",
            AppealState::Accepted => "accepted",
            AppealState::Rejected => "rejected",
            AppealState::Assigned => "assigned",
            AppealState::Answered => "answered",
            AppealState::Rated => "rated",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            AppealState::Filed | AppealState::Accepted | AppealState::Assigned
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Enterprise,
    /// The Department of Commerce, which accepts and assigns.
    Intake,
    /// The department the appeal is assigned to.
    Handler,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealEvent {
    Accept,
    Reject {
        reason: String,
    },
    Assign,
    Answer,
    /// Satisfaction from 1 (very unsatisfied) to 5 (very satisfied).
    Rate {
        score: u8,
    },
}

impl AppealEvent {
    fn name(&self) -> &'static str {
        match self {
            AppealEvent::Accept => "accept",
            AppealEvent::Reject { .. } => "reject",
            AppealEvent::Assign => "assign",
            AppealEvent::Answer => "answer",
            AppealEvent::Rate { .. } => "rate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appeal {
    pub state: AppealState,
    pub filed_on: Date,
    pub accepted_on: Option<Date>,
}

impl Appeal {
    pub fn filed(on: Date) -> Appeal {
        Appeal {
            state: AppealState::Filed,
            filed_on: on,
            accepted_on: None,
        }
    }

    pub fn apply(
        &self,
        party: Party,
        event: &AppealEvent,
        on: Date,
    ) -> Result<Appeal, TransitionError> {
        use AppealEvent as E;
        use AppealState as S;
        let refuse = |why| TransitionError {
            kind: "appeal",
            event: event.name(),
            state: self.state.as_str(),
            why,
        };
        let who = |p: Party, why| if party == p { Ok(()) } else { Err(refuse(why)) };
        let mut next = self.clone();
        match (self.state, event) {
            (S::Filed, E::Accept) => {
                who(
                    Party::Intake,
                    "only the Department of Commerce accepts appeals",
                )?;
                next.state = S::Accepted;
                next.accepted_on = Some(on);
            }
            (S::Filed, E::Reject { reason }) => {
                who(
                    Party::Intake,
                    "only the Department of Commerce rejects appeals",
                )?;
                if reason.trim().is_empty() {
                    return Err(refuse("a rejection needs a reason the enterprise can read"));
                }
                next.state = S::Rejected;
            }
            (S::Accepted, E::Assign) => {
                who(
                    Party::Intake,
                    "only the Department of Commerce assigns appeals",
                )?;
                next.state = S::Assigned;
            }
            (S::Assigned, E::Answer) => {
                who(Party::Handler, "only the assigned department answers")?;
                next.state = S::Answered;
            }
            (S::Answered, E::Rate { score }) => {
                who(
                    Party::Enterprise,
                    "only the enterprise that filed it rates the answer",
                )?;
                if !(1..=5).contains(score) {
                    return Err(refuse("the rating must be from 1 to 5"));
                }
                next.state = S::Rated;
            }
            (S::Rejected | S::Rated, _) => return Err(refuse("the appeal is finished")),
            (S::Filed, _) => return Err(refuse("it must be accepted first")),
            (S::Accepted, _) => return Err(refuse("it must be assigned to a department first")),
            (S::Assigned, _) => return Err(refuse("the assigned department has not answered yet")),
            (S::Answered, _) => {
                return Err(refuse(
                    "it has been answered; only the enterprise's rating is left",
                ));
            }
        }
        Ok(next)
    }

    /// The deadline now running: for acceptance while filed, for the answer once accepted.
    pub fn deadline(&self, cal: &Calendar, limits: &Limits) -> Option<Deadline> {
        match (self.state, self.accepted_on) {
            (AppealState::Filed, _) => {
                Some(cal.add_working_days(self.filed_on, limits.accept_working_days))
            }
            (AppealState::Accepted | AppealState::Assigned, Some(a)) => {
                Some(cal.add_working_days(a, limits.resolve_working_days))
            }
            _ => None,
        }
    }

    /// Whether an open appeal is past its running limit on `today` and goes to the leaders.
    pub fn escalated(&self, cal: &Calendar, limits: &Limits, today: Date) -> bool {
        self.state.is_open() && self.deadline(cal, limits).is_some_and(|d| today > d.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppealEvent as E;
    use time::macros::date;

    #[test]
    fn an_appeal_from_filing_to_rating() {
        let cal = Calendar::shipped().unwrap();
        let limits = Limits::default();
        let a = Appeal::filed(date!(2026 - 09 - 29));
        assert_eq!(
            a.deadline(&cal, &limits).unwrap().date,
            date!(2026 - 10 - 14)
        );
        assert!(!a.escalated(&cal, &limits, date!(2026 - 10 - 14)));
        assert!(a.escalated(&cal, &limits, date!(2026 - 10 - 15)));
        let a = a
            .apply(Party::Intake, &E::Accept, date!(2026 - 10 - 09))
            .unwrap();
        assert!(
            !a.escalated(&cal, &limits, date!(2026 - 10 - 15)),
            "the answer limit now runs"
        );
        let a = a
            .apply(Party::Intake, &E::Assign, date!(2026 - 10 - 09))
            .unwrap();
        assert!(
            a.apply(Party::Enterprise, &E::Answer, date!(2026 - 10 - 20))
                .is_err()
        );
        let a = a
            .apply(Party::Handler, &E::Answer, date!(2026 - 10 - 20))
            .unwrap();
        assert!(
            a.apply(
                Party::Enterprise,
                &E::Rate { score: 6 },
                date!(2026 - 10 - 21)
            )
            .is_err()
        );
        let a = a
            .apply(
                Party::Enterprise,
                &E::Rate { score: 4 },
                date!(2026 - 10 - 21),
            )
            .unwrap();
        assert_eq!(a.state, AppealState::Rated);
        assert!(a.deadline(&cal, &limits).is_none());
    }

    #[test]
    fn rejection_needs_a_reason_and_ends_the_appeal() {
        let a = Appeal::filed(date!(2026 - 11 - 02));
        let on = date!(2026 - 11 - 03);
        assert!(
            a.apply(Party::Intake, &E::Reject { reason: "".into() }, on)
                .is_err()
        );
        assert!(
            a.apply(
                Party::Handler,
                &E::Reject {
                    reason: "不属于受理范围".into()
                },
                on
            )
            .is_err()
        );
        let r = a
            .apply(
                Party::Intake,
                &E::Reject {
                    reason: "不属于受理范围".into(),
                },
                on,
            )
            .unwrap();
        let e = r.apply(Party::Intake, &E::Accept, on).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot accept the appeal while it is rejected: the appeal is finished"
        );
    }
}
