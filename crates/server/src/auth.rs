//! Who is asking: session cookies for people, bearer tokens for machines, CSRF protection
//! for cookie-authenticated writes, and login rate limiting.

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kaifang_model::{Actor, Password};
use kaifang_store::accounts::Principal;
use kaifang_store::audit::Who;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "kaifang_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: Option<String>,
    /// The session's CSRF token; `None` for token clients.
    pub csrf_token: Option<String>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        self.principal.actor()
    }

    pub fn who(&self) -> Who {
        self.principal.who(self.request_id.clone())
    }
}

pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Compares secrets without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        let request_id = request_id(&parts.headers);
        if let Some(token) = bearer(&parts.headers) {
            let principal = state
                .store
                .token_principal(token)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            return Ok(Caller {
                principal,
                request_id,
                csrf_token: None,
            });
        }
        let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(ApiError::unauthorized)?;
        let (principal, csrf) = state
            .store
            .session(secret)
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
        Ok(Caller {
            principal,
            request_id,
            csrf_token: Some(csrf),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// rate limiting

/// Counts failed logins per account and per client address in a sliding window.
pub struct LoginLimiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> LoginLimiter {
        LoginLimiter {
            max: max as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(username: &str, ip: Option<SocketAddr>) -> Vec<String> {
        let mut keys = vec![format!("user:{}", username.to_lowercase())];
        if let Some(ip) = ip {
            keys.push(format!("ip:{}", ip.ip()));
        }
        keys
    }

    /// Seconds to wait if any key is over its limit.
    pub fn blocked(&self, username: &str, ip: Option<SocketAddr>) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for key in Self::keys(username, ip) {
            if let Some(q) = map.get_mut(&key) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > self.window)
                {
                    q.pop_front();
                }
                if q.len() >= self.max {
                    let oldest = q.front().copied().unwrap_or(now);
                    let left = self
                        .window
                        .saturating_sub(now.duration_since(oldest))
                        .as_secs()
                        + 1;
                    wait = Some(wait.map_or(left, |w: u64| w.max(left)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, username: &str, ip: Option<SocketAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a flood of random names: forget everything past a size.
        if map.len() > 100_000 {
            map.clear();
        }
        for key in Self::keys(username, ip) {
            map.entry(key).or_default().push_back(Instant::now());
        }
    }

    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("user:{}", username.to_lowercase()));
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

fn session_cookie(state: &AppState, value: &str, max_age: u64) -> HeaderValue {
    let secure = if state.config.server.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let v = format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&v)
        .unwrap_or_else(|_| HeaderValue::from_static("kaifang_session=; Max-Age=0"))
}

/// Log in with a username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let rid = request_id(&headers);
    let ip = Some(addr);
    if let Some(wait) = state.limiter.blocked(&req.username, ip) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed logins; try again in {wait} s"),
        )
        .with_details(serde_json::json!({ "retry_after_secs": wait })));
    }
    let Some(principal) = state
        .store
        .authenticate(&req.username, &req.password)
        .await?
    else {
        state.limiter.failed(&req.username, ip);
        state
            .store
            .record(
                &Who::anonymous(&req.username, rid),
                "auth.login_failed",
                None,
                serde_json::json!({ "ip": addr.ip().to_string() }),
            )
            .await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong username or password",
        ));
    };
    state.limiter.succeeded(&req.username);
    let hours = state.config.auth.session_hours;
    let session = state
        .store
        .create_session(&principal.who(rid), principal, hours)
        .await?;
    let cookie = session_cookie(&state, &session.secret, hours * 3600);
    let body = SessionInfo {
        user: session.principal,
        csrf_token: Some(session.csrf_token),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// End the current session.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
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
        user: caller.principal,
        csrf_token: caller.csrf_token,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (ends all of one's sessions).
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<ChangePassword>,
) -> ApiResult<StatusCode> {
    let ok = state
        .store
        .authenticate(&caller.principal.username, &req.current_password)
        .await?
        .is_some();
    if !ok {
        return Err(ApiError::invalid("current_password: wrong password"));
    }
    let new: Password = req.new_password.parse()?;
    state
        .store
        .set_password(&caller.who(), caller.principal.id, &new)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_max_failures_and_forgets_on_success() {
        let l = LoginLimiter::new(3, Duration::from_secs(60));
        let ip: SocketAddr = "10.0.0.1:1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.blocked("a", Some(ip)).is_none());
            l.failed("a", Some(ip));
        }
        assert!(l.blocked("a", None).is_some());
        assert!(
            l.blocked("b", Some(ip)).is_some(),
            "the address is blocked too"
        );
        l.succeeded("a");
        assert!(l.blocked("a", None).is_none());
    }

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
