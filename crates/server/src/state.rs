use kaifang_store::rules::Rules;
use kaifang_store::{Config, Store};
use std::sync::{Arc, OnceLock};

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
    pub trade: crate::trade::TradeData,
    /// The default freight network of `kaifang_channels`, loaded on first use.
    pub channels: ChannelsCell,
    /// The freight studies' default inputs (`kaifang_assign`), parsed on first use.
    pub assign: AssignCell,
}

/// The default freight network and its scenarios, loaded once on first use and shared.
#[derive(Clone, Default)]
pub struct ChannelsCell(Arc<OnceLock<Result<Arc<kaifang_channels::defaults::Channels>, String>>>);

impl ChannelsCell {
    pub fn get(&self) -> Result<Arc<kaifang_channels::defaults::Channels>, String> {
        self.0
            .get_or_init(|| {
                kaifang_channels::defaults::Channels::load()
                    .map(Arc::new)
                    .map_err(|e| format!("the default freight network does not load: {e}"))
            })
            .clone()
    }
}

/// The freight studies' default inputs: network, scenarios, capacities, synthetic demand and
/// candidate projects. Parsed once from the embedded data on first use and shared.
#[derive(Clone, Default)]
pub struct AssignCell(Arc<OnceLock<Result<Arc<kaifang_assign::study::Inputs>, String>>>);

impl AssignCell {
    pub fn get(&self) -> Result<Arc<kaifang_assign::study::Inputs>, String> {
        self.0
            .get_or_init(|| {
                kaifang_assign::study::Inputs::defaults()
                    .map(Arc::new)
                    .map_err(|e| format!("the freight study inputs do not load: {e}"))
            })
            .clone()
    }
}
