//! Background jobs: long work (imports, assignments, backups) runs off the request, reports
//! progress, and can be cancelled. The record of each job is kept in the store; live progress
//! and the cancel flag are kept here while it runs.
//!
//! Every job goes through the shared [`WorkQueue`]: it takes a place when started (refused at
//! once past the per-user or total limit), stays `queued` until a slot is free, and only then
//! runs. A job cancelled while queued ends without running.
//!
//! A job started with a description of how to start it over ([`Jobs::spawn_resumable`]) is,
//! where instances share a PostgreSQL database, taken over by another instance when its own
//! stops renewing its lease, and run again there from the beginning ([`Jobs::take_over`]).

use kaifang_app::AppError;
use kaifang_app::queue::{Ticket, WorkQueue};
use kaifang_store::jobs::{Job, JobStatus, TakenOver};
use kaifang_store::{Store, StoreError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// What a running job sees of itself.
#[derive(Clone)]
pub struct JobContext {
    id: String,
    live: Arc<Live>,
}

struct Live {
    progress_bits: AtomicU64,
    cancel: AtomicBool,
    /// Wakes a job waiting in the queue when it is cancelled.
    cancelled: tokio::sync::Notify,
}

impl JobContext {
    /// The job's id: work that spans the database and files names its audit entries by it,
    /// so that a restart can conclude the job as its work concluded.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Records progress in [0, 1].
    pub fn progress(&self, fraction: f64) {
        let f = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.live
            .progress_bits
            .store(f.to_bits(), Ordering::Relaxed);
    }

    /// Whether someone asked the job to stop; long work checks between steps.
    pub fn cancelled(&self) -> bool {
        self.live.cancel.load(Ordering::Relaxed)
    }
}

/// How a job ended, other than with a result.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
}

impl From<kaifang_app::AppError> for JobError {
    fn from(e: kaifang_app::AppError) -> JobError {
        match e {
            kaifang_app::AppError::Cancelled => JobError::Cancelled,
            kaifang_app::AppError::Store(s) => s.into(),
            other => JobError::Failed(other.to_string()),
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> JobError {
        match e {
            StoreError::Cancelled => JobError::Cancelled,
            other => JobError::Failed(other.to_string()),
        }
    }
}

/// A job's work, boxed: what a [`Resumer`] gives back.
pub type Work = Box<dyn FnOnce(JobContext) -> WorkFuture + Send>;

/// What a job's work comes to.
pub type WorkFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<serde_json::Value, JobError>> + Send>>;

/// How this instance starts over a job another instance left: the work for the job's kind and
/// description, or why it cannot be started over.
pub type Resumer = Arc<dyn Fn(&TakenOver) -> Result<Work, String> + Send + Sync>;

#[derive(Clone)]
pub struct Jobs {
    store: Store,
    queue: WorkQueue,
    live: Arc<Mutex<HashMap<String, Arc<Live>>>>,
    resumer: Arc<OnceLock<Resumer>>,
}

/// Who started a job.
#[derive(Debug, Clone, Copy)]
pub struct Starter {
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
}

impl Jobs {
    pub fn new(store: Store, queue: WorkQueue) -> Jobs {
        Jobs {
            store,
            queue,
            live: Arc::default(),
            resumer: Arc::default(),
        }
    }

    /// Says how this instance starts over the jobs of instances that stopped; set once, when
    /// the application is built (the work needs the application's state, which holds this).
    pub fn set_resumer(&self, resumer: Resumer) {
        let _ = self.resumer.set(resumer);
    }

    /// Queues `work` and returns its record at once; refused ([`AppError::Busy`]) when the
    /// starter or the queue already holds as much as it may.
    pub async fn spawn<F, Fut>(
        &self,
        kind: &str,
        starter: Starter,
        work: F,
    ) -> Result<Job, AppError>
    where
        F: FnOnce(JobContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        self.start(kind, starter, None, work).await
    }

    /// As [`Jobs::spawn`], for work that can start over from the beginning: `resume` is what
    /// the [`Resumer`] needs to build it again on another instance.
    pub async fn spawn_resumable<F, Fut>(
        &self,
        kind: &str,
        starter: Starter,
        resume: serde_json::Value,
        work: F,
    ) -> Result<Job, AppError>
    where
        F: FnOnce(JobContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        self.start(kind, starter, Some(resume), work).await
    }

    async fn start<F, Fut>(
        &self,
        kind: &str,
        starter: Starter,
        resume: Option<serde_json::Value>,
        work: F,
    ) -> Result<Job, AppError>
    where
        F: FnOnce(JobContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        let ticket = self.queue.enter(starter.user_id)?;
        let id = uuid::Uuid::new_v4().to_string();
        let job = self
            .store
            .insert_job(&id, kind, starter.user_id, starter.org_id, resume.as_ref())
            .await?;
        self.run(id, ticket, work);
        Ok(job)
    }

    /// Starts over here the jobs of instances that stopped (on PostgreSQL; see
    /// [`Store::take_over_jobs`]). A job of a kind this instance cannot start over, or that
    /// finds the queue full, is concluded as failed.
    pub async fn take_over(&self) {
        let Some(resumer) = self.resumer.get() else {
            return;
        };
        let taken = match self.store.take_over_jobs().await {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, "cannot look for jobs to take over");
                return;
            }
        };
        for job in taken {
            let failed = match resumer(&job) {
                Err(why) => format!("interrupted, and cannot be started over: {why}"),
                Ok(work) => match self.queue.enter(job.user_id) {
                    Ok(ticket) => {
                        tracing::warn!(job = %job.id, kind = %job.kind, "taken over from an instance that stopped: starting it over");
                        self.run(job.id, ticket, work);
                        continue;
                    }
                    Err(e) => format!("interrupted, and not started over: {e}"),
                },
            };
            if let Err(e) = self
                .store
                .job_finished(&job.id, JobStatus::Failed, 0.0, Some(&failed), None)
                .await
            {
                tracing::error!(job = %job.id, error = %e, "cannot record the end of a job");
            }
        }
    }

