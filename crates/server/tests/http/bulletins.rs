//! The monthly bulletin over HTTP: issued as a job, archived once, listed, downloaded as it
//! was issued, saying what the cockpit says; only the provincial level issues and reads it.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn issue(s: &Session, body: Value) -> Value {
    let r = s.post("/api/bulletins").json(&body).send().await.unwrap();
    job_result(s, r).await
}

async fn download(s: &Session, b: &Value) -> Vec<u8> {
    let r = s
        .get(&format!("/api/bulletins/{}/file", b["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        b["sha256"],
        "the file as issued"
    );
    bytes
}

#[tokio::test]
async fn a_bulletin_states_the_cockpits_figures_and_is_kept_as_issued() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let cockpit = s.json("/api/overview").await;
    let period = cockpit["trade"]["period"].as_str().unwrap().to_string();

    let docx = issue(&s, json!({ "format": "docx" })).await;
    assert_eq!(docx["month"], period.as_str());
    assert_eq!(docx["lang"], "zh");
    assert_eq!(docx["synthetic"], true);
    let bytes = download(&s, &docx).await;
    assert!(bytes.starts_with(b"PK"), "a DOCX is a zip package");

    let pdf = issue(&s, json!({ "format": "pdf", "month": period })).await;
    assert!(pdf["pages"].as_i64().unwrap() >= 4, "{pdf}");
    let bytes = download(&s, &pdf).await;
    assert!(bytes.starts_with(b"%PDF-"));

    // The PDF's text carries the cockpit's own sentences and numbers.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.pdf");
    std::fs::write(&file, &bytes).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(o) if o.status.success() => {
            let text: String = String::from_utf8_lossy(&o.stdout)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let first: String = cockpit["summary_zh"][0]
                .as_str()
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            assert!(text.contains(&first), "{first}\nnot in\n{text}");
            let ytd = format!(
                "{:.1}",
                cockpit["trade"]["ytd"]["value"].as_f64().unwrap() / 1e8
            );
            assert!(text.contains(&ytd));
            assert!(text.contains("本通报含合成演示数据"));
        }
        _ if std::env::var_os("KAIFANG_REQUIRE_BROWSER").is_some() => {
            panic!("pdftotext (poppler-utils) is needed to check the PDF")
        }
        _ => eprintln!("pdftotext not installed: the PDF's text is not checked"),
    }

    // The same PDF issued again the same day is the same bulletin, not a second one.
    let again = issue(&s, json!({ "format": "pdf", "month": period })).await;
    assert_eq!(
        again["id"], pdf["id"],
        "typesetting is reproducible: {again}"
    );

    // Both are listed, newest first, and audited.
    let list = s.json("/api/bulletins").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], pdf["id"]);
    let audit = app.login("admin").await.json("/api/audit?limit=50").await;
    let issued = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "bulletin.issue")
        .count();
    assert_eq!(issued, 2);

    // An issued bulletin is never changed nor removed.
    let db = app.raw_db().await;
    let changed = sqlx::query("UPDATE bulletins SET month = '2000-01'")
        .execute(&db)
        .await;
    assert!(changed.is_err());
    assert!(
        sqlx::query("DELETE FROM bulletins")
            .execute(&db)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn only_the_provincial_level_issues_and_reads_bulletins() {
    let app = spawn_app().await;
    for (user, issue_status, read_status) in [
        ("leader", StatusCode::FORBIDDEN, StatusCode::OK),
        ("hunchun", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        ("faw", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
    ] {
        let s = app.login(user).await;
        let r = s
            .post("/api/bulletins")
            .json(&json!({ "format": "pdf" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), issue_status, "{user} issues");
        let r = s.get("/api/bulletins").send().await.unwrap();
        assert_eq!(r.status(), read_status, "{user} reads");
    }
}

#[tokio::test]
async fn a_bad_request_names_its_field_and_starts_nothing() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    for (body, field) in [
        (json!({ "month": "2025-13" }), "month"),
        (json!({ "lang": "fr" }), "lang"),
        (json!({ "format": "odt" }), "format"),
    ] {
        let r = s.post("/api/bulletins").json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e = error_body(r).await;
        assert_eq!(e["details"]["field"], field, "{e}");
    }
    assert_eq!(s.json("/api/bulletins").await["items"], json!([]));
}

#[tokio::test]
async fn the_schedule_issues_last_months_bulletin_once_and_tells_the_leaders() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let period = s.json("/api/overview").await["trade"]["period"]
        .as_str()
        .unwrap()
        .to_string();
    let (y, m) = period.split_once('-').unwrap();
    let (y, m): (i32, u8) = (y.parse().unwrap(), m.parse().unwrap());
    // The day after the schedule's day in the month after the latest trade month.
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let today = time::Date::from_calendar_date(ny, time::Month::try_from(nm).unwrap(), 6).unwrap();
    let mut config = kaifang_store::Config::default();
    config.bulletin.day = 5;
    let state = kaifang_server::state::AppState::new(app.store.clone(), config, true)
        .await
        .unwrap();
    // Before its day: nothing.
    let early = today.replace_day(4).unwrap();
    kaifang_server::reminders::bulletin_round(&state, early).await;
    assert_eq!(s.json("/api/bulletins").await["items"], json!([]));
    // On it: last month's, as DOCX and PDF, in Chinese; a second round issues nothing more.
    kaifang_server::reminders::bulletin_round(&state, today).await;
    kaifang_server::reminders::bulletin_round(&state, today).await;
    let items = s.json("/api/bulletins").await;
    let items = items["items"].as_array().unwrap();
    let mut formats: Vec<&str> = items
        .iter()
        .map(|b| b["format"].as_str().unwrap())
        .collect();
    formats.sort();
    assert_eq!(formats, ["docx", "pdf"]);
    assert!(
        items
            .iter()
            .all(|b| b["month"] == period.as_str() && b["lang"] == "zh")
    );
    // The leaders hear of each once.
    let inbox = app.login("leader").await.json("/api/notifications").await;
    let told = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "bulletin")
        .count();
    assert_eq!(told, 2, "{inbox}");
}
