//! `kaifang tasks overdue` and `kaifang appeals stats`: the supervision board and the appeal
//! statistics for scripts (a daily mail to the supervision office, a weekly report).

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use kaifang_store::appeals::AppealScope;
use kaifang_store::rules::{Rules, format_date, parse_date, today_in_china};
use kaifang_store::tasks::TaskFilter;
use kaifang_store::{Config, DataDir, Store};
use kaifang_work::Light;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// Open tasks past their deadline, most overdue first.
    Overdue {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// The day to judge by (default: today in China), `YYYY-MM-DD`.
        #[arg(long)]
        on: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppealsCommand {
    /// Appeals by category and by department: counts, working days to accept and answer,
    /// satisfaction.
    Stats {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[arg(long)]
        on: Option<String>,
    },
}

/// Opens the database for reading. No directory lock: these commands only read, and SQLite's
/// WAL lets them run beside `kaifang serve`.
pub(crate) async fn open_read(dir: &DataDir) -> Result<(Store, Rules)> {
    if !dir.is_initialised() {
        bail!(
            "{} is not a Kaifang data directory (no kaifang.db); run `kaifang init` or `kaifang serve` first",
            dir.root().display()
        );
    }
    let config = Config::load(&dir.config_path(), |v| std::env::var(v).ok())?;
    let store = Store::open(dir, false).await?;
    Ok((store, Rules::from_config(&config.work)?))
}

pub(crate) fn day(on: Option<String>) -> Result<time::Date> {
    Ok(match on {
        Some(d) => parse_date("--on", &d)?,
        None => today_in_china(),
    })
}

pub async fn tasks(dir: &DataDir, command: TasksCommand) -> Result<()> {
    let TasksCommand::Overdue { format, on } = command;
    let today = day(on)?;
    let (store, rules) = open_read(dir).await?;
    let filter = TaskFilter {
        light: Some(Light::Red),
        ..TaskFilter::default()
    };
    let mut items = store.tasks(&filter, None, &rules, today).await?;
    items.sort_by_key(|t| std::cmp::Reverse(t.overdue_working_days));
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "today": format_date(today),
                "overdue": items,
            }))?
        ),
        Format::Table => {
            println!("{} overdue task(s) on {}", items.len(), format_date(today));
            if !items.is_empty() {
                println!(
                    "{:>5}  {:<10}  {:>12}  {:<14}  {:<24}  TASK",
                    "ID", "DEADLINE", "WORKING DAYS", "STATE", "LEAD"
                );
            }
            for t in &items {
                println!(
                    "{:>5}  {:<10}  {:>12}  {:<14}  {:<24}  {}",
                    t.id, t.deadline, t.overdue_working_days, t.state, t.lead.name_zh, t.title
                );
            }
        }
    }
    store.close().await;
    Ok(())
}

pub async fn appeals(dir: &DataDir, command: AppealsCommand) -> Result<()> {
    let AppealsCommand::Stats { format, on } = command;
    let today = day(on)?;
    let (store, rules) = open_read(dir).await?;
    let stats = store
        .appeal_stats(Some(AppealScope::All), &rules, today)
        .await?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
        Format::Table => {
            let opt = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
            println!(
                "appeals on {} (limits: accept {} and answer {} working days)",
                stats.today, stats.limits.accept_working_days, stats.limits.resolve_working_days
            );
            for (title, rows) in [
                ("BY CATEGORY", &stats.by_category),
                ("BY DEPARTMENT", &stats.by_department),
            ] {
                println!("\n{title}");
                println!(
                    "{:<24} {:>5} {:>5} {:>9} {:>8} {:>8} {:>12} {:>12} {:>12}",
                    "",
                    "TOTAL",
                    "OPEN",
                    "ESCALATED",
                    "REJECTED",
                    "ANSWERED",
                    "DAYS→ACCEPT",
                    "DAYS→ANSWER",
                    "SATISFACTION"
                );
                for r in rows.iter().chain(std::iter::once(&stats.total)) {
                    println!(
                        "{:<24} {:>5} {:>5} {:>9} {:>8} {:>8} {:>12} {:>12} {:>12}",
                        r.name_zh,
                        r.total,
                        r.open,
                        r.escalated,
                        r.rejected,
                        r.answered,
                        opt(r.mean_days_to_accept),
                        opt(r.mean_days_to_answer),
                        opt(r.mean_satisfaction)
                    );
                }
            }
        }
    }
    store.close().await;
    Ok(())
}
