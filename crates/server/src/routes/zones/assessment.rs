//! The assessment (`/api/zones/assessment`, also as the ranking sheet), one zone's report
//! and the Sobol sensitivity: government only, computed by `kaifang_app::assess` on the
//! synthetic demo panel overlaid with approved values, and labelled `synthetic`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kaifang_app::assess::{AssessRequest, Assessment, SensitivityDoc, ZoneReport};
use kaifang_assess::report::Report;
use serde::Deserialize;

use super::may_read_assessment;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;
use crate::table::{self, Cell, Lang, ListQuery, OutputFormat, Table};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AssessQuery {
    /// Year to assess (default: the latest of the demo panel).
    pub year: Option<String>,
    /// Monte Carlo runs for the rank intervals, 0 to 10,000 (default 1,000; 0: none).
    pub uncertainty: Option<String>,
    /// Weights relative to siblings, e.g. `open:40,quality:30` (pillar or indicator codes of
    /// /api/zones/framework); the framework's weights elsewhere.
    pub weights: Option<String>,
    /// Sobol base sample size (sensitivity only), 2 to 2,000 (default 500).
    pub samples: Option<String>,
    /// `json` (default) or `xlsx` (the ranking table).
    pub format: Option<OutputFormat>,
    /// Language of the spreadsheet's headers: `zh` or `en`.
    pub lang: Option<Lang>,
}

impl AssessQuery {
    fn request(&self) -> AssessRequest {
        AssessRequest {
            year: self.year.clone(),
            uncertainty: self.uncertainty.clone(),
            weights: self.weights.clone(),
        }
    }
}

fn pillar_headers() -> &'static [(&'static str, &'static str)] {
    &[
        ("排名", "Rank"),
        ("代码", "Code"),
        ("开发区", "Zone"),
        ("类型", "Type"),
        ("综合指数", "Index"),
        ("对外开放", "Opening-up"),
        ("发展质量", "Development quality"),
        ("科技创新", "Innovation"),
        ("绿色发展", "Green development"),
        ("统筹协调", "Coordination"),
        ("排名区间下限(P5)", "Rank P5"),
        ("排名中位数", "Rank median"),
        ("排名区间上限(P95)", "Rank P95"),
        ("上年排名", "Previous rank"),
        ("变化", "Movement"),
        ("类型划分", "Typology"),
        ("数据", "Data"),
    ]
}

/// Column codes of the ranking sheet, in the order of `pillar_headers` after Type.
const SHEET_SCORES: [&str; 6] = ["Index", "open", "quality", "innov", "green", "coord"];

fn ranking_table(r: &Report, lang: Lang) -> Table {
    let data_label = if r.synthetic {
        if lang == Lang::Zh {
            "合成演示数据（非统计数据）"
        } else {
            "synthetic demo data (not statistics)"
        }
    } else {
        r.source.as_str()
    };
    Table {
        name: "zone-ranking",
        headers: pillar_headers(),
        rows: r
            .units
            .iter()
            .map(|u| {
                let mut row: Vec<Cell> = vec![
                    u.rank.map(i64::from).into(),
                    u.code.as_str().into(),
                    if lang == Lang::Zh {
                        &u.name
                    } else {
                        &u.name_en
                    }
                    .as_str()
                    .into(),
                    u.group.clone().into(),
                ];
                for code in SHEET_SCORES {
                    let code = if code == "Index" {
                        r.index.as_str()
                    } else {
                        code
                    };
                    row.push(
                        u.scores
                            .get(code)
                            .copied()
                            .flatten()
                            .map(|v| (v * 100.0).round() / 100.0)
                            .into(),
                    );
                }
                let band = u.rank_interval.as_ref();
                row.push(band.map(|b| b.p05).into());
                row.push(band.map(|b| b.median).into());
                row.push(band.map(|b| b.p95).into());
                row.push(u.previous_rank.map(i64::from).into());
                row.push(u.movement.into());
                row.push(
                    u.placement
                        .as_ref()
                        .map(|p| {
                            if lang == Lang::Zh {
                                p.label_zh
                            } else {
                                p.label_en
                            }
                        })
                        .into(),
                );
                row.push(data_label.into());
                row
            })
            .collect(),
    }
}

/// The ranking of the development zones on the default framework, on the synthetic demo data
/// (`synthetic: true`): scores of the index and pillars, ranks with Monte Carlo rank
/// intervals, movement against last year, ranks within zone type, the scale-vs-growth
/// typology, strengths, weaknesses and suggestions. Other weights answer "would we still be
/// 7th?". `?format=xlsx` gives the ranking table. Government only.
#[utoipa::path(get, path = "/api/zones/assessment", tag = "zones", params(AssessQuery),
    responses((status = 200, body = Assessment, description = "The assessment, or with `format=xlsx` the ranking table as an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "a bad year, number of runs or weights; `details.field` names it", body = ErrorBody)))]
pub async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read_assessment(&caller)?;
    let assessment = state
        .zones
        .assess(&state.store, &q.request(), Some(caller.principal.id))
        .await?;
    match q.format.unwrap_or_default() {
        OutputFormat::Json => Ok(Json(assessment).into_response()),
        OutputFormat::Xlsx => {
            let lq = ListQuery {
                format: Some(OutputFormat::Xlsx),
                lang: q.lang,
                limit: None,
            };
            let lang = lq.lang(&headers);
            table::respond(&lq, &headers, vec![()], |_| {
                ranking_table(&assessment.report, lang)
            })
        }
    }
}

/// One zone's profile for the printable report: scores and ranks of the index and each
/// pillar against the median, rank interval, movement and history, strengths, weaknesses,
/// typology and suggestions. Takes the assessment's parameters. Government only.
#[utoipa::path(get, path = "/api/zones/{code}/report", tag = "zones",
    params(("code" = String, Path, description = "zone code from /api/zones"), AssessQuery),
    responses((status = 200, body = ZoneReport, description = "The zone's report"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn zone_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<AssessQuery>,
) -> ApiResult<Json<ZoneReport>> {
    may_read_assessment(&caller)?;
    Ok(Json(
        state
            .zones
            .zone_report(&state.store, &code, &q.request(), Some(caller.principal.id))
            .await?,
    ))
}

/// Which method choice the ranking depends on most: first-order and total Sobol indices of
/// the mean absolute rank shift over the uncertain inputs of the default pipeline. Takes
/// `year`, `weights` and `samples`. Government only.
#[utoipa::path(get, path = "/api/zones/sensitivity", tag = "zones", params(AssessQuery),
    responses((status = 200, body = SensitivityDoc, description = "The Sobol indices per uncertain input"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sensitivity(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessQuery>,
) -> ApiResult<Json<SensitivityDoc>> {
    may_read_assessment(&caller)?;
    let doc = state
        .zones
        .sensitivity(
            &state.store,
            &q.request(),
            q.samples.as_deref(),
            Some(caller.principal.id),
        )
        .await?;
    Ok(Json(SensitivityDoc::clone(&doc)))
}
