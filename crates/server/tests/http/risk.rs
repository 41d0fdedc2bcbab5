//! Risk watch over HTTP: the readings are the trade module's own figures with the registry's
//! levels, say they are synthetic on the demo, and export to Excel.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn readings_agree_with_the_trade_figures_and_carry_their_levels() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let e = s.json("/api/risk/readings").await;
    assert_eq!(e["synthetic_trade"], true);
    assert_eq!(e["synthetic_work"], true);
    let period = e["period"]
        .as_str()
        .expect("the latest trade month")
        .to_string();
    let readings = e["readings"].as_array().unwrap();
    let get = |id: &str| -> &Value {
        readings
            .iter()
            .find(|r| r["indicator"] == id)
            .unwrap_or_else(|| panic!("no reading of {id} in {e}"))
    };
    // The same figure as the trade page's concentration.
    let (year, month) = period.split_once('-').unwrap();
    let c = s
        .json(&format!(
            "/api/trade/concentration?year={year}&month={month}"
        ))
        .await;
    let hhi = get("trade.partner_hhi");
    assert!(
        (hhi["value"].as_f64().unwrap() - c["by_partner"]["hhi"].as_f64().unwrap()).abs() < 1e-6,
        "{hhi} vs {c}"
    );
    // Each level is the registry's rule applied to the value.
    let registry = s.json("/api/risk/indicators").await;
    for r in readings {
        let ind = registry["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == r["indicator"])
            .unwrap();
        let v = r["value"].as_f64().unwrap();
        let above = ind["direction"] == "above";
        let want = ind["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|t| {
                let at = t["at"].as_f64().unwrap();
                if above { v >= at } else { v <= at }
            })
            .map_or("normal", |t| t["level"].as_str().unwrap());
        assert_eq!(r["level"], want, "{r}");
        assert_eq!(r["synthetic"], true, "{r}");
    }
    // The counts add up.
    let total: u64 = ["normal", "blue", "yellow", "orange", "red"]
        .iter()
        .map(|l| e["counts"][l].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, readings.len());
    // Channel dependence: every gateway the demo's container demand uses, its share of the
    // TEU; together no more than the demand crosses gateways (a flow may pass two).
    assert_eq!(
        e["notes"].as_array().map(Vec::len),
        Some(0),
        "{}",
        e["notes"]
    );
    let shares: Vec<f64> = readings
        .iter()
        .filter(|r| r["indicator"] == "channels.gateway_share")
        .map(|r| {
            assert!(r["subject"].as_str().unwrap().starts_with("node:"), "{r}");
            r["value"].as_f64().unwrap()
        })
        .collect();
    assert!(!shares.is_empty(), "gateway shares in {e}");
    assert!(shares.iter().all(|v| (0.0..=100.0).contains(v)));
    assert!(shares.iter().sum::<f64>() <= 200.0 + 1e-6);
    // Each gateway also closed in turn: what that strands and what it costs.
    for id in [
        "channels.gateway_closure_stranded",
        "channels.gateway_closure_cost",
    ] {
        let n = readings
            .iter()
            .filter(|r| r["indicator"] == id)
            .inspect(|r| assert!(r["value"].as_f64().unwrap() >= -1e-9, "{r}"))
            .count();
        assert_eq!(n, shares.len(), "{id}");
    }

    let r = s
        .get("/api/risk/readings?period=2025-13")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["field"], "period");
    let r = s
        .get("/api/risk/readings?format=xlsx&lang=zh")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

