//! Foreign-trade statistics: thin faces over `kaifang-trade`. Every answer says `synthetic`
//! (true while the store holds the generated demo).
//!
//! Breakdowns and the trend take an optional drill-down slice (`partner`, `section`,
//! `chapter`, `city`, `trade_mode`, `enterprise`), answered by `kaifang_trade::breakdown_in` and
//! `trend_in`: from the pair aggregates for one condition, from the records otherwise.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kaifang_store::jobs::Job;
use kaifang_trade::{
    Breakdown, Dimension, Filter, Flow, ImportOptions, Period, Row, Slice, Summary, TradeStore,
    TrendPoint,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::sync::Arc;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::jobs::{JobError, Starter};
use crate::state::AppState;
use crate::table::{self, Lang, ListQuery, OutputFormat, Table};
use crate::trade::api_error;

/// Query parameters of the trade endpoints; each is checked and a bad one is named (422).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TradeQuery {
    /// Year of the period; with `month`. Default: the latest month with data.
    pub year: Option<String>,
    /// Month of the period (1-12); with `year`.
    pub month: Option<String>,
    /// `import` or `export`; default: both (total trade).
    pub flow: Option<String>,
    /// `true`: the month alone; default: January to the month (year to date).
    pub month_only: Option<String>,
    /// Breakdown dimension: partner, partner_group, section, chapter, trade_mode, city,
    /// ownership, enterprise, bec (end use by the UN Broad Economic Categories; the answer
    /// carries its `source`).
    pub by: Option<String>,
    /// Most rows (the largest).
    pub top: Option<String>,
    /// Drill-down: customs partner code (3 digits).
    pub partner: Option<String>,
    /// Drill-down: HS section (1-22).
    pub section: Option<String>,
    /// Drill-down: HS chapter (2 digits).
    pub chapter: Option<String>,
    /// Drill-down: city (GB/T 2260, 6 digits).
    pub city: Option<String>,
    /// Drill-down: customs trade mode (4 digits).
    pub trade_mode: Option<String>,
    /// Drill-down: enterprise (unified social credit code, 18 characters).
    pub enterprise: Option<String>,
    /// Search in keys and names (enterprise table).
    pub q: Option<String>,
    /// `json` (default) or `xlsx` (breakdowns).
    pub format: Option<String>,
    /// Spreadsheet header language: `zh` or `en`.
    pub lang: Option<String>,
}

fn parse<T: FromStr>(field: &str, v: &Option<String>, what: &str) -> ApiResult<Option<T>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::field(field, format!("{s:?} is not {what}"))),
    }
}

fn digits(field: &str, v: &Option<String>, n: usize) -> ApiResult<Option<String>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(s.into())),
        Some(s) => Err(ApiError::field(
            field,
            format!("{s:?} is not a {n}-digit code"),
        )),
    }
}

struct Parsed {
    filter: Filter,
    slice: Slice,
    top: Option<usize>,
    xlsx: bool,
    lang: Option<Lang>,
}

impl TradeQuery {
    fn flow(&self) -> ApiResult<Option<Flow>> {
        parse::<Flow>("flow", &self.flow, "import or export")
    }

