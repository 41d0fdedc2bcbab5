//! Who is asking: session cookies for people, bearer tokens for machines, CSRF protection
//! for cookie-authenticated writes, and bounded password checking (`limiter`) keyed on the
//! real client (`client`).

pub mod client;
pub mod limiter;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kaifang_model::{Actor, Password};
use kaifang_store::accounts::{Principal, SessionLimits};
use kaifang_store::audit::Who;
use kaifang_store::logins::LoginLedger;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
pub use client::ClientIp;
pub use limiter::{LoginLimiter, Refusal};

pub const SESSION_COOKIE: &str = "kaifang_session";
/// The session cookie's name behind HTTPS (`server.secure_cookies`). Browsers accept a
/// `__Host-` cookie only when it is `Secure`, has `Path=/` and no `Domain`, so a neighbouring
/// subdomain or a plain-HTTP page cannot plant a session of its choosing.
pub const SECURE_SESSION_COOKIE: &str = "__Host-kaifang_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie's name under this configuration. Only that name is read: accepting the
/// plain name behind HTTPS would let a planted cookie through the `__Host-` guarantees.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.server.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser's session cookie; its writes carry this CSRF token.
    Session { csrf_token: String },
    /// An API token; a read-only one gets no further than the extractor with a write.
    Token { id: i64, read_only: bool },
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: Option<String>,
    pub credential: Credential,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        self.principal.actor()
    }

    pub fn who(&self) -> Who {
        self.principal.who(self.request_id.clone())
    }

    /// The session's CSRF token; `None` for token clients.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token } => Some(csrf_token),
            Credential::Token { .. } => None,
        }
    }

    /// Refuses a token client: `what` needs the person at a logged-in browser, so that a
    /// leaked token cannot extend its own reach or outlive its revocation.
    pub fn require_session(&self, what: &str) -> ApiResult<()> {
        match self.credential {
            Credential::Session { .. } => Ok(()),
            Credential::Token { .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "session_required",
                format!("an API token may not {what}; log in with a password"),
            )),
        }
    }
}

pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    kaifang_model::credentials::cookie(values, name)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(kaifang_model::credentials::bearer)
}

/// Compares secrets without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Leaves who is calling for the guards that act after the handler (the export audit).
fn remember(parts: &Parts, caller: &Caller) {
    if let Some(slot) = parts.extensions.get::<crate::guards::CallerSlot>() {
        slot.set(caller.who());
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        let request_id = request_id(&parts.headers);
        if let Some(token) = bearer(&parts.headers) {
            let holder = state
                .store
                .token_principal(token)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            if holder.read_only && !matches!(parts.method, Method::GET | Method::HEAD) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "read_only_token",
                    "this API token is read-only: GET and HEAD requests only",
                ));
            }
            let caller = Caller {
                principal: holder.principal,
                request_id,
                credential: Credential::Token {
                    id: holder.token_id,
                    read_only: holder.read_only,
                },
            };
            remember(parts, &caller);
            return Ok(caller);
        }
        let secret = cookie(&parts.headers, session_cookie_name(state))
            .ok_or_else(ApiError::unauthorized)?;
        let limits = SessionLimits::from_config(&state.config.auth);
        let (principal, csrf) = state
            .store
            .session(secret, limits)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            // A cookie rides along with any request the browser makes; the CSRF token only
            // with requests our own pages make.
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|s| same_secret(s, &csrf)) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "missing or wrong X-CSRF-Token header; reload the page",
                ));
            }
        }
        let caller = Caller {
            principal,
            request_id,
            credential: Credential::Session { csrf_token: csrf },
        };
        remember(parts, &caller);
        Ok(caller)
    }
}

// ---------------------------------------------------------------------------------------------
// handlers

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub user: Principal,
    /// Send back as the `X-CSRF-Token` header on every write made with the session cookie.
    pub csrf_token: Option<String>,
}

/// The `Set-Cookie` value of a session (an empty value with `max_age` 0 clears it). Never a
/// `Domain`: a `__Host-` cookie must have none, and the plain one is better kept to this host.
fn session_cookie(state: &AppState, value: &str, max_age: u64) -> HeaderValue {
    let secure = if state.config.server.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let name = session_cookie_name(state);
    let v = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}");
    // The secret is URL-safe base64, so this fallback is only for a bug: it clears the cookie.
    HeaderValue::from_str(&v).unwrap_or_else(|_| {
        HeaderValue::from_str(&format!("{name}=; Path=/; Max-Age=0{secure}"))
            .unwrap_or_else(|_| HeaderValue::from_static("kaifang_session=; Max-Age=0"))
    })
}

