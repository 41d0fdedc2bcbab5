//! The analysts' SQL cannot take the server down: a query that would hold unbounded memory
//! or run forever is refused or stopped while the other pages stay fast, table generators are
//! gone, the rows returned and the queries at once are capped, and every query is audited.

use std::time::{Duration, Instant};

use crate::common::{Session, TestApp, error_body, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Work that takes minutes and little memory (a count alone would be answered from the
/// tables' statistics without running).
const LONG: &str = "SELECT max(a.value_cny + b.value_cny + c.value_cny) FROM records a CROSS JOIN records b CROSS JOIN records c";

async fn bounded(memory_mb: u64, timeout_secs: u64, concurrency: u64) -> TestApp {
    spawn_app_with(|c| {
        c.trade.sql_memory_mb = memory_mb;
        c.trade.sql_timeout_secs = timeout_secs;
        c.trade.sql_concurrency = concurrency;
        c.trade.sql_max_rows = 5;
        // The SQL bounds answer first, not the request timeout: on a busy machine a
        // query can take longer than the default before it meets its memory bound.
        c.server.request_timeout_secs = c.server.request_timeout_secs.max(timeout_secs + 60);
    })
    .await
}

async fn sql(s: &Session, query: &str) -> reqwest::Response {
    s.post("/api/trade/sql")
        .json(&json!({ "query": query, "max_rows": 1000 }))
        .send()
        .await
        .expect("request")
}

/// Polls /healthz until `done` and returns the slowest answer.
async fn slowest_healthz(app: &TestApp, done: tokio::sync::watch::Receiver<bool>) -> Duration {
    let client = reqwest::Client::new();
    let url = format!("http://{}/healthz", app.addr);
    let mut worst = Duration::ZERO;
    while !*done.borrow() {
        let t = Instant::now();
        let r = client.get(&url).send().await.expect("healthz");
        assert_eq!(r.status(), StatusCode::OK);
        worst = worst.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worst
}

/// Runs `query` while /healthz is polled; the query's status, body, time, and the slowest
/// health check meanwhile.
async fn while_polling(
    app: &TestApp,
    s: &Session,
    query: &str,
) -> (StatusCode, Value, Duration, Duration) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let poll = slowest_healthz(app, rx);
    let run = async {
        let t = Instant::now();
        let r = sql(s, query).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        let _ = tx.send(true);
        (status, body, t.elapsed())
    };
    let ((status, body, took), worst) = tokio::join!(run, poll);
    (status, body, took, worst)
}

#[tokio::test]
async fn the_sql_memory_bomb_is_refused_and_healthz_stays_fast() {
    // A time limit far beyond the memory limit's reach, so that on a busy machine the query
    // is still stopped by memory, which is what this test is about.
    let app = bounded(16, 120, 2).await;
    let s = app.login("commerce").await;
    // The reported bomb: the table generators are gone, so it fails at once.
    let r = sql(
        &s,
        "SELECT count(distinct value) FROM generate_series(1,30000000)",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = sql(&s, "SELECT * FROM range(1, 1000000000)").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A string as long as asked for is not on offer either.
    let r = sql(&s, "SELECT repeat('x', 2000000000)").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A bomb on the real tables: collecting every row of a cross join outgrows 16 MiB.
    let (status, body, took, worst) = while_polling(
        &app,
        &s,
        "SELECT array_agg(a.enterprise) FROM records a CROSS JOIN records b",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("MiB"),
        "{body}"
    );
    assert!(took < Duration::from_secs(120), "took {took:?}");
    assert!(worst < Duration::from_secs(1), "healthz took {worst:?}");
    // Each query is in the audit log with who asked and how it ended.
    let audit = app.store.audit(50).await.expect("audit");
    let entries: Vec<_> = audit.iter().filter(|e| e.action == "trade.sql").collect();
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(entries.iter().all(|e| e.actor == "commerce"));
    assert!(entries.iter().all(|e| !e.details["error"].is_null()));
}

#[tokio::test]
async fn a_query_running_too_long_is_stopped() {
    let app = bounded(256, 2, 2).await;
    let s = app.login("leader").await;
    let (status, body, took, worst) = while_polling(&app, &s, LONG).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("stopped"),
        "{body}"
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(worst < Duration::from_secs(1), "healthz took {worst:?}");
    // The server goes on answering queries.
    let r = sql(&s, "SELECT count(*) AS n FROM agg_total").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn rows_and_queries_at_once_are_capped() {
    let app = bounded(256, 4, 1).await;
    let s = app.login("leader").await;
    // At most sql_max_rows rows, whatever the request asks.
    let r = sql(&s, "SELECT * FROM records").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["rows"].as_array().map(Vec::len), Some(5));
    // One slot: a second query waits briefly for it, then is told to come back.
    let long = sql(&s, LONG);
    let second = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql(&s, "SELECT 1").await
    };
    let (first, second) = tokio::join!(long, second);
    assert_eq!(first.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_body(second).await["code"], "busy");
    // The slot comes back: at once when the stopped plan yields, at the latest after the stop
    // grace (10 s) when one of its operators computes on without yielding.
    let t = Instant::now();
    loop {
        let r = sql(&s, "SELECT 1 AS one").await;
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "slot still taken");
    }
}
