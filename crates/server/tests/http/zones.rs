//! The development zones' assessment over HTTP: the registry, the framework, the ranking with
//! rank intervals, custom weights, bad input, the per-zone report, sensitivity and the XLSX
//! export.

use crate::common::{TestApp, error_body, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;

async fn commerce(app: &TestApp) -> crate::common::Session {
    app.login("commerce").await
}

fn ranks(v: &Value) -> Vec<(String, u64)> {
    v["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["code"].as_str().unwrap().to_string(),
                u["rank"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_registry_and_the_framework() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    let zones = s.json("/api/zones").await;
    let items = zones["items"].as_array().unwrap();
    assert!(items.len() >= 10, "{} zones", items.len());
    let cc = items.iter().find(|z| z["code"] == "cc-etdz").unwrap();
    assert_eq!(cc["type"], "etdz");
    assert_eq!(cc["level"], "national");
    assert_eq!(cc["city"], "220100");
    assert_eq!(cc["assessed"], true);
    assert!(cc["source"].as_str().unwrap().contains("MOFCOM"));

    let fw = s.json("/api/zones/framework").await;
    let nodes = fw["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["code"], fw["index"]);
    let pillars: Vec<&Value> = nodes.iter().filter(|n| n["level"] == 2).collect();
    let shares: Vec<f64> = pillars
        .iter()
        .map(|p| p["share"].as_f64().unwrap())
        .collect();
    // MOFCOM 2021: 30, 30, 15, 15, 10.
    assert_eq!(pillars[0]["code"], "open");
    for (got, want) in shares.iter().zip([0.3, 0.3, 0.15, 0.15, 0.1]) {
        assert!((got - want).abs() < 1e-9, "{shares:?}");
    }
    assert!(
        nodes
            .iter()
            .filter(|n| n["level"] == 1)
            .all(|n| n["source"].is_string() && n["parent"].is_string())
    );
}

#[tokio::test]
async fn the_ranking_is_sorted_labelled_synthetic_and_intervals_contain_the_rank() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    let started = std::time::Instant::now();
    let r = s.json("/api/zones/assessment?uncertainty=1000").await;
    let took = started.elapsed();
    eprintln!("assessment with 1000 runs: {took:?}");
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    assert_eq!(r["synthetic"], true);
    assert_eq!(r["uncertainty"]["runs"], 1000);
    let year = r["year"].as_i64().unwrap();
    assert_eq!(r["previous_year"].as_i64(), Some(year - 1));
    let units = r["units"].as_array().unwrap();
    assert!(units.len() >= 10);
    let rs: Vec<u64> = units.iter().map(|u| u["rank"].as_u64().unwrap()).collect();
    assert!(rs.windows(2).all(|w| w[0] <= w[1]), "{rs:?}");
    assert_eq!(rs[0], 1);
    let index = r["index"].as_str().unwrap();
    let scores: Vec<f64> = units
        .iter()
        .map(|u| u["scores"][index].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for u in units {
        let rank = u["rank"].as_f64().unwrap();
        let b = &u["rank_interval"];
        let (lo, hi) = (b["p05"].as_f64().unwrap(), b["p95"].as_f64().unwrap());
        assert!(
            lo <= rank && rank <= hi,
            "{}: {rank} not in [{lo}, {hi}]",
            u["code"]
        );
        // Movement is last year's rank minus this year's.
        if let (Some(prev), Some(m)) = (u["previous_rank"].as_i64(), u["movement"].as_i64()) {
            assert_eq!(m, prev - rank as i64);
        }
        assert!(u["placement"]["quadrant"].is_string());
        assert!(!u["suggestions"].as_array().unwrap().is_empty());
    }
    // The radar's reference line: a median per column.
    let cols = r["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 6);
    assert!(cols.iter().all(|c| c["median"].is_number()));
    assert!(
        r["typology"]["rule_zh"]
            .as_str()
            .unwrap()
            .contains("中位数")
    );

    // A second identical request comes from the cache.
    let started = std::time::Instant::now();
    let again = s.json("/api/zones/assessment?uncertainty=1000").await;
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
    assert_eq!(again["units"], r["units"]);

    // An earlier year has no interval when asked for none.
    let old = s
        .json(&format!(
            "/api/zones/assessment?year={}&uncertainty=0",
            year - 2
        ))
        .await;
    assert_eq!(old["year"].as_i64(), Some(year - 2));
    assert!(old["units"][0]["rank_interval"].is_null());
}

#[tokio::test]
async fn other_weights_change_the_ranking_deterministically() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    let base = ranks(&s.json("/api/zones/assessment?uncertainty=0").await);
    let q =
        "/api/zones/assessment?uncertainty=0&weights=open:0,quality:0,innov:0,green:100,coord:0";
    let green = s.json(q).await;
    assert_eq!(green["weights"]["green"], 100.0);
    let green_col = green["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "green")
        .unwrap()
        .clone();
    assert_eq!(green_col["weight"], 1.0);
    let by_green = ranks(&green);
    assert_ne!(base, by_green, "only green counts: another order");
    // With only green development weighted, the index is the green pillar's score.
    for u in green["units"].as_array().unwrap() {
        let (i, g) = (
            u["scores"]["Index"].as_f64().unwrap(),
            u["scores"]["green"].as_f64().unwrap(),
        );
        assert!((i - g).abs() < 1e-9);
    }
    // The same question twice: the same answer.
    assert_eq!(ranks(&s.json(q).await), by_green);
    // Equal pillar weights give a third ordering that is still complete and sorted.
    let equal = ranks(
        &s.json(
            "/api/zones/assessment?uncertainty=0&weights=open:1,quality:1,innov:1,green:1,coord:1",
        )
        .await,
    );
    assert_eq!(equal.len(), base.len());
}

#[tokio::test]
async fn bad_parameters_are_422_naming_the_field() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    for (query, field, needle) in [
        ("weights=open:abc", "weights", "open"),
        ("weights=nope:3", "weights", "nope"),
        ("weights=open", "weights", "CODE:WEIGHT"),
        ("weights=open:-1", "weights", "≥ 0"),
        ("weights=open:1,open:2", "weights", "twice"),
        ("weights=Index:3", "weights", "index"),
        (
            "weights=open:0,quality:0,innov:0,green:0,coord:0",
            "weights",
            "",
        ),
        ("year=1999", "year", "1999"),
        ("year=abc", "year", "abc"),
        ("uncertainty=20000", "uncertainty", "20000"),
        ("uncertainty=-1", "uncertainty", "-1"),
    ] {
        // No Monte Carlo runs, except where the number of runs is the question.
        let path = if query.starts_with("uncertainty") {
            format!("/api/zones/assessment?{query}")
        } else {
            format!("/api/zones/assessment?uncertainty=0&{query}")
        };
        let r = s.get(&path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = error_body(r).await;
        assert_eq!(body["details"]["field"], field, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{query}: {body}"
        );
    }
    let r = s
        .get("/api/zones/sensitivity?samples=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["field"], "samples");
}

#[tokio::test]
async fn one_zones_report() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    let all = s.json("/api/zones/assessment?uncertainty=200").await;
    let seventh = &all["units"][6];
    let code = seventh["code"].as_str().unwrap();
    let r = s
        .json(&format!("/api/zones/{code}/report?uncertainty=200"))
        .await;
    assert_eq!(r["synthetic"], true);
    assert_eq!(r["zone"]["code"], code);
    assert_eq!(r["unit"]["rank"], 7);
    assert_eq!(r["unit"]["rank_interval"], seventh["rank_interval"]);
    assert_eq!(
        r["n_units"].as_u64().unwrap() as usize,
        all["units"].as_array().unwrap().len()
    );
    assert_eq!(r["columns"], all["columns"]);
    let history = r["history"].as_array().unwrap();
    assert_eq!(history.len(), all["years"].as_array().unwrap().len());
    assert_eq!(history.last().unwrap()["rank"], 7);
    assert!(!r["unit"]["strengths"].as_array().unwrap().is_empty());
    assert!(!r["unit"]["weaknesses"].as_array().unwrap().is_empty());
    assert!(!r["unit"]["suggestions"].as_array().unwrap().is_empty());

    let r = s
        .get("/api/zones/no-such-zone/report")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A city-wide pilot zone is in the registry but not ranked.
    let zones = s.json("/api/zones").await;
    if let Some(z) = zones["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["assessed"] == false)
    {
        let r = s
            .get(&format!(
                "/api/zones/{}/report",
                z["code"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn sensitivity_indices() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    let r = s.json("/api/zones/sensitivity?samples=100").await;
    assert_eq!(r["synthetic"], true);
    let idx = r["indices"].as_array().unwrap();
    assert!(idx.len() >= 2, "{r}");
    for i in idx {
        let (first, total) = (i["first"].as_f64(), i["total"].as_f64());
        assert!(i["input"].is_string());
        if let (Some(f), Some(t)) = (first, total) {
            assert!(t >= f - 0.05, "{i}");
        }
    }
    assert_eq!(r["model_runs"].as_u64(), Some(100 * (idx.len() as u64 + 2)));
}

#[tokio::test]
async fn enterprises_may_not_read_the_assessment() {
    let app = spawn_app().await;
    let faw = app.login("faw").await;
    for path in [
        "/api/zones/assessment",
        "/api/zones/cc-etdz/report",
        "/api/zones/sensitivity",
    ] {
        let r = faw.get(path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        faw.get("/api/zones").send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_ranking_as_a_workbook() {
    let app = spawn_app().await;
    let s = commerce(&app).await;
    let r = s
        .get("/api/zones/assessment?uncertainty=100&format=xlsx&lang=zh")
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
            .contains("zone-ranking.xlsx")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let strings = shared_strings(&bytes);
    assert!(strings.contains("综合指数"), "headers in Chinese");
    assert!(strings.contains("合成演示数据"), "labelled synthetic");
    let r = s
        .get("/api/zones?format=xlsx&lang=en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(shared_strings(&r.bytes().await.unwrap()).contains("Changchun"));
}

/// The text of `xl/sharedStrings.xml` in an .xlsx (a zip); rust_xlsxwriter stores it deflated.
fn shared_strings(xlsx: &[u8]) -> String {
    // Local file headers: PK\3\4, then name length at 26, extra length at 28, compressed size
    // at 18, method at 8.
    let mut i = 0;
    while i + 30 <= xlsx.len() {
        if &xlsx[i..i + 4] != b"PK\x03\x04" {
            i += 1;
            continue;
        }
        let le16 = |o: usize| u16::from_le_bytes([xlsx[i + o], xlsx[i + o + 1]]) as usize;
        let le32 = |o: usize| {
            u32::from_le_bytes([
                xlsx[i + o],
                xlsx[i + o + 1],
                xlsx[i + o + 2],
                xlsx[i + o + 3],
            ]) as usize
        };
        let (method, size, name_len, extra) = (le16(8), le32(18), le16(26), le16(28));
        let name = String::from_utf8_lossy(&xlsx[i + 30..i + 30 + name_len]).to_string();
        let start = i + 30 + name_len + extra;
        if name == "xl/sharedStrings.xml" {
            let data = &xlsx[start..start + size];
            return if method == 8 {
                use std::io::Read;
                let mut out = String::new();
                flate2::read::DeflateDecoder::new(data)
                    .read_to_string(&mut out)
                    .unwrap();
                out
            } else {
                String::from_utf8_lossy(data).to_string()
            };
        }
        i = start + size.max(1);
    }
    panic!("no sharedStrings.xml in the workbook");
}

/// A long-form submission (`uCode,Time,iCode,Value,Unit`) for `year`, every indicator of
/// every listed zone set to a value inside its valid range.
async fn submission(s: &crate::common::Session, zones: &[&str], year: i32) -> String {
    let fw = s.json("/api/zones/framework").await;
    let mut csv = String::from("uCode,Time,iCode,Value,Unit\n");
    for z in zones {
        for n in fw["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["level"] == 1)
        {
            let min = n["min"].as_f64().unwrap_or(0.0);
            let v = match n["max"].as_f64() {
                Some(max) if max < min + 1.0 => (min + max) / 2.0,
                _ => min + 1.0,
            };
            csv.push_str(&format!(
                "{z},{year},{},{v},{}\n",
                n["code"].as_str().unwrap(),
                n["unit"].as_str().unwrap_or("")
            ));
        }
    }
    csv
}

#[tokio::test]
async fn the_yearly_form_and_its_check() {
    let app = spawn_app().await;
    let s = app.login("hunchun").await;
    let r = s.get("/api/zones/template?year=2026").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("zones-2026.csv")
    );
    let text = r.text().await.unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("uCode,uName,Time,iCode,iName,Value,Unit")
    );
    let fw = s.json("/api/zones/framework").await;
    let n_ind = fw["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["level"] == 1)
        .count();
    let zones = s.json("/api/zones").await;
    let assessed = zones["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|z| z["assessed"] == true)
        .count();
    assert_eq!(lines.count(), assessed * n_ind);
    assert!(text.contains("hc-bezc,"), "Hunchun's zone is on the form");

    // A valid form for 2026: accepted, with jumps against the 2025 data flagged.
    let csv = submission(&s, &["hc-bezc"], 2026).await;
    let r = s
        .post("/api/zones/submissions/check")
        .json(&serde_json::json!({ "csv": csv }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["years"], serde_json::json!([2026]));
    assert_eq!(report["zones"], serde_json::json!(["hc-bezc"]));
    assert_eq!(report["values"].as_u64().unwrap() as usize, n_ind);
    assert_eq!(report["missing"], 0);
    assert_eq!(report["compared_with_synthetic"], true);
    let jumps = report["jumps"].as_array().unwrap();
    assert!(!jumps.is_empty(), "values at the bottom of the range jump");
    assert!(
        jumps
            .iter()
            .all(|j| j["previous_year"] == 2025 && j["zone"] == "hc-bezc")
    );

    // A form of 5,001 made-up units over a century: refused by its size (422), before a panel
    // of units × years × indicators is allocated.
    let (header, first) = (csv.lines().next().unwrap(), csv.lines().nth(1).unwrap());
    let code = first.split(',').nth(2).unwrap();
    let unit = first.rsplit(',').next().unwrap();
    let mut huge = format!("{header}\n");
    for i in 0..5_001 {
        huge.push_str(&format!("z{i},{},{code},1,{unit}\n", 2000 + i % 101));
    }
    let r = s
        .post("/api/zones/submissions/check")
        .json(&serde_json::json!({ "csv": huge }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e = error_body(r).await;
    assert!(
        e["message"].as_str().unwrap().contains("at most 5000"),
        "{e}"
    );

    // A value out of range: 422 naming the row and field, nothing else happens.
    let mut rows: Vec<String> = csv.lines().map(String::from).collect();
    let unit = rows[1].rsplit(',').next().unwrap().to_string();
    let code = rows[1].split(',').nth(2).unwrap().to_string();
    rows[1] = format!("hc-bezc,2026,{code},-5,{unit}");
    let r = s
        .post("/api/zones/submissions/check")
        .json(&serde_json::json!({ "csv": rows.join("\n") }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = error_body(r).await;
    assert_eq!(body["details"]["row"], 2, "{body}");
    assert_eq!(body["details"]["file"], "submission.csv", "{body}");
    assert!(body["message"].as_str().unwrap().contains("submission.csv"));

    // A zone that is not in the registry.
    let r = s
        .post("/api/zones/submissions/check")
        .json(&serde_json::json!({ "csv": submission(&s, &["no-such-zone"], 2026).await }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_body(r).await["details"]["field"], "uCode");

    // Leaders read but do not check data.
    let leader = app.login("leader").await;
    let r = leader
        .post("/api/zones/submissions/check")
        .json(&serde_json::json!({ "csv": csv }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
