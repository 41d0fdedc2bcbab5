use axum::Json;
use axum::extract::State;
use kaifang_store::overview::{Count, DayCount};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness and database check.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health), (status = 500, body = ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store.ping().await?;
    Ok(Json(Health { status: "ok" }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Meta {
    pub name: &'static str,
    pub version: &'static str,
    /// True when the data directory holds the synthetic demo data.
    pub demo: bool,
    /// Whether this binary carries the web UI.
    pub ui: bool,
}

/// Product name, version, and whether the data is demo data. No login needed.
#[utoipa::path(get, path = "/api/meta", tag = "meta", responses((status = 200, body = Meta)))]
pub async fn meta(State(state): State<AppState>) -> Json<Meta> {
    Json(Meta {
        name: "Kaifang",
        version: env!("CARGO_PKG_VERSION"),
        demo: state.demo,
        ui: crate::web::ui_built(),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ZoneTypeCount {
    pub zone_type: String,
    pub count: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleCount {
    pub role: String,
    pub count: i64,
}

#[derive(Serialize, utoipa::ToSchema, Default)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub cancelled: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// True when the figures come from the synthetic demo data.
    pub demo: bool,
    pub organisations_by_kind: Vec<KindCount>,
    pub zones_by_type: Vec<ZoneTypeCount>,
    pub users_by_role: Vec<RoleCount>,
    /// Audit entries per day over the last 30 days, oldest first.
    pub audit_by_day: Vec<DayCount>,
    pub jobs: JobCounts,
}

/// Headline figures of the modules that exist.
#[utoipa::path(get, path = "/api/overview", tag = "meta", responses((status = 200, body = Overview), (status = 401, body = ErrorBody)))]
pub async fn overview(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Overview>> {
    let s = &state.store;
    let map = |v: Vec<Count>| v.into_iter().map(|c| (c.key, c.count));
    let mut jobs = JobCounts::default();
    for (status, n) in map(s.jobs_by_status().await?) {
        match status.as_str() {
            "queued" => jobs.queued = n,
            "running" => jobs.running = n,
            "succeeded" => jobs.succeeded = n,
            "failed" => jobs.failed = n,
            _ => jobs.cancelled = n,
        }
    }
    Ok(Json(Overview {
        demo: state.demo,
        organisations_by_kind: map(s.orgs_by_kind().await?)
            .map(|(kind, count)| KindCount { kind, count })
            .collect(),
        zones_by_type: map(s.zones_by_type().await?)
            .map(|(zone_type, count)| ZoneTypeCount { zone_type, count })
            .collect(),
        users_by_role: map(s.users_by_role().await?)
            .map(|(role, count)| RoleCount { role, count })
            .collect(),
        audit_by_day: s.audit_by_day(30).await?,
        jobs,
    }))
}
