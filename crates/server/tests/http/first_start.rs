//! A first start on an address others can reach creates no account with the published demo
//! password: the first administrator is made with the one-time token from the log.

use kaifang_app::datadir::ServeOptions;
use kaifang_server::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A new data directory prepared for serving on every address (`0.0.0.0`).
async fn prepare_reachable(demo: bool) -> (tempfile::TempDir, kaifang_server::Prepared) {
    let dir = tempfile::tempdir().unwrap();
    let data = kaifang_store::DataDir::new(dir.path().join("data"));
    let options = ServeOptions {
        addr: Some("0.0.0.0:0".parse().unwrap()),
        demo,
    };
    let prepared = kaifang_server::prepare(&data, |_| None, &options)
        .await
        .unwrap();
    (dir, prepared)
}

#[tokio::test]
async fn a_reachable_first_start_has_no_demo_accounts_and_a_setup_token() {
    let (_dir, prepared) = prepare_reachable(false).await;
    assert!(!prepared.demo && !prepared.created_demo && prepared.needs_setup);
    let app = Application::build(
        prepared.store.clone(),
        prepared.config.clone(),
        prepared.demo,
    )
    .await
    .unwrap();
    let token = app
        .setup_token()
        .expect("a setup token while no account exists");
    let port = app.local_addr().unwrap().port();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let url = |p: &str| format!("http://127.0.0.1:{port}{p}");
    let client = reqwest::Client::new();
    let post = |p: &str, body: Value| client.post(url(p)).json(&body).send();
    let get_meta = || async {
        client
            .get(url("/api/meta"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };

    let login = json!({ "username": "admin", "password": kaifang_store::demo::DEMO_PASSWORD });
    assert_eq!(
        post("/api/auth/login", login.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let meta: Value = get_meta().await;
    assert_eq!(meta["needs_setup"], true);
    assert_eq!(meta["demo"], false);

    let admin =
        json!({ "token": "0".repeat(64), "username": "chief", "password": "a-strong-passphrase" });
    assert_eq!(
        post("/api/setup", admin.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let mut right = admin.clone();
    right["token"] = json!(token);
    let r = post("/api/setup", right.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let user: Value = r.json().await.unwrap();
    assert_eq!(
        (user["username"].as_str(), user["role"].as_str()),
        (Some("chief"), Some("admin"))
    );

    // Once only.
    assert_eq!(
        post("/api/setup", right).await.unwrap().status(),
        StatusCode::CONFLICT
    );
    let meta: Value = get_meta().await;
    assert_eq!(meta["needs_setup"], false);
    let login = json!({ "username": "chief", "password": "a-strong-passphrase" });
    assert_eq!(
        post("/api/auth/login", login).await.unwrap().status(),
        StatusCode::OK
    );
    let audit = prepared.store.audit(20).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "user.first_admin"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn demo_accounts_on_a_reachable_address_only_when_asked() {
    let (_dir, prepared) = prepare_reachable(true).await;
    assert!(prepared.demo && !prepared.needs_setup);
}
