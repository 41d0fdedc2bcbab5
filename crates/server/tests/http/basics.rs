//! The API against the real application: sessions, CSRF, tokens, errors, limits, jobs,
//! uploads, exports, the audit log and the OpenAPI document.

use crate::common::{csv_form, error_body, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn healthz_and_meta_answer_without_login() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let h = anon.get("/healthz").send().await.unwrap();
    assert_eq!(h.status(), StatusCode::OK);
    assert!(
        h.headers().contains_key("x-request-id"),
        "request id is echoed"
    );
    let meta = anon.json("/api/meta").await;
    assert_eq!(meta["demo"], true);
    assert_eq!(meta["name"], "Kaifang");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let mut messages = Vec::new();
    for (u, p) in [("admin", "wrong-password"), ("nobody", "kaifang-demo")] {
        let r = anon
            .post("/api/auth/login")
            .json(&json!({ "username": u, "password": p }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let b = error_body(r).await;
        messages.push(b["message"].clone());
    }
    assert_eq!(messages[0], messages[1]);
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let faw = app.store.user_by_name("faw").await.unwrap();
    let r = admin
        .post(&format!("/api/users/{}/disable", faw.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.login_with("faw", crate::common::DEMO_PASSWORD)
            .await
            .err(),
        Some(StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    let app = spawn_app_with(|c| c.auth.login_max_failures = 3).await;
    let anon = app.anonymous();
    for _ in 0..3 {
        let r = anon
            .post("/api/auth/login")
            .json(&json!({ "username": "leader", "password": "guess-guess" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is cooling down.
    let r = anon
        .post("/api/auth/login")
        .json(&json!({ "username": "leader", "password": crate::common::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let b = error_body(r).await;
    assert_eq!(b["code"], "rate_limited");
    assert!(b["details"]["retry_after_secs"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn session_cookie_is_httponly_and_strict_and_logout_ends_it() {
    let app = spawn_app().await;
    let r = reqwest::Client::new()
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": "leader", "password": crate::common::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let s = app.login("leader").await;
    assert_eq!(
        s.get("/api/auth/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        s.post("/api/auth/logout").send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/api/auth/me").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token() {
    let app = spawn_app().await;
    let mut s = app.login("hunchun").await;
    let own = app.org_id("hc-gov").await;
    let path = format!("/api/orgs/{own}/contact");
    let token = s.csrf.take();
    let r = s
        .request(reqwest::Method::PUT, &path)
        .json(&json!({ "contact": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_body(r).await["code"], "csrf_failed");
    let r = s
        .request(reqwest::Method::PUT, &path)
        .header("x-csrf-token", "forged")
        .json(&json!({ "contact": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    s.csrf = token;
    let r = s
        .request(reqwest::Method::PUT, &path)
        .json(&json!({ "contact": "商务局 0433-0000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["contact"],
        "商务局 0433-0000000"
    );
}

#[tokio::test]
async fn api_tokens_authenticate_machine_clients_until_revoked() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let r = s
        .post("/api/tokens")
        .json(&json!({ "name": "customs sync" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    let id = body["info"]["id"].as_i64().unwrap();
    let machine = reqwest::Client::new();
    let me: Value = machine
        .get(app.url("/api/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["username"], "commerce");
    // Token clients write without CSRF tokens: there is no cookie to ride on.
    let up = machine
        .post(app.url("/api/uploads"))
        .bearer_auth(&token)
        .multipart(csv_form("a.csv", "a,b\n1,2\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), StatusCode::CREATED);
    let listed = s.json("/api/tokens").await;
    assert!(
        listed["items"][0]["prefix"]
            .as_str()
            .unwrap()
            .starts_with("kf_")
    );
    assert!(
        !listed.to_string().contains(&token),
        "the secret is never listed"
    );
    let r = s
        .request(reqwest::Method::DELETE, &format!("/api/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = machine
        .get(app.url("/api/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn errors_share_one_body() {
    let app = spawn_app().await;
    let s = app.login("admin").await;
    let r = s.get("/api/no-such-route").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_body(r).await["code"], "not_found");
    let r = s.get("/api/orgs/999999").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    error_body(r).await;
    let r = s
        .post("/api/users")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    error_body(r).await;
    let r = s.post("/api/users").json(&json!({ "username": "X Y", "display_name": "d", "password": "long-enough-1", "role": "local", "org_id": 1 })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_body(r).await["message"]
            .as_str()
            .unwrap()
            .contains("username")
    );
    let r = s.post("/api/users").json(&json!({ "username": "admin", "display_name": "d", "password": "long-enough-1", "role": "admin", "org_id": app.org_id("jl-gov").await })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    error_body(r).await;
    // A local account in a department is refused: roles belong to kinds of organisation.
    let r = s.post("/api/users").json(&json!({ "username": "zone.staff", "display_name": "d", "password": "long-enough-1", "role": "local", "org_id": app.org_id("jl-doc").await })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn oversized_json_bodies_are_refused() {
    let app = spawn_app_with(|c| c.server.body_limit_mb = 1).await;
    let s = app.login("admin").await;
    let big = "x".repeat(2 * 1024 * 1024);
    let r = s
        .post("/api/tokens")
        .json(&json!({ "name": big }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_body(r).await["code"], "payload_too_large");
}

#[tokio::test]
async fn uploads_are_stored_by_content_hash_and_checked() {
    let app = spawn_app_with(|c| c.uploads.max_mb = 1).await;
    let s = app.login("hunchun").await;
    let text = "数据年月,商品编码,美元\n202401,87032390,\"1,234,567\"\n";
    let a: Value = s
        .post("/api/uploads")
        .multipart(csv_form("出口.csv", text))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let b: Value = s
        .post("/api/uploads")
        .multipart(csv_form("copy.csv", text))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["sha256"], b["sha256"]);
    assert_ne!(a["id"], b["id"]);
    let sha = a["sha256"].as_str().unwrap();
    let blob = app
        .dir
        .path()
        .join("data/uploads")
        .join(&sha[..2])
        .join(sha);
    assert_eq!(std::fs::read_to_string(blob).unwrap(), text);
    let r = s
        .get(&format!("/api/uploads/{}/content", a["id"]))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("UTF-8''%E5%87%BA")
    );
    assert_eq!(r.text().await.unwrap(), text);

    let r = s
        .post("/api/uploads")
        .multipart(csv_form("tool.exe", "MZ"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    error_body(r).await;
    let r = s
        .post("/api/uploads")
        .multipart(csv_form("fake.xlsx", "not a zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = "a,b\n".repeat(600 * 1024);
    let r = s
        .post("/api/uploads")
        .multipart(csv_form("big.csv", &big))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    error_body(r).await;
}

#[tokio::test]
async fn lists_export_to_xlsx_with_headers_in_the_readers_language() {
    let app = spawn_app().await;
    let s = app.login("admin").await;
    for path in [
        "/api/orgs",
        "/api/users",
        "/api/audit",
        "/api/jobs",
        "/api/uploads",
    ] {
        let r = s
            .get(&format!("{path}?format=xlsx&lang=zh"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(".xlsx")
        );
        let bytes = r.bytes().await.unwrap();
        assert!(
            bytes.starts_with(b"PK\x03\x04"),
            "{path} is a zip container"
        );
    }
    // The organisations sheet carries the registry: look inside the shared strings.
    let bytes = s
        .get("/api/orgs?format=xlsx&lang=zh")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let strings = unzip_entry(&bytes, "xl/sharedStrings.xml");
    assert!(
        strings.contains("中文名称") && strings.contains("长春经济技术开发区"),
        "{}",
        &strings[..200.min(strings.len())]
    );
    let bytes = s
        .get("/api/orgs?format=xlsx")
        .header("accept-language", "en-GB")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(unzip_entry(&bytes, "xl/sharedStrings.xml").contains("Name (Chinese)"));
}

/// Reads one stored or deflated entry of a zip file (enough for xlsx written by rust_xlsxwriter).
fn unzip_entry(zip: &[u8], name: &str) -> String {
    let mut i = 0;
    while i + 30 <= zip.len() && zip[i..i + 4] == *b"PK\x03\x04" {
        let u16_at = |o: usize| u16::from_le_bytes([zip[i + o], zip[i + o + 1]]) as usize;
        let u32_at = |o: usize| {
            u32::from_le_bytes([zip[i + o], zip[i + o + 1], zip[i + o + 2], zip[i + o + 3]])
                as usize
        };
        let (method, csize, nlen, xlen) = (u16_at(8), u32_at(18), u16_at(26), u16_at(28));
        let fname = std::str::from_utf8(&zip[i + 30..i + 30 + nlen]).unwrap_or("");
        let data = &zip[i + 30 + nlen + xlen..i + 30 + nlen + xlen + csize];
        if fname == name {
            return match method {
                0 => String::from_utf8_lossy(data).into_owned(),
                8 => inflate(data),
                m => panic!("zip method {m}"),
            };
        }
        i += 30 + nlen + xlen + csize;
    }
    panic!("{name} not in the workbook");
}

fn inflate(data: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(data)
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn a_backup_job_reports_progress_and_produces_a_checked_backup() {
    let app = spawn_app().await;
    let s = app.login("admin").await;
    let r = s.post("/api/backups").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let job: Value = r.json().await.unwrap();
    let id = job["id"].as_str().unwrap();
    let mut last = Value::Null;
    for _ in 0..200 {
        last = s.json(&format!("/api/jobs/{id}")).await;
        if last["status"] == "succeeded" || last["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(last["status"], "succeeded", "{last}");
    assert_eq!(last["progress"], 1.0);
    let file = last["result"]["file"].as_str().unwrap();
    let path = app.dir.path().join("data/backups").join(file);
    if kaifang_store::testing::on_postgres(app.store.data_dir()) {
        // The database's own tool's dump, in its custom format.
        let header = std::fs::read(path.join("kaifang.pgdump")).unwrap();
        assert!(header.starts_with(b"PGDMP"));
    } else {
        let header = std::fs::read(path.join("kaifang.db")).unwrap();
        assert!(header.starts_with(b"SQLite format 3\0"));
    }
    let listed = kaifang_store::backup::verify(&path).unwrap();
    assert_eq!(
        listed.trade_generation,
        last["result"]["trade_generation"].as_u64(),
        "the trade data is in it"
    );
    assert!(listed.files.iter().any(|f| f.path == "trade/manifest.json"));
    let audit = s.json("/api/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == format!("intent:{id}"))
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["backup.create", "backup.create.begin"]);
    // Finished jobs cannot be cancelled.
    let r = s
        .post(&format!("/api/jobs/{id}/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let jobs = s.json("/api/jobs").await;
    assert!(
        jobs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == id)
    );
}

#[tokio::test]
async fn every_write_lands_in_the_audit_log_with_its_request_id() {
    let app = spawn_app().await;
    let s = app.login("admin").await;
    let r = s
        .post("/api/users")
        .header("x-request-id", "test-req-42")
        .json(&json!({ "username": "zone.staff", "display_name": "园区工作人员", "password": "long-enough-1", "role": "local", "org_id": app.org_id("cc-etdz").await }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let _ = app
        .anonymous()
        .post("/api/auth/login")
        .json(&json!({ "username": "admin", "password": "nope-nope" }))
        .send()
        .await
        .unwrap();
    let audit = s.json("/api/audit").await;
    let items = audit["items"].as_array().unwrap();
    let created = items
        .iter()
        .find(|e| e["action"] == "user.create")
        .expect("user.create entry");
    assert_eq!(created["actor"], "admin");
    assert_eq!(created["request_id"], "test-req-42");
    assert_eq!(created["details"]["username"], "zone.staff");
    assert!(items.iter().any(|e| e["action"] == "auth.login_failed"));
    assert!(items.iter().any(|e| e["action"] == "auth.login"));
}

#[tokio::test]
async fn overview_counts_the_registry() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let o = s.json("/api/registry/counts").await;
    assert_eq!(o["demo"], true);
    let zones = o["organisations_by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "zone")
        .unwrap();
    assert!(zones["count"].as_i64().unwrap() >= 15);
    assert_eq!(o["audit_by_day"].as_array().unwrap().len(), 30);
    assert_eq!(o["users_by_role"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn openapi_document_and_docs_page_are_served() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let doc = anon.json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/orgs"]["get"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let page = anon
        .get("/api/docs")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/openapi.json"));
}

#[tokio::test]
async fn the_ui_route_serves_html_with_or_without_a_built_ui() {
    let app = spawn_app().await;
    let r = app.anonymous().get("/organisations").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    if kaifang_server::web::ui_built() {
        assert!(
            html.contains("<div id=\"app\""),
            "the SPA index for a client-side route"
        );
    } else {
        assert!(html.contains("Node.js"), "explains how to build the UI");
    }
}

#[tokio::test]
async fn a_configured_base_map_replaces_the_illustrative_one() {
    let plain = spawn_app().await;
    let meta = plain.anonymous().json("/api/meta").await;
    assert!(meta["basemap_label"].is_null());
    let r = plain.anonymous().get("/api/basemap").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("approved.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X"},"geometry":{"type":"Polygon","coordinates":[[[120,40],[130,40],[130,45],[120,40]]]}}]}"#,
    )
    .unwrap();
    let path = file.display().to_string();
    let app = crate::common::spawn_app_with(|c| {
        c.map.base_geojson = Some(path);
        c.map.base_label = "审图号：GS(2099)0001号".into();
    })
    .await;
    let meta = app.anonymous().json("/api/meta").await;
    assert_eq!(meta["basemap_label"], "审图号：GS(2099)0001号");
    let r = app.anonymous().get("/api/basemap").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let geo: Value = r.json().await.unwrap();
    assert_eq!(geo["features"][0]["properties"]["name"], "X");

    // A file that is not GeoJSON stops the start with the key named.
    std::fs::write(&file, "not json").unwrap();
    let data = kaifang_store::DataDir::new(dir.path().join("data"));
    let prepared = kaifang_server::prepare(&data, |_| None, &Default::default())
        .await
        .unwrap();
    let mut config = prepared.config.clone();
    config.server.addr = "127.0.0.1:0".into();
    config.map.base_geojson = Some(file.display().to_string());
    config.map.base_label = "x".into();
    let e = kaifang_server::Application::build(prepared.store.clone(), config, true)
        .await
        .err()
        .expect("refused");
    let e = e.to_string();
    assert!(
        e.contains("map.base_geojson") && e.contains("not JSON"),
        "{e}"
    );
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_without_inline_scripts() {
    let app = spawn_app().await;
    for path in ["/", "/api/meta", "/api/docs"] {
        let r = reqwest::get(app.url(path)).await.unwrap();
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "no HSTS over HTTP"
        );
    }
    let docs = reqwest::get(app.url("/api/docs"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(docs.contains(r#"<script src="/api/docs.js">"#), "{docs}");
    assert_eq!(docs.matches("<script").count(), 1, "no inline script");
    let js = reqwest::get(app.url("/api/docs.js")).await.unwrap();
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );

    // Behind HTTPS (cookies Secure), browsers are told to stay on HTTPS.
    let app = spawn_app_with(|c| c.server.secure_cookies = true).await;
    let r = reqwest::get(app.url("/api/meta")).await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
}
