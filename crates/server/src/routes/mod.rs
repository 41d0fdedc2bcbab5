//! One module per resource; each handler asks the policy (`kaifang_model::access`) before it
//! asks the store.

pub mod appeals;
pub mod assign;
pub mod audit;
pub mod bulletins;
pub mod channels;
pub mod cooperation;
pub mod invest;
pub mod jobs;
pub mod meta;
pub mod notifications;
pub mod orgs;
pub mod risk;
pub mod tasks;
pub mod tokens;
pub mod trade;
pub mod uploads;
pub mod users;
pub mod zones;
