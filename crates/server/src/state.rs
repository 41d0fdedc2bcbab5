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
    /// The configured base map (`[map]` in kaifang.toml), read and checked at start.
    pub basemap: Option<Arc<crate::routes::meta::BaseMap>>,
    /// The foreign-trade store of the data directory.
    pub trade: kaifang_app::trade::TradeData,
    /// The analysts' bounded SQL on the trade records (`[trade]` limits).
    pub sql: kaifang_app::trade::AnalystSql,
    /// The default freight network of `kaifang_channels`, loaded on first use.
    pub channels: kaifang_app::channels::ChannelsCell,
    /// The freight studies' default inputs (`kaifang_assign`), parsed on first use.
    pub assign: kaifang_app::studies::InputsCell,
    /// The development zones' assessment engine (parsed on first use), its last input and
    /// its bounded cache of results.
    pub zones: kaifang_app::assess::AssessmentCache,
}
