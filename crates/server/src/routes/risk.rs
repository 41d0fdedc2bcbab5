//! Risk watch (风险预警): thin faces over `kaifang_app::risk` and the store's alerts. The
//! registry of indicators with the rule of each level, every indicator measured now, an
//! evaluation on demand that raises alerts, and the alerts' board and steps. Government only
//! (enterprises 403).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kaifang_app::risk::drill::{Drill, DrillRequest};
use kaifang_app::risk::forecast::{Bands, SeriesForecast};
use kaifang_app::risk::{Evaluation, Raised};
use kaifang_risk::{Level, Reading, Registry};
use kaifang_store::alerts::{AlertAction, AlertDetail, AlertFilter, AlertItem};
use kaifang_store::rules::today_in_china;
use kaifang_store::tasks::NewTask;
use kaifang_trade::Period;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Lang, ListQuery, OutputFormat, Table};

fn may_read(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_risk(),
        "read the risk watch",
        String::new,
    )
}

/// The risk indicators: definition, unit, source module, owner, direction, thresholds and
/// the rule of each level in Chinese and English.
#[utoipa::path(get, path = "/api/risk/indicators", tag = "risk",
    responses((status = 200, body = Registry), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn indicators(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Registry>> {
    may_read(&caller)?;
    Ok(Json(Registry::clone(&*state.risk.get()?)))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadingsQuery {
    /// The trade month, `2025-06`; default: the latest with data.
    pub period: Option<String>,
    /// `json` (default) or `xlsx`.
    pub format: Option<OutputFormat>,
    /// Spreadsheet header language: `zh` or `en` (default: from Accept-Language).
    pub lang: Option<Lang>,
}

fn readings_table(readings: &[Reading], lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    Table {
        name: "risk",
        headers: &[
            ("级别", "Level"),
            ("指标", "Indicator"),
            ("对象", "Subject"),
            ("期间", "Period"),
            ("数值", "Value"),
            ("触发阈值", "Threshold reached"),
            ("合成数据", "Synthetic"),
        ],
        rows: readings
            .iter()
            .map(|r| {
                vec![
                    if zh {
                        r.level.name_zh()
                    } else {
                        r.level.as_str()
                    }
                    .into(),
                    r.indicator.as_str().into(),
                    if zh {
                        r.subject_zh.as_str()
                    } else {
                        r.subject_en.as_str()
                    }
                    .into(),
                    r.period.as_str().into(),
                    r.value.into(),
                    r.threshold.into(),
                    r.synthetic.into(),
                ]
            })
            .collect(),
    }
}

/// Every risk indicator measured now: the trade month's concentration, shares and growth, and
/// today's overdue tasks, appeals past their limits and satisfaction, each with its level;
/// the most serious first. `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/risk/readings", tag = "risk", params(ReadingsQuery),
    responses((status = 200, body = Evaluation, description = "The readings, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn readings(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReadingsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let period = parse_period(q.period.as_deref())?;
    let evaluation = kaifang_app::risk::evaluate(
        &state.risk,
        &state.store,
        &state.trade,
        &state.rules,
        period,
        kaifang_store::rules::today_in_china(),
    )
    .await?;
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    let lang = list.lang(&headers);
    table::respond_with(&list, &headers, evaluation, |e| {
        readings_table(&e.readings, lang)
    })
}

fn parse_period(p: Option<&str>) -> ApiResult<Option<Period>> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => Ok(Some(Period::parse(p).ok_or_else(|| {
            ApiError::field("period", format!("{p:?} is not a month such as 2025-06"))
        })?)),
    }
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluateQuery {
    /// The trade month, `2025-06`; default: the latest with data.
    pub period: Option<String>,
}

/// Evaluates every indicator now and raises an alert for each reading at yellow or above
/// (once per indicator, subject and period); open alerts get the new reading. What the
/// daily evaluation does, on demand (administrators and provincial departments).
#[utoipa::path(post, path = "/api/risk/evaluate", tag = "risk", params(EvaluateQuery),
    responses((status = 200, body = Raised), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<EvaluateQuery>,
) -> ApiResult<Json<Raised>> {
    ApiError::check(
        caller.actor().evaluate_risk(),
        "run a risk evaluation",
        String::new,
    )?;
    let period = parse_period(q.period.as_deref())?;
    let raised = kaifang_app::risk::evaluate_and_raise(
        &state.risk,
        &state.store,
        &state.trade,
        &state.rules,
        period,
        today_in_china(),
        &caller.who(),
    )
    .await?;
    Ok(Json(raised))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// Only alerts still open (raised, acknowledged, being handled). Default: true.
    pub open: Option<bool>,
    /// At least this level: `blue`, `yellow`, `orange` or `red`.
    pub level: Option<String>,
    /// Only alerts owned by this organisation (id).
    pub owner_org_id: Option<i64>,
    /// Only alerts of this module's indicators: `trade`, `channels` or `governance`.
    pub source: Option<String>,
    /// `json` (default) or `xlsx`.
    pub format: Option<OutputFormat>,
    /// Spreadsheet header language: `zh` or `en` (default: from Accept-Language).
    pub lang: Option<Lang>,
}

fn alerts_table(items: &[AlertItem], lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    let level = |l: Level| if zh { l.name_zh() } else { l.as_str() };
    Table {
        name: "risk-alerts",
        headers: &[
            ("编号", "Id"),
            ("级别", "Level"),
            ("当前级别", "Current level"),
            ("指标", "Indicator"),
            ("对象", "Subject"),
            ("期间", "Period"),
            ("数值", "Value"),
            ("阈值", "Threshold"),
            ("状态", "State"),
            ("责任单位", "Owner"),
            ("督办任务", "Task"),
            ("发出时间", "Raised at"),
            ("合成数据", "Synthetic"),
        ],
        rows: items
            .iter()
            .map(|a| {
                vec![
                    a.id.into(),
                    level(a.level).into(),
                    level(a.current_level).into(),
                    a.indicator.as_str().into(),
                    if zh {
                        a.subject_zh.as_str()
                    } else {
                        a.subject_en.as_str()
                    }
                    .into(),
                    a.period.as_str().into(),
                    a.value.into(),
                    a.threshold.into(),
                    a.state.key().into(),
                    a.owner
                        .as_ref()
                        .map(|o| {
                            if zh {
                                o.name_zh.as_str()
                            } else {
                                o.name_en.as_str()
                            }
                        })
                        .unwrap_or_default()
                        .into(),
                    a.task_id.into(),
                    a.raised_at.as_str().into(),
                    a.synthetic.into(),
                ]
            })
            .collect(),
    }
}

/// The alert board: open alerts by default, the most serious first. `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/risk/alerts", tag = "risk", params(AlertsQuery),
    responses((status = 200, body = crate::table::Items<AlertItem>, description = "The list, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AlertsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let min_level = match q.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => Some(Level::parse(l).ok_or_else(|| {
            ApiError::field(
                "level",
                format!("{l:?} is not one of blue, yellow, orange, red"),
            )
        })?),
    };
    let filter = AlertFilter {
        open: q.open.unwrap_or(true),
        min_level,
        owner_org_id: q.owner_org_id,
    };
    let mut items = state.store.alerts(&filter).await?;
    if let Some(src) = q.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let src = kaifang_risk::Source::parse(src).ok_or_else(|| {
            ApiError::field(
                "source",
                format!("{src:?} is not one of trade, channels, governance"),
            )
        })?;
        let registry = state.risk.get()?;
        items.retain(|a| registry.get(&a.indicator).is_some_and(|i| i.source == src));
    }
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    let lang = list.lang(&headers);
    table::respond(&list, &headers, items, |a| alerts_table(a, lang))
}

