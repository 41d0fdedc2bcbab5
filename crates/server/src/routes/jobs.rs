use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kaifang_store::audit::Who;
use kaifang_store::jobs::{Job, TakenOver};
use kaifang_store::{Config, Store};
use std::sync::Arc;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::jobs::{JobContext, JobError, Resumer, Starter, Work};
use crate::state::AppState;
use crate::table::{self, ListQuery, Table};

fn job_table(items: &[Job]) -> Table {
    Table {
        name: "jobs",
        headers: &[
            ("编号", "Id"),
            ("类型", "Kind"),
            ("状态", "Status"),
            ("进度", "Progress"),
            ("信息", "Message"),
            ("创建时间", "Created at"),
            ("完成时间", "Finished at"),
        ],
        rows: items
            .iter()
            .map(|j| {
                vec![
                    j.id.as_str().into(),
                    j.kind.as_str().into(),
                    j.status.as_str().into(),
                    j.progress.into(),
                    j.message.clone().into(),
                    j.created_at.as_str().into(),
                    j.finished_at.clone().into(),
                ]
            })
            .collect(),
    }
}

fn visible(caller: &Caller, job: &Job) -> bool {
    caller
        .actor()
        .read_started_by(job.user_id.unwrap_or(-1), job.org_id.unwrap_or(-1))
        .is_allowed()
}

/// Background jobs one may see: one's own and one's organisation's, or all for readers of
/// everything. `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(ListQuery),
    responses((status = 200, body = crate::table::Items<Job>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let items: Vec<Job> = state
        .jobs
        .list(q.limit.unwrap_or(200).clamp(1, 1000))
        .await?
        .into_iter()
        .filter(|j| visible(&caller, j))
        .collect();
    table::respond(&q, &headers, items, job_table)
}

/// One job's status and progress.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs",
    responses((status = 200, body = Job), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    let job = state.jobs.get(&id).await?;
    if !visible(&caller, &job) {
        return Err(ApiError::not_found(format!("job {id}")));
    }
    Ok(Json(job))
}

/// Ask a running job to stop (who started it, or an administrator).
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", tag = "jobs",
    responses((status = 202, body = Job), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let job = state.jobs.get(&id).await?;
    let decision = caller
        .actor()
        .cancel_started_by(job.user_id.unwrap_or(-1), job.org_id.unwrap_or(-1));
    ApiError::check(decision, "cancel another user's job", || {
        format!("job {id}")
    })?;
    // Running here, it is cancelled now; running on another instance, that instance sees
    // the request when it next renews the job's lease.
    let cancelled = !job.status.is_finished()
        && (state.jobs.cancel(&id) || state.store.request_job_cancel(&id).await?);
    if !cancelled {
        return Err(ApiError::conflict(format!(
            "job {id} has already finished ({})",
            job.status.as_str()
        ))
        .with_details(serde_json::to_value(&job).unwrap_or_default()));
    }
    state
        .store
        .record(
            &caller.who(),
            "job.cancel",
            Some(&format!("job:{id}")),
            serde_json::json!({ "kind": job.kind }),
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(state.jobs.get(&id).await?)))
}

const BACKUP_KIND: &str = "backup";

/// A backup as a job's work, into a new directory of `backups/`. Started over on another
/// instance, it first concludes what the stopped one left (its partial copy is removed and its
/// write recorded as abandoned), then copies anew.
fn backup_work(store: Store, config: Arc<Config>, who: Who) -> Work {
    let reserve = config.uploads.disk_reserve_mb.saturating_mul(1024 * 1024);
    Box::new(move |ctx: JobContext| {
        Box::pin(async move {
            kaifang_app::recover::backups(&store)
                .await
                .map_err(JobError::from)?;
            let dest = kaifang_app::backup::default_path(store.data_dir());
            let ctx = Arc::new(ctx);
            let c = ctx.clone();
            let info = kaifang_app::backup::create(
                &store,
                &who,
                &dest,
                Some(ctx.id()),
                reserve,
                move |f| {
                    c.progress(f);
                    !c.cancelled()
                },
            )
            .await
            .map_err(JobError::from)?;
            Ok(serde_json::json!({
                "file": info.path.file_name().map(|f| f.to_string_lossy().into_owned()),
                "bytes": info.bytes,
                "files": info.files,
                "trade_generation": info.trade_generation,
            }))
        })
    })
}

/// What the work of a job started over needs: the application's state but its jobs, which
/// hold the [`Resumer`] (so that the resumer does not hold them in turn).
#[derive(Clone)]
pub struct Resources {
    pub store: Store,
    pub config: Arc<Config>,
    pub trade: kaifang_app::trade::TradeData,
    pub assign: kaifang_app::studies::InputsCell,
    pub risk: kaifang_app::risk::RegistryCell,
    pub zones: kaifang_app::assess::AssessmentCache,
    pub rules: kaifang_store::rules::Rules,
    pub demo: bool,
}

