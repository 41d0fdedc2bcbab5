//! `kaifang import trade`, `kaifang trade ...` and `kaifang sql`: thin faces over
//! `kaifang-trade`.

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use kaifang_app::trade::TradeData;
use kaifang_store::DataDir;
use kaifang_store::audit::Who;
use kaifang_trade::{Dimension, Filter, Flow, ImportOptions, TradeStore};
use std::path::PathBuf;

use crate::progress;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import customs statistics (CSV or XLSX; the customs platform's layout or Kaifang's).
    /// All files import or none does; each period and flow in them replaces the stored one.
    Trade {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Flow of files without a flow column (the platform exports each flow separately).
        #[arg(long)]
        flow: Option<Flow>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TradeCommand {
    /// The month's headline figures: month and year to date with YoY, by flow, top partners.
    Summary {
        /// Defaults to the latest month with data.
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        month: Option<u32>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// A breakdown by partner, partner_group, section, chapter, trade_mode, city, ownership,
    /// enterprise or bec (end use by the UN Broad Economic Categories).
    Breakdown {
        #[arg(long)]
        by: Dimension,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        month: Option<u32>,
        /// Only one flow (default: total trade).
        #[arg(long)]
        flow: Option<Flow>,
        /// The month alone instead of the year to date.
        #[arg(long)]
        month_only: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Further analyses, as JSON: trend, dynamics (enterprises), concentration, rca,
    /// price-volume.
    Analysis {
        #[arg(value_enum)]
        kind: Analysis,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        month: Option<u32>,
        #[arg(long)]
        flow: Option<Flow>,
        /// The month alone instead of the year to date.
        #[arg(long)]
        month_only: bool,
        /// Rows in top lists.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Generate the synthetic demo (2019–2025) into the data directory, replacing its trade data.
    Demo {
        /// Number of records to generate.
        #[arg(long, default_value_t = 1_200_000)]
        rows: u64,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Replace trade data that is not synthetic.
        #[arg(long)]
        force: bool,
    },
    /// Import the national reference table for RCA (CSV: year,chapter,value,source).
    Reference { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Analysis {
    Trend,
    Dynamics,
    Concentration,
    Rca,
    PriceVolume,
}

pub fn open(dir: &DataDir) -> Result<TradeStore> {
    kaifang_app::trade::open_store(dir.root())
        .with_context(|| format!("opening the trade data in {}", dir.root().display()))
}

/// Opens the directory's database (for the audit entry every change of trade data writes) and
/// its trade store, holding the directory's lock.
async fn open_for_writing(
    dir: &DataDir,
) -> Result<(kaifang_store::DirLock, kaifang_store::Store, TradeData)> {
    let (lock, store) = kaifang_app::datadir::open_locked(dir, crate::commands::env).await?;
    let trade = TradeData::open(dir.root())?;
    Ok((lock, store, trade))
}

pub async fn import(dir: &DataDir, command: ImportCommand) -> Result<()> {
    let ImportCommand::Trade { files, flow } = command;
    let (lock, store, trade) = open_for_writing(dir).await?;
    let config = kaifang_store::Config::load(&dir.config_path(), crate::commands::env)?;
    let bar = progress::bar("import");
    let options = ImportOptions {
        flow,
        memory_mb: Some(u32::try_from(config.trade.import_memory_mb).unwrap_or(u32::MAX)),
        ..Default::default()
    };
    let result = kaifang_app::trade::import(
        &store,
        &trade,
        &Who::cli("import trade"),
        files,
        &[],
        options,
        None,
        progress::reporter(&bar),
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    drop(lock);
    let r = result?;
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "imported {} rows from {} file(s) in {:.2} s ({:.0} rows/s): {} period-flow(s), {} replaced",
        r.rows,
        r.files,
        r.seconds,
        r.rows_per_second,
        r.periods.len(),
        r.replaced
    );
    Ok(())
}

fn pick_period(store: &TradeStore, year: Option<i32>, month: Option<u32>) -> Result<(i32, u32)> {
    match (year, month) {
        (Some(y), Some(m)) => Ok((y, m)),
        (None, None) => match store.latest_period() {
            Some(p) => Ok((p.year, p.month)),
            None => {
                bail!("no trade data yet: run `kaifang import trade FILE` or `kaifang trade demo`")
            }
        },
        _ => bail!("give both --year and --month, or neither for the latest month"),
    }
}

fn bn(v: f64) -> String {
    // 亿元 (100 million yuan), the unit of Chinese trade bulletins.
    format!("{:.2}", v / 1e8)
}

fn pct(v: Option<f64>) -> String {
    v.map(|p| format!("{p:+.1}")).unwrap_or_else(|| "—".into())
}

fn synthetic_note(store: &TradeStore) {
    if store.synthetic() {
        eprintln!("note: synthetic demo data (合成演示数据), not official statistics");
    }
}

pub async fn trade(dir: &DataDir, command: TradeCommand) -> Result<()> {
    match command {
        TradeCommand::Summary {
            year,
            month,
            format,
        } => {
            let store = open(dir)?;
            let (y, m) = pick_period(&store, year, month)?;
            let s = kaifang_trade::summary(&store, y, m).await?;
            synthetic_note(&store);
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                Format::Table => {
                    println!("foreign trade {y}-{m:02}   value in 100 mn CNY (亿元), YoY in %");
                    println!(
                        "{:<24}{:>14}{:>9}{:>14}{:>9}",
                        "", "month", "YoY", "Jan-", "YoY"
                    );
                    println!(
                        "{:<24}{:>14}{:>9}{:>14}{:>9}",
                        "total 进出口",
                        bn(s.month.value_cny),
                        pct(s.month.yoy_pct),
                        bn(s.ytd.value_cny),
                        pct(s.ytd.yoy_pct)
                    );
                    for f in &s.by_flow {
                        println!(
                            "{:<24}{:>14}{:>9}{:>14}{:>9}",
                            format!("{} {}", f.flow, f.flow.name_zh()),
                            bn(f.month.value_cny),
                            pct(f.month.yoy_pct),
                            bn(f.ytd.value_cny),
                            pct(f.ytd.yoy_pct)
                        );
                    }
                    println!("\ntop partners, Jan-{m:02}");
                    for (i, r) in s.top_partners.iter().enumerate() {
                        println!(
                            "{:>3}. {:<28}{:>12}{:>9}{:>8.1}%  {:+.2} pp",
                            i + 1,
                            format!("{} {}", r.name_zh, r.name_en),
                            bn(r.value_cny),
                            pct(r.yoy_pct),
                            r.share_pct,
                            r.contribution_pp.unwrap_or(0.0)
                        );
                    }
                }
            }
        }
        TradeCommand::Breakdown {
            by,
            year,
            month,
            flow,
            month_only,
            limit,
            format,
        } => {
            let store = open(dir)?;
            let (y, m) = pick_period(&store, year, month)?;
            let f = Filter {
                flow,
                cumulative: !month_only,
                top: Some(limit),
                ..Filter::new(y, m)?
            };
            let b = kaifang_trade::breakdown(&store, by, &f).await?;
            synthetic_note(&store);
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
                Format::Table => {
                    println!(
                        "total {} (YoY {})   value in 100 mn CNY",
                        bn(b.total.value_cny),
                        pct(b.total.yoy_pct)
                    );
                    for r in &b.rows {
                        println!(
                            "{:<12}{:<30}{:>12}{:>9}{:>8.1}%  {:+.2} pp",
                            r.key,
                            r.name_zh,
                            bn(r.value_cny),
                            pct(r.yoy_pct),
                            r.share_pct,
                            r.contribution_pp.unwrap_or(0.0)
                        );
                    }
                    if let Some(s) = &b.source {
                        println!("source: {s}");
                    }
                }
            }
        }
        TradeCommand::Analysis {
            kind,
            year,
            month,
            flow,
            month_only,
            top,
        } => {
            let store = open(dir)?;
            let (y, m) = pick_period(&store, year, month)?;
            let f = Filter {
                flow,
                cumulative: !month_only,
                ..Filter::new(y, m)?
            };
            let json = match kind {
                Analysis::Trend => serde_json::to_value(kaifang_trade::trend(&store, flow).await?)?,
                Analysis::Dynamics => serde_json::to_value(
                    kaifang_trade::enterprise_dynamics(&store, &f, top).await?,
                )?,
                Analysis::Concentration => {
                    serde_json::to_value(kaifang_trade::concentration(&store, &f).await?)?
                }
                Analysis::Rca => serde_json::to_value(kaifang_trade::rca(&store, y).await?)?,
                Analysis::PriceVolume => {
                    serde_json::to_value(kaifang_trade::price_volume(&store, &f, top).await?)?
                }
            };
            synthetic_note(&store);
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        TradeCommand::Demo { rows, seed, force } => {
            let (lock, store, trade) = open_for_writing(dir).await?;
            let real = {
                let t = trade.read().await;
                !t.is_empty() && !t.synthetic()
            };
            if real && !force {
                bail!(
                    "{} holds imported trade data; `kaifang trade demo --force` replaces it with synthetic data",
                    dir.root().display()
                );
            }
            let bar = progress::bar("demo");
            let options = kaifang_trade::demo::DemoOptions {
                rows,
                seed,
                ..Default::default()
            };
            let result = kaifang_app::trade::generate_demo(
                &store,
                &trade,
                &Who::cli("trade demo"),
                options,
                progress::reporter(&bar),
            )
            .await;
            bar.finish_and_clear();
            store.close().await;
            drop(lock);
            let r = result?;
            println!(
                "generated {} synthetic rows (2019-2025, {} period-flows) in {:.1} s",
                r.rows, r.partitions, r.seconds
            );
        }
        TradeCommand::Reference { file } => {
            let (lock, store, trade) = open_for_writing(dir).await?;
            let n = kaifang_app::trade::import_reference(
                &store,
                &trade,
                &Who::cli("trade reference"),
                file,
            )
            .await;
            store.close().await;
            drop(lock);
            let n = n?;
            println!("imported {n} reference rows");
        }
    }
    Ok(())
}

pub async fn sql(dir: &DataDir, query: &str, format: Format, max_rows: usize) -> Result<()> {
    // The same bounds and the same audit as the API's SQL, read beside a running server.
    let config = kaifang_store::Config::load(&dir.config_path(), crate::commands::env)?;
    let db = if dir.is_initialised() {
        Some(kaifang_store::Store::open(dir, false).await?)
    } else {
        None
    };
    let trade = TradeData::open(dir.root())?;
    let r = kaifang_app::trade::AnalystSql::new(&config.trade)
        .run(db.as_ref(), &trade, &Who::cli("sql"), query, Some(max_rows))
        .await;
    if let Some(db) = db {
        db.close().await;
    }
    let r = r?;
    synthetic_note(&*trade.read().await);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
        Format::Table => {
            println!("{}", r.columns.join("\t"));
            for row in &r.rows {
                let cells: Vec<String> = row
                    .iter()
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    })
                    .collect();
                println!("{}", cells.join("\t"));
            }
        }
    }
    Ok(())
}