    fn parse(&self, store: &TradeStore) -> ApiResult<Parsed> {
        let year: Option<i32> = parse("year", &self.year, "a year")?;
        let month: Option<u32> = parse("month", &self.month, "a month (1-12)")?;
        let (y, m) = match (year, month) {
            (Some(y), Some(m)) => (y, m),
            (None, None) => match store.latest_period() {
                Some(p) => (p.year, p.month),
                None => {
                    return Err(ApiError::not_found(
                        "trade data (import customs statistics first)",
                    ));
                }
            },
            (Some(_), None) => {
                return Err(ApiError::field("month", "give year and month together"));
            }
            (None, Some(_)) => {
                return Err(ApiError::field("year", "give year and month together"));
            }
        };
        if !(1..=12).contains(&m) {
            return Err(ApiError::field(
                "month",
                format!("{m} is not a month (1-12)"),
            ));
        }
        let mut filter = Filter::new(y, m).map_err(|e| ApiError::field("year", e.to_string()))?;
        filter.flow = self.flow()?;
        filter.cumulative =
            !parse::<bool>("month_only", &self.month_only, "true or false")?.unwrap_or(false);
        let top = parse::<usize>("top", &self.top, "a number of rows")?;
        let mut slice = Slice::default();
        let mut add = |field: &str, dim: Dimension, v: Option<String>| -> ApiResult<()> {
            match v {
                Some(v) => slice
                    .add(dim, &v)
                    .map_err(|e| ApiError::field(field, e.to_string())),
                None => Ok(()),
            }
        };
        add(
            "partner",
            Dimension::Partner,
            digits("partner", &self.partner, 3)?,
        )?;
        add(
            "chapter",
            Dimension::Chapter,
            digits("chapter", &self.chapter, 2)?,
        )?;
        add("city", Dimension::City, digits("city", &self.city, 6)?)?;
        add(
            "trade_mode",
            Dimension::TradeMode,
            digits("trade_mode", &self.trade_mode, 4)?,
        )?;
        if let Some(v) = parse::<u32>("section", &self.section, "an HS section (1-22)")? {
            if !(1..=22).contains(&v) {
                return Err(ApiError::field(
                    "section",
                    format!("{v} is not an HS section (1-22)"),
                ));
            }
            add("section", Dimension::Section, Some(v.to_string()))?;
        }
        let enterprise = parse::<kaifang_model::Uscc>(
            "enterprise",
            &self.enterprise,
            "a unified social credit code",
        )?;
        add(
            "enterprise",
            Dimension::Enterprise,
            enterprise.map(String::from),
        )?;
        let xlsx = match parse::<String>("format", &self.format, "json or xlsx")?.as_deref() {
            None | Some("json") => false,
            Some("xlsx") => true,
            Some(other) => {
                return Err(ApiError::field(
                    "format",
                    format!("{other:?} is not json or xlsx"),
                ));
            }
        };
        let lang = match parse::<String>("lang", &self.lang, "zh or en")?.as_deref() {
            None => None,
            Some("zh") => Some(Lang::Zh),
            Some("en") => Some(Lang::En),
            Some(other) => {
                return Err(ApiError::field(
                    "lang",
                    format!("{other:?} is not zh or en"),
                ));
            }
        };
        Ok(Parsed {
            filter,
            slice,
            top,
            xlsx,
            lang,
        })
    }
}

fn may_read(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_trade(),
        "read foreign-trade statistics",
        String::new,
    )
}

fn may_read_enterprises(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_trade_enterprises(),
        "read single enterprises' trade",
        String::new,
    )
}

/// The month's summary with the store's synthetic flag and the period it is for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryOut {
    /// The month the figures are for.
    pub period: Period,
    #[serde(flatten)]
    pub summary: Summary,
    /// Latest month with data.
    pub latest: Option<Period>,
    pub synthetic: bool,
}

/// Month and year-to-date value with YoY, by flow, and the top partners (year to date).
#[utoipa::path(get, path = "/api/trade/summary", tag = "trade", params(TradeQuery),
    responses((status = 200, body = SummaryOut),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
) -> ApiResult<Json<SummaryOut>> {
    may_read(&caller)?;
    let store = state.trade.read().await;
    let p = q.parse(&store)?;
    let s = kaifang_trade::summary(&store, p.filter.year, p.filter.month)
        .await
        .map_err(api_error)?;
    Ok(Json(SummaryOut {
        period: Period {
            year: p.filter.year,
            month: p.filter.month,
        },
        summary: s,
        latest: store.latest_period(),
        synthetic: store.synthetic(),
    }))
}

fn breakdown_table(dim: Dimension) -> impl FnOnce(&[Row]) -> Table {
    let name = match dim {
        Dimension::Partner => "trade-partners",
        Dimension::PartnerGroup => "trade-partner-groups",
        Dimension::Section => "trade-sections",
        Dimension::Chapter => "trade-chapters",
        Dimension::TradeMode => "trade-modes",
        Dimension::City => "trade-cities",
        Dimension::Ownership => "trade-ownership",
        Dimension::Enterprise => "trade-enterprises",
        Dimension::Bec => "trade-end-use",
    };
    move |rows: &[Row]| Table {
        name,
        headers: &[
            ("代码", "Code"),
            ("名称", "Name (zh)"),
            ("英文名称", "Name (en)"),
            ("金额（元）", "Value (CNY)"),
            ("上年同期（元）", "Same period last year (CNY)"),
            ("同比（%）", "YoY (%)"),
            ("占比（%）", "Share (%)"),
            ("拉动（百分点）", "Contribution (pp)"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.key.as_str().into(),
                    r.name_zh.as_str().into(),
                    r.name_en.as_str().into(),
                    r.value_cny.into(),
                    r.prev_value_cny.into(),
                    r.yoy_pct.into(),
                    r.share_pct.into(),
                    r.contribution_pp.into(),
                ]
            })
            .collect(),
    }
}

