//! Kaifang's HTTP face: the JSON API, sessions and roles, background jobs, OpenAPI, and the
//! embedded web UI. Handlers are thin: they parse, ask the access policy, call the store (or
//! an engine crate), and shape the answer.

pub mod auth;
pub mod error;
pub mod jobs;
pub mod openapi;
pub mod reminders;
pub mod routes;
pub mod state;
pub mod table;
pub mod trade;
pub mod web;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{BoxError, Router};
use kaifang_store::{Config, Store, StoreError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth::LoginLimiter;
use crate::error::ApiError;
use crate::jobs::Jobs;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "cannot listen on {addr}: {source}; is another program (another Kaifang?) using it? Choose another address with --addr or KAIFANG_ADDR"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    App(#[from] kaifang_app::AppError),
}

pub use kaifang_app::datadir::{Prepared, prepare};

/// The server, bound and ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Binds `config.server.addr` (port 0 picks a free port: tests use that).
    pub async fn build(
        store: Store,
        config: Config,
        demo: bool,
    ) -> Result<Application, ServeError> {
        let addr: SocketAddr = config.server.addr.parse().map_err(|_| {
            StoreError::invalid(
                "server.addr",
                format!("{:?} is not an address", config.server.addr),
            )
        })?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let auth = &config.auth;
        let rules = kaifang_store::rules::Rules::from_config(&config.work)?;
        let trade = kaifang_app::trade::TradeData::open(store.data_dir().root())?;
        let basemap = routes::meta::load_basemap(&config.map, store.data_dir())?;
        let state = AppState {
            basemap,
            trade,
            rules,
            jobs: Jobs::new(store.clone()),
            limiter: Arc::new(LoginLimiter::new(
                auth.login_max_failures,
                Duration::from_secs(auth.login_window_minutes * 60),
            )),
            store,
            config: Arc::new(config),
            demo,
            channels: Default::default(),
            assign: Default::default(),
            zones: Default::default(),
        };
        Ok(Application {
            listener,
            router: router(state.clone()),
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let background = tokio::spawn(reminders::run(self.state.clone()));
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        background.abort();
        served
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

pub fn router(state: AppState) -> Router {
    use routes::*;
    let body_limit = (state.config.server.body_limit_mb * 1024 * 1024) as usize;
    // Room for the multipart framing around the largest allowed file.
    let upload_limit = (state.config.uploads.max_mb * 1024 * 1024 + 64 * 1024) as usize;
    let timeout = Duration::from_secs(state.config.server.request_timeout_secs);

    let uploads = Router::new()
        .route("/api/uploads", get(uploads::list).post(uploads::create))
        .route(
            "/api/zones/{code}/submissions/{year}/upload",
            post(zones::workbook::upload),
        )
        .layer(DefaultBodyLimit::max(upload_limit));

    let api = Router::new()
        .route("/healthz", get(meta::healthz))
        .route("/api/meta", get(meta::meta))
        .route("/api/overview", get(meta::overview))
        .route("/api/basemap", get(meta::basemap))
        .route("/api/openapi.json", get(openapi::json))
        .route("/api/docs", get(openapi::page))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/password", post(auth::change_password))
        .route("/api/orgs", get(orgs::list).post(orgs::create))
        .route("/api/orgs/{id}", get(orgs::get))
        .route("/api/orgs/{id}/contact", put(orgs::set_contact))
        .route("/api/users", get(users::list).post(users::create))
        .route("/api/users/{id}/disable", post(users::disable))
        .route("/api/users/{id}/enable", post(users::enable))
        .route("/api/users/{id}/password", put(users::reset_password))
        .route("/api/tokens", get(tokens::list).post(tokens::create))
        .route("/api/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/api/audit", get(audit::list))
        .route("/api/jobs", get(jobs::list))
        .route("/api/jobs/{id}", get(jobs::get))
        .route("/api/jobs/{id}/cancel", post(jobs::cancel))
        .route("/api/backups", post(jobs::start_backup))
        .route("/api/uploads/{id}", get(uploads::get))
        .route("/api/auth/email", put(notifications::set_email))
        .route("/api/notifications", get(notifications::list))
        .route("/api/notifications/read-all", post(notifications::read_all))
        .route("/api/notifications/{id}/read", post(notifications::read))
        .route(
            "/api/meetings",
            get(tasks::meetings).post(tasks::create_meeting),
        )
        .route("/api/tasks", get(tasks::list).post(tasks::create))
        .route("/api/tasks/summary", get(tasks::summary))
        .route("/api/tasks/{id}", get(tasks::get))
        .route("/api/tasks/{id}/events", post(tasks::act))
        .route("/api/appeals", get(appeals::list).post(appeals::create))
        .route("/api/appeals/categories", get(appeals::categories))
        .route("/api/appeals/stats", get(appeals::stats))
        .route("/api/appeals/{id}", get(appeals::get))
        .route("/api/appeals/{id}/events", post(appeals::act))
        .route(
            "/api/roundtables",
            get(appeals::roundtables).post(appeals::create_roundtable),
        )
        .route(
            "/api/roundtables/{id}",
            get(appeals::roundtable).put(appeals::update_roundtable),
        )
        .route("/api/uploads/{id}/content", get(uploads::content))
        .route("/api/channels/network", get(channels::network))
        .route("/api/channels/places", get(channels::places))
        .route("/api/channels/route", post(channels::route))
        .route("/api/channels/scenarios", get(channels::scenarios))
        .route("/api/channels/compare", post(channels::compare))
        .route("/api/assign/base", get(assign::base))
        .route("/api/assign/runs", post(assign::start))
        .route("/api/assign/runs/{id}", get(assign::get))
        .route("/api/zones", get(zones::list))
        .route("/api/zones/framework", get(zones::framework))
        .route("/api/zones/assessment", get(zones::assessment::assess))
        .route(
            "/api/zones/sensitivity",
            get(zones::assessment::sensitivity),
        )
        .route("/api/zones/template", get(zones::workbook::template))
        .route(
            "/api/zones/submissions/check",
            post(zones::collection::check),
        )
        .route(
            "/api/zones/submissions",
            get(zones::collection::submissions),
        )
        .route(
            "/api/zones/{code}/submissions/{year}",
            get(zones::collection::submission).put(zones::collection::save_draft),
        )
        .route(
            "/api/zones/{code}/submissions/{year}/template",
            get(zones::workbook::form_template),
        )
        .route(
            "/api/zones/{code}/submissions/{year}/submit",
            post(zones::collection::submit),
        )
        .route(
            "/api/zones/{code}/submissions/{year}/approve",
            post(zones::collection::approve),
        )
        .route(
            "/api/zones/{code}/submissions/{year}/return",
            post(zones::collection::return_),
        )
        .route(
            "/api/zones/{code}/report",
            get(zones::assessment::zone_report),
        )
        .route("/api/trade/summary", get(routes::trade::summary))
        .route("/api/trade/breakdown", get(routes::trade::breakdown))
        .route("/api/trade/trend", get(routes::trade::trend))
        .route("/api/trade/dynamics", get(routes::trade::dynamics))
        .route(
            "/api/trade/concentration",
            get(routes::trade::concentration),
        )
        .route("/api/trade/rca", get(routes::trade::rca))
        .route("/api/trade/price-volume", get(routes::trade::price_volume))
        .route("/api/trade/sql", post(routes::trade::sql))
        .route("/api/trade/imports", post(routes::trade::import))
        .layer(DefaultBodyLimit::max(body_limit))
        .merge(uploads)
        .fallback(web::serve)
        .with_state(state);

    let x_request_id = HeaderName::from_static("x-request-id");
    api.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
            }))
            .layer(PropagateRequestIdLayer::new(x_request_id))
            .layer(CatchPanicLayer::custom(|_| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; the server log has the details").into_response()
            }))
            .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
            .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
            .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
            .layer(HandleErrorLayer::new(|e: BoxError| async move { timeout_error(e) }))
            .layer(tower::timeout::TimeoutLayer::new(timeout)),
    )
}

fn timeout_error(e: BoxError) -> Response {
    if e.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took too long",
        )
        .into_response()
    } else {
        ApiError::internal(e).into_response()
    }
}
