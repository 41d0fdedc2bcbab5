//! Analysts' SQL over the store's tables, read-only and bounded.
//!
//! A query is prepared against the store ([`TradeStore::prepare_sql`]) and then runs on its
//! own session: its own memory pool with a cap, no table-generating functions
//! (`generate_series`, `range`) and no string functions that allocate what the caller asks
//! for (`repeat`, `lpad`, `rpad`), a time limit, and a cap on the rows returned. The prepared
//! query owns what it reads, so it runs without holding the store: an import can commit
//! meanwhile, and the query sees the tables as they were when it was prepared.
//!
//! On a store with a cluster, a query reading only file tables runs there with the same
//! functions, time limit and row cap; its memory is then the executors' to bound.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::{ClusterSession, TradeStore};
use crate::error::{Result, TradeError};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::SessionContext;
use serde::Serialize;

/// Rows of an analyst's query.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SqlResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub synthetic: bool,
}

/// What one analyst's query may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SqlLimits {
    /// Memory its operators may reserve (hash tables, sorts, buffered join sides).
    pub memory_bytes: usize,
    pub max_rows: usize,
    pub timeout: Duration,
}

/// Scalar functions whose output size is whatever the caller asks for, and which the memory
/// pool does not see: gone from analysts' sessions.
const UNBOUNDED_FUNCTIONS: [&str; 3] = ["repeat", "lpad", "rpad"];

/// An analyst's query with its own bounded session, ready to run.
pub struct PreparedSql {
    ctx: SessionContext,
    cluster: Option<ClusterSession>,
    query: String,
    limits: SqlLimits,
    synthetic: bool,
}

impl TradeStore {
    /// Runs a query of Kaifang's own (not an analyst's) on the store's session. Only reading
    /// is allowed; at most `max_rows` rows return.
    pub async fn sql(&self, query: &str, max_rows: usize) -> Result<SqlResult> {
        let cluster = self.cluster.as_ref();
        execute(&self.ctx, cluster, query, max_rows, self.synthetic()).await
    }

    /// Prepares an analyst's query on a session of its own with the bounds of `limits`.
    pub fn prepare_sql(&self, query: &str, limits: SqlLimits) -> Result<PreparedSql> {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(limits.memory_bytes)))
            .build_arc()?;
        let state = bounded(self.ctx.state()).with_runtime_env(runtime).build();
        let cluster = self
            .cluster
            .as_ref()
            .map(|c| c.with_state(bounded(c.ctx.state()).build()));
        Ok(PreparedSql {
            ctx: SessionContext::new_with_state(state),
            cluster,
            query: query.to_string(),
            limits,
            synthetic: self.synthetic(),
        })
    }
}

impl PreparedSql {
    /// Runs the query within its time limit; past it the plan is dropped, which stops its
    /// tasks, and the answer is an error saying so.
    pub async fn run(self) -> Result<SqlResult> {
        let limit = self.limits.timeout;
        match tokio::time::timeout(
            limit,
            execute(
                &self.ctx,
                self.cluster.as_ref(),
                &self.query,
                self.limits.max_rows,
                self.synthetic,
            ),
        )
        .await
        {
            Ok(result) => result.map_err(|e| match e {
                TradeError::Engine(d) if d.to_string().contains("Resources exhausted") => {
                    TradeError::Refused(format!(
                        "the query needs more than the {} MiB one query may use; aggregate more, or query an agg_ table",
                        self.limits.memory_bytes / (1024 * 1024)
                    ))
                }
                other => other,
            }),
            Err(_) => Err(TradeError::Refused(format!(
                "the query ran longer than {} s and was stopped",
                limit.as_secs()
            ))),
        }
    }
}

/// A session's state without the table functions and the unbounded scalar functions.
fn bounded(state: datafusion::execution::SessionState) -> SessionStateBuilder {
    let scalars = state
        .scalar_functions()
        .iter()
        .filter(|(name, _)| !UNBOUNDED_FUNCTIONS.contains(&name.as_str()))
        .map(|(_, f)| f.clone())
        .collect();
    SessionStateBuilder::new_from_existing(state)
        .with_table_functions(HashMap::new())
        .with_scalar_functions(scalars)
}

/// Plans `query` here, then runs it on the cluster when there is one and the query reads only
/// the file tables it holds, else here.
async fn execute(
    ctx: &SessionContext,
    cluster: Option<&ClusterSession>,
    query: &str,
    max_rows: usize,
    synthetic: bool,
) -> Result<SqlResult> {
    let options = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let refused = |e| match e {
        datafusion::error::DataFusionError::Plan(m)
            if m.contains("not supported") || m.contains("not allowed") =>
        {
            TradeError::Refused(m)
        }
        other => TradeError::Refused(other.to_string()),
    };
    let df = ctx
        .sql_with_options(query, options)
        .await
        .map_err(refused)?;
    let (df, remote) = match cluster {
        Some(c) if c.can_run(df.logical_plan())? => {
            let df = c.sent().sql_with_options(query, options).await;
            (df.map_err(|e| c.failed(e))?, Some(c))
        }
        _ => (df, None),
    };
    let df = df.limit(0, Some(max_rows))?;
    let schema = df.schema().as_arrow().clone();
    let batches = match remote {
        Some(c) => df.collect().await.map_err(|e| c.failed(e))?,
        None => df.collect().await?,
    };
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
        synthetic,
    })
}
