use kaifang_store::rules::Rules;
use kaifang_store::{Config, Store};
use std::sync::Arc;
use std::time::Duration;

use crate::ServeError;
use crate::auth::LoginLimiter;
use crate::jobs::Jobs;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub jobs: Jobs,
    pub limiter: Arc<LoginLimiter>,
    /// The one-time token that makes the first administrator, while no account exists.
    pub setup_token: Arc<std::sync::Mutex<Option<String>>>,
    pub demo: bool,
    /// Requests counted for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
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
    /// The negative lists for foreign investment: the shipped editions and those in the data
    /// directory's `negative-list/` folder, read and checked at start.
    pub invest: Arc<kaifang_app::invest::NegativeLists>,
    /// The risk watch's registry of indicators, parsed on first use.
    pub risk: kaifang_app::risk::RegistryCell,
    /// The freight studies' default inputs (`kaifang_assign`), parsed on first use.
    pub assign: kaifang_app::studies::InputsCell,
    /// The development zones' assessment engine (parsed on first use), its last input and
    /// its bounded cache of results.
    pub zones: kaifang_app::assess::AssessmentCache,
    /// Heavy work computed inside a request (forecasts) takes its place here, as jobs do.
    pub queue: kaifang_app::queue::WorkQueue,
}

impl AppState {
    /// Everything the handlers share, from the store and the configuration; the configured
    /// files (the base map, the working-day rules) are read and checked here.
    pub async fn new(store: Store, config: Config, demo: bool) -> Result<AppState, ServeError> {
        let auth = &config.auth;
        let setup_token = if store.has_users().await? {
            None
        } else {
            Some(crate::auth::new_setup_token())
        };
        let assign = kaifang_app::studies::InputsCell::default();
        let queue = kaifang_app::queue::WorkQueue::new(
            kaifang_app::queue::QueueLimits::from_config(&config.jobs),
        );
        Ok(AppState {
            basemap: crate::routes::meta::load_basemap(&config.map, store.data_dir())?,
            trade: kaifang_app::trade::TradeData::open_on(
                store.data_dir().root(),
                kaifang_app::trade::engine(&config.trade, "the configuration")?,
            )?,
            invest: Arc::new(kaifang_app::invest::NegativeLists::load(Some(
                &store.data_dir().root().join("negative-list"),
            ))?),
            sql: kaifang_app::trade::AnalystSql::new(&config.trade),
            rules: Rules::from_config(&config.work)?,
            jobs: Jobs::new(store.clone(), queue.clone()),
            limiter: Arc::new(LoginLimiter::new(
                auth.login_max_failures,
                Duration::from_secs(auth.login_window_minutes * 60),
                usize::try_from(auth.login_concurrency).unwrap_or(usize::MAX),
            )),
            setup_token: Arc::new(std::sync::Mutex::new(setup_token)),
            store,
            config: Arc::new(config),
            demo,
            metrics: Arc::default(),
            channels: Default::default(),
            assign: assign.clone(),
            risk: kaifang_app::risk::RegistryCell::with_inputs(assign),
            zones: kaifang_app::assess::AssessmentCache::new(
                kaifang_app::assess::CACHE_SIZE,
                queue.clone(),
            ),
            queue,
        })
    }
}
