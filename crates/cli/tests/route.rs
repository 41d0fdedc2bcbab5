//! `kaifang route` and `kaifang network` as a user runs them.

use std::process::{Command, Output};

fn kaifang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kaifang")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn changchun_to_busan_json_has_the_published_shape() {
    let o = kaifang(&[
        "route",
        "--from",
        "长春",
        "--to",
        "Busan",
        "--cargo",
        "container",
        "--teu",
        "1",
        "--value",
        "30000USD",
        "--alternatives",
        "3",
        "--format",
        "json",
    ]);
    let v = json(&o);
    let routes = v["routes"].as_array().expect("routes");
    assert!(routes.len() >= 2, "{v}");
    for r in routes {
        let obj = r.as_object().expect("route object");
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        // The API's route shape (POST /api/channels/route): one answer for both faces.
        assert_eq!(
            keys,
            [
                "border_crossings",
                "corridor",
                "countries",
                "geometry",
                "legs",
                "nodes",
                "total"
            ]
        );
        let mut total: Vec<&str> = r["total"]
            .as_object()
            .expect("total")
            .keys()
            .map(String::as_str)
            .collect();
        total.sort_unstable();
        assert_eq!(
            total,
            [
                "clearance_hours",
                "co2_kg",
                "cost_cny",
                "generalized_cny",
                "hours",
                "km",
                "wait_hours"
            ]
        );
        let legs = r["legs"].as_array().expect("legs");
        let mut km = 0.0;
        for leg in legs {
            let mut k: Vec<&str> = leg
                .as_object()
                .expect("leg")
                .keys()
                .map(String::as_str)
                .collect();
            k.sort_unstable();
            assert_eq!(
                k,
                [
                    "co2_kg", "cost_cny", "from", "from_zh", "hours", "km", "links", "mode", "to",
                    "to_zh"
                ]
            );
            km += leg["km"].as_f64().expect("km");
        }
        // Legs add up to the total.
        let total_km = r["total"]["km"].as_f64().expect("km");
        assert!(
            (km - total_km).abs() <= 0.1 * legs.len() as f64,
            "{km} vs {total_km}"
        );
        // Busan is reached by sea: never over land through the DPRK.
        let last = legs.last().expect("a leg");
        assert_eq!(last["mode"], "sea");
        assert_eq!(last["to"], "Busan");
        let crossings = r["border_crossings"].to_string();
        assert!(!crossings.contains("KR"), "{crossings}");
    }
}

#[test]
fn table_pareto_geojson_and_scenarios() {
    let o = kaifang(&["route", "--from", "Changchun", "--to", "DEHAM", "--pareto"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Route 1:") && text.contains("Route 2:"),
        "{text}"
    );
    assert!(
        text.contains("满洲里"),
        "the rail corridor is on the front: {text}"
    );

    let v = json(&kaifang(&[
        "route", "--from", "珲春", "--to", "Busan", "--format", "geojson",
    ]));
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["features"][0]["geometry"]["type"], "LineString");

    // Comparing the Rajin sailings resumed with every DPRK crossing closed.
    let o = kaifang(&[
        "route",
        "--from",
        "珲春",
        "--to",
        "Busan",
        "--avoid",
        "RU",
        "--scenario",
        "rajin-reopened",
        "--compare",
        "dprk-closed",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("== scenario rajin-reopened"), "{text}");
    assert!(
        text.contains("(CN-KP)"),
        "the Rajin route crosses into the DPRK: {text}"
    );
    assert!(text.contains("== scenario dprk-closed"), "{text}");
    assert!(text.contains("difference"), "{text}");
}

#[test]
fn names_positions_and_errors() {
    // A position snaps to the nearest node.
    let v = json(&kaifang(&[
        "route",
        "--from",
        "43.88,125.33",
        "--to",
        "Rotterdam",
        "--format",
        "json",
    ]));
    assert_eq!(v["routes"][0]["legs"][0]["from"], "Changchun");

    let o = kaifang(&["route", "--from", "Hunchun–", "--to", "Busan"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("matches several places"),
        "{}",
        stderr(&o)
    );

    let o = kaifang(&["route", "--from", "Atlantis", "--to", "Busan"]);
    assert!(
        stderr(&o).contains("no place matches \"Atlantis\""),
        "{}",
        stderr(&o)
    );

    let o = kaifang(&[
        "route", "--from", "长春", "--to", "Busan", "--value", "lots",
    ]);
    assert!(stderr(&o).contains("is not an amount"), "{}", stderr(&o));

    let o = kaifang(&[
        "route",
        "--from",
        "长春",
        "--to",
        "Busan",
        "--scenario",
        "nope",
    ]);
    assert!(
        stderr(&o).contains("scenario nope: no such scenario (known: base, dprk-closed"),
        "{}",
        stderr(&o)
    );

    // Everything to Busan blocked: the answer says what blocks.
    let o = kaifang(&[
        "route",
        "--from",
        "Hunchun",
        "--to",
        "Busan",
        "--avoid",
        "RU,KP,dalian,yingkou",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("no route from hunchun to busan"), "{e}");
    assert!(e.contains("avoided countries"), "{e}");
}

#[test]
fn network_check_and_export_round_trip() {
    let o = kaifang(&["network", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("connected: one part"), "{}", stdout(&o));

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("csv");
    let o = kaifang(&[
        "network",
        "export",
        "--format",
        "csv",
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (nodes, links) = (out.join("node.csv"), out.join("link.csv"));
    let geo = dir.path().join("net.geojson");
    let o = kaifang(&[
        "network",
        "export",
        "--network",
        nodes.to_str().expect("path"),
        "--network",
        links.to_str().expect("path"),
        "--out",
        geo.to_str().expect("path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The exported GeoJSON routes as the default network does.
    let a = json(&kaifang(&[
        "route", "--from", "长春", "--to", "Busan", "--format", "json",
    ]));
    let b = json(&kaifang(&[
        "route",
        "--from",
        "长春",
        "--to",
        "Busan",
        "--format",
        "json",
        "--network",
        geo.to_str().expect("path"),
    ]));
    assert_eq!(a, b);

    // A broken file: the error names file, row and field.
    let text = std::fs::read_to_string(&links).expect("links");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Field 3 is from_node_id; the fields after it may be quoted, but splitting and joining
    // on commas leaves them as they were.
    let mut fields: Vec<&str> = lines[3].split(',').collect();
    fields[2] = "nowhere";
    lines[3] = fields.join(",");
    std::fs::write(&links, lines.join("\n")).expect("write");
    let o = kaifang(&[
        "network",
        "check",
        "--network",
        nodes.to_str().expect("path"),
        "--network",
        links.to_str().expect("path"),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("link.csv, row 4, field"), "{e}");
    assert!(e.contains("unknown node \"nowhere\""), "{e}");
}

#[test]
fn sea_lane_network_routes_port_to_port() {
    let (lanes, ports) = (
        kaifang_testdata::repo("sea/marnet_searoute.geojson")
            .display()
            .to_string(),
        kaifang_testdata::repo("sea/ports.geojson")
            .display()
            .to_string(),
    );
    let v = json(&kaifang(&[
        "route",
        "--network",
        &lanes,
        "--network",
        &ports,
        "--from",
        "CNSHA",
        "--to",
        "NLRTM",
        "--format",
        "json",
    ]));
    let nm = v["routes"][0]["total"]["km"].as_f64().expect("km") / 1.852;
    assert!((nm - 10_600.0).abs() < 212.0, "{nm}");
}
