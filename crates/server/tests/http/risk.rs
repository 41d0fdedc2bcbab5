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
