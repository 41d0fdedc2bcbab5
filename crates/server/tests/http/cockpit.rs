//! The cockpit (`/api/overview`): each card is its module's own figure, narrowed to who asks.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * x.abs().max(1.0),
        _ => a == b,
    }
}

fn card<'a>(o: &'a Value, name: &str) -> &'a Value {
    let c = &o[name];
    assert!(
        c.is_object(),
        "no {name} card in the cockpit: {}",
        o["unavailable"]
    );
    c
}

#[tokio::test]
async fn the_province_cockpit_shows_each_modules_own_figures() {
    let app = spawn_app().await;
    // Alerts exist once an evaluation has run (the tests' servers run none by themselves).
    let commerce = app.login("commerce").await;
    let r = commerce.post("/api/risk/evaluate").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    let s = app.login("leader").await;
    let o = s.json("/api/overview").await;
    assert_eq!(o["scope"]["kind"], "province");
    assert_eq!(o["unavailable"], Value::Array(vec![]), "{o}");

    // Trade: the trade page's summary of the same month.
    let t = card(&o, "trade");
    let (year, month) = t["period"].as_str().unwrap().split_once('-').unwrap();
    let sum = s
        .json(&format!("/api/trade/summary?year={year}&month={month}"))
        .await;
    assert_eq!(
        sum["latest"]["year"].to_string(),
        year.trim_start_matches('0')
    );
    for (mine, theirs) in [("month", "month"), ("ytd", "ytd")] {
        assert!(
            close(&t[mine]["value"], &sum[theirs]["value_cny"]),
            "{t} vs {sum}"
        );
        assert!(close(&t[mine]["yoy_pct"], &sum[theirs]["yoy_pct"]));
    }
    let exports = sum["by_flow"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flow"] == "export")
        .unwrap();
    assert!(close(
        &t["exports_ytd"]["value"],
        &exports["ytd"]["value_cny"]
    ));
    assert_eq!(t["partners"][0]["code"], sum["top_partners"][0]["key"]);
    assert_eq!(t["trend"].as_array().unwrap().len(), 13);
    assert_eq!(t["synthetic"], true);
    assert_eq!(t["city"], Value::Null);
    // The report's sentence states the card's own numbers.
    let yi = |v: &Value| format!("{:.1}亿元", v.as_f64().unwrap() / 1e8);
    let first = o["summary_zh"][0].as_str().unwrap();
    for figure in [
        &t["ytd"]["value"],
        &t["exports_ytd"]["value"],
        &t["imports_ytd"]["value"],
        &t["month"]["value"],
    ] {
        assert!(first.contains(&yi(figure)), "{first} lacks {}", yi(figure));
    }
    assert!(
        first.starts_with(&format!("{year}年1–")) || first.starts_with(&format!("{year}年1月")),
        "{first}"
    );
    assert_eq!(
        o["summary_zh"].as_array().unwrap().len(),
        o["summary_en"].as_array().unwrap().len()
    );

    // Directives: the leaders' summary.
    let d = card(&o, "directives");
    let ts = s.json("/api/tasks/summary").await;
    assert_eq!(d["total"], ts["total"]);
    assert_eq!(d["by_org"][0], ts["by_org"][0]);

    // Appeals: the statistics page.
    let a = card(&o, "appeals");
    let st = s.json("/api/appeals/stats").await;
    assert_eq!(a["total"], st["total"]["total"]);
    assert_eq!(a["open"], st["total"]["open"]);
    assert_eq!(a["past_limit"], st["total"]["escalated"]);

    // Investment: the pipeline's figures of this year to date.
    let i = card(&o, "invest");
    let is = s.json("/api/invest/stats").await;
    assert!(close(&i["signed"], &is["total"]["signed"]), "{i} vs {is}");
    assert!(close(&i["arrived"], &is["total"]["arrived"]));
    assert_eq!(i["at_stage"], is["at_stage"]);

    // Zones: the default assessment's ranking.
    let z = card(&o, "zones");
    let asm = s.json("/api/zones/assessment").await;
    assert_eq!(z["year"], asm["year"]);
    assert_eq!(z["top"][0]["code"], asm["units"][0]["code"]);
    assert_eq!(z["top"][0]["rank"], 1);
    assert_eq!(z["own"], Value::Array(vec![]));

    // Risk: the open alerts by level.
    let k = card(&o, "risk");
    let open = s.json("/api/risk/alerts").await;
    let open = open["items"].as_array().unwrap();
    for level in ["red", "orange", "yellow"] {
        let n = open.iter().filter(|a| a["level"] == level).count();
        assert_eq!(k[level], n, "{level}: {k}");
    }
    assert!(
        !open.is_empty(),
        "the demo's evaluation raises alerts, or this test shows nothing"
    );

    // Channels: the busiest gateway is the one with the highest utilisation.
    let c = card(&o, "channels");
    let top = c["top"].as_array().unwrap();
    assert!(!top.is_empty());
    assert!(c["total_teu"].as_f64().unwrap() > 0.0);
    assert!(c["source"].as_str().unwrap().contains("modelled"));

    // What changed: new serious alerts come before moves.
    let changes = o["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "{o}");
    if let Some(first_move) = changes
        .iter()
        .position(|c| c["kind"] == "partner" || c["kind"] == "zone")
    {
        assert!(
            changes[first_move..]
                .iter()
                .all(|c| c["kind"] == "partner" || c["kind"] == "zone"),
            "{changes:?}"
        );
    }
}

#[tokio::test]
async fn a_city_sees_its_city_trade_zones_and_tasks() {
    let app = spawn_app().await;
    let s = app.login("hunchun").await;
    let o = s.json("/api/overview").await;
    assert_eq!(o["scope"]["kind"], "city");
    assert_eq!(o["scope"]["code"], "222404");

    // Customs figures are kept by prefecture: Hunchun's are Yanbian's (222400).
    let t = card(&o, "trade");
    assert_eq!(t["city"], "222400");
    let (year, month) = t["period"].as_str().unwrap().split_once('-').unwrap();
    let cities = s
        .json(&format!(
            "/api/trade/breakdown?by=city&year={year}&month={month}"
        ))
        .await;
    let yanbian = cities["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "222400")
        .expect("Yanbian in the city breakdown");
    assert!(
        close(&t["ytd"]["value"], &yanbian["value_cny"]),
        "{t} vs {yanbian}"
    );
    let province = app.login("leader").await.json("/api/overview").await;
    assert!(
        t["ytd"]["value"].as_f64().unwrap() < province["trade"]["ytd"]["value"].as_f64().unwrap()
    );

    // Its own tasks, as its task summary counts them.
    let d = card(&o, "directives");
    let ts = s.json("/api/tasks/summary").await;
    assert_eq!(d["total"], ts["total"]);
    assert!(
        d["total"]["total"].as_u64().unwrap()
            < province["directives"]["total"]["total"].as_u64().unwrap()
    );

    // Its zones, with their ranks in the province.
    let z = card(&o, "zones");
    let own = z["own"].as_array().unwrap();
    assert!(own.iter().any(|u| u["code"] == "hc-bezc"), "{z}");
    let registry = s.json("/api/zones").await;
    for u in own {
        let zone = registry["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == u["code"])
            .unwrap();
        assert_eq!(zone["city"], "222404", "{zone}");
    }

    // Its changes name only its own zones (regression: a city was told of Changchun's moves).
    for c in o["changes"].as_array().unwrap() {
        if c["kind"] == "zone" {
            assert!(own.iter().any(|u| u["code"] == c["id"]), "{c}");
        }
    }

    // Appeals assigned to it, as its statistics count them.
    let a = card(&o, "appeals");
    let st = s.json("/api/appeals/stats").await;
    assert_eq!(a["total"], st["total"]["total"]);
}

#[tokio::test]
async fn an_enterprise_sees_its_own_appeals_and_trade_and_nothing_of_others() {
    let app = spawn_app().await;
    let s = app.login("faw").await;
    let o = s.json("/api/overview").await;
    assert_eq!(o["scope"]["kind"], "enterprise");
    let a = card(&o, "appeals");
    let st = s.json("/api/appeals/stats").await;
    assert_eq!(a["total"], st["total"]["total"]);

    // Its own trade: the records carrying the credit code the demo registry gives it, as the
    // trade module's own sliced trend states them to a leader.
    let code = kaifang_model::uscc::DEMO_ENTERPRISE;
    let t = card(&o, "trade");
    assert_eq!(t["enterprise"], code);
    assert_eq!(t["city"], Value::Null);
    assert_eq!(t["synthetic"], true);
    let (year, month) = t["period"].as_str().unwrap().split_once('-').unwrap();
    let leader = app.login("leader").await;
    let trend = leader
        .json(&format!("/api/trade/trend?enterprise={code}"))
        .await;
    let at = trend["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["period"]["year"].as_i64() == year.parse().ok()
                && p["period"]["month"].as_i64() == month.parse().ok()
        })
        .expect("the card's month in the enterprise's trend")
        .clone();
    assert!(
        close(&t["ytd"]["value"], &at["ytd"]["value_cny"]),
        "{t} vs {at}"
    );
    assert!(close(&t["month"]["value"], &at["month"]["value_cny"]));
    let ytd = t["ytd"]["value"].as_f64().unwrap();
    assert!(ytd > 0.0, "the demo enterprise trades: {t}");
    let province = leader.json("/api/overview").await;
    assert!(
        ytd < card(&province, "trade")["ytd"]["value"].as_f64().unwrap(),
        "one enterprise is not the province"
    );
    // Its partners are its own: their sum is at most its total.
    let partners: f64 = t["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ytd"].as_f64().unwrap())
        .sum();
    assert!(partners <= ytd * (1.0 + 1e-9), "{partners} > {ytd}");
    assert!(
        o["summary_zh"][0]
            .as_str()
            .unwrap()
            .contains("中国一汽进出口公司")
    );
    // The enterprise still cannot open the trade module itself.
    let r = s.get("/api/trade/summary").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    for hidden in ["channels", "zones", "directives", "risk", "invest"] {
        assert_eq!(o[hidden], Value::Null, "{hidden} shown to an enterprise");
        assert!(
            o["unavailable"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["card"] == hidden),
            "{hidden}"
        );
    }
    // What changed is its own partners' moves, nothing of the province's.
    for c in o["changes"].as_array().unwrap() {
        assert_eq!(c["kind"], "partner", "{c}");
        assert!(
            t["partners"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == c["id"]),
            "{c} is not one of its partners"
        );
    }
}

#[tokio::test]
async fn an_enterprise_without_a_credit_code_is_told_why_it_sees_no_trade() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let faw = app.login("faw").await;
    let id = app.org_id("faw-ie").await;
    let r = admin
        .request(reqwest::Method::PUT, &format!("/api/orgs/{id}/uscc"))
        .json(&serde_json::json!({ "uscc": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let o = faw.json("/api/overview").await;
    assert_eq!(o["trade"], Value::Null);
    let why = o["unavailable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["card"] == "trade")
        .expect("the trade card is listed as unavailable")
        .clone();
    assert!(
        why["reason"].as_str().unwrap().contains("credit code"),
        "{why}"
    );
    // A code that fails its check character is refused, naming the field.
    let r = admin
        .request(reqwest::Method::PUT, &format!("/api/orgs/{id}/uscc"))
        .json(&serde_json::json!({ "uscc": "91220101MA00FAW010" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("uscc"));
}

#[tokio::test]
async fn the_registry_counts_are_for_the_provincial_level() {
    let app = spawn_app().await;
    let r = app
        .login("hunchun")
        .await
        .get("/api/registry/counts")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let o = app.login("admin").await.json("/api/registry/counts").await;
    assert!(o["organisations_by_kind"].as_array().unwrap().len() >= 4);
}

#[tokio::test]
async fn the_cockpit_of_a_month_is_what_its_bulletin_says() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let latest = s.json("/api/overview").await;
    let period = latest["trade"]["period"].as_str().unwrap().to_string();
    let o = s.json(&format!("/api/overview?month={period}")).await;
    assert_eq!(o["trade"]["period"], period.as_str());
    // Investment of that month's year, not this year's.
    assert_eq!(o["invest"]["year"].to_string(), period[..4]);
    let r = s.get("/api/overview?month=2025-13").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["field"], "month");
}

#[tokio::test]
async fn the_latest_criticality_study_names_the_most_critical_link() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    let before = s.json("/api/overview").await;
    assert_eq!(
        before["channels"]["critical_link"],
        Value::Null,
        "no study yet"
    );
    // A small study: three links of the network closed in turn.
    let network = s.json("/api/channels/network").await;
    let links: Vec<Value> = network["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["feature"] == "link")
        .take(3)
        .map(|f| f["properties"]["link_id"].clone())
        .collect();
    let r = s
        .post("/api/assign/runs")
        .json(&serde_json::json!({ "kind": "critical", "which": "links", "only": links }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
    let job: Value = r.json().await.unwrap();
    let done = finished(&s, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let top = done["result"]["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["element"]["kind"] == "link")
        .unwrap()
        .clone();
    let o = s.json("/api/overview").await;
    let c = &o["channels"]["critical_link"];
    assert_eq!(c["id"], top["element"]["id"], "{c}");
    assert_eq!(c["study"], job["id"]);
    assert!(close(&c["unserved"], &top["unserved"]));
}