/// A breakdown with the drill-down slice it was asked for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BreakdownOut {
    #[serde(flatten)]
    pub breakdown: Breakdown,
    pub slice: Slice,
}

/// Values by partner, partner group, HS section or chapter, trade mode, city, ownership,
/// enterprise or end use (`bec`, with the mapping's `source`), with YoY, share and
/// contribution; `?format=xlsx` for Excel. Drill-down with
/// `partner`, `section`, `chapter`, `city`, `trade_mode`. By enterprise: provincial level only.
#[utoipa::path(get, path = "/api/trade/breakdown", tag = "trade", params(TradeQuery),
    responses((status = 200, body = BreakdownOut, description = "The breakdown, or with `format=xlsx` its table as an .xlsx file"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The trade cluster (`[trade] ballista`) did not answer")))]
pub async fn breakdown(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let Some(by) = q.by.as_deref() else {
        return Err(ApiError::field(
            "by",
            "missing: partner, partner_group, section, chapter, trade_mode, city, ownership, enterprise or bec",
        ));
    };
    let dim = Dimension::from_str(by).map_err(|e| ApiError::field("by", e.to_string()))?;
    if dim == Dimension::Enterprise {
        may_read_enterprises(&caller)?;
    }
    let store = state.trade.read().await;
    let p = q.parse(&store)?;
    let search =
        q.q.as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
    if dim == Dimension::PartnerGroup && !p.slice.is_empty() {
        return Err(ApiError::field(
            "by",
            "partner groups overlap and cannot be drilled into; choose another dimension",
        ));
    }
    let f = Filter {
        top: if search.is_some() { None } else { p.top },
        ..p.filter
    };
    let mut b = kaifang_trade::breakdown_in(&store, dim, &f, &p.slice)
        .await
        .map_err(api_error)?;
    if let Some(s) = &search {
        b.rows.retain(|r| {
            r.key.to_lowercase().contains(s)
                || r.name_zh.to_lowercase().contains(s)
                || r.name_en.to_lowercase().contains(s)
        });
    }
    if let Some(n) = p.top {
        b.rows.truncate(n);
    }
    b.filter.top = p.top;
    if p.xlsx {
        let lq = ListQuery {
            format: Some(OutputFormat::Xlsx),
            lang: p.lang,
            limit: None,
        };
        return table::respond(&lq, &headers, b.rows, breakdown_table(dim));
    }
    Ok(Json(BreakdownOut {
        breakdown: b,
        slice: p.slice,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrendOut {
    pub items: Vec<TrendPoint>,
    pub slice: Slice,
    pub synthetic: bool,
}

/// Monthly values with the YoY of the month and of the year to date (`flow`, and a
/// drill-down slice, optional).
#[utoipa::path(get, path = "/api/trade/trend", tag = "trade", params(TradeQuery),
    responses((status = 200, body = TrendOut),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The trade cluster (`[trade] ballista`) did not answer")))]
pub async fn trend(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
) -> ApiResult<Json<TrendOut>> {
    may_read(&caller)?;
    let flow = q.flow()?;
    let store = state.trade.read().await;
    let slice = if store.is_empty() {
        Slice::default()
    } else {
        q.parse(&store)?.slice
    };
    let items = kaifang_trade::trend_in(&store, flow, &slice)
        .await
        .map_err(api_error)?;
    Ok(Json(TrendOut {
        items,
        slice,
        synthetic: store.synthetic(),
    }))
}

/// Active exporters and importers, entrants, exits and the top enterprises (provincial level).
#[utoipa::path(get, path = "/api/trade/dynamics", tag = "trade", params(TradeQuery),
    responses((status = 200, body = kaifang_trade::Dynamics),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dynamics(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
) -> ApiResult<Json<kaifang_trade::Dynamics>> {
    may_read_enterprises(&caller)?;
    let store = state.trade.read().await;
    let p = q.parse(&store)?;
    let top = p.top.unwrap_or(10);
    Ok(Json(
        kaifang_trade::enterprise_dynamics(&store, &p.filter, top)
            .await
            .map_err(api_error)?,
    ))
}

/// HHI and top-5 share by partner and by HS chapter.
#[utoipa::path(get, path = "/api/trade/concentration", tag = "trade", params(TradeQuery),
    responses((status = 200, body = kaifang_trade::Concentration),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn concentration(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
) -> ApiResult<Json<kaifang_trade::Concentration>> {
    may_read(&caller)?;
    let store = state.trade.read().await;
    let p = q.parse(&store)?;
    Ok(Json(
        kaifang_trade::concentration(&store, &p.filter)
            .await
            .map_err(api_error)?,
    ))
}

/// Revealed comparative advantage of the year's exports by HS chapter against the national
/// reference table.
#[utoipa::path(get, path = "/api/trade/rca", tag = "trade", params(TradeQuery),
    responses((status = 200, body = kaifang_trade::Rca),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The trade cluster (`[trade] ballista`) did not answer")))]
pub async fn rca(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
) -> ApiResult<Json<kaifang_trade::Rca>> {
    may_read(&caller)?;
    let store = state.trade.read().await;
    let p = q.parse(&store)?;
    Ok(Json(
        kaifang_trade::rca(&store, p.filter.year)
            .await
            .map_err(api_error)?,
    ))
}

/// Year-on-year change split into price and volume effects by HS6 unit values.
#[utoipa::path(get, path = "/api/trade/price-volume", tag = "trade", params(TradeQuery),
    responses((status = 200, body = kaifang_trade::PriceVolume),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The trade cluster (`[trade] ballista`) did not answer")))]
pub async fn price_volume(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TradeQuery>,
) -> ApiResult<Json<kaifang_trade::PriceVolume>> {
    may_read(&caller)?;
    let store = state.trade.read().await;
    let p = q.parse(&store)?;
    let top = p.top.unwrap_or(10);
    Ok(Json(
        kaifang_trade::price_volume(&store, &p.filter, top)
            .await
            .map_err(api_error)?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SqlRequest {
    /// One read-only statement (tables `records`, `agg_*`, `countries`, `hs_chapters`, ...).
    pub query: String,
    /// Most rows to return (default 1000, at most `trade.sql_max_rows`, 10 000 by default).
    pub max_rows: Option<usize>,
}

/// Read-only SQL over the trade records and aggregates (admins, leaders, departments). DDL,
/// DML (`COPY ... TO`, `INSERT`) and statements (`SET`) are refused before anything runs.
/// Bounded (`[trade]` in kaifang.toml): the memory one query may hold (422 past it), its
/// running time (422 when stopped), the rows returned, and how many run at once (429 when
/// all slots stay busy for 2 s); no `generate_series`/`range`. Every query is audited.
#[utoipa::path(post, path = "/api/trade/sql", tag = "trade", request_body = SqlRequest,
    responses((status = 200, body = kaifang_trade::SqlResult), (status = 429, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The trade cluster (`[trade] ballista`) did not answer")))]
pub async fn sql(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<SqlRequest>,
) -> ApiResult<Json<kaifang_trade::SqlResult>> {
    ApiError::check(
        caller.actor().query_trade_sql(),
        "query the trade records",
        String::new,
    )?;
    let max_rows = req.max_rows.unwrap_or(1000);
    let answer = state
        .sql
        .run(
            Some(&state.store),
            &state.trade,
            &caller.who(),
            &req.query,
            Some(max_rows),
        )
        .await;
    match answer {
        Ok(r) => Ok(Json(r)),
        // The analyst's query failed while running (a bad cast, ...): their input, not ours.
        Err(kaifang_app::AppError::Trade(kaifang_trade::TradeError::Engine(e))) => {
            Err(ApiError::field("query", e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The kind of the import jobs.
pub(crate) const IMPORT_KIND: &str = "trade-import";

/// What an import needs of the application.
#[derive(Clone)]
pub(crate) struct Importing {
    pub store: kaifang_store::Store,
    pub trade: kaifang_app::trade::TradeData,
    pub config: Arc<kaifang_store::Config>,
}

/// An import of uploads as a job's work: the uploads read by id, held against a second import
/// of them on this instance (`claim`, or taken here), and imported together. Started over on
/// another instance, the write the stopped one announced is concluded first, from the trade
/// store's manifest; each period and flow of the files replaces what the store had, so
/// importing them again leaves the store as one import would.
pub(crate) fn import_work(
    with: Importing,
    who: kaifang_store::audit::Who,
    upload_ids: Vec<i64>,
    flow: Option<Flow>,
    claim: Option<kaifang_app::trade::UploadClaim>,
) -> crate::jobs::Work {
    let trade_config = &with.config.trade;
    let xlsx_limits = kaifang_workbook::Limits {
        max_cells: trade_config.xlsx_max_cells,
        max_inflated_bytes: trade_config.xlsx_max_inflated_mb.saturating_mul(1 << 20),
        ..kaifang_workbook::Limits::RECORDS
    };
    let memory_mb = u32::try_from(trade_config.import_memory_mb).unwrap_or(u32::MAX);
    Box::new(move |ctx: crate::jobs::JobContext| {
        Box::pin(async move {
            let _claim = match claim {
                Some(held) => held,
                None => with.trade.claim_uploads(&upload_ids)?,
            };
            let mut uploads = Vec::with_capacity(upload_ids.len());
            for id in &upload_ids {
                uploads.push(with.store.upload(*id).await?);
            }
            let ctx = Arc::new(ctx);
            let c = ctx.clone();
            let options = ImportOptions {
                flow,
                xlsx_limits,
                memory_mb: Some(memory_mb),
                ..Default::default()
            };
            let summary = kaifang_app::trade::import_uploads(
                &with.store,
                &with.trade,
                &who,
                &uploads,
                options,
                Some(ctx.id()),
                move |f| {
                    c.progress(f);
                    !c.cancelled()
                },
            )
            .await?;
            serde_json::to_value(summary).map_err(|e| JobError::Failed(e.to_string()))
        })
    })
}

/// Most files one import takes.
const MAX_IMPORT_FILES: usize = 100;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ImportRequest {
    /// Uploaded files (`/api/uploads`), CSV or XLSX, each once, at most 100; they import
    /// together or not at all.
    pub upload_ids: Vec<i64>,
    /// Flow of files without a flow column: `import` or `export`.
    pub flow: Option<String>,
}

/// Import customs statistics from uploaded files as a background job (the Department of
/// Commerce and admins). Each period and flow in the files replaces the stored one; the job's
/// result is the import report, its message the first error (file, row, column).
#[utoipa::path(post, path = "/api/trade/imports", tag = "trade", request_body = ImportRequest,
    responses((status = 201, body = Job), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<ImportRequest>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    ApiError::check(
        caller.actor().import_trade(),
        "import customs statistics",
        String::new,
    )?;
    let flow = parse::<Flow>("flow", &req.flow, "import or export")?;
    if req.upload_ids.is_empty() {
        return Err(ApiError::field("upload_ids", "give at least one upload"));
    }
    if req.upload_ids.len() > MAX_IMPORT_FILES {
        return Err(ApiError::field(
            "upload_ids",
            format!("at most {MAX_IMPORT_FILES} files import together"),
        ));
    }
    for id in &req.upload_ids {
        let u = state.store.upload(*id).await?;
        ApiError::check(
            caller.actor().read_owned_by(u.org_id),
            "import this upload",
            || format!("upload {id}"),
        )?;
    }
    // The same file twice, or a second click while the first import is queued, would
    // import its rows twice.
    let claim = state.trade.claim_uploads(&req.upload_ids)?;
    let who = caller.who();
    let starter = Starter {
        user_id: Some(caller.principal.id),
        org_id: Some(caller.principal.org.id),
    };
    // Another instance starting it over acts as the same user on the same uploads.
    let resume = serde_json::json!({
        "user_id": who.user_id,
        "actor": who.actor,
        "upload_ids": req.upload_ids,
        "flow": flow.map(Flow::as_str),
    });
    let work = import_work(
        Importing {
            store: state.store.clone(),
            trade: state.trade.clone(),
            config: state.config.clone(),
        },
        who,
        req.upload_ids,
        flow,
        Some(claim),
    );
    let job = state
        .jobs
        .spawn_resumable(IMPORT_KIND, starter, resume, work)
        .await?;
    Ok((StatusCode::CREATED, Json(job)))
}
