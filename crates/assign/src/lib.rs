//! Freight demand and capacitated assignment: where the province's freight goes, which
//! channels fill up, which link's loss hurts most and which project saves the most. A pure
//! library: no HTTP, no SQL, no async.
//!
//! One module per concept, named so a transport modeller knows where to look:
//!
//! | module | what |
//! |---|---|
//! | [`graph`] | the network as forward and backward stars |
//! | [`costing`] | volume–delay functions (BPR; queueing for crossings, ports, terminals), generalized cost, user equilibrium or system optimum |
//! | [`demand`] | origin–destination matrices |
//! | [`search`] | shortest-path trees and all-or-nothing loading |
//! | [`assignment`] | all-or-nothing, FW/CFW/BFW, Algorithm B; the relative gap |
//! | [`trade_demand`] | freight demand from the customs statistics (value → tonnes → TEU) |
//! | [`tntp`] | the research test problems' files: network, trips, best-known flows, cost weights |

pub mod appraisal;
pub mod assignment;
pub mod check;
pub mod costing;
pub mod critical;
pub mod demand;
pub mod drill;
pub mod error;
pub mod freight;
pub mod graph;
pub mod search;
pub mod study;
pub mod tntp;
pub mod trade_demand;

pub use error::Error;
