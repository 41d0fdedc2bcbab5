//! A task issued from a directive: issued → signed for → in progress → submitted → closed,
//! or returned with a reason and worked on again; deadline extensions requested and decided.

use serde::Serialize;
use time::Date;

use crate::TransitionError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Sent to the lead organisation, not yet acknowledged.
    Issued,
    /// The lead organisation has acknowledged it (签收).
    SignedFor,
    /// Progress has been reported at least once.
    InProgress,
    /// The lead organisation says it is done; the supervisor reviews.
    Submitted,
    /// The supervisor sent it back; the reason is in the event history.
    Returned,
    /// Accepted as done (办结).
    Closed,
}

impl TaskState {
    pub const ALL: [TaskState; 6] = [
        TaskState::Issued,
        TaskState::SignedFor,
        TaskState::InProgress,
        TaskState::Submitted,
        TaskState::Returned,
        TaskState::Closed,
    ];

    /// The stable key used in storage and the API (`signed_for`).
    pub fn key(self) -> &'static str {
        match self {
            TaskState::Issued => "issued",
            TaskState::SignedFor => "signed_for",
            TaskState::InProgress => "in_progress",
            TaskState::Submitted => "submitted",
            TaskState::Returned => "returned",
            TaskState::Closed => "closed",
        }
    }

    pub fn from_key(key: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|s| s.key() == key)
    }

    /// For people (`signed for`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Issued => "issued",
            TaskState::SignedFor => "signed for",
            TaskState::InProgress => "in progress",
            TaskState::Submitted => "submitted",
            TaskState::Returned => "returned",
            TaskState::Closed => "closed",
        }
    }
}

/// Who acts on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// Staff of the lead organisation.
    Lead,
    /// The supervising office (督查部门) that issued the task.
    Supervisor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskEvent {
    SignFor,
    ReportProgress,
    Submit,
    Close,
    Return { reason: String },
    RequestExtension { until: Date, reason: String },
    DecideExtension { approve: bool },
}

impl TaskEvent {
    fn name(&self) -> &'static str {
        match self {
            TaskEvent::SignFor => "sign for",
            TaskEvent::ReportProgress => "report progress on",
            TaskEvent::Submit => "submit",
            TaskEvent::Close => "close",
            TaskEvent::Return { .. } => "return",
            TaskEvent::RequestExtension { .. } => "request an extension of",
            TaskEvent::DecideExtension { .. } => "decide an extension of",
        }
    }
}

/// The part of a task the rules look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub state: TaskState,
    pub deadline: Date,
    /// A requested new deadline awaiting the supervisor's decision.
    pub extension_requested: Option<Date>,
}

impl Task {
    pub fn issued(deadline: Date) -> Task {
        Task {
            state: TaskState::Issued,
            deadline,
            extension_requested: None,
        }
    }

