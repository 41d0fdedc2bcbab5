//! Heavy work within bounds: one queue (`[jobs]`) with a per-user limit for the freight
//! studies and imports, requests that give up waiting for a slot with 429, and trade imports
//! that refuse a repeated upload and workbooks past the configured size.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn start_study(s: &Session, kind: &str) -> reqwest::Response {
    s.post("/api/assign/runs")
        .json(&json!({ "kind": kind }))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn one_user_cannot_queue_more_heavy_work_than_their_share() {
    let app = spawn_app_with(|c| {
        c.jobs.concurrency = 1;
        c.jobs.per_user = 2;
    })
    .await;
    let commerce = app.login("commerce").await;
    let a = start_study(&commerce, "critical").await;
    assert_eq!(a.status(), StatusCode::ACCEPTED);
    let a: Value = a.json().await.unwrap();
    let b = start_study(&commerce, "critical").await;
    assert_eq!(b.status(), StatusCode::ACCEPTED);
    let b: Value = b.json().await.unwrap();
    // With one slot, the second waits its turn.
    assert_eq!(
        commerce
            .json(&format!("/api/jobs/{}", b["id"].as_str().unwrap()))
            .await["status"],
        "queued"
    );
    let c = start_study(&commerce, "assignment").await;
    assert_eq!(c.status(), StatusCode::TOO_MANY_REQUESTS);
    let e = error_body(c).await;
    assert_eq!(e["code"], "busy");
    assert!(e["message"].as_str().unwrap().contains("limit is 2"), "{e}");

    // Someone else still gets a place in the queue.
    let admin = app.login("admin").await;
    let d = start_study(&admin, "assignment").await;
    assert_eq!(d.status(), StatusCode::ACCEPTED);
    let d: Value = d.json().await.unwrap();

    // Cancelling gives the place back; the cancelled queued job never runs.
    for job in [&a, &b] {
        let id = job["id"].as_str().unwrap();
        let r = commerce
            .post(&format!("/api/jobs/{id}/cancel"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    for job in [&a, &b] {
        let j = finished(&commerce, job["id"].as_str().unwrap()).await;
        assert_eq!(j["status"], "cancelled", "{j}");
    }
    assert_eq!(
        finished(&admin, d["id"].as_str().unwrap()).await["status"],
        "succeeded"
    );
    assert_eq!(
        start_study(&commerce, "assignment").await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn an_assessment_waits_a_bounded_time_for_a_slot_then_answers_429() {
    let app = spawn_app_with(|c| {
        c.jobs.concurrency = 1;
        c.jobs.wait_secs = 1;
    })
    .await;
    let commerce = app.login("commerce").await;
    // A criticality study holds the one slot for a while.
    let job: Value = start_study(&commerce, "critical")
        .await
        .json()
        .await
        .unwrap();
    let leader = app.login("leader").await;
    let started = std::time::Instant::now();
    // Custom weights: not in the cache, so it needs the slot.
    let r = leader
        .get("/api/zones/assessment?weights=open:7&uncertainty=500")
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    let job_now = commerce
        .json(&format!("/api/jobs/{}", job["id"].as_str().unwrap()))
        .await;
    if job_now["status"] == "running" {
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{waited:?}");
        assert_eq!(error_body(r).await["code"], "busy");
        assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
    } else {
        // The study finished within the wait; the assessment then ran.
        assert_eq!(r.status(), StatusCode::OK);
    }
    commerce
        .post(&format!("/api/jobs/{}/cancel", job["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    finished(&commerce, job["id"].as_str().unwrap()).await;
    let r = leader
        .get("/api/zones/assessment?weights=open:7&uncertainty=500")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_trade_import_refuses_a_repeated_upload_and_a_workbook_past_the_configured_size() {
    let app = spawn_app_with(|c| c.trade.xlsx_max_cells = 1_000).await;
    let s = app.login("commerce").await;
    let csv = "period,flow,commodity,partner,trade_mode,region,value_cny\n2026-01,export,87032300,344,0110,220104,1000\n";
    let id = upload_id(&s, "jan.csv", csv).await;
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": [id, id] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = error_body(r).await;
    assert_eq!(e["details"]["field"], "upload_ids");
    assert!(
        e["message"].as_str().unwrap().contains("more than once"),
        "{e}"
    );
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": (0..101).collect::<Vec<i64>>() }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A small workbook that declares a sheet of 2 000 × 2 cells.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "period").unwrap();
    ws.write_number(1_999, 1, 1.0).unwrap();
    let big = upload_id(&s, "big.xlsx", wb.save_to_buffer().unwrap()).await;
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": [big], "flow": "export" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let job = finished(&s, r.json::<Value>().await.unwrap()["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "failed", "{job}");
    let message = job["message"].as_str().unwrap();
    assert!(
        message.contains("big.xlsx") && message.contains("1000"),
        "{message}"
    );
}
