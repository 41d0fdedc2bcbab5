//! Uploads within bounds: the organisation's quota and the disk reserve answer 507 before a
//! byte is written, deleting gives the room back, enterprises upload only their appeals'
//! evidence, and every download and spreadsheet export is in the audit log.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn file_form(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    reqwest::multipart::Form::new().part("file", part)
}

/// A CSV of about `kib` KiB whose content (and so its hash) differs by `tag`.
fn csv_of(kib: usize, tag: &str) -> String {
    format!("tag,{tag}\n{}", "1,2\n".repeat(kib * 256))
}

async fn upload(s: &Session, name: &str, text: &str) -> reqwest::Response {
    s.post("/api/uploads")
        .multipart(csv_form(name, text))
        .send()
        .await
        .expect("request")
}

async fn audit_actions(app: &TestApp, action: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT actor, details FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.raw_db().await)
        .await
        .expect("audit rows")
}

#[tokio::test]
async fn an_organisation_past_its_quota_gets_507_and_deleting_gives_the_room_back() {
    let app = spawn_app_with(|c| c.uploads.org_quota_mb = 1).await;
    let s = app.login("hunchun").await;
    let first: Value = upload(&s, "a.csv", &csv_of(600, "a"))
        .await
        .json()
        .await
        .unwrap();
    let r = upload(&s, "b.csv", &csv_of(600, "b")).await;
    assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);
    let e = error_body(r).await;
    assert_eq!(e["code"], "quota_exceeded");
    assert!(e["message"].as_str().unwrap().contains("quota"), "{e}");
    // Nothing of the refused file was written.
    let blobs = snapshot_dir(&app.dir.path().join("data/uploads"));
    assert_eq!(
        blobs.len(),
        1,
        "{:?}",
        blobs.iter().map(|b| &b.0).collect::<Vec<_>>()
    );
    // Another organisation has its own quota.
    let commerce = app.login("commerce").await;
    assert_eq!(
        upload(&commerce, "c.csv", &csv_of(600, "c")).await.status(),
        StatusCode::CREATED
    );

    let path = format!("/api/uploads/{}", first["id"]);
    let r = s.request(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&path).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let sha = first["sha256"].as_str().unwrap();
    let blob = app
        .dir
        .path()
        .join("data/uploads")
        .join(&sha[..2])
        .join(sha);
    assert!(!blob.exists(), "the deleted upload's file is gone");
    assert_eq!(
        upload(&s, "b.csv", &csv_of(600, "b")).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(audit_actions(&app, "upload.delete").await.len(), 1);
}

#[tokio::test]
async fn writes_answer_507_while_the_disk_reserve_is_not_free_and_reads_go_on() {
    // A reserve no disk has: every write would eat into it.
    let app = spawn_app_with(|c| c.uploads.disk_reserve_mb = 1 << 40).await;
    let s = app.login("hunchun").await;
    let r = upload(&s, "a.csv", "a,b\n1,2\n").await;
    assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(error_body(r).await["code"], "disk_full");
    let faw = app.login("faw").await;
    let r = faw
        .post("/api/appeals")
        .json(&json!({ "category": "land", "title": "t", "description": "d" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(
        s.get("/api/uploads").send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn enterprises_upload_only_appeal_evidence_and_only_owners_and_admins_delete() {
    let app = spawn_app().await;
    let faw = app.login("faw").await;
    let r = faw
        .post("/api/uploads")
        .multipart(file_form(
            "layers.geojson",
            br#"{"type":"FeatureCollection","features":[]}"#.to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        error_body(r).await["message"]
            .as_str()
            .unwrap()
            .contains("appeals")
    );
    let r = faw
        .post("/api/uploads")
        .multipart(file_form("scan.pdf", b"%PDF-1.4\n%%EOF\n".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let scan: Value = r.json().await.unwrap();
    let path = format!("/api/uploads/{}", scan["id"]);

    // Another organisation's staff do not see it; a leader sees it but may not delete it.
    let hunchun = app.login("hunchun").await;
    let r = hunchun.request(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let leader = app.login("leader").await;
    let r = leader.request(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Once an appeal cites it, its record keeps it.
    let r = faw
        .post("/api/appeals")
        .json(
            &json!({ "category": "land", "title": "用地", "description": "见附件",
                        "attachments": [scan["id"]] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let admin = app.login("admin").await;
    let r = admin.request(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        error_body(r).await["message"]
            .as_str()
            .unwrap()
            .contains("appeal")
    );

    let other: Value = faw
        .post("/api/uploads")
        .multipart(file_form("photo.png", b"\x89PNG\r\n\x1a\n....".to_vec()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = admin
        .request(Method::DELETE, &format!("/api/uploads/{}", other["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn spreadsheet_exports_and_downloads_are_in_the_audit_log() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let up: Value = upload(&s, "出口.csv", "a,b\n1,2\n")
        .await
        .json()
        .await
        .unwrap();
    let r = s
        .get(&format!("/api/uploads/{}/content", up["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let downloads = audit_actions(&app, "upload.download").await;
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].0, "commerce");

    assert!(audit_actions(&app, "export.xlsx").await.is_empty());
    let r = s.get("/api/uploads?format=xlsx").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.get("/api/jobs?format=xlsx&lang=en").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // JSON answers are not exports.
    s.json("/api/uploads").await;
    let exports = audit_actions(&app, "export.xlsx").await;
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert_eq!(exports[0].0, "commerce");
    assert!(
        exports[1].1.contains("/api/jobs?format=xlsx"),
        "{exports:?}"
    );
}