/// One alert with its timeline.
#[utoipa::path(get, path = "/api/risk/alerts/{id}", tag = "risk",
    responses((status = 200, body = AlertDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn alert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertDetail>> {
    may_read(&caller)?;
    Ok(Json(state.store.alert(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertEventKind {
    Acknowledge,
    Handle,
    Note,
    Close,
    Dismiss,
    ToTask,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AlertEventBody {
    /// The version of the alert the caller last read.
    pub version: i64,
    pub kind: AlertEventKind,
    /// A note, or the reason for closing or dismissing (required for those).
    #[serde(default)]
    pub body: String,
    /// For `handle`: the organisation that handles it (default: the caller's); for `to_task`:
    /// the task's lead (default: the alert's owner).
    pub org_id: Option<i64>,
    /// For `to_task`: the directive the task serves.
    pub directive_id: Option<i64>,
    /// For `to_task`: the deadline in working days from today (default 20).
    pub working_days: Option<u32>,
}

/// Act on an alert: acknowledge, handle, note, close or dismiss (with a reason), or turn a red
/// alert into a supervision task.
#[utoipa::path(post, path = "/api/risk/alerts/{id}/events", tag = "risk", request_body = AlertEventBody,
    responses((status = 200, body = AlertDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current alert in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AlertEventBody>,
) -> ApiResult<Json<AlertDetail>> {
    may_read(&caller)?;
    let current = state.store.alert(id).await?.item;
    let actor = caller.actor();
    let owner = current.owner.as_ref().map(|o| o.id);
    let body = b.body;
    let action = match b.kind {
        AlertEventKind::Acknowledge => AlertAction::Acknowledge { body },
        AlertEventKind::Handle => AlertAction::Handle {
            owner_org_id: b.org_id,
            body,
        },
        AlertEventKind::Note => AlertAction::Note { body },
        AlertEventKind::Close => AlertAction::Close { reason: body },
        AlertEventKind::Dismiss => AlertAction::Dismiss { reason: body },
        AlertEventKind::ToTask => {
            let directive_id = b
                .directive_id
                .ok_or_else(|| ApiError::field("directive_id", "required to make a task"))?;
            let lead_org_id = b.org_id.or(owner).ok_or_else(|| {
                ApiError::field("org_id", "the alert has no owner: name the task's lead")
            })?;
            let days = b.working_days.unwrap_or(20);
            if !(1..=250).contains(&days) {
                return Err(ApiError::field("working_days", "1 to 250"));
            }
            let today = today_in_china();
            let registry = state.risk.get()?;
            let name = registry
                .get(&current.indicator)
                .map(|i| i.name_zh.clone())
                .unwrap_or_else(|| current.indicator.clone());
            AlertAction::ToTask {
                task: NewTask {
                    directive_id,
                    title: format!(
                        "处置{}预警：{}（{}，{}）",
                        current.level.name_zh(),
                        name,
                        current.subject_zh,
                        current.period
                    ),
                    description: format!(
                        "由风险预警 #{} 转办。数值 {}{}。{}{}",
                        current.id,
                        current.value,
                        current
                            .threshold
                            .map(|t| format!("，触发阈值 {t}"))
                            .unwrap_or_default(),
                        if current.synthetic {
                            "（演示合成数据）"
                        } else {
                            ""
                        },
                        if body.trim().is_empty() {
                            String::new()
                        } else {
                            format!("\n{}", body.trim())
                        },
                    ),
                    lead_org_id,
                    co_org_ids: Vec::new(),
                    issued_on: today,
                    deadline: state.rules.calendar.add_working_days(today, days).date,
                    milestones: Vec::new(),
                },
            }
        }
    };
    let decision = match action {
        AlertAction::ToTask { .. } => actor.alert_to_task(),
        _ => actor.act_on_alert(owner),
    };
    ApiError::check(decision, "act on this alert", || format!("alert {id}"))?;
    let detail = state
        .store
        .act_on_alert(&caller.who(), id, b.version, &action)
        .await?;
    Ok(Json(detail))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// The trade month checked, `2025-06`; default: the latest with data.
    pub period: Option<String>,
}

/// Forecast-based warning: for the total, each flow, the largest partners and HS chapters and
/// each city, the month's value against the 80 % and 95 % band its own history predicted,
/// the farthest outside first. Heavy work: it takes a place in the work queue.
#[utoipa::path(get, path = "/api/risk/forecasts", tag = "risk", params(ForecastQuery),
    responses((status = 200, body = Bands), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn forecasts(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ForecastQuery>,
) -> ApiResult<Json<Bands>> {
    may_read(&caller)?;
    let period = parse_period(q.period.as_deref())?;
    let _permit = state.queue.admit(Some(caller.principal.id)).await?;
    let bands = state.risk.bands().get(&state.trade, period).await?;
    Ok(Json(Bands::clone(&bands)))
}

/// One series in full: its last 36 months, the forecast of the next 12 with 80 % and 95 %
/// intervals, and the rolling-origin accuracy (MASE, sMAPE, coverage) of its one-month-ahead
/// forecasts. `series`: `total`, `flow:export`, `partner:643`, `chapter:87`, `city:220100`.
#[utoipa::path(get, path = "/api/risk/forecasts/{series}", tag = "risk", params(ForecastQuery),
    responses((status = 200, body = SeriesForecast), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forecast_series(
    State(state): State<AppState>,
    caller: Caller,
    Path(series): Path<String>,
    Query(q): Query<ForecastQuery>,
) -> ApiResult<Json<SeriesForecast>> {
    may_read(&caller)?;
    if series.len() > 32 {
        return Err(ApiError::field("series", "at most 32 characters"));
    }
    let period = parse_period(q.period.as_deref())?;
    let _permit = state.queue.admit(Some(caller.principal.id)).await?;
    let f = kaifang_app::risk::forecast::series(&state.trade, &series, period).await?;
    Ok(Json(f))
}

/// The job kind of a drill.
pub(crate) const DRILL_KIND: &str = "risk_drill";

/// Start a drill as a background job: close crossings, ports or links for some weeks and see
/// whose trade it hits — by enterprise, city and HS chapter — how many TEU, and what the
/// detours cost. Answers 202 with the job; follow it at `/api/jobs/{id}`, whose result is a
/// `DrillResult`. Government only.
#[utoipa::path(post, path = "/api/risk/drills", tag = "risk", request_body = DrillRequest,
    responses((status = 202, body = kaifang_store::jobs::Job), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn start_drill(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<DrillRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<kaifang_store::jobs::Job>)> {
    may_read(&caller)?;
    // Another instance starting it over parses the same request again.
    let resume = serde_json::json!({ "request": body });
    let drill = Drill::parse(body)?;
    let inputs = state.assign.get()?;
    drill.check_places(&inputs)?;
    let starter = crate::jobs::Starter {
        user_id: Some(caller.principal.id),
        org_id: Some(caller.principal.org.id),
    };
    let work = drill_work(state.trade.clone(), inputs, drill);
    let job = state
        .jobs
        .spawn_resumable(DRILL_KIND, starter, resume, work)
        .await?;
    Ok((axum::http::StatusCode::ACCEPTED, Json(job)))
}

/// A drill as a job's work, cancelled between its steps.
pub(crate) fn drill_work(
    trade: kaifang_app::trade::TradeData,
    inputs: std::sync::Arc<kaifang_assign::study::Inputs>,
    drill: Drill,
) -> crate::jobs::Work {
    Box::new(move |ctx: crate::jobs::JobContext| {
        Box::pin(async move {
            let ctx = std::sync::Arc::new(ctx);
            let c = ctx.clone();
            let result = kaifang_app::risk::drill::run(&trade, inputs, &drill, move |f| {
                c.progress(f);
                if c.cancelled() {
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            })
            .await?;
            serde_json::to_value(result).map_err(|e| crate::jobs::JobError::Failed(e.to_string()))
        })
    })
}

/// A drill as the list of saved drills shows it: what was closed, for how long, and the
/// headline figures, to compare drills side by side.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DrillSummary {
    /// The job's id: its full result is at `/api/jobs/{id}`.
    pub id: String,
    pub name: Option<String>,
    pub close: Vec<String>,
    pub weeks: u32,
    pub year: i32,
    pub synthetic: bool,
    pub teu_affected: f64,
    pub teu_stranded: f64,
    pub value_affected_cny: f64,
    pub extra_cost_cny: f64,
    pub enterprises: usize,
    pub created_at: String,
}

/// The headline fields of a drill job's result (a `DrillResult`).
#[derive(serde::Deserialize)]
struct Headline {
    name: Option<String>,
    close: Vec<String>,
    weeks: u32,
    year: i32,
    synthetic: bool,
    teu_affected: f64,
    teu_stranded: f64,
    value_affected_cny: f64,
    extra_cost_cny: f64,
    by_enterprise: Vec<serde::de::IgnoredAny>,
}

fn drills_table(items: &[DrillSummary]) -> Table {
    Table {
        name: "risk-drills",
        headers: &[
            ("名称", "Name"),
            ("封闭对象", "Closed"),
            ("周数", "Weeks"),
            ("年份", "Year"),
            ("受影响标箱", "TEU affected"),
            ("无路可走标箱", "TEU stranded"),
            ("受影响贸易额（元）", "Trade affected (CNY)"),
            ("绕行增加成本（元）", "Extra cost (CNY)"),
            ("企业数", "Enterprises"),
            ("合成数据", "Synthetic"),
            ("时间", "Created at"),
        ],
        rows: items
            .iter()
            .map(|d| {
                vec![
                    d.name.clone().unwrap_or_default().into(),
                    d.close.join(", ").into(),
                    i64::from(d.weeks).into(),
                    i64::from(d.year).into(),
                    d.teu_affected.into(),
                    d.teu_stranded.into(),
                    d.value_affected_cny.into(),
                    d.extra_cost_cny.into(),
                    (d.enterprises as i64).into(),
                    d.synthetic.into(),
                    d.created_at.as_str().into(),
                ]
            })
            .collect(),
    }
}

/// Saved drills (finished drill jobs), newest first, with their headline figures.
/// `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/risk/drills", tag = "risk", params(ListQuery),
    responses((status = 200, body = crate::table::Items<DrillSummary>, description = "The list, or with `format=xlsx` an .xlsx file"),
        (status = 403, body = ErrorBody)))]
pub async fn drills(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let items: Vec<DrillSummary> = state
        .jobs
        .list(1000)
        .await?
        .into_iter()
        .filter(|j| j.kind == DRILL_KIND)
        .filter_map(|j| {
            let r: Headline = serde_json::from_value(j.result?).ok()?;
            Some(DrillSummary {
                id: j.id,
                name: r.name,
                close: r.close,
                weeks: r.weeks,
                year: r.year,
                synthetic: r.synthetic,
                teu_affected: r.teu_affected,
                teu_stranded: r.teu_stranded,
                value_affected_cny: r.value_affected_cny,
                extra_cost_cny: r.extra_cost_cny,
                enterprises: r.by_enterprise.len(),
                created_at: j.created_at,
            })
        })
        .take(q.limit.unwrap_or(200).clamp(1, 1000) as usize)
        .collect();
    table::respond(&q, &headers, items, drills_table)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The indicator's id, e.g. `trade.partner_hhi`.
    pub indicator: String,
    /// The subject, e.g. `province`, `partner:643`, `node:dalian`.
    pub subject: String,
}

/// One indicator's history for one subject, as the evaluations that raised alerts (the daily
/// one, and those run on demand) read it, oldest period first.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct History {
    pub indicator: String,
    pub subject: String,
    pub points: Vec<kaifang_store::alerts::HistoryPoint>,
}

/// One indicator's kept readings for one subject, to chart against its thresholds.
#[utoipa::path(get, path = "/api/risk/history", tag = "risk", params(HistoryQuery),
    responses((status = 200, body = History), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<History>> {
    may_read(&caller)?;
    if state.risk.get()?.get(&q.indicator).is_none() {
        return Err(ApiError::field(
            "indicator",
            format!("{:?} is not an indicator of the registry", q.indicator),
        ));
    }
    if q.subject.is_empty() || q.subject.len() > 100 {
        return Err(ApiError::field("subject", "1 to 100 characters"));
    }
    let points = state
        .store
        .reading_history(&q.indicator, &q.subject)
        .await?;
    Ok(Json(History {
        indicator: q.indicator,
        subject: q.subject,
        points,
    }))
}
