//! `kaifang assess` as a user runs it: COINr's ASEM example through the binary (its published
//! figures must come out), the default zone assessment on the synthetic demo, and bad input.
//!
//! The ASEM files ship in the repository under data/testdata/coinr-asem/.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn asem() -> PathBuf {
    let dir = kaifang_testdata::repo("coinr-asem");
    for f in ["ASEM_iMeta.csv", "ASEM_iData.csv"] {
        assert!(
            dir.join(f).is_file(),
            "missing reference file {f} (expected in data/testdata/coinr-asem)"
        );
    }
    dir
}

fn kaifang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaifang"))
        .args(args)
        .current_dir(root())
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

fn asem_args(extra: &[&str]) -> Output {
    let dir = asem();
    let meta = dir.join("ASEM_iMeta.csv");
    let data = dir.join("ASEM_iData.csv");
    let mut args = vec![
        "assess",
        "--pipeline",
        "data/examples/coinr-asem.toml",
        "--meta",
        meta.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kaifang(&args)
}

// COINr 1.1.14, "Presenting Results" vignette: CHE first, with these index, sub-index and
// pillar scores; IND 45th with Index 39.79, Conn 28.60, Sust 50.99.
const HEADER: &str =
    "uCode,Rank,Index,Conn,Sust,Physical,ConEcFin,Political,Instit,P2P,Environ,Social,SusEcFin";
const CHE: &str = "CHE,1,68.38,62.79,73.98,63.41,32.87,74.78,85.94,56.93,77.21,87.85,56.88";

#[test]
fn coinr_asem_example_through_the_binary() {
    let o = asem_args(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines[1], CHE);
    let ind = lines.iter().find(|l| l.starts_with("IND,")).unwrap();
    assert!(ind.starts_with("IND,45,39.79,28.60,50.99,"), "{ind}");
    assert_eq!(lines.len(), 1 + 51, "header and one row per unit");
}

#[test]
fn rank_intervals_and_json() {
    let o = asem_args(&["--uncertainty", "300"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("{HEADER},RankP05,RankMedian,RankP95")
    );
    let che = lines.next().unwrap();
    assert!(che.starts_with(&format!("{CHE},")), "{che}");
    // Same seed, same intervals.
    let again = asem_args(&["--uncertainty", "300"]);
    assert_eq!(stdout(&again), out);

    let o = asem_args(&["--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["units"][0]["code"], "CHE");
    let index = v["units"][0]["scores"]["Index"].as_f64().unwrap();
    assert!((index - 68.38).abs() < 0.005, "{index}");
    assert_eq!(v["synthetic"], false);
}

#[test]
fn default_zone_assessment_on_synthetic_data() {
    let o = kaifang(&["assess"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("SYNTHETIC"), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "uCode,Rank,Index,open,quality,innov,green,coord,PrevRank,Movement"
    );
    assert_eq!(lines.count(), 14, "one row per assessed zone");
    let o = kaifang(&["assess", "--format", "json", "--year", "2024"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["synthetic"], true);
    assert_eq!(
        (v["year"].as_i64(), v["previous_year"].as_i64()),
        (Some(2024), Some(2023))
    );
    assert!(
        v["units"][0]["suggestions"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("排名第")
    );
}

#[test]
fn bad_input_names_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("meta.csv");
    std::fs::write(
        &meta,
        "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nP,Q,1,1,Aggregate\nQ,P,1,1,Aggregate\n",
    )
    .unwrap();
    let data = dir.path().join("data.csv");
    std::fs::write(&data, "uCode,a\nX,1\n").unwrap();
    let pipe = root().join("data/examples/coinr-asem.toml");
    let run = |meta: &Path| {
        kaifang(&[
            "assess",
            "--pipeline",
            pipe.to_str().unwrap(),
            "--meta",
            meta.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
    };
    let o = run(&meta);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("meta.csv, row 3, field Parent: \"P\" is its own ancestor"),
        "{}",
        stderr(&o)
    );
    let o = kaifang(&["assess", "--meta", meta.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("give all three"), "{}", stderr(&o));
}

#[test]
fn the_demo_written_to_disk_gives_the_same_ranking_as_the_built_in_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zones-demo.csv");
    let o = kaifang(&["assess", "--write-demo", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("SYNTHETIC"));
    let from_files = kaifang(&[
        "assess",
        "--pipeline",
        "data/assess/zones-pipeline.toml",
        "--meta",
        "data/assess/mofcom-etdz.toml",
        "--data",
        file.to_str().unwrap(),
    ]);
    assert!(from_files.status.success(), "{}", stderr(&from_files));
    let built_in = kaifang(&["assess"]);
    assert_eq!(stdout(&from_files), stdout(&built_in));
}

#[test]
fn other_weights_from_the_command_line() {
    // Opening-up and quality carry 60% of the MOFCOM weights; with innovation at 60 of 130
    // the high-tech zones must gain on the ETDZs.
    let base = stdout(&kaifang(&["assess"]));
    let o = kaifang(&["assess", "--weight", "innov=60"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rank = |out: &str, code: &str| -> u32 {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{code},")))
            .unwrap();
        line.split(',').nth(1).unwrap().parse().unwrap()
    };
    let moved = stdout(&o);
    assert_ne!(moved, base);
    assert!(rank(&moved, "cc-hitech") <= rank(&base, "cc-hitech"));
    let o = kaifang(&["assess", "--weight", "open=-1"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("must be a number ≥ 0"),
        "{}",
        stderr(&o)
    );
    let o = kaifang(&["assess", "--weight", "nope=1"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no node has the code nope"),
        "{}",
        stderr(&o)
    );
}
