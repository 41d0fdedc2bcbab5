//! Directives supervision (督查督办) and enterprise appeals (诉求办理): the rules, without
//! storage or HTTP.
//!
//! - [`calendar`]: Chinese working days (weekends, public holidays, adjusted working weekends)
//!   from the State Council's yearly notices, and deadlines counted in working days.
//! - [`task`]: the life of a task issued from a directive, with extensions.
//! - [`appeal`]: the life of an enterprise appeal, with its statutory time limits.
//! - [`status`]: the traffic light leaders read.
//! - [`submission`]: a development zone's yearly data, from draft to approval.
//!
//! Every transition is a pure function from a state and an event to a new state or an error
//! that says why the event is not allowed now; storage and notification are the caller's.

pub mod appeal;
pub mod calendar;
pub mod status;
pub mod submission;
pub mod task;

pub use calendar::{Calendar, CalendarError, Deadline};
pub use status::Light;

/// Why an event was refused: the current state and what would be needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {event} the {kind} while it is {state}: {why}")]
pub struct TransitionError {
    pub kind: &'static str,
    pub event: &'static str,
    pub state: &'static str,
    pub why: &'static str,
}
