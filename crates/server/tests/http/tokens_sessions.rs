//! API tokens and login sessions hardened: tokens expire, may be read-only, are limited per
//! account, cannot make tokens and die with a password reset or a disabled account; sessions
//! end when left idle; behind HTTPS the cookie is `__Host-` and nothing else is read.

use crate::common::{Session, TestApp, error_body, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Makes a token through the logged-in session `s`; the answer's status and body.
async fn make_token(s: &Session, body: Value) -> (StatusCode, Value) {
    let r = s.post("/api/tokens").json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A token's secret, made through `s`.
async fn token(s: &Session, body: Value) -> String {
    let (status, v) = make_token(s, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["token"].as_str().unwrap().to_string()
}

/// A request with only the bearer token, no cookie.
fn with_token(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
}

async fn me_with_token(app: &TestApp, token: &str) -> StatusCode {
    with_token(app, Method::GET, "/api/auth/me", token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn tokens_expire_after_the_days_asked_for_and_no_later_than_a_year() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let today = time::OffsetDateTime::now_utc().date();

    let (status, v) = make_token(&admin, json!({ "name": "default" })).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let expires = &v["info"]["expires_at"].as_str().unwrap()[..10];
    assert_eq!(expires, (today + time::Duration::days(90)).to_string());
    assert_eq!(v["info"]["read_only"], false);

    let (status, v) = make_token(&admin, json!({ "name": "a week", "expires_in_days": 7 })).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let expires = &v["info"]["expires_at"].as_str().unwrap()[..10];
    assert_eq!(expires, (today + time::Duration::days(7)).to_string());

    for days in [0, -3, 366, 100_000] {
        let r = admin
            .post("/api/tokens")
            .json(&json!({ "name": "bad", "expires_in_days": days }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{days}");
        assert_eq!(error_body(r).await["details"]["field"], "expires_in_days");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (_, v) = make_token(&admin, json!({ "name": "sync", "expires_in_days": 1 })).await;
    let secret = v["token"].as_str().unwrap();
    assert_eq!(me_with_token(&app, secret).await, StatusCode::OK);

    let db = app.raw_db().await;
    sqlx::query("UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id = $1")
        .bind(v["info"]["id"].as_i64().unwrap())
        .execute(&db)
        .await
        .unwrap();
    let r = with_token(&app, Method::GET, "/api/auth/me", secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(r).await["code"], "unauthorized");
}

#[tokio::test]
async fn a_read_only_token_reads_and_writes_nothing() {
    let app = spawn_app().await;
    let hunchun = app.login("hunchun").await;
    let (_, v) = make_token(&hunchun, json!({ "name": "dashboard", "read_only": true })).await;
    assert_eq!(v["info"]["read_only"], true);
    let secret = v["token"].as_str().unwrap();

    for path in ["/api/auth/me", "/api/tasks", "/api/tokens"] {
        let r = with_token(&app, Method::GET, path, secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        let r = with_token(&app, Method::HEAD, path, secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "HEAD {path}");
    }
    for (method, path, body) in [
        (
            Method::PUT,
            "/api/auth/email",
            json!({ "email": "x@example.org" }),
        ),
        (Method::POST, "/api/notifications/read-all", json!({})),
        (Method::POST, "/api/auth/logout", json!({})),
        (Method::DELETE, "/api/tokens/1", json!({})),
    ] {
        let r = with_token(&app, method.clone(), path, secret)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(error_body(r).await["code"], "read_only_token");
    }
    // The refused writes changed nothing.
    let audit = app.store.audit(1000).await.unwrap();
    assert!(!audit.iter().any(|e| e.action == "user.set_email"));
    assert!(!audit.iter().any(|e| e.action == "auth.logout"));

    // A token that may write does write, without a CSRF header.
    let writer = token(&hunchun, json!({ "name": "sync" })).await;
    let r = with_token(&app, Method::PUT, "/api/auth/email", &writer)
        .json(&json!({ "email": "hunchun@example.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_token_cannot_make_tokens() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let secret = token(&admin, json!({ "name": "automation" })).await;
    let r = with_token(&app, Method::POST, "/api/tokens", &secret)
        .json(&json!({ "name": "offspring", "expires_in_days": 365 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_body(r).await["code"], "session_required");
    let listed = admin.json("/api/tokens").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn live_tokens_per_account_are_limited() {
    let app = spawn_app_with(|c| c.auth.max_tokens_per_user = 2).await;
    let leader = app.login("leader").await;
    let (_, first) = make_token(&leader, json!({ "name": "one" })).await;
    token(&leader, json!({ "name": "two" })).await;
    let r = leader
        .post("/api/tokens")
        .json(&json!({ "name": "three" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = error_body(r).await;
    assert!(
        body["message"].as_str().unwrap().contains("revoke"),
        "{body}"
    );
    // The limit is per account: another account is not affected.
    let duban = app.login("duban").await;
    token(&duban, json!({ "name": "one" })).await;
    // A revoked token frees its place.
    let r = leader
        .request(
            Method::DELETE,
            &format!("/api/tokens/{}", first["info"]["id"]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    token(&leader, json!({ "name": "three" })).await;
}

#[tokio::test]
async fn a_password_reset_or_a_disabled_account_revokes_the_tokens() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let leader = app.login("leader").await;
    let leader_token = token(&leader, json!({ "name": "reports" })).await;
    let faw = app.login("faw").await;
    let faw_token = token(&faw, json!({ "name": "customs sync" })).await;

    // One's own password change ends one's sessions but keeps the tokens one made.
    let r = leader
        .post("/api/auth/password")
        .json(&json!({ "current_password": crate::common::DEMO_PASSWORD, "new_password": "leader-new-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me_with_token(&app, &leader_token).await, StatusCode::OK);

    // An administrator's reset revokes them, and ends the sessions.
    let leader2 = app
        .login_with("leader", "leader-new-password")
        .await
        .unwrap();
    let id = app.store.user_by_name("leader").await.unwrap().id;
    let r = admin
        .request(Method::PUT, &format!("/api/users/{id}/password"))
        .json(&json!({ "password": "reset-by-admin-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me_with_token(&app, &leader_token).await,
        StatusCode::UNAUTHORIZED
    );
    let r = leader2.get("/api/auth/me").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let listed = app.store.tokens(id).await.unwrap();
    assert!(listed.iter().all(|t| t.revoked_at.is_some()), "{listed:?}");

    // Disabling an account revokes them too, and they stay revoked when it is enabled again.
    let id = app.store.user_by_name("faw").await.unwrap().id;
    let r = admin
        .post(&format!("/api/users/{id}/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        me_with_token(&app, &faw_token).await,
        StatusCode::UNAUTHORIZED
    );
    let r = faw.get("/api/auth/me").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = admin
        .post(&format!("/api/users/{id}/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        me_with_token(&app, &faw_token).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_left_idle_is_refused() {
    let app = spawn_app_with(|c| c.auth.session_idle_minutes = 30).await;
    let hunchun = app.login("hunchun").await;
    let duban = app.login("duban").await;
    assert_eq!(
        hunchun.get("/api/auth/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    let db = app.raw_db().await;
    let user = app.store.user_by_name("hunchun").await.unwrap().id;
    // Last used 31 minutes ago, well within the session's 12 hours.
    let idle = time::OffsetDateTime::now_utc() - time::Duration::minutes(31);
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2")
        .bind(kaifang_store::format_ts(idle))
        .bind(user)
        .execute(&db)
        .await
        .unwrap();
    let r = hunchun.get("/api/auth/me").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(r).await["code"], "unauthorized");
    // Others' sessions go on; a session used 29 minutes ago, too, and its use is recorded.
    assert_eq!(
        duban.get("/api/auth/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    let user = app.store.user_by_name("duban").await.unwrap().id;
    let recent = time::OffsetDateTime::now_utc() - time::Duration::minutes(29);
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2")
        .bind(kaifang_store::format_ts(recent))
        .bind(user)
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        duban.get("/api/auth/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    let seen: String = sqlx::query_scalar("SELECT last_seen_at FROM sessions WHERE user_id = $1")
        .bind(user)
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(seen > kaifang_store::format_ts(recent), "{seen}");
}

/// Logs in with a client that keeps no cookies; the `Set-Cookie` header and the CSRF token.
async fn login_raw(app: &TestApp, username: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": username, "password": crate::common::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    (set_cookie, body["csrf_token"].as_str().unwrap().to_string())
}

fn with_cookie(app: &TestApp, method: Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, app.url(path))
        .header("cookie", cookie)
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure_and_host_only() {
    let app = spawn_app_with(|c| c.server.secure_cookies = true).await;
    let (set_cookie, csrf) = login_raw(&app, "commerce").await;
    let secret = set_cookie
        .strip_prefix("__Host-kaifang_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{set_cookie}"));
    let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    for wanted in ["Secure", "HttpOnly", "Path=/", "SameSite=Strict"] {
        assert!(attributes.contains(&wanted), "{wanted} in {set_cookie}");
    }
    assert!(
        !set_cookie.to_ascii_lowercase().contains("domain"),
        "{set_cookie}"
    );

    let host_cookie = format!("__Host-kaifang_session={secret}");
    let r = with_cookie(&app, Method::GET, "/api/auth/me", &host_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The plain name is not read behind HTTPS, even with a valid secret.
    let r = with_cookie(
        &app,
        Method::GET,
        "/api/auth/me",
        &format!("kaifang_session={secret}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Logout reads the same name: the session ends and the cookie is cleared under its name.
    let r = with_cookie(&app, Method::POST, "/api/auth/logout", &host_cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cleared = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cleared.starts_with("__Host-kaifang_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert!(
        cleared.contains("Secure") && cleared.contains("Path=/"),
        "{cleared}"
    );
    let r = with_cookie(&app, Method::GET, "/api/auth/me", &host_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Over plain HTTP the cookie keeps its plain name and is not marked Secure.
    let app = spawn_app().await;
    let (set_cookie, _) = login_raw(&app, "commerce").await;
    assert!(set_cookie.starts_with("kaifang_session="), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
}
