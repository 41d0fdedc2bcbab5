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
    /// The label of the configured base map (an approval number), when one is configured;
    /// without one the maps use Natural Earth and say it is illustrative.
    pub basemap_label: Option<String>,
    /// No account exists yet: the first administrator is made with the setup token from
    /// the server's log (`POST /api/setup`).
    pub needs_setup: bool,
}

/// Product name, version, and whether the data is demo data. No login needed.
#[utoipa::path(get, path = "/api/meta", tag = "meta", responses((status = 200, body = Meta)))]
pub async fn meta(State(state): State<AppState>) -> Json<Meta> {
    Json(Meta {
        name: "Kaifang",
        version: env!("CARGO_PKG_VERSION"),
        demo: state.demo,
        ui: crate::web::ui_built(),
        basemap_label: state.basemap.as_ref().map(|b| b.label.clone()),
        needs_setup: state
            .setup_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some(),
    })
}

/// A base map from the configuration: the GeoJSON as read, checked once at start.
pub struct BaseMap {
    pub geojson: axum::body::Bytes,
    pub label: String,
}

/// Reads and checks `[map] base_geojson`; an error names the file and the key.
pub fn load_basemap(
    map: &kaifang_store::config::MapConfig,
    dir: &kaifang_store::DataDir,
) -> Result<Option<std::sync::Arc<BaseMap>>, kaifang_store::StoreError> {
    let Some(file) = map.base_geojson.as_deref().filter(|f| !f.trim().is_empty()) else {
        return Ok(None);
    };
    let path = dir.root().join(file);
    let bad = |message: String| kaifang_store::StoreError::Config {
        origin: dir.config_path().display().to_string(),
        key: "map.base_geojson".into(),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("{} is not JSON: {e}", path.display())))?;
    if doc["type"] != "FeatureCollection" || !doc["features"].is_array() {
        return Err(bad(format!(
            "{} is not a GeoJSON FeatureCollection",
            path.display()
        )));
    }
    if map.base_label.trim().is_empty() {
        return Err(kaifang_store::StoreError::Config {
            origin: dir.config_path().display().to_string(),
            key: "map.base_label".into(),
            message: "a configured base map needs its label (e.g. the approval number)".into(),
        });
    }
    Ok(Some(std::sync::Arc::new(BaseMap {
        geojson: bytes.into(),
        label: map.base_label.trim().to_string(),
    })))
}

/// The configured base map as GeoJSON; 404 when none is configured (the UI then draws
/// Natural Earth and marks it illustrative). No login needed, like the UI's own assets.
#[utoipa::path(get, path = "/api/basemap", tag = "meta",
    responses((status = 200, description = "GeoJSON FeatureCollection", body = crate::openapi::FeatureCollection, content_type = "application/geo+json"), (status = 404, body = ErrorBody)))]
pub async fn basemap(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match &state.basemap {
        Some(b) => (
            [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
            b.geojson.clone(),
        )
            .into_response(),
        None => crate::error::ApiError::not_found("a configured base map").into_response(),
    }
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

/// The registry's counts, for the administration pages.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RegistryCounts {
    /// True when the figures come from the synthetic demo data.
    pub demo: bool,
    pub organisations_by_kind: Vec<KindCount>,
    pub zones_by_type: Vec<ZoneTypeCount>,
    pub users_by_role: Vec<RoleCount>,
    /// Audit entries per day over the last 30 days, oldest first.
    pub audit_by_day: Vec<DayCount>,
    pub jobs: JobCounts,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct OverviewQuery {
    /// Trade and investment of this month, `YYYY-MM` (default: the latest trade month and
    /// this year): what the month's bulletin will say.
    pub month: Option<String>,
}

/// The cockpit: every module's headline card, scoped to the caller (a city sees its city, a
/// zone its zone, an enterprise its own appeals), with what changed since last month and
/// the cards left out with the reason.
#[utoipa::path(get, path = "/api/overview", tag = "meta", params(OverviewQuery),
    responses((status = 200, body = kaifang_app::cockpit::Cockpit), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(q): axum::extract::Query<OverviewQuery>,
) -> ApiResult<Json<kaifang_app::cockpit::Cockpit>> {
    use kaifang_app::cockpit::{Scope, cockpit_at};
    let period = match q.month.as_deref() {
        None | Some("") => None,
        Some(m) => Some(kaifang_app::bulletin::parse_month(m)?),
    };
    let actor = caller.actor();
    let scope = Scope::of(&state.store, &state.zones, &actor).await?;
    let today = kaifang_store::rules::today_in_china();
    let sources = crate::routes::bulletins::sources(&state);
    Ok(Json(
        cockpit_at(&sources, &actor, &scope, today, period).await,
    ))
}

/// Counts of the registry — organisations by kind, zones by type, accounts by role, jobs by
/// status — and the audit log's entries per day: the administration pages' figures, for
/// those who read the whole registry.
#[utoipa::path(get, path = "/api/registry/counts", tag = "meta", responses((status = 200, body = RegistryCounts), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn registry_counts(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<RegistryCounts>> {
    if !caller.actor().reads_all() {
        return Err(crate::error::ApiError::forbidden(
            "read the registry's counts",
        ));
    }
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
    Ok(Json(RegistryCounts {
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
