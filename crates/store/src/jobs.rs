//! Rows of background jobs. The server runs the jobs; this keeps their record, so a job's
//! outcome outlives the process and a restart can say which jobs it interrupted.

use serde::Serialize;

use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    fn parse(s: &str) -> Result<JobStatus> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Cancelled,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
        .ok_or_else(|| StoreError::invalid("status", format!("unknown job status {s:?}")))
    }
}

impl TryFrom<String> for JobStatus {
    type Error = StoreError;
    fn try_from(s: String) -> Result<JobStatus> {
        JobStatus::parse(&s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Job {
    pub id: String,
    pub kind: String,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    /// From 0 to 1.
    pub progress: f64,
    pub message: Option<String>,
    #[schema(value_type = Option<Object>)]
    #[sqlx(try_from = "crate::db::JsonText")]
    pub result: Option<serde_json::Value>,
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// Times a job is started in all, the first included, before a stopped instance's job is
/// concluded as failed instead of taken over: a job that takes its instance down each time
/// must not take every instance down in turn.
pub const MAX_ATTEMPTS: i64 = 3;

/// A job claimed from an instance that stopped, to run again.
#[derive(Debug, Clone, PartialEq)]
pub struct TakenOver {
    pub id: String,
    pub kind: String,
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
    /// What the job was started with ([`Store::insert_job`]).
    pub resume: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct TakenRow {
    id: String,
    kind: String,
    user_id: Option<i64>,
    org_id: Option<i64>,
    resume: Option<String>,
}

const JOB_COLUMNS: &str = "id, kind, status, progress, message, result, user_id, org_id, created_at, started_at, finished_at";

impl Store {
    /// The end of a lease taken now: its instance renews it well within this
    /// ([`Store::renew_job_leases`]); one that has not for this long has stopped.
    fn lease_from_now(&self) -> String {
        crate::format_ts(time::OffsetDateTime::now_utc() + self.job_lease)
    }
}

impl Store {
    /// Records a new job, queued. `resume` says how to run it again from the beginning, for a
    /// job another instance may take over ([`Store::take_over_jobs`]).
    pub async fn insert_job(
        &self,
        id: &str,
        kind: &str,
        user_id: Option<i64>,
        org_id: Option<i64>,
        resume: Option<&serde_json::Value>,
    ) -> Result<Job> {
        sqlx::query("INSERT INTO jobs (id, kind, status, progress, user_id, org_id, created_at, lease_until, resume) VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(kind)
            .bind(user_id)
            .bind(org_id)
            .bind(now())
            .bind(self.lease_from_now())
            .bind(resume.map(|r| r.to_string()))
            .execute(&self.pool)
            .await?;
        self.job(id).await
    }

    /// Claims, for this instance, the jobs another instance left queued or running and stopped
    /// renewing, that can be run again and have not been tried [`MAX_ATTEMPTS`] times: each is
    /// queued again under a new lease, and only one instance gets it. PostgreSQL only (on
    /// SQLite there is no other instance).
    pub async fn take_over_jobs(&self) -> Result<Vec<TakenOver>> {
        if self.backend() == crate::Backend::Sqlite {
            return Ok(Vec::new());
        }
        let rows: Vec<TakenRow> = sqlx::query_as(
            "UPDATE jobs SET status = 'queued', lease_until = $1, attempts = attempts + 1, \
                 started_at = NULL, message = 'taken over: the instance running it stopped' \
                 WHERE id IN (SELECT id FROM jobs WHERE status IN ('queued', 'running') \
                 AND lease_until IS NOT NULL AND lease_until < $2 AND resume IS NOT NULL \
                 AND attempts < $3 AND NOT cancel_requested FOR UPDATE SKIP LOCKED) \
                 RETURNING id, kind, user_id, org_id, resume",
        )
        .bind(self.lease_from_now())
        .bind(now())
        .bind(MAX_ATTEMPTS)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let resume = serde_json::from_str(r.resume.as_deref().unwrap_or("null"))
                    .map_err(|e| StoreError::invalid("resume", format!("job {}: {e}", r.id)))?;
                Ok(TakenOver {
                    id: r.id,
                    kind: r.kind,
                    user_id: r.user_id,
                    org_id: r.org_id,
                    resume,
                })
            })
            .collect()
    }

    pub async fn job_started(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE jobs SET status = 'running', started_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn job_finished(
        &self,
        id: &str,
        status: JobStatus,
        progress: f64,
        message: Option<&str>,
        result: Option<&serde_json::Value>,
    ) -> Result<()> {
        sqlx::query("UPDATE jobs SET status = $1, progress = $2, message = $3, result = $4, finished_at = $5 WHERE id = $6")
            .bind(status.as_str())
            .bind(progress)
            .bind(message)
            .bind(result.map(|r| r.to_string()))
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn job(&self, id: &str) -> Result<Job> {
        sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("job {id}")))
    }

    /// The newest jobs first, up to `limit`.
    pub async fn jobs(&self, limit: i64) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs ORDER BY created_at DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest job of `kind` that succeeded, if any: the latest figures of a study.
    pub async fn latest_succeeded(&self, kind: &str) -> Result<Option<Job>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND status = 'succeeded' \
             ORDER BY finished_at DESC LIMIT 1"
        ))
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Jobs left queued or running: at start, those a previous process was running.
    pub async fn unfinished_jobs(&self) -> Result<Vec<Job>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many jobs the database holds in each status (every instance's).
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Renews the leases of the jobs this instance runs and records how far each has got, so
    /// that every instance shows the same progress. Returns the jobs among them whose
    /// cancellation another instance was asked for ([`Store::request_job_cancel`]).
    pub async fn renew_job_leases(&self, live: &[(String, f64)]) -> Result<Vec<String>> {
        let until = self.lease_from_now();
        let mut cancel = Vec::new();
        for (id, progress) in live {
            let asked: Option<crate::db::Flag> = sqlx::query_scalar(
                "UPDATE jobs SET lease_until = $1, progress = $2 \
                 WHERE id = $3 AND status IN ('queued', 'running') \
                 RETURNING CAST(cancel_requested AS INTEGER)",
            )
            .bind(&until)
            .bind(progress)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            if asked.is_some_and(|a| a.0) {
                cancel.push(id.clone());
            }
        }
        Ok(cancel)
    }

    /// Asks the instance running job `id` to cancel it; false when the job has finished.
    pub async fn request_job_cancel(&self, id: &str) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE jobs SET cancel_requested = TRUE WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Marks jobs left queued or running by a stopped process as failed; returns how many.
    /// On SQLite, called at the start of the one process the directory admits, that is every
    /// unfinished job. On PostgreSQL, where other instances may be running theirs, it is
    /// those whose lease has run out.
    pub async fn fail_interrupted_jobs(&self) -> Result<u64> {
        let query = match self.backend() {
            crate::Backend::Sqlite => sqlx::query(
                "UPDATE jobs SET status = 'failed', message = 'interrupted: the server stopped while the job ran', finished_at = $1 \
                 WHERE status IN ('queued', 'running')",
            )
            .bind(now()),
            crate::Backend::Postgres => sqlx::query(
                "UPDATE jobs SET status = 'failed', message = 'interrupted: the instance running it stopped', finished_at = $1 \
                 WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $1)",
            )
            .bind(now()),
        };
        Ok(query.execute(&self.pool).await?.rows_affected())
    }
}
