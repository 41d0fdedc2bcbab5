//! Timing shared by the benchmark drivers: the median of timed runs after a warm-up.

use kaifang_trade::Result;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs `f` once to warm up, then `runs` times; the median in milliseconds and the last answer.
pub async fn time<F, Fut, T>(runs: usize, mut f: F) -> (f64, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut last = f().await.expect("warm-up");
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        last = f().await.expect("query");
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    (median(ms), last)
}
