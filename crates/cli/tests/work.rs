//! `kaifang tasks overdue` and `kaifang appeals stats` on the demo directory, as a script
//! would call them.

use std::process::Command;

fn kaifang(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("KAIFANG_TRADE_DEMO_ROWS", "5000")
        .env("NO_COLOR", "1")
        .output()
        .expect("run kaifang")
}

#[test]
fn overdue_tasks_and_appeal_statistics_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let demo = kaifang(&dir, &["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );

    let out = kaifang(&dir, &["tasks", "overdue", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let overdue = v["overdue"].as_array().unwrap();
    assert!(
        !overdue.is_empty(),
        "the demo has an overdue maritime-channel task"
    );
    assert!(
        overdue
            .iter()
            .all(|t| t["light"] == "red" && t["overdue_working_days"].as_u64().unwrap() > 0)
    );
    assert!(overdue.iter().any(|t| t["lead"]["code"] == "jl-dot"));

    // Judged a year later, every open task is overdue.
    let later = kaifang(
        &dir,
        &["tasks", "overdue", "--format", "json", "--on", "2030-01-02"],
    );
    let later: serde_json::Value = serde_json::from_slice(&later.stdout).unwrap();
    assert!(later["overdue"].as_array().unwrap().len() > overdue.len());

    let table = kaifang(&dir, &["tasks", "overdue"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("overdue task(s) on") && table.contains("吉林省交通运输厅"),
        "{table}"
    );

    let out = kaifang(&dir, &["appeals", "stats", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["total"]["total"], 6);
    assert_eq!(s["limits"]["accept_working_days"], 7);
    assert_eq!(s["satisfaction"], serde_json::json!([0, 0, 0, 1, 0]));
    assert!(
        s["by_department"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["key"] == "cc-customs")
    );

    let bad = kaifang(&dir, &["tasks", "overdue", "--on", "tomorrow"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--on"));
}
