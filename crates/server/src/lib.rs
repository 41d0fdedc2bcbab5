//! Kaifang's HTTP face: the JSON API, sessions and roles, background jobs, OpenAPI, and the
//! embedded web UI. Handlers are thin: they parse, ask the access policy, call the store (or
//! an engine crate), and shape the answer.

pub mod auth;
pub mod error;
pub mod guards;
pub mod jobs;
pub mod metrics;
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
use axum::routing::get;
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
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::ApiError;
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
        let state = AppState::new(store, config, demo).await?;
        state
            .jobs
            .set_resumer(routes::jobs::resumer(routes::jobs::Resources::of(&state)));
        Ok(Application {
            listener,
            router: router(state.clone()),
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// While no account exists: the token that makes the first administrator (`POST
    /// /api/setup`, or the login page's setup form). Printed to the log by `serve`.
    pub fn setup_token(&self) -> Option<String> {
        self.state
            .setup_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let background = tokio::spawn(reminders::run(self.state.clone()));
        let leases = tokio::spawn(jobs::keep_leases(self.state.jobs.clone()));
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        background.abort();
        leases.abort();
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

/// Routes that take uploaded files, under the larger upload body limit.
fn upload_routes() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::new()
        .routes(routes!(uploads::list, uploads::create))
        .routes(routes!(zones::workbook::upload))
        .routes(routes!(invest::import))
        .routes(routes!(cooperation::import_tourism))
}

/// Every other API route, under the ordinary body limit.
fn json_routes() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::new()
        .routes(routes!(meta::healthz))
        .routes(routes!(crate::metrics::metrics))
        .routes(routes!(meta::meta))
        .routes(routes!(meta::overview))
        .routes(routes!(meta::registry_counts))
        .routes(routes!(bulletins::list, bulletins::start))
        .routes(routes!(bulletins::file))
        .routes(routes!(meta::basemap))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::setup))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get))
        .routes(routes!(orgs::set_contact))
        .routes(routes!(orgs::set_uscc))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(users::reset_password))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(audit::list))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::start_backup))
        .routes(routes!(uploads::get, uploads::delete))
        .routes(routes!(risk::indicators))
        .routes(routes!(risk::readings))
        .routes(routes!(risk::evaluate))
        .routes(routes!(risk::alerts))
        .routes(routes!(risk::alert))
        .routes(routes!(risk::act))
        .routes(routes!(risk::forecasts))
        .routes(routes!(risk::forecast_series))
        .routes(routes!(risk::start_drill))
        .routes(routes!(risk::drills))
        .routes(routes!(risk::history))
        .routes(routes!(invest::editions))
        .routes(routes!(invest::edition))
        .routes(routes!(invest::check))
        .routes(routes!(invest::industries))
        .routes(routes!(invest::projects, invest::create))
        .routes(routes!(invest::template))
        .routes(routes!(invest::project))
        .routes(routes!(invest::step))
        .routes(routes!(invest::stats))
        .routes(routes!(cooperation::partners, cooperation::create_partner))
        .routes(routes!(cooperation::partner, cooperation::update_partner))
        .routes(routes!(cooperation::link_project))
        .routes(routes!(cooperation::partner_activities))
        .routes(routes!(
            cooperation::activities,
            cooperation::create_activity
        ))
        .routes(routes!(cooperation::activities_summary))
        .routes(routes!(cooperation::tourism))
        .routes(routes!(cooperation::entry))
        .routes(routes!(uploads::content))
        .routes(routes!(notifications::set_email))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::read_all))
        .routes(routes!(notifications::read))
        .routes(routes!(tasks::meetings, tasks::create_meeting))
        .routes(routes!(tasks::list, tasks::create))
        .routes(routes!(tasks::summary))
        .routes(routes!(tasks::get))
        .routes(routes!(tasks::act))
        .routes(routes!(appeals::list, appeals::create))
        .routes(routes!(appeals::categories))
        .routes(routes!(appeals::stats))
        .routes(routes!(appeals::get))
        .routes(routes!(appeals::act))
        .routes(routes!(appeals::roundtables, appeals::create_roundtable))
        .routes(routes!(appeals::roundtable, appeals::update_roundtable))
        .routes(routes!(channels::network))
        .routes(routes!(channels::places))
        .routes(routes!(channels::route))
        .routes(routes!(channels::scenarios))
        .routes(routes!(channels::compare))
        .routes(routes!(assign::base))
        .routes(routes!(assign::start))
        .routes(routes!(assign::get))
        .routes(routes!(zones::list))
        .routes(routes!(zones::framework))
        .routes(routes!(zones::assessment::assess))
        .routes(routes!(zones::assessment::sensitivity))
        .routes(routes!(zones::workbook::template))
        .routes(routes!(zones::collection::check))
        .routes(routes!(zones::collection::submissions))
        .routes(routes!(
            zones::collection::submission,
            zones::collection::save_draft
        ))
        .routes(routes!(zones::workbook::form_template))
        .routes(routes!(zones::collection::submit))
        .routes(routes!(zones::collection::approve))
        .routes(routes!(zones::collection::return_))
        .routes(routes!(zones::assessment::zone_report))
        .routes(routes!(trade::summary))
        .routes(routes!(trade::breakdown))
        .routes(routes!(trade::trend))
        .routes(routes!(trade::dynamics))
        .routes(routes!(trade::concentration))
        .routes(routes!(trade::rca))
        .routes(routes!(trade::price_volume))
        .routes(routes!(trade::sql))
        .routes(routes!(trade::import))
}

/// The OpenAPI document of exactly the routes the server registers: the paths come from the
/// same registration as the router (`json_routes`, `upload_routes`), so the two cannot drift.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let routes = OpenApiRouter::<AppState>::with_openapi(openapi::ApiDoc::openapi())
        .merge(json_routes())
        .merge(upload_routes());
    openapi::finish(routes.into_openapi())
}

/// Scripts only from our own files (no inline script, no eval); styles may be inline because
/// the UI library sets element styles; images and workers from blobs for charts and exports.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub fn router(state: AppState) -> Router {
    let secure = state.config.server.secure_cookies;
    let body_limit = (state.config.server.body_limit_mb * 1024 * 1024) as usize;
    // Room for the multipart framing around the largest allowed file.
    let upload_limit = (state.config.uploads.max_mb * 1024 * 1024 + 64 * 1024) as usize;
    let timeout = Duration::from_secs(state.config.server.request_timeout_secs);

    let (routes, doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(json_routes().layer(DefaultBodyLimit::max(body_limit)))
        .merge(upload_routes().layer(DefaultBodyLimit::max(upload_limit)))
        .split_for_parts();
    let doc = Arc::new(openapi::finish(doc));
    let api = routes
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc) }
            }),
        )
        .route("/api/docs", get(openapi::page))
        .route("/api/docs.js", get(openapi::script))
        .fallback(web::serve)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::audit_exports,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::disk_reserve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state);

    let x_request_id = HeaderName::from_static("x-request-id");
    // HSTS only where the server is told it is reached over HTTPS (then cookies are Secure).
    let hsts = secure.then(|| HeaderValue::from_static("max-age=31536000"));
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
            .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)))
            .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
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
