use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kaifang_store::accounts::{ApiToken, NewApiToken, TokenDays};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::Items;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    pub items: Vec<ApiToken>,
}

/// One's own API tokens, revoked and expired ones included (never the secrets).
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
    /// Days until the token stops working: 1 to 365, 90 when left out.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<i64>,
    /// A read-only token may only make GET and HEAD requests. False when left out.
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    /// The secret, shown this once: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub info: ApiToken,
}

/// Create an API token acting as oneself, for machine clients. Only from a logged-in browser
/// session (a token cannot make tokens), and at most `auth.max_tokens_per_user` live at once.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = CreateToken,
    responses((status = 201, body = NewToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The account holds the most live tokens allowed"),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    caller.require_session("create API tokens")?;
    let new = NewApiToken {
        name: b.name,
        lifetime: b
            .expires_in_days
            .map(TokenDays::new)
            .transpose()?
            .unwrap_or_default(),
        read_only: b.read_only,
    };
    let (token, info) = state
        .store
        .create_token(
            &caller.who(),
            caller.principal.id,
            &new,
            state.config.auth.max_tokens_per_user,
        )
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
