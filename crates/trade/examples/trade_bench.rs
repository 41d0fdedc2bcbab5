//! Benchmark driver for `bench/trade/run` (not part of the library).
//!
//! trade_bench csv N FILE [YYYY-MM]  write N synthetic canonical-layout rows (of 2024, or all
//!                               of one month)
//! trade_bench import DIR FILE   import FILE into DIR/trade; prints one JSON line
//! trade_bench increment DIR FILE LABEL  import FILE into the existing store DIR; one JSON line
//! trade_bench demo DIR ROWS     generate the synthetic demo of ROWS rows; one JSON line
//! trade_bench queries DIR RUNS  time each dashboard query (median of RUNS after a warm-up)
//! trade_bench sql DIR QUERY RUNS time one read-only query

#[path = "common/timing.rs"]
mod timing;

use kaifang_trade::codes::uscc_check_char;
use kaifang_trade::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use timing::time;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn write_csv(n: u64, path: &Path, month_only: Option<&str>) -> std::io::Result<()> {
    const CODES: [&str; 10] = [
        "87032300", "87089900", "87084000", "12112000", "44071000", "39021000", "85076000",
        "30049090", "26011100", "10059000",
    ];
    const PARTNERS: [&str; 20] = [
        "344", "133", "116", "502", "304", "141", "136", "122", "112", "111", "145", "429", "410",
        "138", "131", "137", "309", "303", "601", "132",
    ];
    const MODES: [&str; 5] = ["0110", "0615", "4019", "9710", "1210"];
    const REGIONS: [&str; 6] = ["220104", "220106", "220200", "222404", "220500", "222401"];
    let ents: Vec<String> = (0..5000)
        .map(|i| {
            let body = format!("91220101MA{:07}", i);
            let c = uscc_check_char(body.as_bytes()).unwrap_or(b'0') as char;
            format!("{body}{c}")
        })
        .collect();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(
        w,
        "period,flow,commodity,partner,trade_mode,region,uscc,qty1,unit1,value_cny,value_usd"
    )?;
    let mut x: u64 = 88172645463325252;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Twelve months and two flows of 2024, or two flows of one month.
        let (period, exports, mut k) = match month_only {
            Some(p) => (p.to_string(), i % 2 == 0, i / 2),
            None => (format!("2024-{:02}", i % 12 + 1), (i / 12) % 2 == 0, i / 24),
        };
        let flow = if exports { "export" } else { "import" };
        let code = CODES[(k % 10) as usize];
        k /= 10;
        let partner = PARTNERS[(k % 20) as usize];
        k /= 20;
        let mode = MODES[(k % 5) as usize];
        k /= 5;
        let ent = &ents[(k % 5000) as usize];
        k /= 5000;
        let region = REGIONS[(k % 6) as usize];
        let v = x % 10_000_000 + 1;
        writeln!(
            w,
            "{period},{flow},{code},{partner},{mode},{region},{ent},{},千克,\"{}\",{}",
            v / 37 + 1,
            group(v),
            v / 7
        )?;
    }
    w.flush()
}

/// Thousands separators, as the customs platform prints values.
fn group(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    // As the `kaifang` binary does, so that the bench measures what it runs.
    bound_resident_memory();
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(run());
}