/// POSTs an alert event and returns the status with the body.
async fn alert_event(s: &Session, id: i64, body: Value) -> (StatusCode, Value) {
    let r = s
        .post(&format!("/api/risk/alerts/{id}/events"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_evaluation_raises_alerts_once_and_each_lives_from_raised_to_closed() {
    let app = spawn_app().await;
    let commerce = app.login("commerce").await;
    let leader = app.login("leader").await;
    let faw = app.login("faw").await;

    // Leaders read the board but do not run evaluations; enterprises see none of it.
    let r = leader.post("/api/risk/evaluate").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = faw.get("/api/risk/alerts").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = commerce.post("/api/risk/evaluate").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let first: Value = r.json().await.unwrap();
    let due = first["evaluation"]["readings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ["yellow", "orange", "red"].contains(&r["level"].as_str().unwrap()))
        .count();
    assert!(due > 0, "the demo's readings raise alerts: {first}");
    assert_eq!(first["alerts"]["raised"], due);
    let again: Value = commerce
        .post("/api/risk/evaluate")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["alerts"]["raised"], 0, "de-duplicated: {again}");

    let board = leader.json("/api/risk/alerts").await;
    let items = board["items"].as_array().unwrap();
    assert_eq!(items.len(), due);
    assert!(
        items
            .iter()
            .all(|a| a["synthetic"] == true && a["state"] == "raised")
    );
    // Computed from the demo, not planted: each alert is a reading of the evaluation.
    for a in items {
        assert!(
            first["evaluation"]["readings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["indicator"] == a["indicator"]
                    && r["subject"] == a["subject"]
                    && r["value"] == a["value"]),
            "{a}"
        );
    }
    // The owner department heard of its alerts.
    let inbox = commerce.json("/api/notifications").await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "risk.alert"),
        "{inbox}"
    );

    let doc = app.org_id("jl-doc").await;
    let mine = items
        .iter()
        .find(|a| a["owner"]["id"] == doc)
        .expect("an alert owned by the Department of Commerce");
    let id = mine["id"].as_i64().unwrap();
    let v = mine["version"].as_i64().unwrap();

    // The leader may not act on it; the owner may.
    let (st, _) = alert_event(
        &leader,
        id,
        serde_json::json!({"version": v, "kind": "acknowledge"}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, ack) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "acknowledge"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{ack}");
    assert_eq!(ack["state"], "acknowledged");
    // A stale version: 409 with the alert as it is now.
    let (st, stale) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "note", "body": "x"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{stale}");
    assert_eq!(stale["code"], "stale");
    // Closing before handling is an illegal step: 409.
    let v = ack["version"].as_i64().unwrap();
    let (st, illegal) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "close", "body": "done"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{illegal}");
    assert_eq!(illegal["code"], "invalid_transition");
    // Dismissing needs a reason.
    let (st, _) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "dismiss"}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, handling) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "handle", "body": "跟踪市场多元化"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{handling}");
    let v = handling["version"].as_i64().unwrap();
    let (st, closed) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "close", "body": "新市场已开拓"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{closed}");
    assert_eq!(closed["state"], "closed");
    let kinds: Vec<&str> = closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["raised", "acknowledge", "handle", "close"]);

    // History stays: not on the open board, on the full one.
    let open = leader.json("/api/risk/alerts").await;
    assert!(
        open["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id)
    );
    let all = leader.json("/api/risk/alerts?open=false").await;
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id)
    );
    // By module: the governance alerts alone.
    let gov = leader
        .json("/api/risk/alerts?open=false&source=governance")
        .await;
    let gov = gov["items"].as_array().unwrap();
    assert!(
        !gov.is_empty()
            && gov
                .iter()
                .all(|a| a["indicator"].as_str().unwrap().starts_with("governance."))
    );
    let r = leader
        .get("/api/risk/alerts?source=weather")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = leader
        .get("/api/risk/alerts?format=xlsx&open=false")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let db = app.raw_db().await;
    let deleted = sqlx::query("DELETE FROM risk_alerts WHERE id = $1")
        .bind(id)
        .execute(&db)
        .await;
    assert!(deleted.is_err(), "the database refuses to delete an alert");
}

