//! Times sea routes for `bench/routing`: loads the lanes and ports, runs each case of a CSV
//! (`name,from_lon,from_lat,to_lon,to_lat`) repeatedly after a warm-up, and prints one JSON
//! line per case with the median time and the distances, then one line with the load time
//! and the peak memory of the process.
//!
//! Usage: sea_bench LANES.geojson PORTS.geojson CASES.csv [RUNS]

use std::path::PathBuf;
use std::time::Instant;

use kaifang_channels::geo::LonLat;
use kaifang_channels::sea::{self, SeaQuery};
use kaifang_channels::search::SearchSpace;
use kaifang_channels::{Error, formats};

fn main() {
    if let Err(e) = run() {
        eprintln!("sea_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, lanes, ports, cases, rest @ ..] = args.as_slice() else {
        return Err("usage: sea_bench LANES.geojson PORTS.geojson CASES.csv [RUNS]".into());
    };
    let runs: usize = rest.first().map(|r| r.parse()).transpose()?.unwrap_or(201);

    let started = Instant::now();
    let (net, ports) = formats::sea::load(&PathBuf::from(lanes), &PathBuf::from(ports))?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;

    let mut space = SearchSpace::new();
    let mut reader = csv::Reader::from_path(cases)?;
    for row in reader.records() {
        let row = row?;
        let num = |i: usize| -> Result<f64, Box<dyn std::error::Error>> {
            Ok(row.get(i).ok_or("short row")?.trim().parse::<f64>()?)
        };
        let name = row.get(0).ok_or("short row")?.to_string();
        let query = SeaQuery::new(LonLat::new(num(1)?, num(2)?), LonLat::new(num(3)?, num(4)?));
        let answer = match sea::route(&net, &query, &mut space) {
            Ok(r) => r,
            Err(Error::Unreachable(u)) => {
                println!(
                    "{}",
                    serde_json::json!({"case": name, "error": u.to_string()})
                );
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for _ in 0..20 {
            std::hint::black_box(sea::route(&net, &query, &mut space)?);
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            std::hint::black_box(sea::route(&net, std::hint::black_box(&query), &mut space)?);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let line = serde_json::json!({
            "case": name,
            "ms": times[times.len() / 2],
            "network_km": answer.network_km,
            "total_km": answer.total_km(),
            "snap_km": [answer.origin.distance_km, answer.destination.distance_km],
            "passages": answer.passages,
            "settled": answer.settled,
        });
        println!("{line}");
    }
    println!(
        "{}",
        serde_json::json!({
            "load_ms": load_ms,
            "peak_rss_mb": peak_rss_mb(),
            "nodes": net.node_count(),
            "directed_edges": net.graph().directed_edge_count(),
            "ports": ports.len(),
        })
    );
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
