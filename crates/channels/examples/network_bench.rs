//! Times the multimodal planner for `bench/routing`: on the default network, the best route,
//! 3 alternatives and the Pareto set for one container Changchun → Hamburg, repeatedly after
//! a warm-up. Prints one JSON line with the median and 90th percentile in milliseconds, the
//! load time and what was found (so a faster but wrong answer shows).
//!
//! Usage: network_bench [RUNS]

use std::time::Instant;

use kaifang_channels::defaults;
use kaifang_channels::query::{RouteRequest, plan};

fn main() {
    if let Err(e) = run() {
        eprintln!("network_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(201);
    let started = Instant::now();
    let net = defaults::network()?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut alt = RouteRequest::new("长春", "Hamburg");
    alt.value = Some("30000USD".into());
    alt.alternatives = 3;
    let mut pareto = alt.clone();
    pareto.pareto = true;
    let once = || -> Result<(usize, usize), Box<dyn std::error::Error>> {
        let a = plan(&net, None, &alt)?;
        let p = plan(&net, None, &pareto)?;
        Ok((a.routes.len(), p.routes.len()))
    };
    let found = once()?;
    for _ in 0..5 {
        once()?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(once()?);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let p50 = times[times.len() / 2];
    let p90 = times[(times.len() * 9) / 10];
    println!(
        "{}",
        serde_json::json!({
            "case": "changchun-hamburg-best+3alt+pareto",
            "p50_ms": p50, "p90_ms": p90, "runs": runs, "load_ms": load_ms,
            "routes": found.0, "pareto_routes": found.1,
            "nodes": net.nodes().len(), "links": net.links().len(),
        })
    );
    Ok(())
}