#[tokio::test]
async fn a_red_alert_becomes_a_supervision_task_of_the_safety_directive() {
    let app = spawn_app().await;
    let commerce = app.login("commerce").await;
    let duban = app.login("duban").await;
    // The demo reaches no red level; a month traded with one partner alone does.
    let csv = "period,flow,commodity,partner,trade_mode,region,value_cny\n\
               2026-01,export,87032300,643,0110,220104,1000\n";
    let upload = upload_id(&commerce, "jan.csv", csv).await;
    let r = commerce
        .post("/api/trade/imports")
        .json(&serde_json::json!({ "upload_ids": [upload] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let job = finished(
        &commerce,
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let e: Value = commerce
        .post("/api/risk/evaluate?period=2026-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(e["alerts"]["raised"].as_u64().unwrap() > 0, "{e}");
    let board = duban.json("/api/risk/alerts?level=red").await;
    let items = board["items"].as_array().unwrap();
    let red = items
        .first()
        .unwrap_or_else(|| panic!("no red alert on the demo: {board}"));
    assert!(items.iter().all(|a| a["level"] == "red"));
    let id = red["id"].as_i64().unwrap();
    let v = red["version"].as_i64().unwrap();
    let meetings = duban.json("/api/meetings").await;
    let list = meetings
        .as_array()
        .or(meetings["items"].as_array())
        .unwrap();
    let safety = list
        .iter()
        .flat_map(|m| m["directives"].as_array().unwrap())
        .find(|d| d["title"].as_str().is_some_and(|t| t.contains("安全")))
        .unwrap_or_else(|| panic!("the meeting's sixth directive: {meetings}"))["id"]
        .as_i64()
        .unwrap();
    // The owner department does not issue tasks; the supervision office does.
    let (st, _) = alert_event(
        &commerce,
        id,
        serde_json::json!({"version": v, "kind": "to_task", "directive_id": safety}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, a) = alert_event(
        &duban,
        id,
        serde_json::json!({"version": v, "kind": "to_task", "directive_id": safety, "working_days": 10}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a["state"], "handling");
    let task_id = a["task_id"].as_i64().expect("the task's id");
    let task = duban.json(&format!("/api/tasks/{task_id}")).await;
    assert!(task["title"].as_str().unwrap().contains("预警"), "{task}");
    assert_eq!(task["lead"]["id"], red["owner"]["id"], "{task}");
    // Once only.
    let (st, again) = alert_event(
        &duban,
        id,
        serde_json::json!({"version": a["version"], "kind": "to_task", "directive_id": safety}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");
}

#[tokio::test]
async fn the_daily_evaluation_runs_at_start_and_raises_the_demo_alerts() {
    let app = spawn_app_with(|c| c.work.risk_evaluation = true).await;
    let leader = app.login("leader").await;
    for _ in 0..600 {
        let board = leader.json("/api/risk/alerts").await;
        if !board["items"].as_array().unwrap().is_empty() {
            let log = app.raw_db().await;
            let by: String = sqlx::query_scalar(
                "SELECT actor FROM audit_log WHERE action = 'risk.evaluate' ORDER BY id LIMIT 1",
            )
            .fetch_one(&log)
            .await
            .unwrap();
            assert_eq!(by, "cli:daily risk evaluation");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no alert was raised within a minute of the start");
}

#[tokio::test]
async fn forecast_bands_hold_the_actual_value_and_a_series_shows_its_history_and_accuracy() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let b = s.json("/api/risk/forecasts").await;
    assert_eq!(b["synthetic"], true);
    let series = b["series"].as_array().unwrap();
    for key in ["total", "flow:export", "flow:import"] {
        assert!(series.iter().any(|x| x["series"] == key), "{key} in {b}");
    }
    assert!(series.len() >= 8, "partners, chapters and cities too: {b}");
    for x in series {
        let f = |k: &str| x[k].as_f64().unwrap_or_else(|| panic!("{k} in {x}"));
        assert!(
            f("lower_95") <= f("lower_80") && f("lower_80") <= f("upper_80"),
            "{x}"
        );
        assert!(f("upper_80") <= f("upper_95"), "{x}");
        assert_eq!(
            x["outside_95"].as_bool().unwrap(),
            f("actual") < f("lower_95") || f("actual") > f("upper_95"),
            "{x}"
        );
        assert!(f("deviation") >= 0.0);
    }
    assert!(
        series
            .windows(2)
            .all(|w| w[0]["deviation"].as_f64() >= w[1]["deviation"].as_f64()),
        "the farthest outside first"
    );
    // The band's actual value is the trade module's figure for the month.
    let period = b["period"].as_str().unwrap();
    let (year, month) = period.split_once('-').unwrap();
    let summary = s
        .json(&format!("/api/trade/summary?year={year}&month={month}"))
        .await;
    let total = series.iter().find(|x| x["series"] == "total").unwrap();
    let want = summary["month"]["value_cny"].as_f64().unwrap();
    assert!(
        (total["actual"].as_f64().unwrap() - want).abs() < 1e-6 * want.max(1.0),
        "{total} vs {summary}"
    );
    // Each band is a reading of the deviation indicator.
    let e = s.json("/api/risk/readings").await;
    let readings = e["readings"].as_array().unwrap();
    assert_eq!(
        readings
            .iter()
            .filter(|r| r["indicator"] == "trade.forecast_deviation")
            .count(),
        series.len()
    );

    let one = s.json("/api/risk/forecasts/flow:export").await;
    assert_eq!(one["history"].as_array().unwrap().len(), 36);
    assert_eq!(
        one["history"].as_array().unwrap().last().unwrap()["period"],
        period
    );
    assert_eq!(one["months"].as_array().unwrap().len(), 12);
    assert_eq!(one["forecast"]["mean"].as_array().unwrap().len(), 12);
    let acc = &one["accuracy"];
    assert!(acc["mase"].as_f64().is_some_and(|m| m > 0.0), "{one}");
    assert!(
        acc["smape"]
            .as_f64()
            .is_some_and(|m| (0.0..=200.0).contains(&m))
    );

    let r = s
        .get("/api/risk/forecasts/partner:999")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = s
        .get(&format!("/api/risk/forecasts/{}", "x".repeat(40)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let faw = app.login("faw").await;
    let r = faw.get("/api/risk/forecasts").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_drill_closing_hunchuns_crossings_names_the_enterprises_and_is_kept_for_comparison() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let r = s
        .post("/api/risk/drills")
        .json(&serde_json::json!({
            "close": ["珲春铁路口岸", "cn-ru-hunchun-road"],
            "weeks": 4,
            "name": "珲春口岸关闭四周"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let job: Value = r.json().await.unwrap();
    let job = finished(&s, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let d = &job["result"];
    assert_eq!(d["synthetic"], true);
    assert_eq!(d["weeks"], 4);
    assert!(d["teu_affected"].as_f64().unwrap() > 0.0, "{d}");
    let firms = d["by_enterprise"].as_array().unwrap();
    assert!(
        !firms.is_empty(),
        "the enterprises whose trade used Hunchun"
    );
    assert!(firms[0]["name"].as_str().is_some_and(|n| !n.is_empty()));
    let closed: Vec<&str> = d["report"]["closed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(closed, ["cn-ru-hunchun-rail", "cn-ru-hunchun-road"]);

    let list = s.json("/api/risk/drills").await;
    let saved = &list["items"][0];
    assert_eq!(saved["name"], "珲春口岸关闭四周");
    assert_eq!(saved["value_affected_cny"], d["value_affected_cny"]);
    assert_eq!(saved["enterprises"], firms.len());
    let r = s.get("/api/risk/drills?format=xlsx").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Bounds and names checked before any work is queued.
    for bad in [
        serde_json::json!({ "close": [], "weeks": 4 }),
        serde_json::json!({ "close": ["珲春铁路口岸"], "weeks": 60 }),
        serde_json::json!({ "close": ["no-such-crossing-anywhere"] }),
        serde_json::json!({ "close": ["珲春铁路口岸"], "unknown": 1 }),
    ] {
        let r = s.post("/api/risk/drills").json(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let faw = app.login("faw").await;
    let r = faw
        .post("/api/risk/drills")
        .json(&serde_json::json!({ "close": ["珲春铁路口岸"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn each_indicator_keeps_its_history_of_readings_to_chart() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let mut want = Vec::new();
    for period in ["2025-06", "2025-12"] {
        let r: Value = s
            .post(&format!("/api/risk/evaluate?period={period}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let hhi = r["evaluation"]["readings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["indicator"] == "trade.partner_hhi")
            .cloned()
            .unwrap();
        want.push((period, hhi["value"].as_f64().unwrap(), hhi["level"].clone()));
    }
    let h = s
        .json("/api/risk/history?indicator=trade.partner_hhi&subject=province")
        .await;
    let points = h["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{h}");
    for ((period, value, level), p) in want.iter().zip(points) {
        assert_eq!(p["period"], *period);
        assert!((p["value"].as_f64().unwrap() - value).abs() < 1e-9);
        assert_eq!(&p["level"], level);
        assert_eq!(p["synthetic"], true);
    }
    let r = s
        .get("/api/risk/history?indicator=no.such&subject=province")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
