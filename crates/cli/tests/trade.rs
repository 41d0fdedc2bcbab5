//! `kaifang import trade`, `kaifang trade ...` and `kaifang sql` as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kaifang")
}

/// A new data directory with its database: every change of trade data is audited there.
fn init(dir: &Path) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .arg("--data-dir")
        .arg(dir)
        .args(["init", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kaifang init");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(b"a-strong-password\n")
            .expect("write the password");
    }
    let o = child.wait_with_output().expect("wait for kaifang init");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Platform layout without a flow column: two months of exports.
const EXPORTS: &str = "数据年月,贸易伙伴编码,贸易伙伴名称,人民币\n\
202401,344,俄罗斯联邦,\"1,000\"\n202401,116,日本,500\n\
202501,344,俄罗斯联邦,\"1,500\"\n202501,116,日本,300\n\
202502,344,俄罗斯联邦,200\n";

#[test]
fn import_summary_json_and_sql() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let f = dir.path().join("exports.csv");
    std::fs::write(&f, EXPORTS).unwrap();
    let f = f.to_str().unwrap();
    let o = run(dir.path(), &["import", "trade", f]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--flow"), "{}", text(&o));
    let o = run(dir.path(), &["import", "trade", f, "--flow", "export"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("imported 5 rows"), "{}", text(&o));
    // The import is in the audit log, as one made through the web is.
    let db = std::fs::read(dir.path().join("kaifang.db")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("kaifang.db-wal")).unwrap_or_default();
    let has = |needle: &[u8]| {
        [&db, &wal]
            .iter()
            .any(|b| b.windows(needle.len()).any(|w| w == needle))
    };
    assert!(
        has(b"trade.import") && has(b"cli:import trade"),
        "no audit entry"
    );

    let o = run(
        dir.path(),
        &[
            "trade", "summary", "--year", "2025", "--month", "1", "--format", "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["by_flow", "month", "top_partners", "ytd"]);
    // January 2025: 1800 against 1500 a year earlier: +20 %.
    assert_eq!(v["month"]["value_cny"], 1800.0);
    assert!((v["month"]["yoy_pct"].as_f64().unwrap() - 20.0).abs() < 1e-9);
    assert_eq!(v["ytd"]["value_cny"], 1800.0);
    assert_eq!(v["by_flow"][0]["flow"], "export");
    assert_eq!(v["top_partners"][0]["key"], "344");
    assert_eq!(v["top_partners"][0]["name_zh"], "俄罗斯联邦");

    let o = run(dir.path(), &["trade", "summary"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("2025-02"),
        "latest month by default: {}",
        text(&o)
    );

    let o = run(
        dir.path(),
        &[
            "sql",
            "SELECT partner, SUM(value_cny) AS v FROM records GROUP BY partner ORDER BY partner",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["rows"],
        serde_json::json!([["116", 800.0], ["344", 2700.0]])
    );

    let o = run(dir.path(), &["sql", "DELETE FROM records"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("refused"), "{}", text(&o));
}

#[test]
fn a_bad_file_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let f = dir.path().join("bad.csv");
    std::fs::write(
        &f,
        "数据年月,进出口,贸易伙伴编码,人民币\n202401,出口,344,12x\n",
    )
    .unwrap();
    let o = run(dir.path(), &["import", "trade", f.to_str().unwrap()]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("bad.csv, row 2, column 人民币"), "{t}");
    assert!(!dir.path().join("trade/manifest.json").exists());
}

#[test]
fn demo_is_labelled_synthetic() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let o = run(dir.path(), &["trade", "demo", "--rows", "5000"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        dir.path(),
        &["trade", "summary", "--year", "2023", "--month", "12"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("synthetic"), "{t}");
    // 2023 total, calibrated: 1679.00 (100 mn CNY).
    assert!(t.contains("1679.00"), "{t}");
    let o = run(
        dir.path(),
        &[
            "trade",
            "breakdown",
            "--by",
            "city",
            "--year",
            "2023",
            "--month",
            "12",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("长春市"), "{}", text(&o));
    for kind in ["trend", "dynamics", "concentration", "rca", "price-volume"] {
        let o = run(
            dir.path(),
            &["trade", "analysis", kind, "--year", "2023", "--month", "12"],
        );
        assert!(o.status.success(), "{kind}: {}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(!v.is_null(), "{kind}");
    }
}

/// What the store holds, as the analyst sees it.
fn state(dir: &Path) -> String {
    let o = run(
        dir,
        &[
            "sql",
            "SELECT period, flow, COUNT(*) AS n, SUM(value_cny) AS v FROM records GROUP BY period, flow ORDER BY period, flow",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn an_import_killed_at_any_moment_leaves_the_old_or_the_new_store() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let small = dir.path().join("small.csv");
    std::fs::write(&small, EXPORTS).unwrap();
    // A file big enough that the import takes a while: twelve months of exports.
    let mut big = String::from("数据年月,进出口,贸易伙伴编码,贸易方式编码,人民币\n");
    for i in 0..120_000u32 {
        big.push_str(&format!(
            "2024{:02},出口,{},{:04},\"{},000\"\n",
            i % 12 + 1,
            101 + (i / 12) % 40,
            1000 + i / 480,
            i % 97 + 1
        ));
    }
    let big_path = dir.path().join("big.csv");
    std::fs::write(&big_path, big).unwrap();

    let fresh = |name: &str| {
        let d = dir.path().join(name);
        init(&d);
        let o = run(
            &d,
            &[
                "import",
                "trade",
                small.to_str().unwrap(),
                "--flow",
                "export",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
        d
    };
    let before = state(&fresh("before"));
    let complete = fresh("complete");
    let o = run(&complete, &["import", "trade", big_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let after = state(&complete);
    assert_ne!(before, after);

    for (i, delay_ms) in [20u64, 150, 400, 900, 1600].into_iter().enumerate() {
        let d = fresh(&format!("killed{i}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_kaifang"))
            .arg("--data-dir")
            .arg(&d)
            .args(["import", "trade", big_path.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no clean-up code runs
        let _ = child.wait();
        let s = state(&d);
        eprintln!(
            "killed after {delay_ms} ms: {}",
            if s == before {
                "old store"
            } else {
                "new store"
            }
        );
        assert!(
            s == before || s == after,
            "killed after {delay_ms} ms, the store is neither the old nor the new one:\n{s}"
        );
        // And it takes the next import, which also clears what the killed one left.
        let o = run(&d, &["import", "trade", big_path.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(state(&d), after);
    }
}
