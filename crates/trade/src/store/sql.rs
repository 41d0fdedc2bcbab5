//! Analysts' SQL over the store's session, read-only.

use super::TradeStore;
use crate::error::{Result, TradeError};
use datafusion::execution::context::SQLOptions;
use serde::Serialize;

/// Rows of an analyst's query.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SqlResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub synthetic: bool,
}

impl TradeStore {
    /// Runs an analyst's query. Only reading is allowed: DDL, DML (INSERT, COPY ... TO) and
    /// statements (SET, ...) are refused before anything runs. At most `max_rows` rows return.
    pub async fn sql(&self, query: &str, max_rows: usize) -> Result<SqlResult> {
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let df = self
            .ctx
            .sql_with_options(query, options)
            .await
            .map_err(|e| match e {
                datafusion::error::DataFusionError::Plan(m)
                    if m.contains("not supported") || m.contains("not allowed") =>
                {
                    TradeError::Refused(m)
                }
                other => TradeError::Refused(other.to_string()),
            })?;
        let df = df.limit(0, Some(max_rows))?;
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await?;
        let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows = Vec::new();
        for b in &batches {
            for i in 0..b.num_rows() {
                let mut row = Vec::with_capacity(b.num_columns());
                for c in b.columns() {
                    row.push(crate::cell::json_value(c, i));
                }
                rows.push(row);
            }
        }
        Ok(SqlResult {
            columns,
            rows,
            synthetic: self.synthetic(),
        })
    }
}