/// Log in with a username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let rid = request_id(&headers);
    bounded_credentials(&req.username, &req.password)?;
    let attempt = state
        .limiter
        .attempt(&req.username, client)
        .map_err(refused)?;
    let principal = checked(&state, attempt, client, &req.username, &req.password).await?;
    let Some(principal) = principal else {
        state
            .store
            .record(
                &Who::anonymous(&req.username, rid),
                "auth.login_failed",
                None,
                serde_json::json!({ "ip": client.to_string() }),
            )
            .await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong username or password",
        ));
    };
    let limits = SessionLimits::from_config(&state.config.auth);
    let session = state
        .store
        .create_session(&principal.who(rid), principal, limits)
        .await?;
    let max_age = state.config.auth.session_hours.saturating_mul(3600);
    let cookie = session_cookie(&state, &session.secret, max_age);
    let body = SessionInfo {
        user: session.principal,
        csrf_token: Some(session.csrf_token),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Longest username and password looked at; anything longer is refused before it is counted,
/// looked up or hashed. (Usernames are at most 32 bytes and passwords 256 characters.)
pub const MAX_USERNAME_BYTES: usize = 64;
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn bounded_credentials(username: &str, password: &str) -> ApiResult<()> {
    if username.len() > MAX_USERNAME_BYTES {
        return Err(ApiError::field(
            "username",
            format!("at most {MAX_USERNAME_BYTES} bytes"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::field(
            "password",
            format!("at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Checks a password once the attempt is counted, on one of the few password checkers: the
/// attempt stays a failure unless the password was right, and is withdrawn when nothing was
/// tried (no checker came free, or the failures that other instances counted already lock
/// this account for this client).
async fn checked(
    state: &AppState,
    attempt: limiter::Attempt<'_>,
    client: IpAddr,
    username: &str,
    password: &str,
) -> ApiResult<Option<Principal>> {
    let (user, client) = (username.to_lowercase(), limiter::client_key(client));
    let limiter = &state.limiter;
    let ledger = state
        .store
        .login_ledger(&user, &client, limiter.max_failures(), limiter.window())
        .await?;
    if let LoginLedger::Locked(wait) = ledger {
        attempt.withdraw();
        return Err(refused(Refusal::Wait(wait.as_secs() + 1)));
    }
    let check = state.store.password_check(username).await?;
    let password = password.to_string();
    let user_id = match limiter.check(move || check.verify(&password)).await {
        Ok(id) => id,
        Err(busy) => {
            attempt.withdraw();
            return Err(refused(busy));
        }
    };
    let Some(user_id) = user_id else {
        state
            .store
            .login_failed(&user, &client, limiter.window())
            .await?;
        return Ok(None);
    };
    attempt.succeeded();
    // Only a ledger with failures in it is written: a plain login takes no write lock for it.
    if ledger != LoginLedger::Clear {
        state.store.login_succeeded(&user, &client).await?;
    }
    Ok(Some(state.store.principal(user_id).await?))
}

fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::Wait(secs) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed logins; try again in {secs} s"),
        )
        .with_details(serde_json::json!({ "retry_after_secs": secs })),
        Refusal::Busy => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            "the server is checking many passwords at once; try again in a few seconds",
        )
        .with_details(serde_json::json!({ "retry_after_secs": 2 })),
    }
}

/// End the current session.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(secret) = cookie(&headers, session_cookie_name(&state)) {
        state.store.end_session(&caller.who(), secret).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie(&state, "", 0))],
    )
        .into_response())
}

/// The logged-in user, their organisation and the session's CSRF token.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<SessionInfo> {
    Json(SessionInfo {
        csrf_token: caller.csrf_token().map(str::to_string),
        user: caller.principal,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (ends all of one's sessions).
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    caller: Caller,
    JsonBody(req): JsonBody<ChangePassword>,
) -> ApiResult<StatusCode> {
    let username = caller.principal.username.clone();
    bounded_credentials(&username, &req.current_password)?;
    let new: Password = req.new_password.parse()?;
    let attempt = state.limiter.attempt(&username, client).map_err(refused)?;
    if checked(&state, attempt, client, &username, &req.current_password)
        .await?
        .is_none()
    {
        return Err(ApiError::invalid("current_password: wrong password"));
    }
    state
        .store
        .set_password(
            &caller.who(),
            caller.principal.id,
            &new,
            kaifang_store::accounts::PasswordChange::Own,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A fresh setup token: 32 random bytes, URL-safe.
pub fn new_setup_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetupRequest {
    /// The token `kaifang serve` printed to its log.
    pub token: String,
    pub username: String,
    pub password: String,
}

/// Make the first administrator of an installation that has no account, with the one-time
/// token from the server's log; then log in as usual.
#[utoipa::path(post, path = "/api/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 201, body = kaifang_store::accounts::User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn setup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    JsonBody(req): JsonBody<SetupRequest>,
) -> ApiResult<(StatusCode, Json<kaifang_store::accounts::User>)> {
    let username: kaifang_model::Username = req.username.parse()?;
    let password: Password = req.password.parse()?;
    if req.token.len() > 128 {
        return Err(ApiError::field("token", "at most 128 bytes"));
    }
    let attempt = state.limiter.attempt("setup", client).map_err(refused)?;
    let expected = state
        .setup_token
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| ApiError::conflict("this installation has an administrator already"))?;
    if !same_secret(req.token.trim(), &expected) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "wrong setup token; the server's log shows the current one",
        ));
    }
    attempt.succeeded();
    let who = Who::anonymous(username.as_str(), request_id(&headers));
    let id = state
        .store
        .create_first_admin(&who, &username, &password)
        .await?;
    *state.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    Ok((StatusCode::CREATED, Json(state.store.user(id).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_secrets() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kaifang_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
