//! Two instances serving one data directory and one PostgreSQL database behave as one: a
//! session opened on one is good on the other, CSRF included, what one writes the other
//! answers, and a logout on one ends the session everywhere. On SQLite the second instance is
//! refused: one process has the directory to itself.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::spawn_app;

#[tokio::test]
async fn two_instances_on_one_database_act_as_one() {
    let a = spawn_app().await;
    let Some(b) = a.second_instance().await else {
        return;
    };
    let on_a = a.login("admin").await;
    let on_b = on_a.at(&b);
    let me = on_b.json("/api/auth/me").await;
    assert_eq!(me["user"]["username"], "admin", "{me}");

    // A write on b with the CSRF token a gave out; a lists it.
    let r = on_b
        .post("/api/tokens")
        .json(&json!({ "name": "made-on-b" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let listed = on_a.json("/api/tokens").await.to_string();
    assert!(listed.contains("made-on-b"), "{listed}");

    // The same write without the token is refused on b as on a.
    let bare = on_b
        .client
        .post(format!("{b}/api/tokens"))
        .json(&json!({ "name": "x" }));
    assert_eq!(bare.send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // A logout on b ends the session on a too.
    let r = on_b.post("/api/auth/logout").send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let r = on_a.get("/api/auth/me").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// A guesser spread over two instances (as a load balancer spreads it) is refused once the
/// failures on both reach the limit, though neither instance saw that many itself; the right
/// password then waits out the window too, on either instance.
#[tokio::test]
async fn failed_logins_on_two_instances_count_together() {
    let a = spawn_app().await;
    let Some(b) = a.second_instance().await else {
        return;
    };
    let urls = [format!("http://{}", a.addr), b];
    let client = reqwest::Client::new();
    let try_login = |url: &str, password: &str| {
        client
            .post(format!("{url}/api/auth/login"))
            .json(&json!({ "username": "leader", "password": password }))
            .send()
    };
    // The limit is five failures in the window: three on a and two on b.
    for n in 0..5 {
        let r = try_login(&urls[n % 2], "not-the-password").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "failure {n}");
    }
    for url in &urls {
        let r = try_login(url, crate::common::DEMO_PASSWORD).await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{url}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["details"]["retry_after_secs"].as_u64().unwrap() > 60,
            "{body}"
        );
    }
    // Another account from the same client is not locked by it.
    let r = client
        .post(format!("{}/api/auth/login", urls[1]))
        .json(&json!({ "username": "commerce", "password": crate::common::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// `/metrics` gives Prometheus the requests answered, their durations, the jobs and the
/// database pool, to administrators only.
#[tokio::test]
async fn metrics_count_requests_jobs_and_connections_for_administrators_only() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    for _ in 0..3 {
        admin.get("/api/meta").send().await.unwrap();
    }
    let r = admin.get("/metrics").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in\n{text}"))
    };
    assert!(value("kaifang_http_requests_total{class=\"2xx\"}") >= 4.0);
    let count = value("kaifang_http_request_duration_seconds_count");
    assert_eq!(
        value("kaifang_http_request_duration_seconds_bucket{le=\"+Inf\"}"),
        count
    );
    assert!(value("kaifang_http_request_duration_seconds_bucket{le=\"10\"}") <= count);
    assert!(text.contains("kaifang_db_connections{backend=\""), "{text}");
    assert!(text.contains("kaifang_work_running 0"), "{text}");

    let leader = app.login("leader").await;
    assert_eq!(
        leader.get("/metrics").send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.anonymous()
            .get("/metrics")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Two instances started at the same moment on an empty PostgreSQL database: one fills it
/// with the demo while the other waits, then finds it filled. (They used to both load the
/// demo, and one failed on the other's unique keys.)
#[tokio::test]
async fn two_instances_started_at_once_on_an_empty_database_both_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = kaifang_store::testing::data_dir(&dir.path().join("data")).await;
    if !kaifang_store::testing::on_postgres(&data) {
        eprintln!("SKIPPED: two instances need PostgreSQL (KAIFANG_TEST_POSTGRES)");
        return;
    }
    crate::common::copy_dir(
        &crate::common::trade_demo().join("trade"),
        &data.root().join("trade"),
    );
    let options = Default::default();
    let (a, b) = tokio::join!(
        kaifang_server::prepare(&data, |_| None, &options),
        kaifang_server::prepare(&data, |_| None, &options),
    );
    let (a, b) = (a.expect("first instance"), b.expect("second instance"));
    assert!(
        a.created_demo != b.created_demo,
        "exactly one of them loaded the demo"
    );
    assert!(a.demo && b.demo);
    let users = a.store.users().await.unwrap();
    let admins = users.iter().filter(|u| u.username == "admin").count();
    assert_eq!(admins, 1);
    assert_eq!(users.len(), b.store.users().await.unwrap().len());
}

/// A job as an instance leaves it when it stops mid-job: running, its lease run out, with the
/// description of how to start it over.
async fn left_behind(app: &crate::common::TestApp, id: &str, kind: &str, resume: &Value) {
    sqlx::query(
        "INSERT INTO jobs (id, kind, status, progress, created_at, started_at, lease_until, resume) \
         VALUES ($1, $2, 'running', 0.3, '2026-01-01T00:00:00.000000Z', \
         '2026-01-01T00:00:01.000000Z', '2000-01-01T00:00:00.000000Z', $3)",
    )
    .bind(id)
    .bind(kind)
    .bind(resume.to_string())
    .execute(&app.raw_db().await)
    .await
    .unwrap();
}

/// An import job whose instance stopped (its lease ran out) is started over by an instance
/// still running: the files import once, as one import would, and the job succeeds.
#[tokio::test]
async fn an_import_left_by_a_stopped_instance_is_started_over_and_imports_once() {
    let app = spawn_app().await;
    if !kaifang_store::testing::on_postgres(app.store.data_dir()) {
        eprintln!("SKIPPED: taking jobs over needs PostgreSQL (KAIFANG_TEST_POSTGRES)");
        return;
    }
    let commerce = app.login("commerce").await;
    let upload = crate::common::upload_id(
        &commerce,
        "jan.csv",
        "period,flow,commodity,partner,trade_mode,region,value_cny\n\
         2026-01,export,87032300,344,0110,220104,1000\n\
         2026-01,export,87089900,304,0110,220106,234\n",
    )
    .await;
    let resume = json!({
        "user_id": null,
        "actor": "commerce",
        "upload_ids": [upload],
        "flow": null,
    });
    left_behind(&app, "left-behind", "trade-import", &resume).await;

    // The lease round (a quarter of the lease, 15 s) takes it over.
    let admin = app.login("admin").await;
    let job = crate::common::finished(&admin, "left-behind").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["rows"], 2, "{job}");
    let summary = admin.json("/api/trade/summary?year=2026&month=1").await;
    assert!(
        summary.to_string().contains("1234"),
        "the month holds the two rows once: {summary}"
    );
}

/// A freight study, a drill and a bulletin whose instance stopped are started over by an
/// instance still running, each with what it was asked; one whose request no longer holds is
/// concluded as failed, saying so.
#[tokio::test]
async fn studies_drills_and_bulletins_left_by_a_stopped_instance_are_started_over() {
    let app = spawn_app().await;
    if !kaifang_store::testing::on_postgres(app.store.data_dir()) {
        eprintln!("SKIPPED: taking jobs over needs PostgreSQL (KAIFANG_TEST_POSTGRES)");
        return;
    }
    let admin = app.login("admin").await;
    let month = admin.json("/api/overview").await["trade"]["period"]
        .as_str()
        .unwrap()
        .to_string();
    let left = [
        (
            "study",
            "assign-assignment",
            json!({ "request": { "kind": "assignment", "scenario": "base" } }),
        ),
        (
            "drill",
            "risk_drill",
            json!({ "request": { "close": ["cn-ru-hunchun-road"], "weeks": 2 } }),
        ),
        (
            "bulletin",
            "bulletin",
            json!({ "user_id": null, "actor": "commerce",
                    "request": { "month": month, "lang": "en", "format": "docx" } }),
        ),
        (
            "gone",
            "assign-assignment",
            json!({ "request": { "kind": "assignment", "scenario": "no-such-scenario" } }),
        ),
    ];
    for (id, kind, resume) in &left {
        left_behind(&app, id, kind, resume).await;
    }

    let study = crate::common::finished(&admin, "study").await;
    assert_eq!(study["status"], "succeeded", "{study}");
    assert_eq!(study["result"]["kind"], "assignment", "{study}");
    let drill = crate::common::finished(&admin, "drill").await;
    assert_eq!(drill["status"], "succeeded", "{drill}");
    assert_eq!(drill["result"]["weeks"], 2, "{drill}");
    let bulletin = crate::common::finished(&admin, "bulletin").await;
    assert_eq!(bulletin["status"], "succeeded", "{bulletin}");
    assert_eq!(bulletin["result"]["month"], month.as_str(), "{bulletin}");
    assert_eq!(bulletin["result"]["format"], "docx", "{bulletin}");
    assert_eq!(bulletin["result"]["created_by"], "commerce", "{bulletin}");
    let listed = admin.json("/api/bulletins").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let gone = crate::common::finished(&admin, "gone").await;
    assert_eq!(gone["status"], "failed", "{gone}");
    let why = gone["message"].as_str().unwrap();
    assert!(
        why.contains("cannot be started over") && why.contains("no-such-scenario"),
        "{gone}"
    );
}
