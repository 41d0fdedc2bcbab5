use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kaifang_model::{Password, Role, Username};
use kaifang_store::accounts::{NewUser, PasswordChange, User};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, ListQuery, Table};

fn user_table(items: &[User]) -> Table {
    Table {
        name: "users",
        headers: &[
            ("用户名", "Username"),
            ("姓名", "Display name"),
            ("角色", "Role"),
            ("所属组织", "Organisation (Chinese)"),
            ("Organisation", "Organisation (English)"),
            ("已停用", "Disabled"),
            ("创建时间", "Created at"),
        ],
        rows: items
            .iter()
            .map(|u| {
                vec![
                    u.username.as_str().into(),
                    u.display_name.as_str().into(),
                    u.role.as_str().into(),
                    u.org_name_zh.as_str().into(),
                    u.org_name_en.as_str().into(),
                    u.disabled.into(),
                    u.created_at.as_str().into(),
                ]
            })
            .collect(),
    }
}

fn admin_only(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().administer(),
        "manage user accounts",
        String::new,
    )
}

/// All accounts (administrators). `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/users", tag = "users", params(ListQuery),
    responses((status = 200, body = crate::table::Items<User>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    admin_only(&caller)?;
    table::respond(&q, &headers, state.store.users().await?, user_table)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub org_id: i64,
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    admin_only(&caller)?;
    let new = NewUser {
        username: b.username.parse::<Username>()?,
        display_name: b.display_name,
        password: b.password.parse::<Password>()?,
        role: b.role,
        org_id: b.org_id,
    };
    let user = state.store.create_user(&caller.who(), &new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Disable an account: its sessions end and its API tokens are revoked (administrators).
#[utoipa::path(post, path = "/api/users/{id}/disable", tag = "users",
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    admin_only(&caller)?;
    if id == caller.principal.id {
        return Err(ApiError::conflict("you cannot disable your own account"));
    }
    Ok(Json(
        state.store.set_disabled(&caller.who(), id, true).await?,
    ))
}

/// Enable a disabled account again (administrators).
#[utoipa::path(post, path = "/api/users/{id}/enable", tag = "users",
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    admin_only(&caller)?;
    Ok(Json(
        state.store.set_disabled(&caller.who(), id, false).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetPassword {
    pub password: String,
}

/// Set another account's password (administrators); ends that account's sessions and revokes
/// its API tokens.
#[utoipa::path(put, path = "/api/users/{id}/password", tag = "users", request_body = ResetPassword,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ResetPassword>,
) -> ApiResult<StatusCode> {
    admin_only(&caller)?;
    let p: Password = b.password.parse()?;
    state
        .store
        .set_password(&caller.who(), id, &p, PasswordChange::Reset)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
