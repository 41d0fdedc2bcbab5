//! Zones' yearly data over HTTP: the zone fills in and submits its form, the Department of
//! Commerce approves it and the assessment then runs on the approved value; other zones'
//! staff do not see it; a bad workbook names its sheet, row and column and saves nothing.

use crate::common::{Session, TestApp, error_body, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ZONE: &str = "hc-bezc";

fn row<'a>(form: &'a Value, indicator: &str) -> &'a Value {
    form["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == indicator)
        .unwrap_or_else(|| panic!("no row {indicator}"))
}

async fn put(s: &Session, path: &str, body: Value) -> reqwest::Response {
    s.request(Method::PUT, path)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn post(s: &Session, path: &str, body: Value) -> reqwest::Response {
    s.post(path).json(&body).send().await.unwrap()
}

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn workbook(rows: &[(&str, &str, Option<f64>)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("数据").unwrap();
    for (c, h) in [
        "开发区代码 uCode",
        "指标代码 iCode",
        "单位 Unit",
        "本年值 Value",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (ind, unit, v)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, ZONE).unwrap();
        ws.write_string(r, 1, *ind).unwrap();
        ws.write_string(r, 2, *unit).unwrap();
        if let Some(v) = v {
            ws.write_number(r, 3, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn xlsx_form(bytes: Vec<u8>, version: i64) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("form.xlsx"),
        )
        .text("version", version.to_string())
}

async fn open_score(s: &Session, year: i32) -> f64 {
    let a = s
        .json(&format!("/api/zones/assessment?year={year}&uncertainty=0"))
        .await;
    a["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == ZONE)
        .unwrap()["scores"]["open"]
        .as_f64()
        .unwrap()
}

async fn other_zone_staff(app: &TestApp) -> Session {
    let admin = app.login("admin").await;
    let r = admin
        .post("/api/users")
        .json(&json!({ "username": "etdz.staff", "display_name": "长春经开区统计员", "password": "long-enough-1",
            "role": "local", "org_id": app.org_id("cc-etdz").await }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    app.login_with("etdz.staff", "long-enough-1").await.unwrap()
}

#[tokio::test]
async fn a_zone_submits_commerce_approves_and_the_assessment_uses_the_value() {
    let app = spawn_app().await;
    let hunchun = app.login("hunchun").await;
    let commerce = app.login("commerce").await;
    let path = format!("/api/zones/{ZONE}/submissions/2025");

    let form = hunchun.json(&path).await;
    assert!(form["submission"].is_null(), "{form}");
    let fdi = row(&form, "open_fdi");
    assert_eq!(fdi["previous_year"], 2024);
    assert_eq!(fdi["previous_source"], "synthetic demo");
    assert_eq!(fdi["unit"], "万美元");
    let previous = fdi["previous"].as_f64().unwrap();
    let before = open_score(&commerce, 2025).await;

    // Ten times last year's FDI: a valid value, and a jump the reviewer is shown.
    let value = (previous * 10.0).round();
    let form = ok(put(
        &hunchun,
        &path,
        json!({ "version": 0, "values": [
            { "indicator": "open_fdi", "value": value, "note": "新落地外资项目" },
            { "indicator": "open_trade", "value": null }
        ] }),
    )
    .await)
    .await;
    assert_eq!(form["submission"]["state"], "draft");
    assert_eq!(form["submission"]["version"], 1);
    assert_eq!(row(&form, "open_fdi")["value"], value);
    assert_eq!(row(&form, "open_fdi")["jump"], true);
    assert_eq!(form["warnings"], 1);
    assert!(row(&form, "open_trade")["value"].is_null());

    let form = ok(post(&hunchun, &format!("{path}/submit"), json!({ "version": 1 })).await).await;
    assert_eq!(form["submission"]["state"], "submitted");
    assert_eq!(form["submission"]["submitted_by"], "hunchun");

    // The zone does not approve its own data; the reviewer's stale version loses.
    let r = post(
        &hunchun,
        &format!("{path}/approve"),
        json!({ "version": 2 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &commerce,
        &format!("{path}/approve"),
        json!({ "version": 1 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e = error_body(r).await;
    assert_eq!(e["code"], "stale");
    assert_eq!(e["details"]["current"]["version"], 2);
    assert_eq!(e["details"]["current"]["state"], "submitted");
    // Editing under review is an invalid transition.
    let r = put(&hunchun, &path, json!({ "version": 2, "values": [] })).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(error_body(r).await["code"], "invalid_transition");

    let list = commerce
        .json("/api/zones/submissions?state=submitted")
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["zone_code"], ZONE);
    assert_eq!(items[0]["zone_name"], "珲春边境经济合作区");
    assert_eq!(items[0]["warnings"], 1);
    let x = commerce
        .get("/api/zones/submissions?format=xlsx")
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));

    // A return needs a reason; then the zone corrects and submits again.
    let r = post(
        &commerce,
        &format!("{path}/return"),
        json!({ "version": 2, "reason": "" }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let form = ok(post(
        &commerce,
        &format!("{path}/return"),
        json!({ "version": 2, "reason": "请附外资项目清单" }),
    )
    .await)
    .await;
    assert_eq!(form["submission"]["state"], "returned");
    assert_eq!(form["submission"]["reason"], "请附外资项目清单");
    ok(put(
        &hunchun,
        &path,
        json!({ "version": 3, "values": [{ "indicator": "open_fdi", "value": value, "note": "项目清单见附件" }] }),
    )
    .await)
    .await;
    ok(post(&hunchun, &format!("{path}/submit"), json!({ "version": 4 })).await).await;
    let form = ok(post(
        &commerce,
        &format!("{path}/approve"),
        json!({ "version": 5 }),
    )
    .await)
    .await;
    assert_eq!(form["submission"]["state"], "approved");
    assert_eq!(form["submission"]["reviewed_by"], "commerce");
    let kinds: Vec<&str> = form["submission"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["save", "submit", "return", "save", "submit", "approve"]
    );

    // The assessment of 2025 now runs on the approved value, and says which values those are.
    let a = commerce
        .json("/api/zones/assessment?year=2025&uncertainty=0")
        .await;
    assert_eq!(a["synthetic"], true, "the rest is still demo data");
    assert_eq!(a["data_sources"]["default"], "synthetic demo");
    let approved = a["data_sources"]["approved"].as_array().unwrap();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0]["zone_code"], ZONE);
    assert_eq!(approved[0]["indicator"], "open_fdi");
    assert_eq!(approved[0]["value"], value);
    let after = open_score(&commerce, 2025).await;
    assert!(after > before, "opening-up score {before} → {after}");
    // Next year's form compares against the approved value.
    let next = hunchun
        .json(&format!("/api/zones/{ZONE}/submissions/2026"))
        .await;
    assert_eq!(row(&next, "open_fdi")["previous"], value);
    assert_eq!(
        row(&next, "open_fdi")["previous_source"],
        "approved submission"
    );
    // Approved data is final.
    let r = post(
        &commerce,
        &format!("{path}/return"),
        json!({ "version": 6, "reason": "x" }),
    )
    .await;
    assert_eq!(error_body(r).await["code"], "invalid_transition");
}

#[tokio::test]
async fn other_zones_staff_and_enterprises_do_not_see_a_zones_data() {
    let app = spawn_app().await;
    let hunchun = app.login("hunchun").await;
    let path = format!("/api/zones/{ZONE}/submissions/2025");
    ok(put(
        &hunchun,
        &path,
        json!({ "values": [{ "indicator": "open_fdi", "value": 10.0 }] }),
    )
    .await)
    .await;

    let etdz = other_zone_staff(&app).await;
    for r in [
        etdz.get(&path).send().await.unwrap(),
        put(&etdz, &path, json!({ "version": 1, "values": [] })).await,
        post(&etdz, &format!("{path}/submit"), json!({ "version": 1 })).await,
        etdz.get(&format!("{path}/template")).send().await.unwrap(),
    ] {
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        error_body(r).await;
    }
    let list = etdz.json("/api/zones/submissions").await;
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    // Its own zone's form it may fill in; Hunchun's city staff may not touch Changchun's zone.
    ok(etdz
        .get("/api/zones/cc-etdz/submissions/2025")
        .send()
        .await
        .unwrap())
    .await;
    let r = hunchun
        .get("/api/zones/cc-etdz/submissions/2025")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let faw = app.login("faw").await;
    assert_eq!(
        faw.get(&path).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        faw.get("/api/zones/submissions")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    // Leaders read, and do not write.
    let leader = app.login("leader").await;
    ok(leader.get(&path).send().await.unwrap()).await;
    let r = put(&leader, &path, json!({ "version": 1, "values": [] })).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Unknown zones and zones that are not assessed.
    assert_eq!(
        hunchun
            .get("/api/zones/nowhere/submissions/2025")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_workbook_is_uploaded_and_a_bad_one_names_row_and_column_and_saves_nothing() {
    let app = spawn_app().await;
    let hunchun = app.login("hunchun").await;
    let path = format!("/api/zones/{ZONE}/submissions/2025");

    // The template is a workbook with one row per indicator.
    let t = hunchun
        .get(&format!("{path}/template"))
        .send()
        .await
        .unwrap();
    assert_eq!(t.status(), StatusCode::OK);
    assert!(
        t.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let template = t.bytes().await.unwrap().to_vec();
    assert!(template.starts_with(b"PK"));
    // Uploaded back unchanged (no values): a valid, empty draft.
    let form = ok(hunchun
        .post(&format!("{path}/upload"))
        .multipart(xlsx_form(template, 0))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(form["submission"]["version"], 1);
    assert_eq!(form["submission"]["values"].as_array().unwrap().len(), 0);

    // A share above 100 on the second data row: 422 naming sheet, row 3, column D.
    let bad = workbook(&[
        ("open_fdi", "万美元", Some(100.0)),
        ("open_trade_share", "%", Some(140.0)),
        ("open_trade", "万元", Some(5.0)),
    ]);
    let r = hunchun
        .post(&format!("{path}/upload"))
        .multipart(xlsx_form(bad, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = error_body(r).await;
    assert_eq!(e["details"]["sheet"], "数据");
    assert_eq!(e["details"]["row"], 3);
    assert_eq!(e["details"]["column"], "D");
    assert_eq!(e["details"]["field"], "Value");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("row 3") && message.contains("column D"),
        "{message}"
    );
    // The wrong unit on row 4 is reported too.
    let problems = e["details"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == 4 && p["column"] == "C" && p["field"] == "Unit"),
        "{problems:?}"
    );
    let form = hunchun.json(&path).await;
    assert_eq!(form["submission"]["version"], 1, "nothing saved");
    assert_eq!(form["submission"]["values"].as_array().unwrap().len(), 0);

    // Not a workbook at all.
    let r = hunchun
        .post(&format!("{path}/upload"))
        .multipart(xlsx_form(b"uCode,iCode\n".to_vec(), 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["field"], "file");

    // A few kilobytes whose one cell sits at XFD1048576: refused naming the limit, before
    // a grid of 17 billion cells is allocated.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "iCode").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let bomb = wb.save_to_buffer().unwrap();
    assert!(bomb.len() < 10_000);
    let r = hunchun
        .post(&format!("{path}/upload"))
        .multipart(xlsx_form(bomb, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = error_body(r).await;
    assert_eq!(e["details"]["field"], "file");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("XFD1048576") && message.contains("200000"),
        "{message}"
    );

    // A good one replaces the draft.
    let good = workbook(&[
        ("open_fdi", "万美元", Some(100.0)),
        ("open_trade_share", "%", Some(14.0)),
        ("open_trade", "", None),
    ]);
    let form = ok(hunchun
        .post(&format!("{path}/upload"))
        .multipart(xlsx_form(good, 1))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(form["submission"]["version"], 2);
    assert_eq!(row(&form, "open_fdi")["value"], 100.0);
    assert_eq!(row(&form, "open_trade_share")["value"], 14.0);
    // The template now carries the saved values.
    let t = hunchun
        .get(&format!("{path}/template"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(t.to_vec())).unwrap();
    use calamine::{DataType, Reader};
    let range = wb.worksheet_range("数据").unwrap();
    let fdi_row = range
        .rows()
        .find(|r| r[3].get_string() == Some("open_fdi"))
        .unwrap();
    assert_eq!(fdi_row[8].as_f64(), Some(100.0));
}

/// A submission flattened its list item, whose `values` (a count) clashed with the
/// submission's own `values` (the list): the JSON had the key twice.
#[tokio::test]
async fn a_submission_names_each_key_once() {
    let app = spawn_app().await;
    let hunchun = app.login("hunchun").await;
    let r = put(
        &hunchun,
        "/api/zones/hc-bezc/submissions/2025",
        json!({ "version": 0, "values": [{ "indicator": "open_fdi", "value": 10.0 }] }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert_eq!(text.matches("\"values\":").count(), 1, "{text}");
    assert!(text.contains("\"n_values\":1"), "{text}");
    let list = hunchun.json("/api/zones/submissions").await;
    assert_eq!(list["items"][0]["n_values"], 1, "{list}");
}
