//! The caller's own notifications, and the mail address they go to.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifang_store::notifications::Inbox;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;

/// The caller's latest notifications and how many are unread.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications",
    responses((status = 200, body = Inbox), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Inbox>> {
    Ok(Json(
        state.store.notifications(caller.principal.id, 50).await?,
    ))
}

/// Mark one notification read.
#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store.mark_read(caller.principal.id, Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all of the caller's notifications read.
#[utoipa::path(post, path = "/api/notifications/read-all", tag = "notifications",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn read_all(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    state.store.mark_read(caller.principal.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EmailBody {
    /// A mail address, or null to stop mail.
    pub email: Option<String>,
}

/// Set the caller's mail address for notifications (sent when the server has an SMTP relay).
#[utoipa::path(put, path = "/api/auth/email", tag = "notifications", request_body = EmailBody,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn set_email(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<EmailBody>,
) -> ApiResult<StatusCode> {
    let email = b.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    state
        .store
        .set_email(&caller.who(), caller.principal.id, email)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
