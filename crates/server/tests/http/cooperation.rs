//! Cooperation over HTTP: the registry with its sourced and synthetic partners for the map, a
//! partner changed on the version read (409 when stale), an exchange recorded by the city
//! that led it and refused to one that did not, arrivals imported from a statistics table with
//! every bad row named and nothing saved, and the ports of entry with the policies that apply.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn the_registry_shows_sourced_and_synthetic_partners_and_a_stale_change_is_refused() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let list = s.json("/api/cooperation/partners").await;
    let items = list["items"].as_array().unwrap();
    let zj = items
        .iter()
        .find(|p| p["code"] == "zj-counterpart")
        .unwrap();
    assert_eq!(zj["synthetic"], false);
    assert_eq!(zj["verified"], true);
    assert!(zj["source"].as_str().unwrap().contains("2017"), "{zj}");
    assert!(
        items
            .iter()
            .any(|p| p["kind"] == "liaison_office" && p["synthetic"] == true),
        "the demo's offices are labelled synthetic"
    );
    let offices = s
        .json("/api/cooperation/partners?kind=liaison_office")
        .await;
    assert!(
        offices["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] == "liaison_office")
    );

    let id = zj["id"].as_i64().unwrap();
    let patch = |body: Value| {
        s.request(Method::PATCH, &format!("/api/cooperation/partners/{id}"))
            .json(&body)
            .send()
    };
    let r = patch(json!({ "version": 1, "contacts": [{ "name": "对口合作联络员", "phone": "0431-0000000" }] }))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let stale = patch(json!({ "version": 1, "status": "ended" }))
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let body = error_body(stale).await;
    assert_eq!(body["details"]["current"]["version"], 2, "{body}");
    let now = s.json(&format!("/api/cooperation/partners/{id}")).await;
    assert_eq!(now["status"], "active");
    assert_eq!(now["contacts"][0]["name"], "对口合作联络员");

    // A city reads the registry but does not keep it; an enterprise does not read it.
    let city = app.login("hunchun").await;
    let r = city
        .request(Method::PATCH, &format!("/api/cooperation/partners/{id}"))
        .json(&json!({ "version": 2, "status": "ended" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let firm = app.login("faw").await;
    let r = firm.get("/api/cooperation/partners").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_city_records_the_exchange_it_led_and_not_one_led_by_another() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let orgs = admin.json("/api/orgs").await;
    let org = |code: &str| {
        orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == code)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let s = app.login("hunchun").await;
    let partners = s
        .json("/api/cooperation/partners?kind=friendly_province")
        .await;
    let primorsky = partners["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "ru-primorsky")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let body = |lead: i64| {
        json!({
            "title": "滨海边疆区旅游代表团来访", "kind": "tourism", "direction": "inbound",
            "starts_on": "2025-06-02", "ends_on": "2025-06-03", "place": "珲春", "country": "RU",
            "participants": 14, "agreements": 1, "lead_org_id": lead, "partner_ids": [primorsky],
        })
    };
    let r = s
        .post("/api/cooperation/activities")
        .json(&body(org("hc-gov")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let r = s
        .post("/api/cooperation/activities")
        .json(&body(org("cc-gov")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let of_partner = s
        .json(&format!("/api/cooperation/partners/{primorsky}/activities"))
        .await;
    assert!(
        of_partner["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["title"] == "滨海边疆区旅游代表团来访")
    );
    let summary = s
        .json("/api/cooperation/activities/summary?year=2025")
        .await;
    assert!(summary["inbound"].as_u64().unwrap() >= 1, "{summary}");
    assert!(summary["participants"].as_i64().unwrap() >= 14, "{summary}");
}

fn form(name: &str, bytes: &[u8]) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    )
}

#[tokio::test]
async fn arrivals_import_from_a_statistics_table_all_or_nothing() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    let demo = s.json("/api/cooperation/tourism").await;
    assert_eq!(
        demo["synthetic"], true,
        "the demo's arrivals say they are synthetic"
    );
    assert_eq!(demo["figures"]["markets"][0]["market"], "RU", "{demo}");

    let bad =
        "月份,客源市场,入境游客（人次）\n2030-01,俄罗斯,100\n2030-02,火星,50\n2030-03,韩国,abc\n";
    let r = s
        .post("/api/cooperation/tourism/import")
        .multipart(form("入境旅游.csv", bad.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = error_body(r).await;
    let text = body.to_string();
    assert!(text.contains("入境旅游.csv"), "the file is named: {text}");
    let problems = body["details"]["problems"]
        .as_array()
        .expect("problems listed");
    let at: Vec<(i64, &str)> = problems
        .iter()
        .map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap()))
        .collect();
    assert_eq!(at, [(3, "B"), (4, "C")], "{body}");
    let none = s.json("/api/cooperation/tourism?year=2030").await;
    assert_eq!(
        none["figures"]["visitors"], 0,
        "nothing of the bad table was saved"
    );

    let good = "月份,客源市场,入境游客（人次）\n2030-01,俄罗斯,100\n2030-01,韩国,50\n";
    let r = s
        .post("/api/cooperation/tourism/import")
        .multipart(form("ok.csv", good.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let y = s.json("/api/cooperation/tourism?year=2030").await;
    assert_eq!(y["figures"]["visitors"], 150);
    assert_eq!(y["synthetic"], false);
    assert_eq!(y["sources"][0], "imported from ok.csv");

    let city = app.login("hunchun").await;
    let r = city
        .post("/api/cooperation/tourism/import")
        .multipart(form("ok.csv", good.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_signed_in_caller_sees_the_ports_of_entry_and_their_policies() {
    let app = spawn_app().await;
    let firm = app.login("faw").await;
    let e = firm.json("/api/cooperation/entry").await;
    let ports = e["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 16);
    let hunchun = ports
        .iter()
        .find(|p| p["node"] == "cn-ru-hunchun-rail")
        .unwrap();
    assert_eq!(hunchun["neighbour"], "RU");
    assert_eq!(hunchun["mode"], "rail");
    assert!(
        e["policies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p["source"].as_str().unwrap().is_empty())
    );
}
