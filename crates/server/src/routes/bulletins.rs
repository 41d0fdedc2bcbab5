//! The monthly bulletin (月度通报): issued as a job (the document is gathered from every
//! module and written as DOCX or typeset as PDF), archived, listed and downloaded. Thin
//! faces over `kaifang_app::bulletin` and `kaifang_store::bulletins`.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kaifang_app::bulletin::{BulletinRequest, Params, issue};
use kaifang_app::cockpit::Sources;
use kaifang_store::bulletins::Bulletin;
use kaifang_store::rules::today_in_china;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::Items;

/// The job kind of an issue.
pub const BULLETIN_KIND: &str = "bulletin";

/// The sources every module's figures are read from.
pub fn sources(state: &AppState) -> Sources<'_> {
    Sources {
        store: &state.store,
        trade: &state.trade,
        risk: &state.risk,
        zones: &state.zones,
        rules: &state.rules,
        demo: state.demo,
    }
}

/// Issue a bulletin as a background job: `month` (default the latest with trade data),
/// `lang` `zh`/`en`, `format` `docx`/`pdf`. Answers 202 with the job; its result is the
/// archived `Bulletin`. Administrators and provincial departments.
#[utoipa::path(post, path = "/api/bulletins", tag = "bulletins", request_body = BulletinRequest,
    responses((status = 202, body = kaifang_store::jobs::Job), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<BulletinRequest>,
) -> ApiResult<(StatusCode, Json<kaifang_store::jobs::Job>)> {
    ApiError::check(
        caller.actor().issue_bulletin(),
        "issue a bulletin",
        String::new,
    )?;
    let latest = state.trade.read().await.latest_period();
    let params = Params::parse(&body, latest)?;
    let who = caller.who();
    let starter = crate::jobs::Starter {
        user_id: Some(caller.principal.id),
        org_id: Some(caller.principal.org.id),
    };
    // Another instance starting it over issues the same month, as the same person.
    let resume = serde_json::json!({
        "user_id": who.user_id,
        "actor": who.actor,
        "request": params.request(),
    });
    let work = bulletin_work(crate::routes::jobs::Resources::of(&state), who, params);
    let job = state
        .jobs
        .spawn_resumable(BULLETIN_KIND, starter, resume, work)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Issuing a bulletin as a job's work. Started over after its instance stopped, it finds the
/// file that instance may have written and only records it (see `archive_bulletin`).
pub(crate) fn bulletin_work(
    with: crate::routes::jobs::Resources,
    who: kaifang_store::audit::Who,
    params: Params,
) -> crate::jobs::Work {
    Box::new(move |ctx: crate::jobs::JobContext| {
        Box::pin(async move {
            let progress = |p: u8| ctx.progress(f64::from(p) / 100.0);
            let b = issue(&with.sources(), &who, &params, today_in_china(), &progress).await?;
            serde_json::to_value(b).map_err(|e| crate::jobs::JobError::Failed(e.to_string()))
        })
    })
}

/// The archive of issued bulletins, newest first.
#[utoipa::path(get, path = "/api/bulletins", tag = "bulletins",
    responses((status = 200, body = Items<Bulletin>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Items<Bulletin>>> {
    ApiError::check(
        caller.actor().read_bulletins(),
        "read the bulletins",
        String::new,
    )?;
    Ok(Json(Items {
        items: state.store.bulletins().await?,
    }))
}

/// An issued bulletin's file, as it was issued (its SHA-256 is in the list).
#[utoipa::path(get, path = "/api/bulletins/{id}/file", tag = "bulletins",
    params(("id" = i64, Path, description = "The bulletin's id")),
    responses((status = 200, description = "The DOCX or PDF file", content_type = "application/octet-stream"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_bulletins(),
        "read the bulletins",
        String::new,
    )?;
    let b = state.store.bulletin(id).await?;
    let path = state.store.bulletin_path(&b);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::internal(format!("{}: {e}", b.file)))?;
    let content_type = match b.format.as_str() {
        "pdf" => kaifang_app::bulletin::Format::Pdf.content_type(),
        _ => kaifang_app::bulletin::Format::Docx.content_type(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{}\"", b.file))
                    .map_err(ApiError::internal)?,
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}
