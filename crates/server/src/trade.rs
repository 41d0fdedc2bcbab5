//! The server's hold on the foreign-trade store (`<data-dir>/trade/`, owned by
//! `kaifang-trade`): one [`TradeStore`] behind a read-write lock. Queries share it; an import
//! takes it exclusively (the engine writes the files and its in-memory tables), and the store
//! is reopened from its manifest afterwards, so the server always serves what is committed.

use kaifang_trade::demo::{DemoOptions, DemoReport};
use kaifang_trade::{ImportOptions, ImportReport, TradeError, TradeStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{RwLock, RwLockReadGuard};

use crate::error::ApiError;

/// Rows of the trade demo generated when `serve` creates a demo directory. Release builds
/// generate the full demo (1.2 million records); debug builds, used in
/// development and tests, a smaller one with the same calibrated totals, so a first start
/// stays quick. `KAIFANG_TRADE_DEMO_ROWS` overrides both.
pub const DEMO_ROWS: u64 = if cfg!(debug_assertions) {
    150_000
} else {
    1_200_000
};

#[derive(Clone)]
pub struct TradeData {
    data_dir: PathBuf,
    store: Arc<RwLock<TradeStore>>,
}

impl TradeData {
    pub fn open(data_dir: &Path) -> Result<TradeData, TradeError> {
        Ok(TradeData {
            data_dir: data_dir.to_path_buf(),
            store: Arc::new(RwLock::new(TradeStore::open(data_dir)?)),
        })
    }

    /// The store for reading; an import waits until the readers are done.
    pub async fn read(&self) -> RwLockReadGuard<'_, TradeStore> {
        self.store.read().await
    }

    /// Imports files with the store held exclusively, off the async workers, then reopens it.
    pub async fn import(
        &self,
        files: Vec<PathBuf>,
        options: ImportOptions,
        mut progress: impl FnMut(f64) -> bool + Send + 'static,
    ) -> Result<ImportReport, TradeError> {
        let mut guard = self.store.clone().write_owned().await;
        let data_dir = self.data_dir.clone();
        tokio::task::spawn_blocking(move || {
            let result = guard.import_files(&files, &options, &mut progress);
            // Serve exactly what the manifest lists, whether the import committed or not.
            match TradeStore::open(&data_dir) {
                Ok(fresh) => *guard = fresh,
                Err(e) => {
                    tracing::error!(error = %e, "cannot reopen the trade store after an import")
                }
            }
            result
        })
        .await
        .map_err(|e| TradeError::Argument(format!("the import crashed: {e}")))?
    }
}

/// Generates the synthetic trade demo into an empty trade store of `data_dir`.
pub fn generate_demo(data_dir: &Path, rows: u64) -> Result<DemoReport, TradeError> {
    let mut store = TradeStore::open(data_dir)?;
    let options = DemoOptions {
        rows,
        ..Default::default()
    };
    kaifang_trade::demo::generate(&mut store, &options, &mut |_| true)
}

/// The API's answer to an engine error: the caller's mistakes are 422, the rest internal.
pub fn api_error(e: TradeError) -> ApiError {
    match e {
        TradeError::Argument(m) => ApiError::invalid(m),
        TradeError::Refused(m) => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            format!("query refused: {m}"),
        ),
        e @ (TradeError::Input { .. } | TradeError::File { .. }) => {
            ApiError::invalid(e.to_string())
        }
        TradeError::Cancelled => ApiError::conflict("cancelled"),
        other => ApiError::internal(other),
    }
}
