//! Trade queries on an Apache DataFusion Ballista cluster (one scheduler, its executors), for
//! a store whose records outgrow one machine.
//!
//! A query travels to the scheduler as a logical plan, and of the store's tables only those
//! over Parquet files can travel: the records, the one-dimension aggregates' files and the
//! pair tables. The lookup and reference tables live in memory and cannot. So a query whose
//! every table is a file table runs on the cluster, and any other runs in this process, on
//! the same files; both give the same answer. The dashboard's own figures come from the
//! aggregates held in memory, whose size does not grow with the records, and stay here.
//!
//! The executors open the files by the path this process gives: they must see the data
//! directory at the same path (a shared directory).

use super::TradeStore;
use super::manifest;
use crate::agg::{self, DIMS, PAIRS};
use crate::error::{Result, TradeError};
use crate::record;
use ballista::extension::SessionStateExt;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{LogicalPlan, TableScan};
use datafusion::prelude::SessionContext;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a Ballista scheduler listens: `df://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterUrl {
    host: String,
    port: u16,
}

impl ClusterUrl {
    pub fn new(host: &str, port: u16) -> Result<ClusterUrl> {
        format!("df://{host}:{port}").parse()
    }

    /// The scheduler's gRPC address, as the Ballista client takes it.
    fn scheduler(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

impl FromStr for ClusterUrl {
    type Err = TradeError;

    fn from_str(text: &str) -> Result<ClusterUrl> {
        let bad = |why: &str| {
            TradeError::Argument(format!(
                "{text:?} is not a Ballista scheduler's address such as df://10.0.0.7:50050: {why}"
            ))
        };
        let rest = text
            .trim()
            .strip_prefix("df://")
            .ok_or_else(|| bad("it must start with df://"))?;
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| bad("the port is missing"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
        if host.is_empty() || !host.chars().all(plain) {
            return Err(bad("the host must be a name or an IP address"));
        }
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(ClusterUrl { host, port })
    }
}

impl fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

/// Where the store's file queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process (the default).
    #[default]
    Local,
    /// On the Ballista cluster whose scheduler listens there.
    Cluster(ClusterUrl),
}

/// A session on the cluster with the store's file tables, and how many queries it ran.
#[derive(Clone)]
pub(crate) struct ClusterSession {
    url: ClusterUrl,
    pub(crate) ctx: SessionContext,
    tables: Arc<HashSet<String>>,
    queries: Arc<AtomicU64>,
}

impl ClusterSession {
    /// A session on the cluster at `url` with the file tables of `store`; nothing is sent
    /// before the first query.
    pub(super) fn new(url: &ClusterUrl, store: &TradeStore) -> Result<ClusterSession> {
        let state = SessionState::new_ballista_state(url.scheduler())?;
        let ctx = SessionContext::new_with_state(state);
        let mut tables = HashSet::new();
        let mut add = |name: String, files: Vec<&str>, schema| -> Result<()> {
            if !files.is_empty() {
                ctx.register_table(
                    name.as_str(),
                    Arc::new(super::tables::listing(&store.dir, &files, schema)?),
                )?;
                tables.insert(name);
            }
            Ok(())
        };
        let records = store
            .manifest
            .partitions
            .iter()
            .map(|p| p.file.as_str())
            .collect();
        add("records".into(), records, record::records_schema())?;
        for dim in DIMS {
            let files = manifest::table_files(&store.manifest, dim);
            add(format!("agg_{dim}"), files, agg::schema())?;
        }
        for p in 0..PAIRS.len() {
            let name = agg::pair_name(p);
            let files = manifest::table_files(&store.manifest, &name);
            add(format!("agg_{name}"), files, agg::pair_schema(p))?;
        }
        Ok(ClusterSession {
            url: url.clone(),
            ctx,
            tables: Arc::new(tables),
            queries: Arc::default(),
        })
    }

    /// The same session with other functions and state (the analysts' bounded one).
    pub(crate) fn with_state(&self, state: SessionState) -> ClusterSession {
        ClusterSession {
            ctx: SessionContext::new_with_state(state),
            ..self.clone()
        }
    }

    /// Whether a query planned in this process reads only tables the cluster holds.
    pub(crate) fn can_run(&self, plan: &LogicalPlan) -> Result<bool> {
        let mut all_here = true;
        let mut any = false;
        plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(TableScan { table_name, .. }) = node {
                any = true;
                let bare = table_name.schema().is_none_or(|s| s == "public");
                if !bare || !self.tables.contains(table_name.table()) {
                    all_here = false;
                    return Ok(TreeNodeRecursion::Stop);
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        Ok(any && all_here)
    }

    /// Counts one query sent to the cluster.
    pub(crate) fn sent(&self) -> &SessionContext {
        self.queries.fetch_add(1, Ordering::Relaxed);
        &self.ctx
    }

    pub(crate) fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// An engine error on the cluster, naming it: the scheduler may be down or unreachable.
    pub(crate) fn failed(&self, e: datafusion::error::DataFusionError) -> TradeError {
        TradeError::Cluster(format!("the trade cluster at {} failed: {e}", self.url))
    }
}

impl TradeStore {
    /// The engine the store's file queries run on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Queries sent to the cluster so far (None on the local engine).
    pub fn cluster_queries(&self) -> Option<u64> {
        self.cluster.as_ref().map(ClusterSession::queries)
    }

    /// Runs a query of Kaifang's own: on the cluster when it reads only file tables and there
    /// is one, else here.
    pub(crate) async fn run_sql(
        &self,
        sql: &str,
    ) -> Result<Vec<datafusion::arrow::array::RecordBatch>> {
        let df = self.ctx.sql(sql).await?;
        match &self.cluster {
            Some(c) if c.can_run(df.logical_plan())? => {
                let run = async { c.sent().sql(sql).await?.collect().await };
                run.await.map_err(|e| c.failed(e))
            }
            _ => Ok(df.collect().await?),
        }
    }

    /// The session for a query built over a file table of the records (a window of them):
    /// the cluster's when there is one.
    pub(crate) fn files_session(&self) -> (&SessionContext, Option<&ClusterSession>) {
        match &self.cluster {
            Some(c) => (c.sent(), Some(c)),
            None => (&self.ctx, None),
        }
    }
}
