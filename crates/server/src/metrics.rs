//! Operational figures for Prometheus at `/metrics` (text exposition format): the requests
//! answered and how long they took, the heavy-work queue, the jobs in the database and the
//! database's connection pool. An administrator's session or API token reads them (a
//! Prometheus job scrapes with `authorization: { credentials_file: ... }`).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Upper bounds of the request-duration histogram's buckets, in seconds.
const BOUNDS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Counters since the process started.
#[derive(Default)]
pub struct Metrics {
    /// Requests answered, by status class: 1xx to 5xx.
    by_class: [AtomicU64; 5],
    /// Requests that took at most `BOUNDS[i]` (not cumulative; summed when rendered).
    buckets: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn observe(&self, status: u16, took: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        if let Some(i) = BOUNDS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    fn render_requests(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP kaifang_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE kaifang_http_requests_total counter"
        );
        for (i, n) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "kaifang_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP kaifang_http_request_duration_seconds Time from a request's arrival to its answer.\n\
             # TYPE kaifang_http_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (bound, n) in BOUNDS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "kaifang_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "kaifang_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n\
             kaifang_http_request_duration_seconds_sum {}\n\
             kaifang_http_request_duration_seconds_count {count}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
    }
}

/// Counts every request and its duration.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .observe(response.status().as_u16(), started.elapsed());
    response
}

/// The operational figures in Prometheus' text format (administrators).
#[utoipa::path(get, path = "/metrics", tag = "meta",
    responses((status = 200, content_type = "text/plain", body = String, description = "Prometheus text exposition format 0.0.4"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn metrics(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_metrics(),
        "read the server's metrics",
        String::new,
    )?;
    let mut out = String::new();
    state.metrics.render_requests(&mut out);
    let _ = writeln!(
        out,
        "# HELP kaifang_work_running Heavy work (jobs, assessments, forecasts) computing now in this instance.\n\
         # TYPE kaifang_work_running gauge\n\
         kaifang_work_running {}",
        state.queue.running()
    );
    let _ = writeln!(
        out,
        "# HELP kaifang_jobs Jobs in the database, by status (every instance's).\n\
         # TYPE kaifang_jobs gauge"
    );
    for (status, n) in state.store.job_counts().await? {
        let _ = writeln!(out, "kaifang_jobs{{status=\"{status}\"}} {n}");
    }
    let (open, idle, max) = state.store.pool_figures();
    let backend = match state.store.backend() {
        kaifang_store::Backend::Sqlite => "sqlite",
        kaifang_store::Backend::Postgres => "postgres",
    };
    let _ = writeln!(
        out,
        "# HELP kaifang_db_connections The database connection pool of this instance.\n\
         # TYPE kaifang_db_connections gauge\n\
         kaifang_db_connections{{backend=\"{backend}\",state=\"open\"}} {open}\n\
         kaifang_db_connections{{backend=\"{backend}\",state=\"idle\"}} {idle}\n\
         kaifang_db_connections{{backend=\"{backend}\",state=\"max\"}} {max}"
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response())
}
