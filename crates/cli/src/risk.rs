//! `kaifang risk evaluate`, `kaifang risk list` and `kaifang risk indicators`: the risk watch
//! for scripts. The same use cases as `/api/risk/readings`, `/api/risk/evaluate` (with
//! `--raise`) and `/api/risk/alerts`.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kaifang_app::risk::drill::{Drill, DrillRequest};
use kaifang_app::trade::TradeData;
use kaifang_risk::Registry;
use kaifang_store::DataDir;
use kaifang_store::alerts::AlertFilter;
use kaifang_store::audit::Who;
use kaifang_trade::Period;

use crate::work::{Format, day, open_read};

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Measure every indicator now and give each its level, the most serious first.
    Evaluate {
        /// The trade month, `2025-06` (default: the latest with data).
        #[arg(long)]
        period: Option<String>,
        /// The day to judge tasks and appeals by (default: today in China), `YYYY-MM-DD`.
        #[arg(long)]
        on: Option<String>,
        /// Also raise an alert for each reading at yellow or above (once per indicator,
        /// subject and period), as the server's daily evaluation does.
        #[arg(long)]
        raise: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The alerts: open ones, the most serious first (`--all` for closed and dismissed too).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// A drill: close crossings, ports or links for some weeks and see whose trade it hits
    /// (by enterprise, city and HS chapter), how many TEU, and what the detours cost.
    Drill {
        /// A crossing, port or node (name in Chinese or English, or id), or a link id;
        /// repeat for several.
        #[arg(long, required = true)]
        close: Vec<String>,
        /// How long, in weeks (1 to 52).
        #[arg(long, default_value_t = 4)]
        weeks: u32,
        /// The year of trade records tested (default: the latest complete year).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The indicators with their definitions, owners and the rule of each level.
    Indicators {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

pub async fn risk(dir: &DataDir, command: RiskCommand) -> Result<()> {
    let registry = Registry::default_registry()?;
    match command {
        RiskCommand::Indicators { format } => {
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&registry)?),
                Format::Table => {
                    for i in &registry.indicators {
                        let rules: Vec<&str> = i.rules.iter().map(|r| r.zh.as_str()).collect();
                        println!("{:<34} {}  [{}]", i.id, i.name_zh, rules.join("; "));
                    }
                }
            }
            Ok(())
        }
        RiskCommand::Drill {
            close,
            weeks,
            year,
            format,
        } => {
            let drill = Drill::parse(DrillRequest {
                close,
                weeks: Some(weeks),
                year,
                name: None,
            })?;
            let inputs = std::sync::Arc::new(kaifang_assign::study::Inputs::defaults()?);
            drill.check_places(&inputs)?;
            let trade = TradeData::open(dir.root())
                .with_context(|| format!("opening the trade data in {}", dir.root().display()))?;
            let bar = crate::progress::bar("drill");
            let mut report = crate::progress::reporter(&bar);
            let r = kaifang_app::risk::drill::run(&trade, inputs, &drill, move |f| {
                if report(f) {
                    std::ops::ControlFlow::Continue(())
                } else {
                    std::ops::ControlFlow::Break(())
                }
            })
            .await;
            bar.finish_and_clear();
            let r = r?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                Format::Table => {
                    println!(
                        "closing {} for {} weeks (container flows of {}){}",
                        r.report
                            .closed
                            .iter()
                            .map(|e| e.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.weeks,
                        r.year,
                        if r.synthetic {
                            " — SYNTHETIC demo data"
                        } else {
                            ""
                        }
                    );
                    println!(
                        "  TEU affected {:.0} (no route left: {:.0}); trade affected {:.0} yuan (stranded {:.0}); detours cost {:.0} yuan more",
                        r.teu_affected,
                        r.teu_stranded,
                        r.value_affected_cny,
                        r.value_stranded_cny,
                        r.extra_cost_cny
                    );
                    println!(
                        "  bulk chapters 25-27 not tested: {:.0} yuan",
                        r.bulk_not_tested_cny
                    );
                    println!("{:<20} {:<40} {:>16}", "USCC", "ENTERPRISE", "VALUE (CNY)");
                    for e in r.by_enterprise.iter().take(20) {
                        println!(
                            "{:<20} {:<40} {:>16.0}",
                            e.uscc.as_deref().unwrap_or("-"),
                            e.name,
                            e.value_cny
                        );
                    }
                }
            }
            Ok(())
        }
        RiskCommand::List { all, format } => {
            let (store, _) = open_read(dir).await?;
            let alerts = store
                .alerts(&AlertFilter {
                    open: !all,
                    ..Default::default()
                })
                .await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&alerts)?),
                Format::Table => {
                    println!(
                        "{:>5} {:<7} {:<13} {:<34} {:<24} {:<10}",
                        "ID", "LEVEL", "STATE", "INDICATOR", "SUBJECT", "PERIOD"
                    );
                    for a in &alerts {
                        println!(
                            "{:>5} {:<7} {:<13} {:<34} {:<24} {:<10}{}",
                            a.id,
                            a.level.as_str(),
                            a.state.key(),
                            a.indicator,
                            a.subject_zh,
                            a.period,
                            if a.synthetic { " (synthetic)" } else { "" }
                        );
                    }
                }
            }
            Ok(())
        }
        RiskCommand::Evaluate {
            period,
            on,
            raise,
            format,
        } => {
            let period = match period {
                None => None,
                Some(p) => match Period::parse(&p) {
                    Some(p) => Some(p),
                    None => bail!("--period: {p:?} is not a month such as 2025-06"),
                },
            };
            let today = day(on)?;
            let (store, rules) = open_read(dir).await?;
            let trade = TradeData::open(dir.root())
                .with_context(|| format!("opening the trade data in {}", dir.root().display()))?;
            let (e, raised) = if raise {
                let r = kaifang_app::risk::evaluate_and_raise(
                    &Default::default(),
                    &store,
                    &trade,
                    &rules,
                    period,
                    today,
                    &Who::cli("risk evaluate"),
                )
                .await?;
                (r.evaluation, Some(r.alerts))
            } else {
                let e = kaifang_app::risk::evaluate(
                    &Default::default(),
                    &store,
                    &trade,
                    &rules,
                    period,
                    today,
                )
                .await?;
                (e, None)
            };
            match format {
                Format::Json => match raised {
                    // The body of `POST /api/risk/evaluate`.
                    Some(alerts) => println!(
                        "{}",
                        serde_json::to_string_pretty(&kaifang_app::risk::Raised {
                            evaluation: e,
                            alerts,
                        })?
                    ),
                    None => println!("{}", serde_json::to_string_pretty(&e)?),
                },
                Format::Table => {
                    if let Some(a) = raised {
                        println!(
                            "alerts: {} raised, {} changed level, {} unchanged",
                            a.raised, a.changed, a.unchanged
                        );
                    }
                    let c = &e.counts;
                    println!(
                        "trade month {}, tasks and appeals as of {}: red {}, orange {}, yellow {}, blue {}, normal {}",
                        e.period.as_deref().unwrap_or("(no trade data)"),
                        e.today,
                        c.red,
                        c.orange,
                        c.yellow,
                        c.blue,
                        c.normal
                    );
                    if e.synthetic_trade || e.synthetic_work {
                        eprintln!("note: synthetic demo data (合成演示数据) in these readings");
                    }
                    println!(
                        "{:<7} {:<34} {:<28} {:>12}",
                        "LEVEL", "INDICATOR", "SUBJECT", "VALUE"
                    );
                    for r in &e.readings {
                        println!(
                            "{:<7} {:<34} {:<28} {:>12.2}",
                            r.level.as_str(),
                            r.indicator,
                            r.subject_zh,
                            r.value
                        );
                    }
                }
            }
            Ok(())
        }
    }
}
