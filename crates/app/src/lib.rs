//! Kaifang's use cases, once: what the command line and the HTTP API both do, written here so
//! that the two faces give the same answer. The faces keep only their own concerns — the
//! server HTTP (routes, sessions, access checks, jobs), the command line parsing and
//! printing — and call these functions.
//!
//! | module | use cases |
//! |---|---|
//! | [`datadir`] | prepare a data directory for serving (a new one gets the demo), `init`, `demo`, open one for a command |
//! | [`trade`] | the shared hold on the trade store; imports and the demo, each audited (announced, then concluded); freight demand from the records |
//! | [`backup`] | backups of the whole data directory (database, uploads, trade generation) and their restore |
//! | [`recover`] | after a crash, the audit log reconciled with the trade store and the backups, and the jobs that ran them concluded |
//! | [`channels`] | route planning and scenario comparison on the open-channels network: one answer shape |
//! | [`studies`] | freight studies (assignment, criticality, appraisal): parameters checked once, one result shape |
//! | [`risk`] | risk watch: the registry's indicators measured on the trade records, tasks and appeals, each at its level |
//! | [`invest`] | investment attraction: the negative-list check, the projects pipeline, its figures with year-on-year change, the project list imported from Excel |
//! | [`cooperation`] | the cooperation registry (partners abroad and at home) with its map, exchanges and visits, international arrivals by month and market, ports of entry and the visa policies that apply |
//! | [`bulletin`] | the monthly bulletin: the cockpit in sentences and a section per module with charts and tables, as DOCX or PDF, archived with its figures |
//! | [`cockpit`] | the leaders' cockpit: every module's headline card, scoped to the caller, with what changed since last month |
//! | [`queue`] | the one queue of heavy work: slots in all, places per user, requests that wait a bounded time and stop when abandoned |
//! | [`assess`] | the development zones' assessment on the demo panel overlaid with approved values: ranking, one zone's report, sensitivity, bounded cache of results; checking a yearly form, a zone's form against last year |
//!
//! Invariants: no HTTP and no terminal here; every answer is a plain serde type (deriving
//! `utoipa::ToSchema` where the API publishes it); input errors are [`AppError::Field`] naming
//! the field.

pub mod assess;
pub mod backup;
pub mod bulletin;
pub mod channels;
pub mod cockpit;
pub mod cooperation;
pub mod datadir;
pub mod error;
pub mod invest;
pub mod queue;
pub mod recover;
pub mod risk;
pub mod studies;
pub mod trade;

pub use error::{AppError, AppResult};
