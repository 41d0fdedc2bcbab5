//! Driver of `bench/trade-cluster/run` (not part of the library): the queries that scan the
//! trade files, in this process and on a Ballista cluster.
//!
//! trade_cluster serve EXECUTORS VCORES   start a scheduler and EXECUTORS executors on
//!                                        loopback; print the scheduler's URL, run until killed
//! trade_cluster queries DIR RUNS [URL]   time each query (median of RUNS after a warm-up) in
//!                                        this process, or on the cluster at URL; JSON lines

#[path = "../tests/engine/common/ballista.rs"]
#[allow(dead_code)]
mod ballista;
#[path = "common/timing.rs"]
mod timing;

use kaifang_trade::analytics::Dimension;
use kaifang_trade::*;
use std::path::Path;
use std::time::Duration;
use timing::time;

/// The analysts' queries of the bench: whole-table scans and a distinct count.
const SQL: [(&str, &str); 3] = [
    (
        "sql_year_flow_totals",
        "SELECT year, flow, COUNT(*) AS n, SUM(value_cny) AS v FROM records GROUP BY year, flow ORDER BY year, flow",
    ),
    (
        "sql_chapter87_top_partners",
        "SELECT partner, SUM(value_cny) AS v FROM records WHERE chapter = '87' GROUP BY partner ORDER BY v DESC, partner LIMIT 10",
    ),
    (
        "sql_enterprises_per_year",
        "SELECT year, COUNT(DISTINCT uscc) AS n FROM records GROUP BY year ORDER BY year",
    ),
];

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(1).as_str() {
        "serve" => {
            let executors: usize = arg(2).parse().expect("EXECUTORS");
            let vcores: usize = arg(3).parse().expect("VCORES");
            let cluster = ballista::start(executors, vcores).await;
            println!("{}", cluster.url);
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }
        "queries" => {
            let dir = Path::new(&args[2]);
            let runs: usize = arg(3).parse().unwrap_or(3);
            let engine = match args.get(4) {
                Some(url) => Engine::Cluster(url.parse().expect("URL")),
                None => Engine::Local,
            };
            let store = TradeStore::open_on(dir, engine).expect("open");
            let limits = SqlLimits {
                memory_bytes: 4 << 30,
                max_rows: 10_000,
                timeout: Duration::from_secs(3600),
            };
            let f = Filter::new(2025, 6).expect("filter");
            let slice = |dim: Dimension, key: &str| {
                let mut s = Slice::default();
                s.add(dim, key).expect("slice");
                s
            };
            let city = slice(Dimension::City, "220100");
            let check = |v: f64| format!("{v:.0}");
            let report = |case: &str, (ms, check): (f64, String)| {
                println!(
                    "{}",
                    serde_json::json!({"case": case, "ms": ms, "check": check})
                );
            };
            for (case, query) in SQL {
                let t = time(runs, || async {
                    let r = store.prepare_sql(query, limits)?.run().await?;
                    Ok(serde_json::to_string(&r.rows).unwrap_or_default())
                })
                .await;
                report(case, t);
            }
            let t = time(runs, || async {
                let b = breakdown_from_records(&store, Dimension::Partner, &f, &city).await?;
                Ok(check(b.rows.iter().map(|r| r.value_cny).sum()))
            })
            .await;
            report("records_city_by_partner", t);
            let t = time(runs, || async {
                let t = trend_from_records(&store, None, &city).await?;
                Ok(check(t.iter().map(|p| p.month.value_cny).sum()))
            })
            .await;
            report("records_city_trend", t);
            let t = time(runs, || async {
                let r = rca(&store, 2025).await?;
                Ok(check(r.rows.iter().map(|r| r.export_cny).sum()))
            })
            .await;
            report("rca", t);
            let t = time(runs, || async {
                let p = price_volume(&store, &f, 10).await?;
                Ok(check(p.value_change_cny))
            })
            .await;
            report("price_volume", t);
            if let Some(n) = store.cluster_queries() {
                eprintln!("{n} queries ran on the cluster");
            }
        }
        _ => {
            eprintln!("usage: trade_cluster serve EXECUTORS VCORES | queries DIR RUNS [URL]");
            std::process::exit(2);
        }
    }
}
