use kaifang_store::rules::Rules;
use kaifang_store::{Config, Store};
use std::sync::Arc;

use crate::auth::LoginLimiter;
use crate::jobs::Jobs;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub jobs: Jobs,
    pub limiter: Arc<LoginLimiter>,
    pub demo: bool,
    /// Working-day calendar and time limits of directives and appeals.
    pub rules: Rules,
    /// The foreign-trade store of the data directory.
    pub trade: crate::trade::TradeData,
}
