use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifang_store::accounts::ApiToken;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::Items;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    pub items: Vec<ApiToken>,
}

/// One's own API tokens (never the secrets).
#[utoipa::path(get, path = "/api/tokens", tag = "tokens", responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Items<ApiToken>>> {
    Ok(Json(Items {
        items: state.store.tokens(caller.principal.id).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateToken {
    /// What the token is for, e.g. "customs data sync".
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    /// The secret, shown this once: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub info: ApiToken,
}

/// Create an API token acting as oneself, for machine clients.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = CreateToken,
    responses((status = 201, body = NewToken), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let (token, info) = state
        .store
        .create_token(&caller.who(), caller.principal.id, &b.name)
        .await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, info })))
}

/// Revoke one of one's own tokens.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_token(&caller.who(), caller.principal.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
