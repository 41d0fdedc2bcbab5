//! Every route × every role: 401 without login, and for each of the five demo roles the
//! status the access policy promises (403 where the record is visible but not writable,
//! 404 where the record belongs to an organisation the role may not see).
//!
//! The route list is checked against the OpenAPI document, so a new route without a row
//! here fails this test.

use crate::common::{Session, TestApp, csv_form, spawn_app, upload_id};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const ROLES: [&str; 5] = ["admin", "leader", "commerce", "hunchun", "faw"];

/// Routes anyone may call.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/meta"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/basemap"),
    ("POST", "/api/auth/login"),
    // Needs the one-time token instead of a login, and answers 409 once an account exists;
    // `first_start.rs` covers it.
    ("POST", "/api/setup"),
];

enum Body {
    None,
    Json(Value),
    Csv,
}

struct Case {
    method: Method,
    /// The OpenAPI path template, to check coverage.
    template: &'static str,
    path: String,
    body: Body,
    /// Expected status for admin, leader, department (commerce), local (hunchun), enterprise (faw).
    expect: [u16; 5],
}

struct Fixture {
    hc_gov: i64,
    jl_doc: i64,
    faw_org: i64,
    etdz: i64,
    target_user: i64,
    admin_token: i64,
    admin_job: String,
    hunchun_upload: i64,
    faw_upload: i64,
    /// A file of FAW's that one of its appeals cites.
    faw_evidence: i64,
    /// A task Hunchun leads, with two zones as co-organisations.
    hc_task: i64,
    directive: i64,
    /// An appeal of FAW's, assigned to Changchun Customs.
    faw_appeal: i64,
    roundtable: i64,
    admin_notification: i64,
    /// A freight study (assignment) the admin started.
    admin_study: String,
    /// A risk alert the Department of Commerce owns (raised by the admin's evaluation).
    doc_alert: i64,
    /// Changchun's government, and a demo investment project located there.
    cc_gov: i64,
    cc_project: i64,
    /// A partner of the cooperation registry (the Zhejiang counterpart).
    partner: i64,
}

