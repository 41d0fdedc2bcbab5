//! `kaifang assign`, `critical` and `appraise` as a user runs them: a test problem from
//! ../shared/data/tntp to a tight gap with the JSON report the scripts read, the freight
//! network, and bad input that must name its file and line.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tntp(dir: &str, file: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/tntp")
        .join(dir)
        .join(file);
    assert!(p.is_file(), "missing {}", p.display());
    p.display().to_string()
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
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = json(&kaifang(
        tmp.path(),
        &[
            "assign",
            "--net",
            &tntp("SiouxFalls", "SiouxFalls_net.tntp"),
            "--trips",
            &tntp("SiouxFalls", "SiouxFalls_trips.tntp"),
            "--gap",
            "1e-8",
            "--check",
            &tntp("SiouxFalls", "SiouxFalls_flow.tntp"),
            "--format",
            "json",
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
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = json(&kaifang(
        tmp.path(),
        &[
            "assign",
            "--net",
            &tntp("Anaheim", "Anaheim_net.tntp"),
            "--trips",
            &tntp("Anaheim", "Anaheim_trips.tntp"),
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
fn malformed_tntp_names_file_and_line() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let net = std::fs::read_to_string(tntp("SiouxFalls", "SiouxFalls_net.tntp")).expect("read");
    let bad = net.replacen("\t1\t2\t25900.20064", "\t1\t99\t25900.20064", 1);
    let path = tmp.path().join("Bad_net.tntp");
    std::fs::write(&path, bad).expect("write");
    let o = kaifang(
        tmp.path(),
        &[
            "assign",
            "--net",
            &path.display().to_string(),
            "--trips",
            &tntp("SiouxFalls", "SiouxFalls_trips.tntp"),
        ],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Bad_net.tntp, line 10, field term_node: unknown node 99"),
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
    let o = kaifang(
        tmp.path(),
        &["--data-dir", &d, "trade", "demo", "--rows", "40000"],
    );
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
