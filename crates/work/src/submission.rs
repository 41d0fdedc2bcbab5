//! A development zone's yearly data (开发区年度数据报送): the zone's staff fill it in as a draft
//! and submit it; the department that owns the assessment approves it or returns it with a
//! reason; a returned submission is corrected and submitted again. Approved data is final:
//! a correction after approval is a new conversation, not an edit.

use serde::Serialize;

use crate::TransitionError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    /// Being filled in by the zone; nobody else acts on it.
    Draft,
    /// Waiting for review.
    Submitted,
    /// Accepted: its values replace the demo values in the assessment.
    Approved,
    /// Sent back with a reason; the zone corrects it and submits again.
    Returned,
}

impl SubmissionState {
    pub const ALL: [SubmissionState; 4] = [
        SubmissionState::Draft,
        SubmissionState::Submitted,
        SubmissionState::Approved,
        SubmissionState::Returned,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SubmissionState::Draft => "draft",
            SubmissionState::Submitted => "submitted",
            SubmissionState::Approved => "approved",
            SubmissionState::Returned => "returned",
        }
    }

    pub fn from_key(key: &str) -> Option<SubmissionState> {
        SubmissionState::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the zone may still change the values.
    pub fn editable(self) -> bool {
        matches!(self, SubmissionState::Draft | SubmissionState::Returned)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionEvent {
    /// Saving values (a new draft, or corrections to a draft or a returned submission).
    Save,
    Submit,
    Approve,
    Return,
}

impl SubmissionEvent {
    pub fn key(self) -> &'static str {
        match self {
            SubmissionEvent::Save => "save",
            SubmissionEvent::Submit => "submit",
            SubmissionEvent::Approve => "approve",
            SubmissionEvent::Return => "return",
        }
    }
}

fn refuse(
    event: SubmissionEvent,
    state: SubmissionState,
    why: &'static str,
) -> Result<SubmissionState, TransitionError> {
    Err(TransitionError {
        kind: "submission",
        event: event.key(),
        state: state.key(),
        why,
    })
}

/// The state after `event`, or why the event is not allowed now. Saving keeps a returned
/// submission returned, so that the reason stays in view until it is submitted again.
pub fn apply(
    state: SubmissionState,
    event: SubmissionEvent,
) -> Result<SubmissionState, TransitionError> {
    use SubmissionEvent as E;
    use SubmissionState as S;
    match (state, event) {
        (S::Draft, E::Save) => Ok(S::Draft),
        (S::Returned, E::Save) => Ok(S::Returned),
        (S::Draft | S::Returned, E::Submit) => Ok(S::Submitted),
        (S::Submitted, E::Approve) => Ok(S::Approved),
        (S::Submitted, E::Return) => Ok(S::Returned),
        (S::Submitted, E::Save | E::Submit) => refuse(
            event,
            state,
            "it is under review; wait for approval or return",
        ),
        (S::Approved, _) => refuse(event, state, "approved data is final"),
        (S::Draft | S::Returned, E::Approve | E::Return) => {
            refuse(event, state, "only a submitted submission is reviewed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubmissionEvent as E;
    use SubmissionState as S;

    #[test]
    fn the_happy_path_and_a_return() {
        let s = apply(S::Draft, E::Save).unwrap();
        let s = apply(s, E::Submit).unwrap();
        assert_eq!(s, S::Submitted);
        let s = apply(s, E::Return).unwrap();
        assert_eq!(apply(s, E::Save).unwrap(), S::Returned);
        let s = apply(s, E::Submit).unwrap();
        assert_eq!(apply(s, E::Approve).unwrap(), S::Approved);
    }

    #[test]
    fn illegal_steps_say_why() {
        for e in [E::Save, E::Submit, E::Approve, E::Return] {
            assert!(apply(S::Approved, e).is_err(), "{e:?}");
        }
        let err = apply(S::Draft, E::Approve).unwrap_err();
        assert_eq!((err.state, err.event), ("draft", "approve"));
        assert!(apply(S::Submitted, E::Save).is_err());
        assert!(apply(S::Returned, E::Return).is_err());
        for s in S::ALL {
            assert_eq!(S::from_key(s.key()), Some(s));
        }
    }
}