async fn fixture(app: &TestApp, sessions: &[Session]) -> Fixture {
    let admin = &sessions[0];
    let target: Value = admin
        .post("/api/users")
        .json(&json!({ "username": "matrix.target", "display_name": "t", "password": "long-enough-1", "role": "local", "org_id": app.org_id("cc-etdz").await }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = admin
        .post("/api/tokens")
        .json(&json!({ "name": "matrix" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job: Value = admin
        .post("/api/backups")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_id = job["id"].as_str().unwrap().to_string();
    for _ in 0..200 {
        let j = admin.json(&format!("/api/jobs/{job_id}")).await;
        if j["status"] != "running" && j["status"] != "queued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let tasks = admin.json("/api/tasks").await;
    let hc_task = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["lead"]["code"] == "hc-gov")
        .expect("a demo task led by Hunchun")["id"]
        .as_i64()
        .unwrap();
    let meetings = admin.json("/api/meetings").await;
    let directive = meetings[0]["directives"][0]["id"].as_i64().unwrap();
    let appeals = admin.json("/api/appeals").await;
    let faw_appeal = appeals["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["enterprise"]["code"] == "faw-ie" && a["assigned"]["code"] == "cc-customs")
        .expect("a demo appeal of FAW's assigned to customs")["id"]
        .as_i64()
        .unwrap();
    let roundtable = admin.json("/api/roundtables").await[0]["id"]
        .as_i64()
        .unwrap();
    // A draft of Hunchun's zone, for the review rows.
    let draft = sessions[3]
        .request(Method::PUT, "/api/zones/hc-bezc/submissions/2025")
        .json(&json!({ "version": 0, "values": [{ "indicator": "open_fdi", "value": 10.0 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(draft.status(), StatusCode::OK);
    let admin_notification = admin.json("/api/notifications").await["items"][0]["id"]
        .as_i64()
        .expect("the admin's organisation supervises and has notifications");
    let study: Value = admin
        .post("/api/assign/runs")
        .json(&json!({ "kind": "assignment" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin_study = study["id"].as_str().expect("a study job").to_string();
    for _ in 0..500 {
        let j = admin.json(&format!("/api/assign/runs/{admin_study}")).await;
        if j["status"] != "running" && j["status"] != "queued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let evidence: Value = sessions[4]
        .post("/api/uploads")
        .multipart(csv_form("evidence.csv", "a\n3\n"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cited = sessions[4]
        .post("/api/appeals")
        .json(&json!({ "category": "land", "title": "证据", "description": "见附件", "attachments": [evidence["id"]] }))
        .send()
        .await
        .unwrap();
    assert_eq!(cited.status(), StatusCode::CREATED);
    let evaluated = admin.post("/api/risk/evaluate").send().await.unwrap();
    assert_eq!(evaluated.status(), StatusCode::OK);
    let jl_doc = app.org_id("jl-doc").await;
    let alerts = admin.json("/api/risk/alerts").await;
    let doc_alert = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["owner"]["id"] == jl_doc)
        .expect("an alert the Department of Commerce owns")["id"]
        .as_i64()
        .unwrap();
    let projects = admin.json("/api/invest/projects").await;
    let cc_project = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["city"]["code"] == "cc-gov")
        .expect("a demo project in Changchun")["id"]
        .as_i64()
        .unwrap();
    let partners = admin.json("/api/cooperation/partners").await;
    let partner = partners["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "zj-counterpart")
        .expect("the sourced counterpart partner")["id"]
        .as_i64()
        .unwrap();
    Fixture {
        cc_gov: app.org_id("cc-gov").await,
        cc_project,
        partner,
        doc_alert,
        faw_evidence: evidence["id"].as_i64().unwrap(),
        admin_study,
        hc_task,
        directive,
        faw_appeal,
        roundtable,
        admin_notification,
        hc_gov: app.org_id("hc-gov").await,
        jl_doc: app.org_id("jl-doc").await,
        faw_org: app.org_id("faw-ie").await,
        etdz: app.org_id("cc-etdz").await,
        target_user: target["id"].as_i64().unwrap(),
        admin_token: token["info"]["id"].as_i64().unwrap(),
        admin_job: job_id,
        hunchun_upload: upload_id(&sessions[3], "t.csv", "a\n1\n").await,
        faw_upload: upload_id(&sessions[4], "t.csv", "a\n1\n").await,
    }
}

fn cases(f: &Fixture) -> Vec<Case> {
    let case =
        |method: Method, template: &'static str, path: String, body: Body, expect: [u16; 5]| Case {
            method,
            template,
            path,
            body,
            expect,
        };
    let new_org = |code: &str| {
        Body::Json(
            json!({ "code": code, "kind": "zone", "zone_type": "etdz", "name_zh": "测试区", "name_en": "Test zone", "source": "test" }),
        )
    };
    let new_user = Body::Json(
        json!({ "username": "placeholder", "display_name": "u", "password": "long-enough-1", "role": "local", "org_id": f.etdz }),
    );
    let contact = || Body::Json(json!({ "contact": "0431-00000000" }));
    let t = f.target_user;
    let doc = f.jl_doc;
    let mut work = vec![
        case(
            Method::GET,
            "/api/meetings",
            "/api/meetings".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/meetings",
            "/api/meetings".into(),
            Body::Json(
                json!({ "title": "矩阵会议", "held_on": "2026-11-30", "source": "test", "directives": [{ "code": "1", "title": "t", "quote": "q" }] }),
            ),
            [201, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/tasks",
            "/api/tasks".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/tasks",
            "/api/tasks".into(),
            Body::Json(
                json!({ "directive_id": f.directive, "title": "矩阵任务", "lead_org_id": doc, "working_days": 10 }),
            ),
            [201, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/tasks/summary",
            "/api/tasks/summary".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/tasks/{id}",
            format!("/api/tasks/{}", f.hc_task),
            Body::None,
            [200, 200, 404, 200, 404],
        ),
        // Version 0 is stale: a caller the policy lets through meets 409, so nothing changes.
        case(
            Method::POST,
            "/api/tasks/{id}/events",
            format!("/api/tasks/{}/events", f.hc_task),
            Body::Json(json!({ "version": 0, "kind": "comment", "body": "x" })),
            [409, 403, 404, 409, 404],
        ),
        case(
            Method::POST,
            "/api/tasks/{id}/events",
            format!("/api/tasks/{}/events", f.hc_task),
            Body::Json(json!({ "version": 0, "kind": "sign_for" })),
            [403, 403, 404, 409, 404],
        ),
        case(
            Method::POST,
            "/api/tasks/{id}/events",
            format!("/api/tasks/{}/events", f.hc_task),
            Body::Json(json!({ "version": 0, "kind": "close" })),
            [409, 403, 404, 403, 404],
        ),
        case(
            Method::GET,
            "/api/appeals",
            "/api/appeals".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/appeals",
            "/api/appeals".into(),
            Body::Json(json!({ "category": "logistics", "title": "矩阵诉求", "description": "d" })),
            [403, 403, 403, 403, 201],
        ),
        case(
            Method::GET,
            "/api/appeals/categories",
            "/api/appeals/categories".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/appeals/stats",
            "/api/appeals/stats".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/appeals/{id}",
            format!("/api/appeals/{}", f.faw_appeal),
            Body::None,
            [200, 200, 200, 404, 200],
        ),
        case(
            Method::POST,
            "/api/appeals/{id}/events",
            format!("/api/appeals/{}/events", f.faw_appeal),
            Body::Json(json!({ "version": 0, "kind": "comment", "body": "x" })),
            [409, 403, 409, 404, 409],
        ),
        case(
            Method::POST,
            "/api/appeals/{id}/events",
            format!("/api/appeals/{}/events", f.faw_appeal),
            Body::Json(json!({ "version": 0, "kind": "reject", "body": "x" })),
            [409, 403, 409, 404, 403],
        ),
        case(
            Method::POST,
            "/api/appeals/{id}/events",
            format!("/api/appeals/{}/events", f.faw_appeal),
            Body::Json(json!({ "version": 0, "kind": "rate", "score": 5 })),
            [403, 403, 403, 404, 409],
        ),
        case(
            Method::GET,
            "/api/roundtables",
            "/api/roundtables".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/roundtables",
            "/api/roundtables".into(),
            Body::Json(
                json!({ "title": "矩阵圆桌", "held_on": "2026-12-01", "items": [{ "title": "议题", "appeal_id": f.faw_appeal }] }),
            ),
            [201, 403, 201, 403, 403],
        ),
        case(
            Method::GET,
            "/api/roundtables/{id}",
            format!("/api/roundtables/{}", f.roundtable),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::PUT,
            "/api/roundtables/{id}",
            format!("/api/roundtables/{}", f.roundtable),
            Body::Json(json!({ "title": "t", "held_on": "2026-12-01", "version": 0 })),
            [409, 403, 409, 403, 403],
        ),
        case(
            Method::GET,
            "/api/notifications",
            "/api/notifications".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/notifications/{id}/read",
            format!("/api/notifications/{}/read", f.admin_notification),
            Body::None,
            [204, 404, 404, 404, 404],
        ),
        case(
            Method::POST,
            "/api/notifications/read-all",
            "/api/notifications/read-all".into(),
            Body::None,
            [204, 204, 204, 204, 204],
        ),
        case(
            Method::PUT,
            "/api/auth/email",
            "/api/auth/email".into(),
            Body::Json(json!({ "email": "someone@example.org" })),
            [204, 204, 204, 204, 204],
        ),
        // Foreign trade: government reads the aggregates; single enterprises' figures and SQL
        // are for the provincial level; the Department of Commerce and admins import.
        case(
            Method::GET,
            "/api/trade/summary",
            "/api/trade/summary".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/trade/breakdown",
            "/api/trade/breakdown?by=partner".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/trade/breakdown",
            "/api/trade/breakdown?by=enterprise".into(),
            Body::None,
            [200, 200, 200, 403, 403],
        ),
        case(
            Method::GET,
            "/api/trade/trend",
            "/api/trade/trend".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/trade/dynamics",
            "/api/trade/dynamics".into(),
            Body::None,
            [200, 200, 200, 403, 403],
        ),
        case(
            Method::GET,
            "/api/trade/concentration",
            "/api/trade/concentration".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/trade/rca",
            "/api/trade/rca".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/trade/price-volume",
            "/api/trade/price-volume".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/trade/sql",
            "/api/trade/sql".into(),
            Body::Json(json!({ "query": "SELECT COUNT(*) FROM agg_total" })),
            [200, 200, 200, 403, 403],
        ),
        // The import job starts (and fails on the file's content): only who may import gets 201.
        case(
            Method::POST,
            "/api/trade/imports",
            "/api/trade/imports".into(),
            Body::Json(json!({ "upload_ids": [f.hunchun_upload], "flow": "export" })),
            [201, 403, 201, 403, 403],
        ),
    ];
    let mut all = vec![
        case(
            Method::GET,
            "/api/overview",
            "/api/overview".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/registry/counts",
            "/api/registry/counts".into(),
            Body::None,
            [200, 200, 200, 403, 403],
        ),
        // The monthly bulletin: the provincial level reads it, administrators and
        // departments issue it.
        case(
            Method::GET,
            "/api/bulletins",
            "/api/bulletins".into(),
            Body::None,
            [200, 200, 200, 403, 403],
        ),
        case(
            Method::POST,
            "/api/bulletins",
            "/api/bulletins".into(),
            Body::Json(json!({ "format": "docx" })),
            [202, 403, 202, 403, 403],
        ),
        case(
            Method::GET,
            "/api/bulletins/{id}/file",
            "/api/bulletins/999999/file".into(),
            Body::None,
            [404, 404, 404, 403, 403],
        ),
        case(
            Method::GET,
            "/api/auth/me",
            "/api/auth/me".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/auth/password",
            "/api/auth/password".into(),
            Body::Json(
                json!({ "current_password": "not-mine-at-all", "new_password": "long-enough-2" }),
            ),
            [422, 422, 422, 422, 422],
        ),
        case(
            Method::GET,
            "/api/orgs",
            "/api/orgs".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/orgs",
            "/api/orgs".into(),
            new_org("matrix-zone"),
            [201, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/orgs/{id}",
            format!("/api/orgs/{}", f.hc_gov),
            Body::None,
            [200, 200, 200, 200, 404],
        ),
        case(
            Method::GET,
            "/api/orgs/{id}",
            format!("/api/orgs/{}", f.faw_org),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::PUT,
            "/api/orgs/{id}/contact",
            format!("/api/orgs/{}/contact", f.hc_gov),
            contact(),
            [200, 403, 403, 200, 404],
        ),
        case(
            Method::PUT,
            "/api/orgs/{id}/contact",
            format!("/api/orgs/{}/contact", f.jl_doc),
            contact(),
            [200, 403, 200, 403, 404],
        ),
        case(
            Method::PUT,
            "/api/orgs/{id}/contact",
            format!("/api/orgs/{}/contact", f.faw_org),
            contact(),
            [200, 403, 403, 403, 200],
        ),
        case(
            Method::PUT,
            "/api/orgs/{id}/uscc",
            format!("/api/orgs/{}/uscc", f.faw_org),
            Body::Json(json!({ "uscc": kaifang_model::uscc::DEMO_ENTERPRISE })),
            [200, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/users",
            "/api/users".into(),
            Body::None,
            [200, 403, 403, 403, 403],
        ),
        case(
            Method::POST,
            "/api/users",
            "/api/users".into(),
            new_user,
            [201, 403, 403, 403, 403],
        ),
        case(
            Method::POST,
            "/api/users/{id}/disable",
            format!("/api/users/{t}/disable"),
            Body::None,
            [200, 403, 403, 403, 403],
        ),
        case(
            Method::POST,
            "/api/users/{id}/enable",
            format!("/api/users/{t}/enable"),
            Body::None,
            [200, 403, 403, 403, 403],
        ),
        case(
            Method::PUT,
            "/api/users/{id}/password",
            format!("/api/users/{t}/password"),
            Body::Json(json!({ "password": "long-enough-3" })),
            [204, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/tokens",
            "/api/tokens".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/tokens",
            "/api/tokens".into(),
            Body::Json(json!({ "name": "mine" })),
            [201, 201, 201, 201, 201],
        ),
        // Someone else's token is "not found" to everyone but its owner.
        case(
            Method::DELETE,
            "/api/tokens/{id}",
            format!("/api/tokens/{}", f.admin_token),
            Body::None,
            [204, 404, 404, 404, 404],
        ),
        case(
            Method::GET,
            "/api/audit",
            "/api/audit".into(),
            Body::None,
            [200, 200, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/metrics",
            "/metrics".into(),
            Body::None,
            [200, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/jobs",
            "/api/jobs".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/jobs/{id}",
            format!("/api/jobs/{}", f.admin_job),
            Body::None,
            [200, 200, 200, 404, 404],
        ),
        case(
            Method::POST,
            "/api/jobs/{id}/cancel",
            format!("/api/jobs/{}/cancel", f.admin_job),
            Body::None,
            [409, 403, 403, 404, 404],
        ),
        case(
            Method::POST,
            "/api/backups",
            "/api/backups".into(),
            Body::None,
            [201, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/uploads",
            "/api/uploads".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/uploads",
            "/api/uploads".into(),
            Body::Csv,
            [201, 403, 201, 201, 201],
        ),
        case(
            Method::GET,
            "/api/uploads/{id}",
            format!("/api/uploads/{}", f.hunchun_upload),
            Body::None,
            [200, 200, 200, 200, 404],
        ),
        case(
            Method::GET,
            "/api/uploads/{id}",
            format!("/api/uploads/{}", f.faw_upload),
            Body::None,
            [200, 200, 200, 404, 200],
        ),
        case(
            Method::GET,
            "/api/uploads/{id}/content",
            format!("/api/uploads/{}/content", f.hunchun_upload),
            Body::None,
            [200, 200, 200, 200, 404],
        ),
        case(
            Method::GET,
            "/api/uploads/{id}/content",
            format!("/api/uploads/{}/content", f.faw_upload),
            Body::None,
            [200, 200, 200, 404, 200],
        ),
        // Cited evidence stays: the roles that may delete the file meet 409.
        case(
            Method::DELETE,
            "/api/uploads/{id}",
            format!("/api/uploads/{}", f.faw_evidence),
            Body::None,
            [409, 403, 403, 404, 409],
        ),
        // Risk watch: government reads; enterprises see none of it.
        case(
            Method::GET,
            "/api/risk/indicators",
            "/api/risk/indicators".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/risk/readings",
            "/api/risk/readings".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        // Alerts, forecasts, history, drills: read and drilled by government; enterprises none.
        case(
            Method::GET,
            "/api/risk/alerts",
            "/api/risk/alerts".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/risk/alerts/{id}",
            format!("/api/risk/alerts/{}", f.doc_alert),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        // Acting: the owner (commerce) and admins get past access to the version check (409
        // for this impossible version); leaders, other organisations and enterprises 403.
        case(
            Method::POST,
            "/api/risk/alerts/{id}/events",
            format!("/api/risk/alerts/{}/events", f.doc_alert),
            Body::Json(json!({ "version": 999_999, "kind": "note", "body": "x" })),
            [409, 403, 409, 403, 403],
        ),
        case(
            Method::POST,
            "/api/risk/evaluate",
            "/api/risk/evaluate".into(),
            Body::None,
            [200, 403, 200, 403, 403],
        ),
        case(
            Method::GET,
            "/api/risk/forecasts",
            "/api/risk/forecasts".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/risk/forecasts/{series}",
            "/api/risk/forecasts/total".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/risk/history",
            "/api/risk/history?indicator=trade.partner_hhi&subject=province".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/risk/drills",
            "/api/risk/drills".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/risk/drills",
            "/api/risk/drills".into(),
            Body::Json(json!({ "close": ["cn-ru-hunchun-rail"], "weeks": 1 })),
            [202, 202, 202, 202, 403],
        ),
        // Investment: the negative lists are public law, read by everyone signed in; projects
        // belong to their city, zone and lead (Hunchun does not see Changchun's), Commerce
        // (which owns `invest`) edits all, leaders read, enterprises see none.
        case(
            Method::GET,
            "/api/invest/negative-lists",
            "/api/invest/negative-lists".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/invest/negative-lists/{id}",
            "/api/invest/negative-lists/national-2024".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/invest/negative-list/check",
            "/api/invest/negative-list/check?industry=86".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/invest/industries",
            "/api/invest/industries".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/invest/projects",
            "/api/invest/projects".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/invest/projects",
            "/api/invest/projects".into(),
            Body::Json(json!({
                "name": "矩阵项目", "investor": "矩阵投资方", "country": "DE", "foreign_funded": true,
                "industry": "36", "amount": 1000.0, "currency": "CNY", "city_org_id": f.cc_gov,
                "lead_org_id": f.jl_doc, "stage": "lead", "stage_on": "2025-01-02"
            })),
            [201, 403, 201, 403, 403],
        ),
        case(
            Method::GET,
            "/api/invest/projects/template",
            "/api/invest/projects/template".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/invest/projects/{id}",
            format!("/api/invest/projects/{}", f.cc_project),
            Body::None,
            [200, 200, 200, 404, 404],
        ),
        case(
            Method::POST,
            "/api/invest/projects/{id}/steps",
            format!("/api/invest/projects/{}/steps", f.cc_project),
            Body::Json(json!({ "version": 999_999, "action": "note", "body": "x" })),
            [409, 403, 409, 404, 404],
        ),
        case(
            Method::GET,
            "/api/invest/stats",
            "/api/invest/stats".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        // The file is not a workbook: those who may enter projects reach the check (422).
        case(
            Method::POST,
            "/api/invest/projects/import",
            "/api/invest/projects/import".into(),
            Body::Csv,
            [422, 403, 422, 422, 403],
        ),
        // Cooperation: the registry is the government's (enterprises see none); Commerce, which
        // owns `invest`, and administrators keep it; an exchange is recorded by its lead
        // (Hunchun leads this one); ports of entry and visa policies are public facts.
        case(
            Method::GET,
            "/api/cooperation/partners",
            "/api/cooperation/partners".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/cooperation/partners",
            "/api/cooperation/partners".into(),
            Body::Json(json!({
                "code": "matrix-partner", "kind": "friendly_city", "name_zh": "矩阵市",
                "name_en": "Matrix", "country": "KR", "status": "active", "lat": 95.0, "lon": 127.0,
                "source": "test"
            })),
            [422, 403, 422, 403, 403],
        ),
        case(
            Method::GET,
            "/api/cooperation/partners/{id}",
            format!("/api/cooperation/partners/{}", f.partner),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::PATCH,
            "/api/cooperation/partners/{id}",
            format!("/api/cooperation/partners/{}", f.partner),
            Body::Json(json!({ "version": 999_999, "note": "x" })),
            [409, 403, 409, 403, 403],
        ),
        case(
            Method::POST,
            "/api/cooperation/partners/{id}/projects",
            format!("/api/cooperation/partners/{}/projects", f.partner),
            Body::Json(json!({ "project_id": 999_999 })),
            [422, 403, 422, 403, 403],
        ),
        case(
            Method::GET,
            "/api/cooperation/partners/{id}/activities",
            format!("/api/cooperation/partners/{}/activities", f.partner),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/cooperation/activities",
            "/api/cooperation/activities".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/cooperation/activities",
            "/api/cooperation/activities".into(),
            Body::Json(json!({
                "title": "", "kind": "culture", "direction": "inbound", "starts_on": "2025-05-01",
                "country": "KR", "lead_org_id": f.hc_gov
            })),
            [422, 403, 422, 422, 403],
        ),
        case(
            Method::GET,
            "/api/cooperation/activities/summary",
            "/api/cooperation/activities/summary".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/cooperation/tourism",
            "/api/cooperation/tourism".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/cooperation/tourism/import",
            "/api/cooperation/tourism/import".into(),
            Body::Csv,
            [422, 403, 422, 403, 403],
        ),
        case(
            Method::GET,
            "/api/cooperation/entry",
            "/api/cooperation/entry".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        // Open channels: every logged-in role reads the network and routes; nothing is written.
        case(
            Method::GET,
            "/api/channels/network",
            "/api/channels/network".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/channels/places",
            "/api/channels/places?q=Busan".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/channels/route",
            "/api/channels/route".into(),
            Body::Json(json!({ "from": "长春", "to": "Busan", "alternatives": 1 })),
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/channels/scenarios",
            "/api/channels/scenarios".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/channels/compare",
            "/api/channels/compare".into(),
            Body::Json(
                json!({ "request": { "from": "珲春", "to": "Busan" }, "scenario_b": "dprk-closed" }),
            ),
            [200, 200, 200, 200, 200],
        ),
        // Freight studies: government reads and runs them; enterprises are refused. A study
        // someone else started is hidden like any other job of theirs.
        case(
            Method::GET,
            "/api/assign/base",
            "/api/assign/base".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/assign/runs",
            "/api/assign/runs".into(),
            Body::Json(json!({ "kind": "assignment" })),
            [202, 202, 202, 202, 403],
        ),
        case(
            Method::GET,
            "/api/assign/runs/{id}",
            format!("/api/assign/runs/{}", f.admin_study),
            Body::None,
            [200, 200, 200, 404, 403],
        ),
        // The zone registry and framework are public material; the assessment is
        // government-internal (enterprises 403).
        case(
            Method::GET,
            "/api/zones",
            "/api/zones".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/zones/framework",
            "/api/zones/framework".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/zones/assessment",
            "/api/zones/assessment?uncertainty=0".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/zones/{code}/report",
            "/api/zones/cc-etdz/report?uncertainty=0".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/zones/template",
            "/api/zones/template".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        // A form that is not CSV of the framework: the roles allowed to check meet 422.
        case(
            Method::POST,
            "/api/zones/submissions/check",
            "/api/zones/submissions/check".into(),
            Body::Json(json!({ "csv": "uCode,Time,iCode,Value,Unit\n" })),
            [422, 403, 422, 422, 403],
        ),
        case(
            Method::GET,
            "/api/zones/sensitivity",
            "/api/zones/sensitivity?samples=20".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        // Zones' yearly data: the zone's staff (Hunchun's city government reports for the
        // Hunchun zones) fill in and submit, the owner of `platforms` (Commerce) reviews,
        // leaders read, enterprises have no part. Bodies that pass the policy fail on the
        // data (422) or the version (409), so the rows do not depend on their order.
        case(
            Method::GET,
            "/api/zones/submissions",
            "/api/zones/submissions".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::GET,
            "/api/zones/{code}/submissions/{year}",
            "/api/zones/hc-bezc/submissions/2025".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::PUT,
            "/api/zones/{code}/submissions/{year}",
            "/api/zones/hc-bezc/submissions/2025".into(),
            Body::Json(
                json!({ "version": 1, "values": [{ "indicator": "open_trade_share", "value": 140 }] }),
            ),
            [422, 403, 403, 422, 403],
        ),
        case(
            Method::GET,
            "/api/zones/{code}/submissions/{year}/template",
            "/api/zones/hc-bezc/submissions/2025/template".into(),
            Body::None,
            [200, 200, 200, 200, 403],
        ),
        case(
            Method::POST,
            "/api/zones/{code}/submissions/{year}/upload",
            "/api/zones/hc-bezc/submissions/2025/upload".into(),
            Body::Csv,
            [422, 403, 403, 422, 403],
        ),
        case(
            Method::POST,
            "/api/zones/{code}/submissions/{year}/submit",
            "/api/zones/hc-bezc/submissions/2025/submit".into(),
            Body::Json(json!({ "version": 999 })),
            [409, 403, 403, 409, 403],
        ),
        case(
            Method::POST,
            "/api/zones/{code}/submissions/{year}/approve",
            "/api/zones/hc-bezc/submissions/2025/approve".into(),
            Body::Json(json!({ "version": 999 })),
            [409, 403, 409, 403, 403],
        ),
        case(
            Method::POST,
            "/api/zones/{code}/submissions/{year}/return",
            "/api/zones/hc-bezc/submissions/2025/return".into(),
            Body::Json(json!({ "version": 999, "reason": "x" })),
            [409, 403, 409, 403, 403],
        ),
        // Logout ends the session, so it is tested last (see below).
    ];
    all.append(&mut work);
    all
}

async fn send(s: &Session, c: &Case, role: &str) -> reqwest::Response {
    let mut r = s.request(c.method.clone(), &c.path);
    r = match &c.body {
        Body::None => r,
        Body::Json(v) => {
            // Unique names per role, so that admin's success does not turn into a conflict.
            let mut v = v.clone();
            if v.get("username").is_some() {
                v["username"] = json!(format!("matrix.{role}"));
            }
            if v.get("code").is_some() {
                v["code"] = json!(format!("matrix-{role}"));
            }
            r.json(&v)
        }
        Body::Csv => r.multipart(csv_form("m.csv", "a,b\n1,2\n")),
    };
    r.send().await.unwrap()
}

async fn idle_jobs(app: &TestApp, kind: Option<&str>) {
    let db = app.raw_db().await;
    for _ in 0..600 {
        let busy: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE ($1 IS NULL OR kind = $1) AND status IN ('queued', 'running')",
        )
        .bind(kind)
        .fetch_one(&db)
        .await
        .unwrap();
        if busy == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("jobs ({kind:?}) did not finish");
}

/// Heavy answers computed in the request count against the caller's share of heavy work,
/// with the jobs that earlier cases started (bulletins, backups).
const HEAVY_ANSWERS: &[&str] = &["/api/risk/forecasts", "/api/risk/forecasts/{series}"];

#[tokio::test]
async fn every_route_for_every_role() {
    let app = spawn_app().await;
    let mut sessions = Vec::new();
    for role in ROLES {
        sessions.push(app.login(role).await);
    }
    let f = fixture(&app, &sessions).await;
    let cases = cases(&f);
    let anon = app.anonymous();
    let mut failures = Vec::new();
    for c in &cases {
        let r = send(&anon, c, "anonymous").await;
        if r.status() != StatusCode::UNAUTHORIZED {
            failures.push(format!(
                "anonymous {} {}: {} (want 401)",
                c.method,
                c.path,
                r.status()
            ));
        }
        for (i, role) in ROLES.iter().enumerate() {
            if c.template == "/api/trade/imports" {
                // The same upload is not taken by two imports at once: let the previous
                // role's import end, so that each role meets the policy, not the queue.
                idle_jobs(&app, Some("trade-import")).await;
            }
            if HEAVY_ANSWERS.contains(&c.template) {
                // Each role meets the policy, not the share of heavy work its earlier
                // cases' jobs still hold.
                idle_jobs(&app, None).await;
            }
            let r = send(&sessions[i], c, role).await;
            let got = r.status().as_u16();
            if got != c.expect[i] {
                let body = r.text().await.unwrap_or_default();
                failures.push(format!(
                    "{role} {} {}: {got} (want {}) {body}",
                    c.method, c.path, c.expect[i]
                ));
            } else if got >= 400 {
                crate::common::error_body(r).await;
            }
        }
    }
    // A machine client with the role's API token reads what the role's browser reads.
    idle_jobs(&app, None).await;
    for (i, role) in ROLES.iter().enumerate() {
        let token = app.bearer(&app.token_of(&sessions[i]).await);
        for c in cases.iter().filter(|c| c.method == Method::GET) {
            let got = send(&token, c, role).await.status().as_u16();
            if got != c.expect[i] {
                failures.push(format!(
                    "{role} (token) GET {}: {got} (want {})",
                    c.path, c.expect[i]
                ));
            }
        }
    }
    for (i, role) in ROLES.iter().enumerate() {
        let s = &sessions[i];
        let got = s.post("/api/auth/logout").send().await.unwrap().status();
        if got != StatusCode::NO_CONTENT {
            failures.push(format!("{role} POST /api/auth/logout: {got} (want 204)"));
        }
        if s.get("/api/auth/me").send().await.unwrap().status() != StatusCode::UNAUTHORIZED {
            failures.push(format!("{role}: session still valid after logout"));
        }
    }
    if anon.post("/api/auth/logout").send().await.unwrap().status() != StatusCode::UNAUTHORIZED {
        failures.push("anonymous POST /api/auth/logout: want 401".into());
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Coverage: every operation of the OpenAPI document is public or has a row above.
    let doc = app.anonymous().json("/api/openapi.json").await;
    let mut covered: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_string(), c.template.to_string()))
        .collect();
    covered.insert(("POST".into(), "/api/auth/logout".into()));
    covered.extend(PUBLIC.iter().map(|(m, p)| (m.to_string(), p.to_string())));
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let key = (method.to_uppercase(), path.clone());
            if !covered.contains(&key) {
                missing.push(format!("{} {}", key.0, key.1));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the role matrix: {missing:?}"
    );
}

#[tokio::test]
async fn enterprise_lists_show_only_its_own_records() {
    let app = spawn_app().await;
    let faw = app.login("faw").await;
    let hunchun = app.login("hunchun").await;
    hunchun
        .post("/api/uploads")
        .multipart(csv_form("h.csv", "a\n1\n"))
        .send()
        .await
        .unwrap();
    faw.post("/api/uploads")
        .multipart(csv_form("f.csv", "a\n2\n"))
        .send()
        .await
        .unwrap();
    let orgs = faw.json("/api/orgs").await;
    let orgs = orgs["items"].as_array().unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["code"], "faw-ie");
    let ups = faw.json("/api/uploads").await;
    let ups = ups["items"].as_array().unwrap();
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0]["filename"], "f.csv");
    let jobs_other: Value = faw.json("/api/jobs").await;
    assert!(jobs_other["items"].as_array().unwrap().is_empty());
}

/// Makes a second organisation's account: an enterprise of its own, or a user of another city.
async fn twin(app: &TestApp, admin: &Session, username: &str, role: &str, org_id: i64) -> Session {
    let r = admin
        .post("/api/users")
        .json(&json!({ "username": username, "display_name": username, "password": "long-enough-1", "role": role, "org_id": org_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    app.login_with(username, "long-enough-1")
        .await
        .expect("the new account signs in")
}

#[tokio::test]
async fn a_second_city_and_a_second_enterprise_see_none_of_the_first_ones_records() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let hunchun = app.login("hunchun").await;
    let faw = app.login("faw").await;
    let r = admin
        .post("/api/orgs")
        .json(&json!({ "code": "other-ent", "kind": "enterprise", "name_zh": "另一企业", "name_en": "Another enterprise", "source": "test" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let other_ent = twin(
        &app,
        &admin,
        "other.ent",
        "enterprise",
        app.org_id("other-ent").await,
    )
    .await;
    let other_city = twin(
        &app,
        &admin,
        "other.city",
        "local",
        app.org_id("cc-gov").await,
    )
    .await;

    // Records of Hunchun's and of FAW's.
    let hc_upload = upload_id(&hunchun, "hc.csv", "a\n1\n").await;
    let faw_upload = upload_id(&faw, "faw.csv", "a\n1\n").await;
    let appeal: Value = faw
        .post("/api/appeals")
        .json(&json!({ "category": "land", "title": "用地", "description": "d", "attachments": [faw_upload] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tasks = admin.json("/api/tasks").await;
    let hc_task = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["lead"]["code"] == "hc-gov")
        .expect("a demo task led by Hunchun")["id"]
        .clone();
    let hunchun_reads = [
        format!("/api/uploads/{hc_upload}"),
        format!("/api/uploads/{hc_upload}/content"),
        format!("/api/tasks/{hc_task}"),
    ];
    let faw_reads = [
        format!("/api/uploads/{faw_upload}"),
        format!("/api/uploads/{faw_upload}/content"),
        format!("/api/appeals/{}", appeal["id"]),
    ];

    let mut failures = Vec::new();
    let pairs = [
        (
            "hunchun",
            &hunchun,
            "other.city",
            &other_city,
            &hunchun_reads,
        ),
        ("faw", &faw, "other.ent", &other_ent, &faw_reads),
    ];
    for (owner_name, owner, twin_name, twin, paths) in pairs {
        let owner_token = app.bearer(&app.token_of(owner).await);
        let twin_token = app.bearer(&app.token_of(twin).await);
        let callers = [
            (owner_name, "cookie", owner, 200),
            (owner_name, "token", &owner_token, 200),
            (twin_name, "cookie", twin, 404),
            (twin_name, "token", &twin_token, 404),
        ];
        for path in paths.iter() {
            for (who, how, s, want) in &callers {
                let got = s.get(path).send().await.unwrap().status().as_u16();
                if got != *want {
                    failures.push(format!("{who} ({how}) GET {path}: {got} (want {want})"));
                }
            }
        }
        // Nor do the twins' lists show them.
        for (how, s) in [("cookie", twin), ("token", &twin_token)] {
            for list in ["/api/uploads", "/api/appeals", "/api/tasks", "/api/jobs"] {
                let r = s.get(list).send().await.unwrap();
                if r.status() != StatusCode::OK {
                    continue;
                }
                let body: Value = r.json().await.unwrap();
                let text = body.to_string();
                for id in [hc_upload, faw_upload] {
                    let leaked = body["items"].as_array().is_some_and(|items| {
                        items
                            .iter()
                            .any(|i| i["id"] == json!(id) && list == "/api/uploads")
                    });
                    if leaked {
                        failures.push(format!("{twin_name} ({how}) GET {list} lists upload {id}"));
                    }
                }
                if list == "/api/appeals" && text.contains("\"faw-ie\"") {
                    failures.push(format!(
                        "{twin_name} ({how}) GET {list} shows FAW's appeals"
                    ));
                }
                let lists_task = body["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|t| t["id"] == hc_task));
                if list == "/api/tasks" && twin_name == "other.city" && lists_task {
                    failures.push(format!(
                        "{twin_name} ({how}) GET {list} shows Hunchun's task"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
