//! Password checking is bounded: a flood of logins waits for a few checkers and is refused
//! rather than holding memory for each, credentials are bounded before anything else, a
//! guesser locks only itself out, and only a trusted proxy may say who the client is.

use crate::common::{
    DEMO_PASSWORD, PeakRss, TestApp, error_body, in_own_process, rss_mib, spawn_app_with,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": username, "password": password }));
    if let Some(f) = forwarded_for {
        r = r.header("x-forwarded-for", f);
    }
    r.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_logins_keep_memory_bounded() {
    if !in_own_process("login_bounds::two_hundred_concurrent_logins_keep_memory_bounded") {
        return;
    }
    // The failure limit out of the way: this is about the password checkers alone.
    let app = spawn_app_with(|c| c.auth.login_max_failures = 10_000).await;
    let before = rss_mib();
    let peak = PeakRss::start();
    let url = app.url("/api/auth/login");
    let client = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..200 {
        let url = url.clone();
        let client = client.clone();
        set.spawn(async move {
            client
                .post(url)
                .json(&json!({ "username": "leader", "password": format!("wrong-guess-{i}") }))
                .send()
                .await
                .expect("request")
                .status()
        });
    }
    let answers = set.join_all().await;
    let peak = peak.stop();
    let unauthorized = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let busy = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(unauthorized + busy, 200, "{answers:?}");
    assert!(unauthorized > 0, "some were checked");
    // Each Argon2 check holds about 19 MiB, and two checker threads keep theirs (about 40 MiB
    // measured). Unbounded, 200 at once would need 3.8 GB.
    let grew = peak.saturating_sub(before);
    eprintln!(
        "200 concurrent logins: {unauthorized} checked, {busy} refused busy; RSS {before} MiB -> peak {peak} MiB"
    );
    assert!(grew < 150, "resident memory grew by {grew} MiB");
}

#[tokio::test]
async fn overlong_credentials_are_refused_before_they_are_checked() {
    let app = spawn_app_with(|_| {}).await;
    let r = login(&app, "leader", &"x".repeat(1_000_000), None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let b = error_body(r).await;
    assert!(b["message"].as_str().unwrap().contains("password"), "{b}");
    let r = login(&app, &"a".repeat(65), DEMO_PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // They do not count as failures either: the right password still works.
    assert_eq!(
        login(&app, "leader", DEMO_PASSWORD, None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn guessing_admin_locks_out_the_guesser_not_admin() {
    let app = spawn_app_with(|c| {
        c.auth.login_max_failures = 3;
        c.server.trusted_proxies = vec!["127.0.0.1".parse().expect("range")];
    })
    .await;
    let guesser = Some("203.0.113.9");
    for _ in 0..3 {
        assert_eq!(
            login(&app, "admin", "guess-guess", guesser).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = login(&app, "admin", DEMO_PASSWORD, guesser).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser waits, right password or not"
    );
    // The administrator, elsewhere, logs in.
    let r = login(&app, "admin", DEMO_PASSWORD, Some("198.51.100.7")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["username"], "admin");
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxies: a guesser cannot dodge the limit by inventing addresses.
    let app = spawn_app_with(|c| c.auth.login_max_failures = 3).await;
    for i in 0..3 {
        let fake = format!("203.0.113.{i}");
        assert_eq!(
            login(&app, "admin", "guess-guess", Some(&fake))
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = login(&app, "admin", "guess-guess", Some("203.0.113.200")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn password_change_goes_through_the_same_limiter() {
    let app = spawn_app_with(|c| c.auth.login_max_failures = 3).await;
    let s = app.login("hunchun").await;
    let change = |current: &'static str| {
        s.post("/api/auth/password")
            .json(&json!({ "current_password": current, "new_password": "a-new-password-1" }))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            change("guess-guess").await.unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = change(DEMO_PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_body(r).await["code"], "rate_limited");
}
