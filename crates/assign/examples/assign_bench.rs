//! Times traffic assignment for `bench/assignment`.
//!
//! `assign_bench solve NET TRIPS ALGORITHM GAP RUNS THREADS [VOLUMES_OUT]` reads a TNTP
//! network and trips, solves to the relative gap GAP once as a warm-up and then RUNS times,
//! and prints one JSON line: the network, algorithm, gap target and reached gap, iterations,
//! the median seconds of the solve alone (file reading excluded), the objective, the total
//! cost and the peak memory of the process (VmHWM). With VOLUMES_OUT the link volumes of the
//! last run are written there, one per line in the file's link order.
//!
//! `assign_bench evaluate NET TRIPS VOLUMES` reads link volumes (one per line, link order) from
//! any solver and prints their relative gap `(TSTT − SPTT) / TSTT`, Beckmann objective and
//! TSTT, all computed here from the volumes alone, so that two solvers' answers are judged by
//! the same code.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use kaifang_assign::assignment::aon::all_or_nothing;
use kaifang_assign::assignment::{Algorithm, Options, solve};
use kaifang_assign::tntp;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: assign_bench solve NET TRIPS ALGORITHM GAP RUNS THREADS [VOLUMES_OUT]\n       assign_bench evaluate NET TRIPS VOLUMES";

fn main() {
    if let Err(e) = run() {
        eprintln!("assign_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [
            "solve",
            net,
            trips,
            algorithm,
            gap,
            runs,
            threads,
            rest @ ..,
        ] => solve_case(
            net,
            trips,
            algorithm,
            gap.parse()?,
            runs.parse()?,
            threads.parse()?,
            rest.first().copied(),
        ),
        ["evaluate", net, trips, volumes] => evaluate(net, trips, volumes),
        _ => Err(USAGE.into()),
    }
}

/// Peak resident memory of this process in MiB (VmHWM), 0 where /proc is missing.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn network_name(net: &str) -> String {
    let file = Path::new(net)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.trim_end_matches(".tntp")
        .trim_end_matches("_net")
        .to_string()
}

fn solve_case(
    net: &str,
    trips: &str,
    algorithm: &str,
    gap: f64,
    runs: usize,
    threads: usize,
    volumes_out: Option<&str>,
) -> Result<()> {
    let started = Instant::now();
    let (problem, network, weights) = tntp::load(Path::new(net), Path::new(trips), None, None)?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let options = Options {
        algorithm: algorithm.parse::<Algorithm>()?,
        gap,
        max_iterations: 100_000,
        threads,
    };
    let mut seconds = Vec::with_capacity(runs);
    let mut last = None;
    // One warm-up, then the timed runs.
    for i in 0..=runs.max(1) {
        let t = Instant::now();
        let sol = solve(&problem, &options, &mut |_| ControlFlow::Continue(()))?;
        let s = t.elapsed().as_secs_f64();
        if i > 0 {
            seconds.push(s);
        }
        last = Some(sol);
    }
    let sol = last.ok_or("no run")?;
    let mut sorted = seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    if let Some(path) = volumes_out {
        write_volumes(path, &sol.volume)?;
    }
    println!(
        "{}",
        serde_json::json!({
            "network": network_name(net),
            "algorithm": algorithm,
            "gap_target": gap,
            "gap": sol.relative_gap,
            "converged": sol.converged,
            "iterations": sol.iterations,
            "seconds": median,
            "seconds_all": seconds,
            "steps": sol.steps.iter().map(|s| (s.relative_gap, s.seconds)).collect::<Vec<_>>(),
            "objective": sol.objective,
            "total_cost": sol.total_cost,
            "peak_rss_mb": peak_rss_mb(),
            "load_ms": load_ms,
            "links": network.links.len(),
            "zones": network.zones,
            "weights": weights.source,
        })
    );
    Ok(())
}

fn write_volumes(path: &str, volume: &[f64]) -> Result<()> {
    let mut text = String::with_capacity(volume.len() * 20);
    for v in volume {
        text.push_str(&format!("{v}\n"));
    }
    std::fs::write(path, text)?;
    Ok(())
}

fn evaluate(net: &str, trips: &str, volumes: &str) -> Result<()> {
    let (problem, network, _) = tntp::load(Path::new(net), Path::new(trips), None, None)?;
    let volume: Vec<f64> = std::fs::read_to_string(volumes)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()?;
    if volume.len() != network.links.len() {
        return Err(format!(
            "{volumes}: {} volumes for {} links",
            volume.len(),
            network.links.len()
        )
        .into());
    }
    // One class of one capacity unit per trip: cost = fixed + time(volume).
    let fixed = &problem.classes[0].fixed;
    let cost: Vec<f64> = problem
        .vdf
        .iter()
        .enumerate()
        .map(|(a, vdf)| fixed.get(a).copied().unwrap_or(0.0) + vdf.time(volume[a]))
        .collect();
    let tstt: f64 = volume.iter().zip(&cost).map(|(x, c)| x * c).sum();
    let loading = all_or_nothing(&problem, &[cost], 0, false);
    let gap = (tstt - loading.sptt) / tstt;
    println!(
        "{}",
        serde_json::json!({
            "network": network_name(net),
            "gap": gap,
            "objective": problem.objective_value(&[volume]),
            "tstt": tstt,
            "sptt": loading.sptt,
        })
    );
    Ok(())
}
