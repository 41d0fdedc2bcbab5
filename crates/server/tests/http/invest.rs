//! Investment attraction over HTTP: the negative-list check on known cases, a project moved
//! from signed to funds arrived with the figures following by hand, the Excel import refusing
//! a bad sheet with every problem named and nothing saved, and the list exported in the
//! template's columns and imported back.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_check_quotes_the_item_that_prohibits_a_news_agency_and_caps_telecoms() {
    let app = spawn_app().await;
    let s = app.login("faw").await;
    let c = s
        .json("/api/invest/negative-list/check?text=%E8%AE%BE%E7%AB%8B%E9%80%9A%E8%AE%AF%E7%A4%BE")
        .await;
    assert_eq!(c["edition"], "national-2024", "{c}");
    assert_eq!(c["verdict"], "prohibited", "{c}");
    let m = &c["matches"][0];
    assert_eq!(m["item"], 23, "{c}");
    assert!(
        m["text_zh"].as_str().unwrap().contains("新闻机构"),
        "the item is quoted: {m}"
    );
    let manufacturing = s.json("/api/invest/negative-list/check?industry=36").await;
    assert_eq!(manufacturing["verdict"], "not_listed", "{manufacturing}");
    let bad = s
        .get("/api/invest/negative-list/check?industry=99x")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(bad).await["details"]["field"], "industry");
    let editions = s.json("/api/invest/negative-lists").await;
    let ids: Vec<&str> = editions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"national-2024") && ids.contains(&"ftz-2021"),
        "{ids:?}"
    );
    let national = s.json("/api/invest/negative-lists/national-2024").await;
    assert_eq!(national["items"].as_array().unwrap().len(), 29);
}

async fn create(s: &Session, body: Value) -> Value {
    let r = s
        .post("/api/invest/projects")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json().await.unwrap()
}

async fn step(s: &Session, id: i64, body: Value) -> reqwest::Response {
    s.post(&format!("/api/invest/projects/{id}/steps"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_project_goes_from_signed_to_funds_arrived_and_the_figures_follow_by_hand() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let today = time::OffsetDateTime::now_utc().date();
    let (year, month) = (today.year(), u8::from(today.month()));
    let before = s
        .json(&format!("/api/invest/stats?year={year}&month={month}"))
        .await;
    let cc = app.org_id("cc-gov").await;
    let doc = app.org_id("jl-doc").await;
    let on = format!("{year}-01-01");
    let p = create(
        &s,
        json!({ "name": "测试项目", "investor": "测试投资方", "country": "德国", "foreign_funded": true,
            "industry": "3670", "amount": 700.0, "currency": "USD", "city_org_id": cc, "lead_org_id": doc,
            "stage": "signed", "stage_on": on }),
    )
    .await;
    assert_eq!(p["country"], "DE");
    assert_eq!(p["negative"]["verdict"], "not_listed");
    let id = p["id"].as_i64().unwrap();
    // A stale version loses with the project as it is.
    let stale = step(
        &s,
        id,
        json!({ "version": 99, "action": "note", "body": "x" }),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(error_body(stale).await["details"]["current"]["id"], id);
    // Funds arrived needs the amount.
    let missing = step(
        &s,
        id,
        json!({ "version": p["version"], "action": "advance", "to": "funds_arrived", "on": on }),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let arrived: Value = step(
        &s,
        id,
        json!({ "version": p["version"], "action": "advance", "to": "funds_arrived", "on": on, "arrived": 350.0 }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(arrived["stage"], "funds_arrived", "{arrived}");
    let after = s
        .json(&format!("/api/invest/stats?year={year}&month={month}"))
        .await;
    // Dollars at the average rate the answer names for this year.
    let rate = after["usd_rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == year)
        .expect("the rate used for this year")["rate"]
        .as_f64()
        .unwrap();
    let delta =
        |k: &str| after["total"][k].as_f64().unwrap() - before["total"][k].as_f64().unwrap();
    assert!((delta("signed") - 700.0 * rate).abs() < 1e-6, "{after}");
    assert!((delta("arrived") - 350.0 * rate).abs() < 1e-6, "{after}");
    assert_eq!(
        after["total"]["signed_projects"].as_u64().unwrap(),
        before["total"]["signed_projects"].as_u64().unwrap() + 1
    );
    assert_eq!(
        after["synthetic"], true,
        "the demo's projects are synthetic"
    );
    // The months add up to the total.
    let months: f64 = after["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["signed"].as_f64().unwrap())
        .sum();
    assert!((months - after["total"]["signed"].as_f64().unwrap()).abs() < 1e-6);
    let xlsx = s
        .get(&format!(
            "/api/invest/stats?year={year}&month={month}&format=xlsx"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
}

fn workbook(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn form(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

const HEADER: [&str; 15] = [
    "项目名称",
    "投资方",
    "投资方国别（地区）",
    "是否外资",
    "统一社会信用代码",
    "行业代码",
    "投资额（万元）",
    "币种",
    "所在市（州）",
    "所在开发区",
    "牵头单位",
    "阶段",
    "阶段日期",
    "到位资金（万元）",
    "备注",
];

#[tokio::test]
async fn a_sheet_with_bad_rows_saves_nothing_and_names_each_row_column_and_field() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let count = s.json("/api/invest/projects").await["items"]
        .as_array()
        .unwrap()
        .len();
    let good = vec![
        "导入项目",
        "投资方甲",
        "KR",
        "是",
        "",
        "39",
        "1000",
        "人民币",
        "cc-gov",
        "cc-etdz",
        "jl-doc",
        "洽谈",
        "2025-01-05",
        "",
        "",
    ];
    let mut bad_zone = good.clone();
    bad_zone[9] = "hc-bezc";
    let mut bad_date = good.clone();
    bad_date[12] = "2025-13-01";
    let mut bad_industry = good.clone();
    bad_industry[5] = "99";
    let bytes = workbook(&[
        HEADER.to_vec(),
        good.clone(),
        bad_zone,
        bad_date,
        bad_industry,
    ]);
    let r = s
        .post("/api/invest/projects/import")
        .multipart(form("清单.xlsx", bytes))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = error_body(r).await;
    let problems: Vec<(u64, &str, &str)> = e["details"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap(),
                p["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [(3, "J", "zone"), (4, "M", "stage_on"), (5, "F", "industry")],
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("清单.xlsx, row 3, column J"),
        "{e}"
    );
    assert_eq!(
        s.json("/api/invest/projects").await["items"]
            .as_array()
            .unwrap()
            .len(),
        count,
        "nothing saved"
    );
    // Hunchun may not enter Changchun's projects: named by row.
    let h = app.login("hunchun").await;
    let r = h
        .post("/api/invest/projects/import")
        .multipart(form("h.xlsx", workbook(&[HEADER.to_vec(), good.clone()])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["row"], 2);
    // The clean sheet imports.
    let r: Value = s
        .post("/api/invest/projects/import")
        .multipart(form("ok.xlsx", workbook(&[HEADER.to_vec(), good])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["imported"], 1, "{r}");
}

#[tokio::test]
async fn the_exported_list_imports_back() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let items = s.json("/api/invest/projects").await["items"]
        .as_array()
        .unwrap()
        .len();
    assert!(items >= 30, "the demo's pipeline");
    let xlsx = s
        .get("/api/invest/projects?format=xlsx&lang=zh")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let r = s
        .post("/api/invest/projects/import")
        .multipart(form("export.xlsx", xlsx.to_vec()))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["imported"], items);
    let template = s.get("/api/invest/projects/template").send().await.unwrap();
    assert_eq!(template.status(), StatusCode::OK);
}