async fn run() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(1).as_str() {
        "csv" => {
            let n: u64 = arg(2).parse().expect("N");
            let month = args.get(4).map(String::as_str);
            write_csv(n, Path::new(&arg(3)), month).expect("write csv");
        }
        "import" | "increment" => {
            let mut store = TradeStore::open(Path::new(&arg(2))).expect("open");
            let t = Instant::now();
            let r = store
                .import_files(
                    &[PathBuf::from(arg(3))],
                    &ImportOptions::default(),
                    &mut |_| true,
                )
                .expect("import");
            let s = t.elapsed().as_secs_f64();
            let mb = std::fs::metadata(arg(3)).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
            println!(
                "{}",
                serde_json::json!({"label": arg(4), "rows": r.rows, "seconds": s, "parse_seconds": r.parse_seconds,
                    "rows_per_second": r.rows as f64 / s, "file_mb": mb, "mb_per_second": mb / s,
                    "peak_rss_mb": peak_rss_mb()})
            );
        }
        "demo" => {
            let mut store = TradeStore::open(Path::new(&arg(2))).expect("open");
            let rows: u64 = arg(3).parse().expect("ROWS");
            let opts = demo::DemoOptions {
                rows,
                enterprises: 20_000,
                ..Default::default()
            };
            let r = demo::generate(&mut store, &opts, &mut |_| true).expect("demo");
            println!(
                "{}",
                serde_json::json!({"rows": r.rows, "seconds": r.seconds, "peak_rss_mb": peak_rss_mb()})
            );
        }
        "queries" => {
            let t = Instant::now();
            let store = TradeStore::open(Path::new(&arg(2))).expect("open");
            let open_ms = t.elapsed().as_secs_f64() * 1e3;
            let runs: usize = arg(3).parse().unwrap_or(21);
            let (y, m) = (2025, 6);
            let f = Filter::new(y, m).expect("filter");
            println!("{}", serde_json::json!({"case": "open", "ms": open_ms}));
            let (ms, s) = time(runs, || summary(&store, y, m)).await;
            println!(
                "{}",
                serde_json::json!({"case": "summary", "ms": ms, "check": s.ytd.value_cny})
            );
            // All rows of the small dimensions; the 50 largest enterprises (a dashboard table).
            let top50 = Filter { top: Some(50), ..f };
            for (name, dim, filter) in [
                ("by_partner", Dimension::Partner, &f),
                ("by_chapter", Dimension::Chapter, &f),
                ("by_city", Dimension::City, &f),
                ("by_trade_mode", Dimension::TradeMode, &f),
                ("by_enterprise", Dimension::Enterprise, &top50),
            ] {
                let (ms, b) = time(runs, || breakdown(&store, dim, filter)).await;
                println!(
                    "{}",
                    serde_json::json!({"case": name, "ms": ms, "check": b.rows.first().map(|r| r.value_cny)})
                );
            }
            let (ms, t) = time(runs, || trend(&store, None)).await;
            println!(
                "{}",
                serde_json::json!({"case": "trend", "ms": ms, "check": t.iter().map(|p| p.month.value_cny).sum::<f64>()})
            );
            let (ms, d) = time(runs, || enterprise_dynamics(&store, &f, 10)).await;
            println!(
                "{}",
                serde_json::json!({"case": "enterprise_dynamics", "ms": ms, "check": d.by_flow[0].active})
            );
            let (ms, c) = time(runs, || concentration(&store, &f)).await;
            println!(
                "{}",
                serde_json::json!({"case": "concentration", "ms": ms, "check": c.by_partner.hhi})
            );
            // Drill-downs: one partner, chapter, city and trade mode, each broken down by
            // another dimension and as a monthly series; and the top enterprises in a slice.
            let slice = |dim: Dimension, key: &str| {
                let mut s = Slice::default();
                s.add(dim, key).expect("slice");
                s
            };
            for (name, s, by, filter) in [
                (
                    "slice_partner_by_chapter",
                    slice(Dimension::Partner, "344"),
                    Dimension::Chapter,
                    &f,
                ),
                (
                    "slice_chapter_by_partner",
                    slice(Dimension::Chapter, "87"),
                    Dimension::Partner,
                    &f,
                ),
                (
                    "slice_city_by_partner",
                    slice(Dimension::City, "220100"),
                    Dimension::Partner,
                    &f,
                ),
                (
                    "slice_mode_by_chapter",
                    slice(Dimension::TradeMode, "0110"),
                    Dimension::Chapter,
                    &f,
                ),
                (
                    "slice_partner_by_enterprise",
                    slice(Dimension::Partner, "344"),
                    Dimension::Enterprise,
                    &top50,
                ),
            ] {
                let (ms, b) = time(runs, || breakdown_in(&store, by, filter, &s)).await;
                println!(
                    "{}",
                    serde_json::json!({"case": name, "ms": ms, "check": b.total.value_cny})
                );
            }
            for (name, s) in [
                ("slice_partner_trend", slice(Dimension::Partner, "344")),
                ("slice_chapter_trend", slice(Dimension::Chapter, "87")),
                ("slice_city_trend", slice(Dimension::City, "220100")),
                ("slice_mode_trend", slice(Dimension::TradeMode, "0110")),
            ] {
                let (ms, t) = time(runs, || trend_in(&store, None, &s)).await;
                println!(
                    "{}",
                    serde_json::json!({"case": name, "ms": ms, "check": t.iter().map(|p| p.month.value_cny).sum::<f64>()})
                );
            }
            // Sizes: the pair tables against the records they summarise.
            let count = |table: String| {
                let store = &store;
                async move {
                    let r = store
                        .sql(&format!("SELECT COUNT(*) FROM {table}"), 1)
                        .await
                        .expect("count");
                    r.rows[0][0].as_f64().unwrap_or(f64::NAN)
                }
            };
            let mut pair_rows = 0.0;
            for t in [
                "partner_chapter",
                "partner_trade_mode",
                "partner_city",
                "partner_ownership",
                "chapter_trade_mode",
                "chapter_city",
                "chapter_ownership",
                "trade_mode_city",
                "trade_mode_ownership",
                "city_ownership",
            ] {
                pair_rows += count(format!("agg_{t}")).await;
            }
            let records = count("records".into()).await;
            println!(
                "{}",
                serde_json::json!({"case": "sizes", "ms": 0.0, "pair_rows": pair_rows, "records": records})
            );
        }
        "sql" => {
            let store = TradeStore::open(Path::new(&arg(2))).expect("open");
            let runs: usize = arg(4).parse().unwrap_or(5);
            let q = arg(3);
            let (ms, r) = time(runs, || store.sql(&q, 5)).await;
            println!("{}", serde_json::json!({"ms": ms, "rows": r.rows}));
        }
        _ => {
            eprintln!(
                "usage: trade_bench csv N FILE | import DIR FILE | demo DIR ROWS | queries DIR RUNS | sql DIR QUERY RUNS"
            );
            std::process::exit(2);
        }
    }
}
