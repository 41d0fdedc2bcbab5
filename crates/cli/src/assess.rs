//! `kaifang assess`: the composite-indicator engine on files, or the default development-zone
//! assessment on the synthetic demo data. Glue only: load, call `kaifang_assess`, print.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use kaifang_assess::report::{self, ReportOptions};
use kaifang_assess::uncertainty::{Control, UncertaintySpec};
use kaifang_assess::{Panel, pipeline, zones};

use crate::progress;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Pipeline TOML (steps and options), e.g. data/examples/coinr-asem.toml.
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    /// Framework: COINr-style iMeta CSV, or TOML (e.g. data/assess/mofcom-etdz.toml).
    #[arg(long, value_name = "META")]
    pub meta: Option<PathBuf>,
    /// Data CSV: COINr-style iData (optionally with a Time column), or long
    /// (uCode, Time, iCode, Value, Unit).
    #[arg(long, value_name = "DATA")]
    pub data: Option<PathBuf>,
    /// Year to assess (default: the latest in the data).
    #[arg(long)]
    pub year: Option<i32>,
    /// Monte Carlo runs for rank intervals (alternatives from the pipeline's [uncertainty]).
    #[arg(long, value_name = "N")]
    pub uncertainty: Option<usize>,
    /// Set a node's weight relative to its siblings, e.g. `--weight open=40`; repeatable.
    /// Answers "would we still be 7th with other weights?".
    #[arg(long = "weight", value_name = "CODE=W", value_parser = parse_weight)]
    pub weights: Vec<(String, f64)>,
    /// Also compute Sobol sensitivity indices (JSON output; needs --uncertainty).
    #[arg(long, requires = "uncertainty")]
    pub sensitivity: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Group column for ranks within groups (default for the zones: Type).
    #[arg(long)]
    pub group: Option<String>,
    /// Indicator codes for the scale-vs-growth typology (defaults for the zones:
    /// quality_gdp and quality_gdp_growth).
    #[arg(long, requires = "growth")]
    pub scale: Option<String>,
    #[arg(long, requires = "scale")]
    pub growth: Option<String>,
    /// Write the synthetic demo data of the default framework to FILE (CSV) and stop.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["pipeline", "meta", "data"])]
    pub write_demo: Option<PathBuf>,
}

fn parse_weight(s: &str) -> Result<(String, f64), String> {
    let (code, w) = s
        .split_once('=')
        .ok_or_else(|| format!("\"{s}\" is not CODE=WEIGHT"))?;
    let w: f64 = w
        .trim()
        .parse()
        .map_err(|_| format!("\"{w}\" is not a number"))?;
    if !(w.is_finite() && w >= 0.0) {
        return Err(format!("the weight of {code} must be a number ≥ 0"));
    }
    Ok((code.trim().to_string(), w))
}

pub fn run(args: AssessArgs) -> Result<()> {
    if let Some(file) = &args.write_demo {
        let fw = zones::default_framework()?;
        let csv = zones::demo_csv(&fw, &zones::registry()?, zones::DEMO_SEED);
        std::fs::write(file, csv).with_context(|| format!("writing {}", file.display()))?;
        eprintln!(
            "wrote {} (SYNTHETIC demo data, not statistics)",
            file.display()
        );
        return Ok(());
    }
    let (pipeline, framework, panel, mut opts) = match (&args.pipeline, &args.meta, &args.data) {
        (None, None, None) => {
            let fw = zones::default_framework()?;
            let panel = zones::demo_panel(&fw, &zones::registry()?)?;
            eprintln!(
                "note: default development-zone framework on SYNTHETIC demo data (not statistics); \
                 give --pipeline, --meta and --data to assess real data"
            );
            (
                zones::default_pipeline()?,
                fw,
                panel,
                zones::report_options(),
            )
        }
        (Some(p), Some(m), Some(d)) => {
            let pipeline = kaifang_assess::Pipeline::from_toml_path(p)?;
            let fw = pipeline::load_framework(m)?;
            let panel = Panel::from_path(d, &fw)?;
            (pipeline, fw, panel, ReportOptions::default())
        }
        _ => bail!("give all three of --pipeline, --meta and --data, or none for the demo"),
    };
    let pipeline = if args.weights.is_empty() {
        pipeline
    } else {
        pipeline.with_weight_overrides(args.weights.into_iter().collect())
    };
    opts.year = args.year;
    if let Some(g) = args.group {
        opts.group = Some(g);
    }
    if let (Some(s), Some(g)) = (args.scale, args.growth) {
        (opts.scale, opts.growth) = (Some(s), Some(g));
    }
    if let Some(runs) = args.uncertainty {
        opts.uncertainty = Some(UncertaintySpec {
            runs,
            ..pipeline.uncertainty.clone().unwrap_or_default()
        });
    }
    opts.sensitivity = args.sensitivity;
    let bar = opts
        .uncertainty
        .as_ref()
        .map(|_| progress::bar("uncertainty"));
    let report = {
        let draw = |f: f64| {
            if let Some(b) = &bar {
                b.set_position((f.clamp(0.0, 1.0) * 1000.0) as u64);
            }
        };
        let control = Control {
            progress: Some(&draw),
            cancel: None,
        };
        report::assess(&pipeline, &framework, &panel, &opts, &control)?
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    match args.format {
        Format::Csv => print!("{}", report.to_csv()),
        Format::Json => println!("{}", report.to_json()?),
    }
    Ok(())
}
