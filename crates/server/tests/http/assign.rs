//! Freight studies on the real application: the base loads for the map, the three studies as
//! jobs with progress and results (an assignment under a scenario, the criticality ranking,
//! the project appraisal), their tables as Excel, refusals that name the field, and who may
//! run them.

use crate::common::{Session, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn start(s: &Session, body: Value) -> (StatusCode, Value) {
    let r = s.post("/api/assign/runs").json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

/// Starts a study and waits for its job to finish; returns the finished job.
async fn run(s: &Session, body: Value) -> Value {
    let (status, job) = start(s, body.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}: {job}");
    let id = job["id"].as_str().expect("job id").to_string();
    assert!(
        job["kind"].as_str().unwrap().starts_with("assign-"),
        "{job}"
    );
    for _ in 0..1500 {
        let j = s.json(&format!("/api/assign/runs/{id}")).await;
        let p = j["progress"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "progress {p}");
        if j["status"] != "running" && j["status"] != "queued" {
            assert_eq!(j["status"], "succeeded", "{body}: {j}");
            assert_eq!(p, 1.0);
            // The generic job endpoint shows the same record.
            let generic = s.json(&format!("/api/jobs/{id}")).await;
            assert_eq!(generic["result"], j["result"]);
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("study {body} did not finish within 30 s");
}

fn synthetic(result: &Value) {
    assert_eq!(result["synthetic"], true, "synthetic flag");
    let demand = result["demand"].as_str().expect("demand label");
    assert!(demand.contains("synthetic"), "demand label {demand:?}");
}

async fn xlsx(s: &Session, path: &str) -> Vec<u8> {
    let r = s.get(path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"), "{path} is not a workbook");
    bytes
}

#[tokio::test]
async fn the_base_loads_draw_the_map_and_name_their_bottlenecks() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let base = s.json("/api/assign/base").await;
    synthetic(&base);
    assert_eq!(base["scenario"], "base");
    assert!(base["relative_gap"].as_f64().unwrap() <= 1e-6);
    let links = base["links"].as_array().unwrap();
    assert!(links.len() > 50, "{} links", links.len());
    for l in links {
        let g = l["geometry"].as_array().unwrap();
        assert!(g.len() >= 2, "link {} has no line", l["id"]);
        assert!(l["volume_forward"].as_f64().unwrap() >= 0.0);
    }
    assert!(
        links
            .iter()
            .any(|l| l["utilisation"].as_f64().is_some_and(|u| u > 0.0)),
        "some capacitated link carries freight"
    );
    let nodes = base["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty(), "capacitated nodes");
    assert!(
        nodes
            .iter()
            .all(|n| n["capacity"].as_f64().is_some_and(|c| c > 0.0))
    );
    // Place names for labels in either language.
    assert_eq!(base["places"]["changchun"]["name_zh"], "长春");

    let book = xlsx(&s, "/api/assign/base?format=xlsx&lang=zh").await;
    assert!(book.len() > 1000);

    let under = s.json("/api/assign/base?scenario=dprk-closed").await;
    assert_eq!(under["scenario"], "dprk-closed");
}

#[tokio::test]
async fn the_three_studies_run_as_jobs_with_their_results() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;

    let job = run(
        &s,
        json!({ "kind": "assignment", "scenario": "dprk-closed" }),
    )
    .await;
    let r = &job["result"];
    assert_eq!(r["kind"], "assignment");
    assert_eq!(r["scenario"], "dprk-closed");
    synthetic(r);
    assert!(r["relative_gap"].as_f64().unwrap() <= 1e-6);
    assert!(r["total_cost"].as_f64().unwrap() > 0.0);
    let id = job["id"].as_str().unwrap();
    xlsx(&s, &format!("/api/assign/runs/{id}?format=xlsx")).await;

    let job = run(&s, json!({ "kind": "critical", "which": "nodes" })).await;
    let r = &job["result"];
    assert_eq!(r["kind"], "critical");
    synthetic(r);
    let ranking = r["ranking"].as_array().unwrap();
    assert!(ranking.len() >= 3, "{} ranked", ranking.len());
    assert!(ranking.iter().all(|i| i["element"]["kind"] == "node"));
    for pair in ranking.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (ua, ub) = (
            a["unserved"].as_f64().unwrap(),
            b["unserved"].as_f64().unwrap(),
        );
        assert!(
            ua > ub
                || (ua == ub
                    && a["cost_change"].as_f64().unwrap() >= b["cost_change"].as_f64().unwrap()),
            "ranking out of order: {a} before {b}"
        );
        assert!(a["relative_gap"].as_f64().unwrap() <= 1e-6);
    }
    let id = job["id"].as_str().unwrap();
    xlsx(&s, &format!("/api/assign/runs/{id}?format=xlsx&lang=en")).await;

    let budget = 5.0e9;
    let job = run(
        &s,
        json!({ "kind": "appraisal", "budget_cny": budget, "discount_rate": 0.06, "base_year": 2026 }),
    )
    .await;
    let r = &job["result"];
    assert_eq!(r["kind"], "appraisal");
    synthetic(r);
    assert_eq!(r["economics"]["discount_rate"], 0.06);
    let projects = r["projects"].as_array().unwrap();
    assert!(projects.len() >= 3, "{} projects", projects.len());
    for p in projects {
        assert!(
            p["source"].as_str().unwrap().contains("estimate"),
            "capex is labelled an estimate: {}",
            p["source"]
        );
    }
    for pair in projects.windows(2) {
        assert!(pair[0]["npv"].as_f64().unwrap() >= pair[1]["npv"].as_f64().unwrap());
    }
    let portfolio = &r["portfolio"];
    assert!(portfolio["capex"].as_f64().unwrap() <= budget);
    assert_eq!(portfolio["exact"], true);
    let chosen: f64 = portfolio["chosen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            projects[i.as_u64().unwrap() as usize]["capex_cny"]
                .as_f64()
                .unwrap()
        })
        .sum();
    assert!(chosen <= budget);
    assert!((chosen - portfolio["capex"].as_f64().unwrap()).abs() < 1.0);
    let id = job["id"].as_str().unwrap();
    xlsx(&s, &format!("/api/assign/runs/{id}?format=xlsx")).await;

    // No budget: every project with a positive NPV may be chosen, and the budget reads null.
    let job = run(&s, json!({ "kind": "appraisal" })).await;
    assert_eq!(job["result"]["budget"], Value::Null);
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let cases = [
        (json!({ "kind": "everything" }), "kind"),
        (
            json!({ "kind": "assignment", "scenario": "atlantis" }),
            "scenario",
        ),
        (json!({ "kind": "critical", "which": "ports" }), "which"),
        (
            json!({ "kind": "critical", "only": ["no-such-link"] }),
            "only",
        ),
        (
            json!({ "kind": "appraisal", "discount_rate": 1.5 }),
            "discount_rate",
        ),
        (
            json!({ "kind": "appraisal", "budget_cny": -1 }),
            "budget_cny",
        ),
        (
            json!({ "kind": "appraisal", "base_year": 1800 }),
            "base_year",
        ),
        (
            json!({ "kind": "assignment", "budget_cny": 1e9 }),
            "budget_cny",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = start(&s, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(err["details"]["field"], field, "{body}: {err}");
    }
    let (_, err) = start(&s, json!({ "kind": "assignment", "scenario": "atlantis" })).await;
    let known = err["details"]["known"].as_array().unwrap();
    assert!(known.iter().any(|k| k == "base") && known.iter().any(|k| k == "dprk-closed"));
    assert!(err["message"].as_str().unwrap().contains("dprk-closed"));

    let r = s
        .get("/api/assign/base?scenario=atlantis")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = crate::common::error_body(r).await;
    assert_eq!(err["details"]["field"], "scenario");

    let r = s.get("/api/assign/runs/no-such-run").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn enterprises_are_refused_and_others_studies_are_hidden() {
    let app = spawn_app().await;
    let faw = app.login("faw").await;
    let (status, err) = start(&faw, json!({ "kind": "assignment" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    let r = faw.get("/api/assign/base").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let leader = app.login("leader").await;
    let job = run(&leader, json!({ "kind": "assignment" })).await;
    let id = job["id"].as_str().unwrap();
    let hunchun = app.login("hunchun").await;
    let r = hunchun
        .get(&format!("/api/assign/runs/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A job of another kind is not a freight study.
    let admin = app.login("admin").await;
    let backup: Value = admin
        .post("/api/backups")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = admin
        .get(&format!(
            "/api/assign/runs/{}",
            backup["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
