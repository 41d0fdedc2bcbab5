//! The life of a risk alert: raised by an evaluation, acknowledged, handled by an owner
//! organisation, then closed with a reason — or dismissed with a reason at any point before.
//! Closed and dismissed alerts are history: a later reading of the same indicator and subject
//! in a new period raises a new alert rather than reopening the old one, so that what was
//! decided about the old one stays as it was decided.

use serde::Serialize;

use crate::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Raised by an evaluation; nobody has looked at it yet.
    Raised,
    /// Someone responsible has seen it.
    Acknowledged,
    /// An owner organisation is handling it (notes, possibly a supervision task).
    Handling,
    /// Handled, with the reason it is closed.
    Closed,
    /// Judged not to need handling, with the reason.
    Dismissed,
}

impl AlertState {
    pub const ALL: [AlertState; 5] = [
        AlertState::Raised,
        AlertState::Acknowledged,
        AlertState::Handling,
        AlertState::Closed,
        AlertState::Dismissed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AlertState::Raised => "raised",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Handling => "handling",
            AlertState::Closed => "closed",
            AlertState::Dismissed => "dismissed",
        }
    }

    pub fn from_key(key: &str) -> Option<AlertState> {
        AlertState::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Still waiting for someone: an evaluation updates its reading.
    pub fn open(self) -> bool {
        !matches!(self, AlertState::Closed | AlertState::Dismissed)
    }
}

/// What someone does to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertEvent {
    Acknowledge,
    /// Take it on (or hand it to another owner organisation).
    Handle,
    /// A note on the timeline; the state stays.
    Note,
    /// Turn it into a supervision task of the directives module (red alerts only).
    ToTask,
    Close,
    Dismiss,
}

impl AlertEvent {
    pub const ALL: [AlertEvent; 6] = [
        AlertEvent::Acknowledge,
        AlertEvent::Handle,
        AlertEvent::Note,
        AlertEvent::ToTask,
        AlertEvent::Close,
        AlertEvent::Dismiss,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AlertEvent::Acknowledge => "acknowledge",
            AlertEvent::Handle => "handle",
            AlertEvent::Note => "note",
            AlertEvent::ToTask => "to_task",
            AlertEvent::Close => "close",
            AlertEvent::Dismiss => "dismiss",
        }
    }

    pub fn from_key(key: &str) -> Option<AlertEvent> {
        AlertEvent::ALL.into_iter().find(|e| e.key() == key)
    }

    /// Whether the event must say why (its text is the reason).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            AlertEvent::Close | AlertEvent::Dismiss | AlertEvent::Note
        )
    }
}

/// Why an event was refused now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {event} the alert while it is {state}: {why}")]
pub struct AlertTransitionError {
    pub event: &'static str,
    pub state: &'static str,
    pub why: &'static str,
}

fn refuse(
    event: AlertEvent,
    state: AlertState,
    why: &'static str,
) -> Result<AlertState, AlertTransitionError> {
    Err(AlertTransitionError {
        event: event.key(),
        state: state.key(),
        why,
    })
}

/// The state after `event` on an alert at `state` whose highest level is `level`, or why
/// the event is not allowed now. `has_task`: a supervision task was made from it already.
pub fn apply(
    state: AlertState,
    level: Level,
    has_task: bool,
    event: AlertEvent,
) -> Result<AlertState, AlertTransitionError> {
    use AlertEvent as E;
    use AlertState as S;
    match (state, event) {
        (S::Closed | S::Dismissed, _) => refuse(
            event,
            state,
            "it is history; a new reading raises a new alert",
        ),
        (S::Raised, E::Acknowledge) => Ok(S::Acknowledged),
        (S::Acknowledged | S::Handling, E::Acknowledge) => {
            refuse(event, state, "it was acknowledged already")
        }
        (S::Raised | S::Acknowledged | S::Handling, E::Handle) => Ok(S::Handling),
        (s, E::Note) => Ok(s),
        (_, E::ToTask) if level < Level::Red => {
            refuse(event, state, "only a red alert becomes a supervision task")
        }
        (_, E::ToTask) if has_task => {
            refuse(event, state, "a supervision task was made from it already")
        }
        (_, E::ToTask) => Ok(S::Handling),
        (S::Handling, E::Close) => Ok(S::Closed),
        (S::Raised | S::Acknowledged, E::Close) => refuse(
            event,
            state,
            "only an alert being handled is closed; dismiss it if it needs no handling",
        ),
        (_, E::Dismiss) => Ok(S::Dismissed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlertEvent as E;
    use AlertState as S;

    #[test]
    fn the_lifecycle_from_raised_to_closed() {
        let s = apply(S::Raised, Level::Yellow, false, E::Acknowledge).unwrap();
        assert_eq!(s, S::Acknowledged);
        let s = apply(s, Level::Yellow, false, E::Note).unwrap();
        assert_eq!(s, S::Acknowledged);
        let s = apply(s, Level::Yellow, false, E::Handle).unwrap();
        assert_eq!(s, S::Handling);
        assert_eq!(apply(s, Level::Yellow, false, E::Close).unwrap(), S::Closed);
        assert_eq!(
            apply(S::Raised, Level::Blue, false, E::Dismiss).unwrap(),
            S::Dismissed
        );
    }

    #[test]
    fn illegal_steps_say_why() {
        for e in AlertEvent::ALL {
            for s in [S::Closed, S::Dismissed] {
                let err = apply(s, Level::Red, false, e).unwrap_err();
                assert_eq!((err.state, err.event), (s.key(), e.key()));
            }
        }
        assert!(apply(S::Raised, Level::Red, false, E::Close).is_err());
        assert!(apply(S::Handling, Level::Red, false, E::Acknowledge).is_err());
        let err = apply(S::Raised, Level::Orange, false, E::ToTask).unwrap_err();
        assert!(err.why.contains("red"), "{err}");
        assert!(apply(S::Handling, Level::Red, true, E::ToTask).is_err());
        assert_eq!(
            apply(S::Raised, Level::Red, false, E::ToTask).unwrap(),
            S::Handling
        );
    }

    #[test]
    fn keys_round_trip() {
        for s in AlertState::ALL {
            assert_eq!(AlertState::from_key(s.key()), Some(s));
        }
        for e in AlertEvent::ALL {
            assert_eq!(AlertEvent::from_key(e.key()), Some(e));
        }
        assert!(AlertState::Handling.open() && !AlertState::Closed.open());
    }
}
