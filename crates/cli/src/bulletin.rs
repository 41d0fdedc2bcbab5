//! `kaifang bulletin`: the monthly bulletin as DOCX or PDF, archived in the data directory
//! like one issued from the web (the same use case, `kaifang_app::bulletin::issue`).

use anyhow::{Context, Result};
use kaifang_app::assess::{AssessmentCache, CACHE_SIZE};
use kaifang_app::bulletin::{BulletinRequest, Params, issue};
use kaifang_app::cockpit::Sources;
use kaifang_app::queue::{QueueLimits, WorkQueue};
use kaifang_app::risk::RegistryCell;
use kaifang_app::studies::InputsCell;
use kaifang_app::trade::TradeData;
use kaifang_store::DataDir;
use kaifang_store::audit::Who;

use crate::work::{day, open_read};

#[derive(Debug, clap::Args)]
pub struct BulletinArgs {
    /// The month, `2025-12` (default: the latest with trade data).
    #[arg(long)]
    pub month: Option<String>,
    /// `zh` or `en`.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// `docx` (for editing in Word or WPS) or `pdf` (for distribution).
    #[arg(long, default_value = "docx")]
    pub format: String,
    /// Also copy the file here.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// The day it is issued on (default: today in China), `YYYY-MM-DD`.
    #[arg(long)]
    pub on: Option<String>,
}

pub async fn bulletin(dir: &DataDir, a: BulletinArgs) -> Result<()> {
    let (store, rules) = open_read(dir).await?;
    let trade = TradeData::open(dir.root())?;
    let latest = trade.read().await.latest_period();
    let params = Params::parse(
        &BulletinRequest {
            month: a.month,
            lang: Some(a.lang),
            format: Some(a.format),
        },
        latest,
    )?;
    let inputs = InputsCell::default();
    let sources = Sources {
        store: &store,
        trade: &trade,
        risk: &RegistryCell::with_inputs(inputs),
        zones: &AssessmentCache::new(CACHE_SIZE, WorkQueue::new(QueueLimits::default())),
        rules: &rules,
        demo: store.is_demo().await?,
    };
    let today = day(a.on)?;
    let progress = |p: u8| eprint!("\r{p:>3} %");
    let b = issue(&sources, &Who::cli("bulletin"), &params, today, &progress).await?;
    eprintln!();
    let path = store.bulletin_path(&b);
    println!("{}", path.display());
    if let Some(out) = a.out {
        std::fs::copy(&path, &out).with_context(|| format!("copying to {}", out.display()))?;
        println!("{}", out.display());
    }
    Ok(())
}
