//! A Ballista scheduler and executors on loopback, for the cluster test and the cluster bench
//! (`examples/trade_cluster.rs` includes this file). Each executor counts the tasks it ran, so
//! a test can tell the work was spread.

use ballista_core::JobId;
use ballista_executor::execution_engine::{
    DefaultExecutionEngine, ExecutionEngine, QueryStageExecutor,
};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use kaifang_trade::ClusterUrl;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default engine, counting the query stages (tasks) it is given.
struct Counting {
    inner: DefaultExecutionEngine,
    tasks: Arc<AtomicUsize>,
}

impl ExecutionEngine for Counting {
    fn create_query_stage_exec(
        &self,
        job_id: JobId,
        stage_id: usize,
        task_id: usize,
        global_output_partition_ids: Vec<usize>,
        plan: Arc<dyn ExecutionPlan>,
        work_dir: &str,
        config: &SessionConfig,
    ) -> datafusion::error::Result<Arc<dyn QueryStageExecutor>> {
        self.tasks.fetch_add(1, Ordering::Relaxed);
        self.inner.create_query_stage_exec(
            job_id,
            stage_id,
            task_id,
            global_output_partition_ids,
            plan,
            work_dir,
            config,
        )
    }
}

/// A running scheduler and its executors; they stop with the runtime that started them.
pub struct LocalCluster {
    pub url: ClusterUrl,
    /// Tasks each executor ran.
    pub tasks: Vec<Arc<AtomicUsize>>,
    _work: tempfile::TempDir,
}

impl LocalCluster {
    pub fn tasks(&self) -> Vec<usize> {
        self.tasks
            .iter()
            .map(|t| t.load(Ordering::Relaxed))
            .collect()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// Starts a scheduler on a free loopback port and `executors` executors of `vcores` task
/// slots each, registered with it; returns once every executor has registered.
pub async fn start(executors: usize, vcores: usize) -> LocalCluster {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the scheduler");
    let port = listener.local_addr().expect("scheduler address").port();
    let config = SchedulerConfig::default()
        .with_hostname("127.0.0.1")
        .with_port(port);
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .expect("scheduler state");
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config))
            .await
            .expect("scheduler");
    let state = scheduler.state.clone();
    tokio::spawn(start_grpc_service_with_listener(listener, scheduler));
    let work = tempfile::tempdir().expect("executors' work directory");
    let mut tasks = Vec::new();
    for i in 0..executors {
        let count = Arc::new(AtomicUsize::new(0));
        tasks.push(count.clone());
        let dir = work.path().join(format!("executor-{i}"));
        std::fs::create_dir_all(&dir).expect("executor work directory");
        let config = ExecutorProcessConfig {
            executor_id: format!("executor-{i}"),
            bind_host: "127.0.0.1".into(),
            external_host: Some("127.0.0.1".into()),
            port: free_port(),
            grpc_port: free_port(),
            scheduler_host: "127.0.0.1".into(),
            scheduler_port: port,
            vcores,
            work_dir: Some(dir.to_string_lossy().into_owned()),
            print_thread_info: false,
            override_execution_engine: Some(Arc::new(Counting {
                inner: DefaultExecutionEngine::new(),
                tasks: count,
            })),
            ..Default::default()
        };
        tokio::spawn(start_executor_process(Arc::new(config)));
    }
    // Executors register with their first poll or heartbeat.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let alive = state
            .executor_manager
            .get_executors_state()
            .await
            .map(|e| e.len())
            .unwrap_or(0);
        if alive >= executors {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{alive} of {executors} executors registered within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    LocalCluster {
        url: ClusterUrl::new("127.0.0.1", port).expect("a loopback URL"),
        tasks,
        _work: work,
    }
}