    /// Applies `event` by `party`, returning the task after it, or why it is not allowed.
    pub fn apply(&self, party: Party, event: &TaskEvent) -> Result<Task, TransitionError> {
        use TaskEvent as E;
        use TaskState as S;
        let refuse = |why| TransitionError {
            kind: "task",
            event: event.name(),
            state: self.state.as_str(),
            why,
        };
        let needs = |p: Party| {
            if party == p {
                Ok(())
            } else {
                Err(refuse(if p == Party::Lead {
                    "only the lead organisation may do this"
                } else {
                    "only the supervising office may do this"
                }))
            }
        };
        let mut next = self.clone();
        match (self.state, event) {
            (S::Closed, _) => return Err(refuse("the task is closed")),
            (S::Issued, E::SignFor) => {
                needs(Party::Lead)?;
                next.state = S::SignedFor;
            }
            (_, E::SignFor) => return Err(refuse("it has been signed for already")),
            (S::Issued, _) => return Err(refuse("the lead organisation must sign for it first")),
            (S::SignedFor | S::InProgress | S::Returned, E::ReportProgress) => {
                needs(Party::Lead)?;
                next.state = S::InProgress;
            }
            (S::SignedFor | S::InProgress | S::Returned, E::Submit) => {
                needs(Party::Lead)?;
                next.state = S::Submitted;
            }
            (S::Submitted, E::Close) => {
                needs(Party::Supervisor)?;
                next.state = S::Closed;
                next.extension_requested = None;
            }
            (S::Submitted, E::Return { reason }) => {
                needs(Party::Supervisor)?;
                if reason.trim().is_empty() {
                    return Err(refuse("a return needs a reason"));
                }
                next.state = S::Returned;
            }
            (S::Submitted, E::ReportProgress | E::Submit) => {
                return Err(refuse("it awaits the supervisor's review"));
            }
            (_, E::Close | E::Return { .. }) => {
                return Err(refuse("only a submitted task can be closed or returned"));
            }
            (_, E::RequestExtension { until, reason }) => {
                needs(Party::Lead)?;
                if self.extension_requested.is_some() {
                    return Err(refuse("an extension request is already pending"));
                }
                if *until <= self.deadline {
                    return Err(refuse(
                        "the new deadline must be later than the current one",
                    ));
                }
                if reason.trim().is_empty() {
                    return Err(refuse("an extension request needs a reason"));
                }
                next.extension_requested = Some(*until);
            }
            (_, E::DecideExtension { approve }) => {
                needs(Party::Supervisor)?;
                let Some(until) = self.extension_requested else {
                    return Err(refuse("no extension has been requested"));
                };
                if *approve {
                    next.deadline = until;
                }
                next.extension_requested = None;
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Party::{Lead, Supervisor};
    use TaskEvent as E;
    use time::macros::date;

    #[test]
    fn the_whole_life_with_a_return() {
        let t = Task::issued(date!(2026 - 12 - 31));
        let t = t.apply(Lead, &E::SignFor).unwrap();
        let t = t.apply(Lead, &E::ReportProgress).unwrap();
        let t = t.apply(Lead, &E::Submit).unwrap();
        let t = t
            .apply(
                Supervisor,
                &E::Return {
                    reason: "附件不全".into(),
                },
            )
            .unwrap();
        assert_eq!(t.state, TaskState::Returned);
        let t = t.apply(Lead, &E::Submit).unwrap();
        let t = t.apply(Supervisor, &E::Close).unwrap();
        assert_eq!(t.state, TaskState::Closed);
        let e = t.apply(Lead, &E::ReportProgress).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot report progress on the task while it is closed: the task is closed"
        );
    }

    #[test]
    fn illegal_transitions_say_why() {
        let t = Task::issued(date!(2026 - 12 - 31));
        assert!(
            t.apply(Lead, &E::Submit)
                .unwrap_err()
                .why
                .contains("sign for it first")
        );
        assert!(
            t.apply(Supervisor, &E::SignFor)
                .unwrap_err()
                .why
                .contains("lead organisation")
        );
        let t = t.apply(Lead, &E::SignFor).unwrap();
        assert!(
            t.apply(Supervisor, &E::Close)
                .unwrap_err()
                .why
                .contains("only a submitted task")
        );
        let s = t.apply(Lead, &E::Submit).unwrap();
        assert!(
            s.apply(Lead, &E::Close)
                .unwrap_err()
                .why
                .contains("supervising office")
        );
        assert!(
            s.apply(Supervisor, &E::Return { reason: " ".into() })
                .unwrap_err()
                .why
                .contains("reason")
        );
    }

    #[test]
    fn extensions() {
        let t = Task::issued(date!(2026 - 12 - 31))
            .apply(Lead, &E::SignFor)
            .unwrap();
        let early = E::RequestExtension {
            until: date!(2026 - 12 - 01),
            reason: "x".into(),
        };
        assert!(t.apply(Lead, &early).is_err());
        let ask = E::RequestExtension {
            until: date!(2027 - 03 - 31),
            reason: "项目审批未完成".into(),
        };
        let t = t.apply(Lead, &ask).unwrap();
        assert!(t.apply(Lead, &ask).unwrap_err().why.contains("pending"));
        let refused = t
            .apply(Supervisor, &E::DecideExtension { approve: false })
            .unwrap();
        assert_eq!(refused.deadline, date!(2026 - 12 - 31));
        let approved = t
            .apply(Supervisor, &E::DecideExtension { approve: true })
            .unwrap();
        assert_eq!(approved.deadline, date!(2027 - 03 - 31));
        assert!(
            approved
                .apply(Supervisor, &E::DecideExtension { approve: true })
                .is_err()
        );
    }
}
