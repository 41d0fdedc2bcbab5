//! Risk watch (风险预警): thin faces over `kaifang_app::risk`. The registry of indicators with
//! the rule of each level, and every indicator measured now. Government only (enterprises 403).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kaifang_app::risk::Evaluation;
use kaifang_risk::{Reading, Registry};
use kaifang_trade::Period;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
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
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(Period::parse(p).ok_or_else(|| {
            ApiError::field("period", format!("{p:?} is not a month such as 2025-06"))
        })?),
    };
    let evaluation = kaifang_app::risk::evaluate(
        &*state.risk.get()?,
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