    /// Runs `work` as job `id` once `ticket` gets a slot, and records how it ended.
    fn run<F, Fut>(&self, id: String, ticket: Ticket, work: F)
    where
        F: FnOnce(JobContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        let live = Arc::new(Live {
            progress_bits: AtomicU64::new(0f64.to_bits()),
            cancel: AtomicBool::new(false),
            cancelled: tokio::sync::Notify::new(),
        });
        self.lock().insert(id.clone(), live.clone());
        let this = self.clone();
        tokio::spawn(async move {
            let ctx = JobContext {
                id: id.clone(),
                live: live.clone(),
            };
            let permit = tokio::select! {
                permit = ticket.slot() => Some(permit),
                () = live.cancelled.notified() => None,
            };
            let outcome = match permit {
                Some(Ok(permit)) if !ctx.cancelled() => {
                    if let Err(e) = this.store.job_started(&id).await {
                        tracing::error!(job = %id, error = %e, "cannot mark job as started");
                    }
                    // A panicking job must still end as failed, not stay "running" forever.
                    let outcome = tokio::spawn(work(ctx))
                        .await
                        .unwrap_or_else(|e| Err(JobError::Failed(format!("the job crashed: {e}"))));
                    drop(permit);
                    outcome
                }
                Some(Err(e)) => Err(JobError::from(e)),
                Some(Ok(_)) | None => Err(JobError::Cancelled),
            };
            let progress = f64::from_bits(live.progress_bits.load(Ordering::Relaxed));
            let (status, progress, message, result) = match outcome {
                Ok(result) => (JobStatus::Succeeded, 1.0, None, Some(result)),
                Err(JobError::Cancelled) => (
                    JobStatus::Cancelled,
                    progress,
                    Some("cancelled".to_string()),
                    None,
                ),
                Err(JobError::Failed(m)) => (JobStatus::Failed, progress, Some(m), None),
            };
            if let Err(e) = this
                .store
                .job_finished(&id, status, progress, message.as_deref(), result.as_ref())
                .await
            {
                tracing::error!(job = %id, error = %e, "cannot record the end of a job");
            }
            this.lock().remove(&id);
            tracing::info!(job = %id, status = status.as_str(), "job finished");
        });
    }

