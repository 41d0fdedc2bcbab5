//! The open-channels API on the real application: the network for the map, place search,
//! routes that respect borders, scenarios that reroute, explanations for what cannot be
//! routed, and refusals that name the field.

use crate::common::{Session, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn route(s: &Session, body: Value) -> (StatusCode, Value) {
    let r = s
        .post("/api/channels/route")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

fn countries(route: &Value) -> Vec<String> {
    route["countries"]
        .as_array()
        .expect("countries")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

fn crosses(route: &Value, country: &str) -> bool {
    countries(route).iter().any(|c| c == country)
        || route["border_crossings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| {
                c["countries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == country)
            })
}

#[tokio::test]
async fn the_network_is_geojson_with_modes_and_sources() {
    let app = spawn_app().await;
    let s = app.login("faw").await;
    let doc = s.json("/api/channels/network").await;
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().unwrap();
    let nodes: Vec<&Value> = features
        .iter()
        .filter(|f| f["properties"]["feature"] == "node")
        .collect();
    let links: Vec<&Value> = features
        .iter()
        .filter(|f| f["properties"]["feature"] == "link")
        .collect();
    assert!(
        nodes.len() > 50 && links.len() > 50,
        "{} nodes, {} links",
        nodes.len(),
        links.len()
    );
    assert!(nodes.iter().all(|n| n["geometry"]["type"] == "Point"));
    assert!(links.iter().all(|l| l["geometry"]["type"] == "LineString"
        && l["properties"]["mode"].is_string()
        && l["properties"]["source"].is_string()));
    let quanhe = nodes
        .iter()
        .find(|n| n["properties"]["node_id"] == "cn-kp-quanhe")
        .expect("the Quanhe crossing");
    assert_eq!(quanhe["properties"]["node_type"], "border_crossing");
    assert_eq!(quanhe["properties"]["crossing_countries"], "CN-KP");

    let x = s
        .get("/api/channels/network?format=xlsx&table=links")
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    assert!(
        x.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("channel-links.xlsx")
    );
    assert_eq!(&x.bytes().await.unwrap()[..2], b"PK");
}

#[tokio::test]
async fn places_are_found_in_chinese_english_and_by_locode() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    for (q, id) in [
        ("长春", "changchun"),
        ("busan", "busan"),
        ("KRPUS", "busan"),
        ("罗津", "rajin"),
    ] {
        let found = s
            .json(&format!("/api/channels/places?q={}", urlencode(q)))
            .await;
        assert_eq!(found["items"][0]["id"], id, "{q}: {found}");
    }
    let none = s.json("/api/channels/places?q=atlantis").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    let scenarios = s.json("/api/channels/scenarios").await;
    let names: Vec<&str> = scenarios["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"dprk-closed") && names.contains(&"rajin-reopened"),
        "{names:?}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn changchun_to_busan_never_crosses_into_the_dprk() {
    let app = spawn_app().await;
    let s = app.login("hunchun").await;
    let (status, answer) = route(
        &s,
        json!({"from": "长春", "to": "Busan", "cargo": "container", "teu": 1, "value": "30000USD", "alternatives": 3}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["unreachable"].is_null());
    assert_eq!(answer["from"]["id"], "changchun");
    let routes = answer["routes"].as_array().unwrap();
    assert!(routes.len() >= 2, "{answer}");
    for r in routes {
        assert!(!crosses(r, "KP"), "{r}");
        let legs = r["legs"].as_array().unwrap();
        assert!(!legs.is_empty());
        for l in legs {
            for k in ["km", "hours", "cost_cny", "co2_kg"] {
                assert!(l[k].as_f64().is_some_and(|v| v >= 0.0), "{k} in {l}");
            }
        }
        // Korea is reached by sea or air, never over land.
        let last = legs.last().unwrap();
        assert!(last["mode"] == "sea" || last["mode"] == "air", "{last}");
        assert_eq!(r["geometry"]["type"], "LineString");
        assert!(r["geometry"]["coordinates"].as_array().unwrap().len() >= 2);
        let km: f64 = legs.iter().map(|l| l["km"].as_f64().unwrap()).sum();
        assert!((km - r["total"]["km"].as_f64().unwrap()).abs() < 1.0);
    }
    let corridors: Vec<&Value> = routes.iter().map(|r| &r["corridor"]).collect();
    for (i, c) in corridors.iter().enumerate() {
        assert!(
            !corridors[..i].contains(c),
            "two routes share the corridor {c}"
        );
    }
}

#[tokio::test]
async fn closing_the_dprk_reroutes_hunchun_to_busan() {
    let app = spawn_app().await;
    let s = app.login("commerce").await;
    // With the Rajin sailings resumed and Russia avoided, Hunchun's boxes go through Rajin.
    let base =
        json!({"from": "珲春", "to": "Busan", "scenario": "rajin-reopened", "avoid": ["RU"]});
    let (status, via_kp) = route(&s, base.clone()).await;
    assert_eq!(status, StatusCode::OK, "{via_kp}");
    assert!(crosses(&via_kp["routes"][0], "KP"), "{via_kp}");

    // Avoiding the DPRK as well: through Dalian or Yingkou.
    let mut avoid = base.clone();
    avoid["avoid"] = json!(["RU", "KP"]);
    let (_, rerouted) = route(&s, avoid).await;
    let r = &rerouted["routes"][0];
    assert!(!crosses(r, "KP") && !crosses(r, "RU"), "{r}");
    assert!(
        r["corridor"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "dalian" || g == "yingkou"),
        "{}",
        r["corridor"]
    );

    // The same shipment compared between the scenario and the network as it is with every
    // DPRK crossing closed.
    let cmp: Value = s
        .post("/api/channels/compare")
        .json(&json!({
            "request": {"from": "珲春", "to": "Busan", "avoid": ["RU"], "alternatives": 2},
            "scenario_a": "rajin-reopened",
            "scenario_b": "dprk-closed",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cmp["a"], "rajin-reopened");
    assert_eq!(cmp["b"], "dprk-closed");
    assert!(crosses(&cmp["route_a"], "KP"), "{cmp}");
    assert!(!crosses(&cmp["route_b"], "KP"), "{cmp}");
    assert!(cmp["difference"]["cost_cny"].is_number(), "{cmp}");
}

#[tokio::test]
async fn an_unreachable_destination_says_what_blocks_it() {
    let app = spawn_app().await;
    let s = app.login("faw").await;
    // No road crosses into Korea.
    let (status, answer) = route(
        &s,
        json!({"from": "长春", "to": "Busan", "modes": ["road"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["routes"].as_array().unwrap().is_empty());
    let why = &answer["unreachable"];
    assert!(
        why["message"].as_str().unwrap().contains("no route"),
        "{why}"
    );
    let blockers = why["blocked_by"].as_array().unwrap();
    assert!(
        blockers
            .iter()
            .any(|b| b["restriction"].as_str().unwrap().contains("modes")),
        "{why}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let s = app.login("leader").await;
    for (body, field) in [
        (json!({"from": "Atlantis", "to": "Busan"}), "from"),
        (json!({"from": "长春", "to": ""}), "to"),
        (
            json!({"from": "长春", "to": "Busan", "cargo": "livestock"}),
            "cargo",
        ),
        (json!({"from": "长春", "to": "Busan", "teu": -1}), "teu"),
        (
            json!({"from": "长春", "to": "Busan", "value": "lots"}),
            "value",
        ),
        (
            json!({"from": "长春", "to": "Busan", "modes": ["teleport"]}),
            "modes",
        ),
        (
            json!({"from": "长春", "to": "Busan", "avoid": ["Atlantis"]}),
            "avoid",
        ),
        (json!({"from": "长春", "to": "Busan", "month": 13}), "month"),
        (
            json!({"from": "长春", "to": "Busan", "alternatives": 50}),
            "alternatives",
        ),
        (
            json!({"from": "长春", "to": "Busan", "scenario": "no-such"}),
            "scenario",
        ),
        (
            json!({"from": "长春", "to": "Busan", "regime": "smuggling"}),
            "regime",
        ),
    ] {
        let r = s
            .post("/api/channels/route")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let e = crate::common::error_body(r).await;
        assert_eq!(e["code"], "invalid");
        assert_eq!(e["details"]["field"], field, "{body}: {e}");
        assert!(e["message"].as_str().unwrap().starts_with(field), "{e}");
    }
    // The same place at both ends is not an error.
    let (status, same) = route(&s, json!({"from": "长春", "to": "Changchun"})).await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["routes"][0]["total"]["km"], 0.0, "{same}");
    assert!(same["routes"][0]["legs"].as_array().unwrap().is_empty());
    assert_eq!(
        same["routes"][0]["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // An unknown field and a malformed body leave as the one error body too.
    let r = s
        .post("/api/channels/route")
        .json(&json!({"from": "长春", "to": "Busan", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        crate::common::error_body(r).await["message"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
    let r = s
        .post("/api/channels/compare")
        .json(&json!({"request": {"from": "长春", "to": "Busan"}, "scenario_b": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        crate::common::error_body(r).await["details"]["field"],
        "scenario_b"
    );
}
