//! The forecast side of `bench/forecast`: reads monthly series from a CSV of
//! `unique_id,ds,y` (`ds` as `YYYY-MM-DD`, rows of a series together and in time order),
//! holds out the last `HOLDOUT` values of each, forecasts them with 80 % and 95 % intervals
//! and writes `unique_id,step,mean,lo80,hi80,lo95,hi95` to OUT.
//!
//! `forecast_bench SERIES.csv OUT.csv plain|festival HOLDOUT RUNS`
//!
//! Timing covers only the forecasts (fit and predict) of all series of the file, one after
//! the other on one thread, after one warm-up forecast; the median of RUNS passes is printed
//! as a JSON line. `festival` turns on the Spring Festival handling, with each series'
//! calendar taken from its first `ds`.

use std::error::Error;
use std::io::Write;
use std::time::Instant;

use kaifang_risk::forecast::{self, Forecast, Options, SpringFestival};

struct Series {
    id: String,
    start: (i32, u32),
    values: Vec<f64>,
}

fn read(path: &str) -> Result<Vec<Series>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut out: Vec<Series> = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let mut cols = line.split(',');
        let (Some(id), Some(ds), Some(y)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(format!("{path}:{}: expected unique_id,ds,y", n + 1).into());
        };
        let y: f64 = y
            .parse()
            .map_err(|e| format!("{path}:{}: {y:?}: {e}", n + 1))?;
        match out.last_mut() {
            Some(s) if s.id == id => s.values.push(y),
            _ => {
                let mut parts = ds.split('-');
                let year: i32 = parts.next().unwrap_or("").parse()?;
                let month: u32 = parts.next().unwrap_or("").parse()?;
                out.push(Series {
                    id: id.to_string(),
                    start: (year, month),
                    values: vec![y],
                });
            }
        }
    }
    Ok(out)
}

fn run(series: &[Series], holdout: usize, festival: bool) -> Result<Vec<Forecast>, Box<dyn Error>> {
    series
        .iter()
        .map(|s| {
            let options = Options {
                season: 12,
                spring_festival: festival.then_some(SpringFestival {
                    start_year: s.start.0,
                    start_month: s.start.1,
                }),
            };
            let train = &s.values[..s.values.len().saturating_sub(holdout)];
            forecast::forecast(train, holdout, &options)
                .map_err(|e| format!("{}: {e}", s.id).into())
        })
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output, mode, holdout, runs] = args.as_slice() else {
        return Err("usage: forecast_bench SERIES.csv OUT.csv plain|festival HOLDOUT RUNS".into());
    };
    let festival = match mode.as_str() {
        "plain" => false,
        "festival" => true,
        other => return Err(format!("mode {other:?}: plain or festival").into()),
    };
    let holdout: usize = holdout.parse()?;
    let runs: usize = runs.parse::<usize>()?.max(1);
    let series = read(input)?;
    let first = series.first().ok_or("no series")?;
    run(std::slice::from_ref(first), holdout, festival)?;

    let mut times = Vec::with_capacity(runs);
    let mut forecasts = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        forecasts = run(&series, holdout, festival)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];

    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    writeln!(out, "unique_id,step,mean,lo80,hi80,lo95,hi95")?;
    for (s, f) in series.iter().zip(&forecasts) {
        for i in 0..f.mean.len() {
            writeln!(
                out,
                "{},{},{},{},{},{},{}",
                s.id,
                i + 1,
                f.mean[i],
                f.lower_80[i],
                f.upper_80[i],
                f.lower_95[i],
                f.upper_95[i]
            )?;
        }
    }
    out.flush()?;
    let mut models: Vec<&str> = forecasts.iter().map(|f| f.model.as_str()).collect();
    models.sort_unstable();
    models.dedup();
    println!(
        "{{\"series\": {}, \"ms\": {median:.3}, \"runs\": {runs}, \"models\": {}}}",
        series.len(),
        models.len()
    );
    Ok(())
}
