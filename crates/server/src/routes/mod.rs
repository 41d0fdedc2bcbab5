//! One module per resource; each handler asks the policy (`kaifang_model::access`) before it
//! asks the store.

pub mod audit;
pub mod jobs;
pub mod meta;
pub mod orgs;
pub mod tokens;
pub mod uploads;
pub mod users;
