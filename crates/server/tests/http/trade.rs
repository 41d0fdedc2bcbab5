//! The foreign-trade API on the demo directory: figures equal the library's, drill-down,
//! Excel export, parameter errors, read-only SQL, and the import job.

use crate::common::{TestApp, error_body, finished, spawn_app, upload_id};
use kaifang_trade::{Dimension, Filter, Flow, TradeStore};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The same store the server serves, opened by the library (reading only).
fn library(app: &TestApp) -> TradeStore {
    TradeStore::open(&app.dir.path().join("data")).expect("open trade store")
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {a}"));
    assert!(
        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
        "{what}: API {a} vs library {b}"
    );
}

#[tokio::test]
async fn the_api_answers_the_library_figures_and_says_synthetic() {
    let app = spawn_app().await;
    let lib = library(&app);
    assert!(lib.synthetic() && !lib.is_empty());
    let latest = lib.latest_period().unwrap();
    let (y, m) = (latest.year, latest.month);
    let s = app.login("commerce").await;

    // Summary, by default the latest month.
    let api = s.json("/api/trade/summary").await;
    let want = kaifang_trade::summary(&lib, y, m).await.unwrap();
    assert_eq!(api["synthetic"], true);
    assert_eq!(api["period"], json!({ "year": y, "month": m }));
    close(&api["month"]["value_cny"], want.month.value_cny, "month");
    close(&api["ytd"]["value_cny"], want.ytd.value_cny, "ytd");
    close(&api["ytd"]["yoy_pct"], want.ytd.yoy_pct.unwrap(), "ytd yoy");
    assert_eq!(api["top_partners"][0]["key"], want.top_partners[0].key);

    // An earlier month, exports only, the month alone, by partner.
    let f = Filter {
        flow: Some(Flow::Export),
        cumulative: false,
        top: Some(5),
        ..Filter::new(2023, 6).unwrap()
    };
    let api = s
        .json("/api/trade/breakdown?by=partner&year=2023&month=6&flow=export&month_only=true&top=5")
        .await;
    let want = kaifang_trade::breakdown(&lib, Dimension::Partner, &f)
        .await
        .unwrap();
    assert_eq!(api["synthetic"], true);
    close(&api["total"]["value_cny"], want.total.value_cny, "total");
    let rows = api["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for (a, w) in rows.iter().zip(&want.rows) {
        assert_eq!(a["key"], w.key);
        close(&a["value_cny"], w.value_cny, &w.key);
        assert_eq!(a["iso2"].as_str(), w.iso2.as_deref(), "partners carry iso2");
    }

    let api = s.json("/api/trade/trend?flow=import").await;
    let want = kaifang_trade::trend(&lib, Some(Flow::Import))
        .await
        .unwrap();
    assert_eq!(api["synthetic"], true);
    let items = api["items"].as_array().unwrap();
    assert_eq!(items.len(), want.len());
    close(
        &items[30]["ytd"]["value_cny"],
        want[30].ytd.value_cny,
        "trend ytd",
    );

    let api = s.json("/api/trade/concentration?year=2024&month=12").await;
    let want = kaifang_trade::concentration(&lib, &Filter::new(2024, 12).unwrap())
        .await
        .unwrap();
    assert_eq!(api["synthetic"], true);
    close(&api["by_partner"]["hhi"], want.by_partner.hhi, "hhi");
    close(
        &api["by_product"]["top5_share_pct"],
        want.by_product.top5_share_pct,
        "top5",
    );

    let api = s.json("/api/trade/dynamics?year=2024&month=12").await;
    let want = kaifang_trade::enterprise_dynamics(&lib, &Filter::new(2024, 12).unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(api["synthetic"], true);
    assert_eq!(api["by_flow"][0]["entrants"], want.by_flow[0].entrants);
    assert_eq!(api["by_flow"][1]["active"], want.by_flow[1].active);

    for path in [
        "/api/trade/rca?year=2024&month=12",
        "/api/trade/price-volume?year=2024&month=12",
    ] {
        assert_eq!(s.json(path).await["synthetic"], true, "{path}");
    }
}

#[tokio::test]
async fn a_drill_down_slices_the_records() {
    let app = spawn_app().await;
    let lib = library(&app);
    let s = app.login("leader").await;
    // Russia (customs code 344), 2024 year to date by city.
    let api = s
        .json("/api/trade/breakdown?by=city&year=2024&month=12&partner=344")
        .await;
    assert_eq!(api["slice"]["conds"][0], json!(["partner", "344"]));
    let want = lib
        .sql(
            "SELECT SUM(value_cny) FROM records WHERE year = 2024 AND partner = '344'",
            1,
        )
        .await
        .unwrap();
    let want = want.rows[0][0].as_f64().unwrap();
    close(&api["total"]["value_cny"], want, "slice total");
    let sum: f64 = api["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value_cny"].as_f64().unwrap())
        .sum();
    assert!((sum - want).abs() < 1e-3 * want, "rows add up to the total");
    assert!(
        api["rows"][0]["name_zh"].as_str().unwrap().ends_with('市')
            || api["rows"][0]["name_zh"].as_str().unwrap().ends_with('州'),
        "cities are named: {}",
        api["rows"][0]
    );
    // The sliced trend of 2024 adds up to the same.
    let trend = s.json("/api/trade/trend?partner=344").await;
    let dec = trend["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == json!({ "year": 2024, "month": 12 }))
        .unwrap()
        .clone();
    close(&dec["ytd"]["value_cny"], want, "sliced trend");
    // Search in the enterprise table.
    let all = s
        .json("/api/trade/breakdown?by=enterprise&year=2024&month=12")
        .await;
    let name = all["rows"][3]["name_zh"].as_str().unwrap().to_string();
    let found = s
        .json(&format!(
            "/api/trade/breakdown?by=enterprise&year=2024&month=12&q={}",
            urlencode(&name)
        ))
        .await;
    assert_eq!(found["rows"].as_array().unwrap().len(), 1);
    assert_eq!(found["rows"][0]["name_zh"], name.as_str());
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn breakdowns_export_to_excel() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let r = s
        .get("/api/trade/breakdown?by=chapter&year=2024&month=12&format=xlsx&lang=en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("trade-chapters.xlsx")
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip");
    assert!(bytes.len() > 2000);
}

#[tokio::test]
async fn a_bad_parameter_is_422_naming_it() {
    let app = spawn_app().await;
    let s = app.login("admin").await;
    for (query, field) in [
        ("by=planet", "by"),
        ("by=partner&year=2024&month=13", "month"),
        ("by=partner&year=abc&month=1", "year"),
        ("by=partner&month=3", "year"),
        ("by=partner&flow=sideways", "flow"),
        ("by=partner&partner=12", "partner"),
        ("by=partner&section=30", "section"),
        ("by=partner&top=-1", "top"),
        ("by=partner&format=pdf", "format"),
        ("by=partner_group&city=220100", "by"),
        ("", "by"),
    ] {
        let r = s
            .get(&format!("/api/trade/breakdown?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = error_body(r).await;
        assert_eq!(body["details"]["field"], field, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().starts_with(field),
            "{body}"
        );
    }
}

#[tokio::test]
async fn sql_reads_and_refuses_writes() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let sql = |q: &str| s.post("/api/trade/sql").json(&json!({ "query": q })).send();
    let r = sql("SELECT flow, SUM(value_cny) AS v FROM agg_total WHERE year = 2023 GROUP BY flow ORDER BY flow").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["columns"], json!(["flow", "v"]));
    assert_eq!(body["rows"].as_array().unwrap().len(), 2);
    assert_eq!(body["synthetic"], true);
    let before = crate::common::snapshot_dir(&app.dir.path().join("data/trade"));
    let out = app.dir.path().join("leak.parquet");
    for q in [
        format!("COPY (SELECT * FROM agg_total) TO '{}'", out.display()),
        "CREATE TABLE t AS SELECT 1".to_string(),
        "INSERT INTO agg_total SELECT * FROM agg_total".to_string(),
        "SET datafusion.execution.batch_size = 1".to_string(),
        "DROP TABLE records".to_string(),
    ] {
        let r = sql(&q).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let body = error_body(r).await;
        assert_eq!(body["code"], "refused", "{q}: {body}");
    }
    assert!(!out.exists());
    assert_eq!(
        before,
        crate::common::snapshot_dir(&app.dir.path().join("data/trade"))
    );
    let r = sql("SELECT nonsense FROM nowhere").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn commerce_imports_customs_statistics_as_a_job() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let header = "period,flow,commodity,partner,trade_mode,region,value_cny";
    // A bad file fails the job with the file, row and column, and changes nothing.
    let before = crate::common::snapshot_dir(&app.dir.path().join("data/trade"));
    let bad = upload_id(&s,
        "bad.csv",
        format!("{header}\n2026-01,export,87032300,344,0110,220104,1000\n2026-01,export,87032300,344,0110,220104,-5\n"),
    )
    .await;
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": [bad] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let job = finished(&s, r.json::<Value>().await.unwrap()["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "failed", "{job}");
    let message = job["message"].as_str().unwrap();
    assert!(
        message.starts_with("bad.csv, row 3, column value_cny"),
        "{message}"
    );
    assert_eq!(
        before,
        crate::common::snapshot_dir(&app.dir.path().join("data/trade"))
    );

    let good = upload_id(&s,
        "jan.csv",
        format!("{header}\n2026-01,export,87032300,344,0110,220104,1000\n2026-01,export,87089900,304,0110,220106,234\n"),
    )
    .await;
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": [good] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let job = finished(&s, r.json::<Value>().await.unwrap()["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["rows"], 2);
    // The server serves the new month at once, and the store is no longer all synthetic.
    let api = s.json("/api/trade/summary").await;
    assert_eq!(api["period"], json!({ "year": 2026, "month": 1 }));
    let exports = api["by_flow"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flow"] == "export")
        .unwrap();
    assert_eq!(exports["month"]["value_cny"], 1234.0);
    assert_eq!(api["synthetic"], false);

    // A flow is needed when the file has none, and uploads must exist.
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": [good], "flow": "both" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["field"], "flow");
    let r = s
        .post("/api/trade/imports")
        .json(&json!({ "upload_ids": [999999] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn enterprises_see_no_trade_statistics_and_cities_no_single_enterprises() {
    let app = spawn_app().await;
    let faw = app.login("faw").await;
    let r = faw.get("/api/trade/summary").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let hunchun = app.login("hunchun").await;
    assert_eq!(
        hunchun.json("/api/trade/breakdown?by=city").await["synthetic"],
        true
    );
    let r = hunchun
        .get("/api/trade/breakdown?by=enterprise")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn end_use_breakdown_cites_its_source_and_adds_up() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let b = s
        .json("/api/trade/breakdown?by=bec&year=2024&month=12")
        .await;
    assert!(b["source"].as_str().unwrap().contains("BEC Rev.4"), "{b}");
    let rows = b["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["key"] == "intermediate"), "{b}");
    let sum: f64 = rows.iter().map(|r| r["value_cny"].as_f64().unwrap()).sum();
    close(&b["total"]["value_cny"], sum, "classes add up to the total");
    // Within a drill-down too.
    let b = s
        .json("/api/trade/breakdown?by=bec&year=2024&month=12&partner=344")
        .await;
    assert_eq!(b["slice"]["conds"][0], json!(["partner", "344"]));
    assert!(b["source"].is_string());
}

/// With `[trade] ballista` naming a scheduler that does not answer, the queries that would go
/// to the cluster answer 503 naming it, and the dashboard, read from memory, still answers.
#[tokio::test]
async fn a_trade_cluster_that_does_not_answer_is_a_503_and_the_dashboard_still_answers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("df://127.0.0.1:{port}");
    let cluster = url.clone();
    let app = crate::common::spawn_app_with(move |c| c.trade.ballista = Some(cluster)).await;
    let s = app.login("leader").await;
    let r = s
        .get("/api/trade/rca?year=2024&month=12")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = error_body(r).await;
    assert_eq!(body["code"], "cluster_unavailable", "{body}");
    assert!(body.to_string().contains(&url), "{body}");
    let summary = s
        .get("/api/trade/summary?year=2024&month=12")
        .send()
        .await
        .unwrap();
    assert_eq!(summary.status(), StatusCode::OK);
}
