//! `kaifang assign`, `critical` and `appraise` as a user runs them: Braess's network (shipped)
//! and the TransportationNetworks problems (research data through `KAIFANG_TESTDATA`; those
//! tests skip with a message without it) to a tight gap with the JSON report the scripts
//! read, the freight network, and bad input that must name its file and line.

use std::process::{Command, Output};

/// A file of a TransportationNetworks problem, or `None` (the test skips) when it is absent.
fn tntp(dir: &str, file: &str) -> Option<String> {
    let p = kaifang_testdata::external(&format!("tntp/{dir}/{file}"), dir)?;
    Some(p.display().to_string())
}

fn braess(file: &str) -> String {
    kaifang_testdata::repo("braess")
        .join(file)
        .display()
        .to_string()
}

fn kaifang(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kaifang")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn sioux_falls_to_1e_8_reports_json_and_writes_the_link_volumes() {
    let (Some(net), Some(trips), Some(flow)) = (
        tntp("SiouxFalls", "SiouxFalls_net.tntp"),
        tntp("SiouxFalls", "SiouxFalls_trips.tntp"),
        tntp("SiouxFalls", "SiouxFalls_flow.tntp"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = json(&kaifang(
        tmp.path(),
        &[
            "assign", "--net", &net, "--trips", &trips, "--gap", "1e-8", "--check", &flow,
            "--format", "json",
        ],
    ));
    assert!(out["relative_gap"].as_f64().is_some_and(|g| g <= 1e-8));
    assert!(out["iterations"].as_u64().is_some_and(|i| i > 0));
    assert!(out["seconds"].as_f64().is_some());
    assert!(
        out["check"]["objective_difference"]
            .as_f64()
            .is_some_and(|d| d < 1e-8)
    );
    let flows = tmp.path().join(out["flows"].as_str().expect("flows path"));
    let text = std::fs::read_to_string(&flows).expect("flow file");
    assert_eq!(text.lines().count(), 77, "header + 76 links");
}

#[test]
fn bfw_on_anaheim_to_1e_4() {
    let (Some(net), Some(trips)) = (
        tntp("Anaheim", "Anaheim_net.tntp"),
        tntp("Anaheim", "Anaheim_trips.tntp"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = json(&kaifang(
        tmp.path(),
        &[
            "assign",
            "--net",
            &net,
            "--trips",
            &trips,
            "--algorithm",
            "bfw",
            "--gap",
            "1e-4",
            "--format",
            "json",
        ],
    ));
    assert!(out["converged"].as_bool().unwrap_or(false));
    assert!(out["relative_gap"].as_f64().is_some_and(|g| g <= 1e-4));
}

#[test]
fn braess_equilibrium_costs_552_and_its_optimum_498() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (net_path, trips_path) = (braess("braess_net.tntp"), braess("braess_trips.tntp"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "assign",
            "--net",
            &net_path,
            "--trips",
            &trips_path,
            "--gap",
            "1e-10",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json(&kaifang(tmp.path(), &args))
    };
    let ue = run(&[]);
    assert!(
        ue["relative_gap"].as_f64().is_some_and(|g| g <= 1e-10),
        "{ue}"
    );
    let so = run(&["--system-optimum"]);
    assert!(
        so["relative_gap"].as_f64().is_some_and(|g| g <= 1e-10),
        "{so}"
    );
    // At equilibrium the total cost is 6 × 92; the optimum's objective is the total travel
    // time itself, 6 × 83 (its `total_cost` sums marginal costs, not what travellers pay).
    let number = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    assert!((number(&ue, "total_cost") - 552.0).abs() < 1e-3, "{ue}");
    assert!((number(&so, "objective") - 498.0).abs() < 1e-3, "{so}");
}

#[test]
fn malformed_tntp_names_file_and_line() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let net = std::fs::read_to_string(braess("braess_net.tntp")).expect("read");
    let bad = net.replacen("\t1\t3\t1\t1", "\t1\t99\t1\t1", 1);
    let path = tmp.path().join("Bad_net.tntp");
    std::fs::write(&path, bad).expect("write");
    let o = kaifang(
        tmp.path(),
        &[
            "assign",
            "--net",
            &path.display().to_string(),
            "--trips",
            &braess("braess_trips.tntp"),
        ],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Bad_net.tntp, line 11, field term_node: unknown node 99"),
        "{err}"
    );
    assert!(!tmp.path().join("Bad_kaifang_flow.tntp").exists());
}

#[test]
fn the_freight_network_is_assigned_ranked_and_appraised() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = json(&kaifang(
        tmp.path(),
        &["assign", "--net", "default", "--format", "json"],
    ));
    assert!(out["demand"].as_str().unwrap_or("").contains("synthetic"));
    assert!(tmp.path().join("freight_loads.csv").is_file());
    let out = json(&kaifang(
        tmp.path(),
        &["critical", "--which", "nodes", "--format", "json"],
    ));
    let ranking = out["ranking"].as_array().expect("ranking");
    assert!(ranking.len() > 40);
    let out = json(&kaifang(
        tmp.path(),
        &["appraise", "--budget", "1e10", "--format", "json"],
    ));
    assert_eq!(out["projects"].as_array().map(Vec::len), Some(5));
    // A bad demand file names its line and field.
    let demand = tmp.path().join("demand.csv");
    std::fs::write(
        &demand,
        "origin,destination,cargo,regime,amount,unit,value_cny_per_unit,source\nchangchun,hamburg,container,export,-5,TEU/year,300000,test\n",
    )
    .expect("write");
    let o = kaifang(
        tmp.path(),
        &["assign", "--net", "default", "--trips", "demand.csv"],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("demand.csv, line 2, field amount"), "{err}");
}

#[test]
fn demand_is_derived_from_the_trade_records() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let d = data.display().to_string();
    // `kaifang demo` loads the synthetic trade records with the rest of the demo.
    let o = Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .args(["--data-dir", &d, "demo"])
        .env("KAIFANG_TRADE_DEMO_ROWS", "40000")
        .output()
        .expect("run kaifang demo");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = json(&kaifang(
        tmp.path(),
        &[
            "--data-dir",
            &d,
            "assign",
            "--net",
            "default",
            "--trips-from-trade",
            "2025",
            "--format",
            "json",
        ],
    ));
    assert!(
        out["demand"].as_str().unwrap_or("").contains("SYNTHETIC"),
        "{}",
        out["demand"]
    );
    let cov = &out["trade_coverage"];
    let total = cov["value_total"].as_f64().unwrap_or(0.0);
    let parts = cov["value_assigned"].as_f64().unwrap_or(0.0)
        + cov["value_bulk"].as_f64().unwrap_or(0.0)
        + cov["value_unmapped"]
            .as_object()
            .map(|m| m.values().filter_map(|v| v.as_f64()).sum::<f64>())
            .unwrap_or(0.0);
    assert!(total > 0.0 && (parts - total).abs() < 1e-6 * total, "{cov}");
    let teu: f64 = out["classes"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["total"].as_f64()).sum())
        .unwrap_or(0.0);
    assert!(teu > 0.0);
    // A year without records says so.
    let o = kaifang(
        tmp.path(),
        &[
            "--data-dir",
            &d,
            "assign",
            "--net",
            "default",
            "--trips-from-trade",
            "1990",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no trade records for 1990"));
}