    /// The jobs this instance runs (or has queued), with how far each has got.
    fn live_progress(&self) -> Vec<(String, f64)> {
        self.lock()
            .iter()
            .map(|(id, l)| {
                (
                    id.clone(),
                    f64::from_bits(l.progress_bits.load(Ordering::Relaxed)),
                )
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Live>>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn overlay(&self, mut job: Job) -> Job {
        if let Some(live) = self.lock().get(&job.id) {
            job.progress = f64::from_bits(live.progress_bits.load(Ordering::Relaxed));
        }
        job
    }

    pub async fn get(&self, id: &str) -> Result<Job, StoreError> {
        let job = self.store.job(id).await?;
        Ok(self.overlay(job))
    }

    pub async fn list(&self, limit: i64) -> Result<Vec<Job>, StoreError> {
        Ok(self
            .store
            .jobs(limit)
            .await?
            .into_iter()
            .map(|j| self.overlay(j))
            .collect())
    }

    /// Asks a running job to stop. `Ok(false)` if it has already finished.
    pub fn cancel(&self, id: &str) -> bool {
        match self.lock().get(id) {
            Some(live) => {
                live.cancel.store(true, Ordering::Relaxed);
                live.cancelled.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Runs until the process ends: [`renew_leases`] four times a lease.
pub async fn keep_leases(jobs: Jobs) {
    let every = jobs.store.job_lease() / 4;
    loop {
        tokio::time::sleep(every).await;
        renew_leases(&jobs).await;
    }
}

/// Renews the leases of this instance's jobs (with their progress, which other instances then
/// show), cancels those whose cancellation was asked of another instance, and on a database
/// several instances share, starts over here the jobs whose instance stopped renewing theirs
/// and can start over, and concludes the others as failed.
pub async fn renew_leases(jobs: &Jobs) {
    match jobs.store.renew_job_leases(&jobs.live_progress()).await {
        Ok(asked) => {
            for id in asked {
                jobs.cancel(&id);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot renew the leases of this instance's jobs"),
    }
    if jobs.store.backend() == kaifang_store::Backend::Postgres {
        jobs.take_over().await;
        match jobs.store.fail_interrupted_jobs().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "jobs whose instance stopped were marked failed"),
            Err(e) => tracing::warn!(error = %e, "cannot look for jobs whose instance stopped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn wait_finished(jobs: &Jobs, id: &str) -> Job {
        for _ in 0..500 {
            let j = jobs.get(id).await.unwrap();
            if j.status.is_finished() {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job {id} did not finish");
    }

    async fn jobs() -> (tempfile::TempDir, Jobs) {
        let tmp = tempfile::tempdir().unwrap();
        let store = kaifang_store::testing::open(tmp.path()).await;
        (tmp, Jobs::new(store, WorkQueue::default()))
    }

    const NOBODY: Starter = Starter {
        user_id: None,
        org_id: None,
    };

    #[tokio::test]
    async fn a_job_reports_progress_and_its_result() {
        let (_tmp, jobs) = jobs().await;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let job = jobs
            .spawn("test", NOBODY, |ctx| async move {
                ctx.progress(0.5);
                let _ = rx.await;
                Ok(serde_json::json!({ "answer": 42 }))
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let running = jobs.get(&job.id).await.unwrap();
        assert_eq!(running.status, JobStatus::Running);
        assert_eq!(running.progress, 0.5);
        tx.send(()).unwrap();
        let done = wait_finished(&jobs, &job.id).await;
        assert_eq!(done.status, JobStatus::Succeeded);
        assert_eq!(done.result, Some(serde_json::json!({ "answer": 42 })));
    }

    #[tokio::test]
    async fn a_running_job_can_be_cancelled_and_a_finished_one_cannot() {
        let (_tmp, jobs) = jobs().await;
        let job = jobs
            .spawn("test", NOBODY, |ctx| async move {
                while !ctx.cancelled() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(JobError::Cancelled)
            })
            .await
            .unwrap();
        assert!(jobs.cancel(&job.id));
        let done = wait_finished(&jobs, &job.id).await;
        assert_eq!(done.status, JobStatus::Cancelled);
        assert!(!jobs.cancel(&job.id));
    }

    /// Asked on another instance (another `Jobs` on the same database), the cancellation
    /// reaches the running job at its next lease renewal, with its progress shared meanwhile.
    #[tokio::test]
    async fn a_job_is_cancelled_from_another_instance_at_its_next_lease_renewal() {
        let (_tmp, a) = jobs().await;
        let b_store = Store::open(a.store.data_dir(), false).await.unwrap();
        let b = Jobs::new(b_store, WorkQueue::default());
        let job = a
            .spawn("test", NOBODY, |ctx| async move {
                ctx.progress(0.4);
                while !ctx.cancelled() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(JobError::Cancelled)
            })
            .await
            .unwrap();
        for _ in 0..200 {
            if b.get(&job.id).await.unwrap().status == JobStatus::Running {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(!b.cancel(&job.id), "b does not run it");
        assert!(b.store.request_job_cancel(&job.id).await.unwrap());
        renew_leases(&a).await;
        let done = wait_finished(&b, &job.id).await;
        assert_eq!(done.status, JobStatus::Cancelled);
        assert_eq!(done.progress, 0.4);
    }

    fn limited(concurrency: usize, per_user: usize) -> WorkQueue {
        WorkQueue::new(kaifang_app::queue::QueueLimits {
            concurrency,
            per_user,
            max_queued: 100,
            wait: Duration::from_millis(10),
        })
    }

    #[tokio::test]
    async fn the_queue_never_runs_more_jobs_than_its_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let store = kaifang_store::testing::open(tmp.path()).await;
        let jobs = Jobs::new(store, limited(2, 100));
        let now = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut ids = Vec::new();
        for _ in 0..8 {
            let (now, peak) = (now.clone(), peak.clone());
            let starter = Starter {
                user_id: None,
                org_id: None,
            };
            let job = jobs
                .spawn("test", starter, move |_| async move {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                    Ok(serde_json::Value::Null)
                })
                .await
                .unwrap();
            ids.push(job.id);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let queued = jobs.get(&ids[7]).await.unwrap();
        assert_eq!(queued.status, JobStatus::Queued);
        for id in &ids {
            assert_eq!(wait_finished(&jobs, id).await.status, JobStatus::Succeeded);
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_user_past_the_per_user_limit_is_refused_and_a_queued_job_cancelled_never_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let store = kaifang_store::testing::open(tmp.path()).await;
        store
            .load_demo(&kaifang_store::audit::Who::cli("test"))
            .await
            .unwrap();
        let jobs = Jobs::new(store, limited(1, 2));
        // The demo's first account.
        let me = Starter {
            user_id: Some(1),
            org_id: None,
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let first = jobs
            .spawn("test", me, |_| async move {
                let _ = rx.await;
                Ok(serde_json::Value::Null)
            })
            .await
            .unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let second = jobs
            .spawn("test", me, move |_| async move {
                r.store(true, Ordering::SeqCst);
                Ok(serde_json::Value::Null)
            })
            .await
            .unwrap();
        let third = jobs
            .spawn("test", me, |_| async { Ok(serde_json::Value::Null) })
            .await;
        assert!(matches!(third, Err(AppError::Busy(_))), "{:?}", third.err());
        assert!(jobs.cancel(&second.id));
        let cancelled = wait_finished(&jobs, &second.id).await;
        assert_eq!(cancelled.status, JobStatus::Cancelled);
        tx.send(()).unwrap();
        wait_finished(&jobs, &first.id).await;
        assert!(!ran.load(Ordering::SeqCst));
        // Both places are given back.
        jobs.spawn("test", me, |_| async { Ok(serde_json::Value::Null) })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_failing_or_panicking_job_ends_as_failed() {
        let (_tmp, jobs) = jobs().await;
        let a = jobs
            .spawn("test", NOBODY, |_| async {
                Err(JobError::Failed("bad input in row 3".into()))
            })
            .await
            .unwrap();
        let b = jobs
            .spawn("test", NOBODY, |_| async { panic!("boom") })
            .await
            .unwrap();
        let a = wait_finished(&jobs, &a.id).await;
        assert_eq!(
            (a.status, a.message.as_deref()),
            (JobStatus::Failed, Some("bad input in row 3"))
        );
        let b = wait_finished(&jobs, &b.id).await;
        assert_eq!(b.status, JobStatus::Failed);
        assert!(b.message.unwrap().contains("crashed"));
    }
}
