//! Timing of the uncertainty analysis on SYNTHETIC data: 100 units × 50 indicators
//! (10 pillars of 5, 2 sub-indices, 1 index), generated deterministically below. Prints
//! one line per case in the benchmark format of `bench/run`; COINr (R) is not installable
//! here, so there is no peer.
//!
//! Run with `cargo run --release -p kaifang-assess --example uncertainty_bench`.

use std::time::Instant;

use kaifang_assess::aggregate::Aggregation;
use kaifang_assess::data::{Data, Unit};
use kaifang_assess::framework::Framework;
use kaifang_assess::matrix::Matrix;
use kaifang_assess::normalise::Normalisation;
use kaifang_assess::pipeline::{self, Pipeline};
use kaifang_assess::rng::Rng;
use kaifang_assess::sensitivity;
use kaifang_assess::uncertainty::{self, Control, UncertaintySpec};
use kaifang_assess::{report, zones};

const UNITS: usize = 100;
const PILLARS: usize = 10;
const PER_PILLAR: usize = 5;

fn synthetic() -> Result<(Framework, Data), Box<dyn std::error::Error>> {
    let mut meta = String::from("iCode,Parent,Direction,Weight,Type\n");
    for p in 0..PILLARS {
        for k in 0..PER_PILLAR {
            let dir = if (p + k) % 4 == 0 { -1 } else { 1 };
            meta.push_str(&format!("i{p}_{k},P{p},{dir},1,Indicator\n"));
        }
    }
    for p in 0..PILLARS {
        meta.push_str(&format!("P{p},S{},1,1,Aggregate\n", p % 2));
    }
    meta.push_str("S0,Index,1,1,Aggregate\nS1,Index,1,1,Aggregate\nIndex,,1,1,Aggregate\n");
    let fw = Framework::from_imeta_str("synthetic-meta.csv", &meta)?;
    // Each unit has a latent strength; indicators are that strength plus noise, some skewed.
    let mut rng = Rng::new(20240601);
    let strength: Vec<f64> = (0..UNITS).map(|_| rng.next_f64()).collect();
    let cols = (0..PILLARS * PER_PILLAR)
        .map(|j| {
            strength
                .iter()
                .map(|s| {
                    let v = s + 0.6 * (rng.next_f64() - 0.5);
                    if j % 7 == 0 {
                        (3.0 * v).exp()
                    } else {
                        10.0 * v + 50.0
                    }
                })
                .collect()
        })
        .collect();
    let units = (0..UNITS)
        .map(|i| Unit::new(format!("Z{i:03}"), format!("Synthetic zone {i}")))
        .collect();
    let data = Data::new(&fw, units, Matrix::from_columns(UNITS, cols).ok_or("size")?)?;
    Ok((fw, data))
}

fn median_ms(
    reps: usize,
    mut f: impl FnMut() -> Result<f64, Box<dyn std::error::Error>>,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let check = f()?; // warm-up
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        let c = f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        if c != check {
            return Err("the same seed gave a different answer".into());
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((times[reps / 2], check))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (fw, data) = synthetic()?;
    let pipe = Pipeline {
        normalise: Normalisation::MinMax {
            low: 1.0,
            high: 100.0,
        },
        ..Pipeline::default()
    };
    let spec = UncertaintySpec {
        runs: 10_000,
        seed: 1,
        weight_noise: 0.25,
        normalisation: vec![
            Normalisation::MinMax {
                low: 1.0,
                high: 100.0,
            },
            Normalisation::Rank,
        ],
        aggregation: vec![Aggregation::Arithmetic, Aggregation::Geometric],
        sobol_samples: 1000,
        ..UncertaintySpec::default()
    };
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());

    let (ms, shift) = median_ms(5, || {
        Ok(uncertainty::uncertainty(&pipe, &fw, &data, &spec)?.mean_abs_rank_shift)
    })?;
    println!(
        "uncertainty_mc_{UNITS}x{}_runs{} kaifang_ms={ms:.1} peer=none peer_ms=NA ratio=NA",
        PILLARS * PER_PILLAR,
        spec.runs
    );
    println!("note: mean absolute rank shift {shift:.3}, {threads} threads");

    let (ms, s) = median_ms(5, || {
        let s = sensitivity::sensitivity(&pipe, &fw, &data, &spec)?;
        Ok(s.mean_abs_rank_shift.iter().map(|i| i.total).sum())
    })?;
    let k = 2 + (fw.n_levels() - 1);
    println!(
        "sobol_{UNITS}x{}_N{}_runs{} kaifang_ms={ms:.1} peer=none peer_ms=NA ratio=NA",
        PILLARS * PER_PILLAR,
        spec.sobol_samples,
        spec.sobol_samples * (k + 2)
    );
    println!("note: sum of total Sobol indices of the mean absolute rank shift {s:.3}");

    let (ms, _) = median_ms(5, || {
        let r = pipeline::run(&pipe, &fw, &data)?;
        Ok(r.scores().get(0, fw.root()))
    })?;
    println!(
        "build_{UNITS}x{} kaifang_ms={ms:.3} peer=none peer_ms=NA ratio=NA",
        PILLARS * PER_PILLAR
    );

    // The default zone assessment on its SYNTHETIC demo panel (14 zones × 25 indicators ×
    // 5 years): both years' pipelines, 10,000 uncertainty runs, typology and suggestions.
    let zfw = zones::default_framework()?;
    let zpanel = zones::demo_panel(&zfw, &zones::registry()?)?;
    let zpipe = zones::default_pipeline()?;
    let zspec = UncertaintySpec {
        runs: 10_000,
        ..zpipe.uncertainty.clone().unwrap_or_default()
    };
    let opts = report::ReportOptions {
        uncertainty: Some(zspec),
        ..zones::report_options()
    };
    let (ms, shift) = median_ms(5, || {
        let r = report::assess(&zpipe, &zfw, &zpanel, &opts, &Control::default())?;
        Ok(r.uncertainty.map_or(f64::NAN, |u| u.mean_abs_rank_shift))
    })?;
    println!(
        "zones_report_{}x{}_runs10000 kaifang_ms={ms:.1} peer=none peer_ms=NA ratio=NA",
        zpanel.units().len(),
        zfw.n_indicators()
    );
    println!("note: zones (synthetic demo) mean absolute rank shift {shift:.3}");
    Ok(())
}