impl Resources {
    pub fn of(state: &AppState) -> Resources {
        Resources {
            store: state.store.clone(),
            config: state.config.clone(),
            trade: state.trade.clone(),
            assign: state.assign.clone(),
            risk: state.risk.clone(),
            zones: state.zones.clone(),
            rules: state.rules.clone(),
            demo: state.demo,
        }
    }

    /// The sources every module's figures are read from.
    pub fn sources(&self) -> kaifang_app::cockpit::Sources<'_> {
        kaifang_app::cockpit::Sources {
            store: &self.store,
            trade: &self.trade,
            risk: &self.risk,
            zones: &self.zones,
            rules: &self.rules,
            demo: self.demo,
        }
    }
}

/// Who started a job, as its description keeps them: the job started over acts as they did.
fn who_of(resume: &serde_json::Value) -> Result<Who, String> {
    let actor = resume
        .get("actor")
        .and_then(|a| a.as_str())
        .ok_or("its description names nobody")?;
    Ok(Who {
        user_id: resume.get("user_id").and_then(|u| u.as_i64()),
        actor: actor.to_string(),
        request_id: None,
    })
}

/// The request a job was started with, as its description keeps it.
fn request_of<T: serde::de::DeserializeOwned>(resume: &serde_json::Value) -> Result<T, String> {
    let request = resume
        .get("request")
        .ok_or("its description has no request")?;
    serde_json::from_value(request.clone()).map_err(|e| format!("its request does not read: {e}"))
}

/// How this instance starts over the jobs an instance that stopped left, by kind: backups,
/// trade imports, freight studies, drills and bulletins. Each is started from the beginning
/// with what it was asked; one whose request no longer holds (a scenario since removed) is
/// refused with the reason, and concluded as failed.
pub fn resumer(with: Resources) -> Resumer {
    Arc::new(move |job: &TakenOver| {
        let r = &job.resume;
        let kind = job.kind.as_str();
        if kind.starts_with(kaifang_app::studies::JOB_KIND_PREFIX) {
            let inputs = with.assign.get().map_err(|e| e.to_string())?;
            let study = kaifang_app::studies::Study::parse(&inputs, request_of(r)?)
                .map_err(|e| e.to_string())?;
            if study.job_kind() != kind {
                return Err(format!("its request is a {} study", study.kind()));
            }
            return Ok(crate::routes::assign::study_work(inputs, study));
        }
        match kind {
            BACKUP_KIND => Ok(backup_work(
                with.store.clone(),
                with.config.clone(),
                who_of(r)?,
            )),
            crate::routes::trade::IMPORT_KIND => {
                let ids: Vec<i64> = r
                    .get("upload_ids")
                    .and_then(|ids| serde_json::from_value(ids.clone()).ok())
                    .ok_or("its description names no uploads")?;
                let flow = match r.get("flow").and_then(|f| f.as_str()) {
                    Some(f) => Some(f.parse()?),
                    None => None,
                };
                let importing = crate::routes::trade::Importing {
                    store: with.store.clone(),
                    trade: with.trade.clone(),
                    config: with.config.clone(),
                };
                Ok(crate::routes::trade::import_work(
                    importing,
                    who_of(r)?,
                    ids,
                    flow,
                    None,
                ))
            }
            crate::routes::risk::DRILL_KIND => {
                let drill = kaifang_app::risk::drill::Drill::parse(request_of(r)?)
                    .map_err(|e| e.to_string())?;
                let inputs = with.assign.get().map_err(|e| e.to_string())?;
                drill.check_places(&inputs).map_err(|e| e.to_string())?;
                Ok(crate::routes::risk::drill_work(
                    with.trade.clone(),
                    inputs,
                    drill,
                ))
            }
            crate::routes::bulletins::BULLETIN_KIND => {
                // The month was resolved when it was asked, so this is the same bulletin.
                let params = kaifang_app::bulletin::Params::parse(&request_of(r)?, None)
                    .map_err(|e| e.to_string())?;
                Ok(crate::routes::bulletins::bulletin_work(
                    with.clone(),
                    who_of(r)?,
                    params,
                ))
            }
            _ => Err(format!("a {kind} job cannot be started over")),
        }
    })
}

/// Start a backup of the data directory — database, uploads and the trade store's current
/// generation — into its `backups/` folder as `kaifang-<time>/`, as a job (administrators).
/// The copy is consistent even while the server keeps writing; the job's result names the
/// backup directory (`file`), its size and the trade generation it holds.
#[utoipa::path(post, path = "/api/backups", tag = "jobs",
    responses((status = 201, body = Job), (status = 403, body = ErrorBody)))]
pub async fn start_backup(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Job>)> {
    ApiError::check(caller.actor().administer(), "start backups", String::new)?;
    let who = caller.who();
    let starter = Starter {
        user_id: Some(caller.principal.id),
        org_id: Some(caller.principal.org.id),
    };
    // Another instance starting it over acts as the same user.
    let resume = serde_json::json!({ "user_id": who.user_id, "actor": who.actor });
    let work = backup_work(state.store.clone(), state.config.clone(), who);
    let job = state
        .jobs
        .spawn_resumable(BACKUP_KIND, starter, resume, work)
        .await?;
    Ok((StatusCode::CREATED, Json(job)))
}
