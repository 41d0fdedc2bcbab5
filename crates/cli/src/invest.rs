//! `kaifang invest check-negative-list`, `kaifang invest stats` and `kaifang invest import`:
//! investment attraction for scripts. The same use cases as `/api/invest/negative-list/check`,
//! `/api/invest/stats` and `/api/invest/projects/import`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kaifang_app::AppError;
use kaifang_app::invest::{CheckRequest, NegativeLists};
use kaifang_invest::negative_list::{MatchedBy, Verdict};
use kaifang_store::DataDir;
use kaifang_store::audit::Who;

use crate::work::{Format, day, open_read};

#[derive(Debug, Subcommand)]
pub enum InvestCommand {
    /// Check an industry (GB/T 4754-2017 code) or a described activity against the negative
    /// list for foreign investment access: prohibited, restricted or not on the list.
    CheckNegativeList {
        /// A section letter or a 2- to 4-digit code, e.g. 86 or 8610.
        #[arg(long)]
        industry: Option<String>,
        /// The activity in words, e.g. "设立通讯社".
        #[arg(long)]
        text: Option<String>,
        /// The edition (default: the national list in force today); `kaifang invest
        /// editions` lists them.
        #[arg(long)]
        edition: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The editions of the negative list the platform knows.
    Editions {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The pipeline's figures: signed and arrived amounts, year on year, by city, zone,
    /// industry, source country and month; conversion and time in stage.
    Stats {
        /// The year (default: this year).
        #[arg(long)]
        year: Option<i32>,
        /// The period's last month, 1–12 (default: this month).
        #[arg(long)]
        month: Option<u8>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Import a project list (.xlsx in the template's columns): every row, or none.
    Import {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

fn lists(dir: &DataDir) -> Result<NegativeLists> {
    Ok(NegativeLists::load(Some(
        &dir.root().join("negative-list"),
    ))?)
}

pub async fn invest(dir: &DataDir, command: InvestCommand) -> Result<()> {
    let today = day(None)?;
    match command {
        InvestCommand::CheckNegativeList {
            industry,
            text,
            edition,
            format,
        } => {
            let check = lists(dir)?
                .check(
                    &CheckRequest {
                        edition,
                        industry,
                        text,
                    },
                    today,
                )
                .map_err(|e| match e {
                    AppError::Field { field, message, .. } => {
                        anyhow::anyhow!("--{field}: {message}")
                    }
                    other => other.into(),
                })?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&check)?),
                Format::Table => {
                    let verdict = match check.verdict {
                        Verdict::Prohibited => "PROHIBITED 禁止",
                        Verdict::Restricted => "RESTRICTED 限制",
                        Verdict::NotListed => "NOT ON THE LIST 未列入",
                    };
                    println!("{verdict} — {} ({})", check.edition_title_zh, check.edition);
                    for m in &check.matches {
                        println!(
                            "  item {:>2}{} [{}: {}] {}",
                            m.item,
                            if m.partial {
                                " (part of the industry)"
                            } else {
                                ""
                            },
                            match m.matched_by {
                                MatchedBy::Industry => "industry",
                                MatchedBy::Text => "text",
                            },
                            m.on,
                            m.text_zh
                        );
                        if let Some(r) = &m.review {
                            println!("           review: {r}");
                        }
                    }
                    println!("{}", check.note);
                }
            }
            Ok(())
        }
        InvestCommand::Editions { format } => {
            let editions = lists(dir)?.editions(today);
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&editions)?),
                Format::Table => {
                    for e in &editions {
                        println!(
                            "{:<16} {:<9} {} items ({} to review){}  {}",
                            e.id,
                            e.effective,
                            e.items,
                            e.items_to_review,
                            if e.current { "  in force" } else { "" },
                            e.title_zh
                        );
                    }
                }
            }
            Ok(())
        }
        InvestCommand::Stats {
            year,
            month,
            format,
        } => {
            let (store, _) = open_read(dir).await?;
            let s = kaifang_app::invest::stats(&store, None, year, month, today)
                .await
                .map_err(|e| match e {
                    AppError::Field { field, message, .. } => {
                        anyhow::anyhow!("--{field}: {message}")
                    }
                    other => other.into(),
                })?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                Format::Table => {
                    let t = &s.stats.total;
                    println!(
                        "{}年1–{}月 ({} projects{}): signed {:.0} 万元 ({} projects, YoY {}), arrived {:.0} 万元 (YoY {})",
                        s.stats.year,
                        s.stats.month,
                        s.projects,
                        if s.synthetic {
                            ", SYNTHETIC demo data"
                        } else {
                            ""
                        },
                        t.signed,
                        t.signed_projects,
                        pct(t.signed_yoy),
                        t.arrived,
                        pct(t.arrived_yoy)
                    );
                    println!(
                        "{:<28} {:>12} {:>9} {:>12} {:>9}",
                        "CITY", "SIGNED", "YOY", "ARRIVED", "YOY"
                    );
                    for g in &s.stats.by_city {
                        let name = s.names.get(&g.key).map(|n| n.zh.as_str()).unwrap_or(&g.key);
                        let f = &g.figures;
                        println!(
                            "{:<28} {:>12.0} {:>9} {:>12.0} {:>9}",
                            name,
                            f.signed,
                            pct(f.signed_yoy),
                            f.arrived,
                            pct(f.arrived_yoy)
                        );
                    }
                    for c in &s.stats.conversion {
                        println!(
                            "  {} → {}: {}/{} ({})",
                            c.from.name_zh(),
                            c.to.name_zh(),
                            c.reached_to,
                            c.reached_from,
                            c.rate
                                .map(|r| format!("{r:.1}%"))
                                .unwrap_or_else(|| "-".into())
                        );
                    }
                }
            }
            Ok(())
        }
        InvestCommand::Import { file, format } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let (store, _) = open_read(dir).await?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let r = kaifang_app::invest::import_sheet(
                &store,
                &lists(dir)?,
                &Who::cli("invest import"),
                &name,
                bytes,
                today,
                |_, _, _| true,
            )
            .await;
            let r = match r {
                Err(AppError::Sheet(problems)) => {
                    for p in &problems {
                        eprintln!(
                            "{}, row {}, column {} ({}): {}",
                            file.display(),
                            p.row,
                            p.column,
                            p.field,
                            p.message
                        );
                    }
                    bail!(
                        "{} has {} problems; nothing was saved",
                        file.display(),
                        problems.len()
                    );
                }
                other => other?,
            };
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Format::Table => println!("imported {} projects from {}", r.imported, r.file),
            }
            Ok(())
        }
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:+.1}%")).unwrap_or_else(|| "-".into())
}
