//! The development zones' "hard assessment": the registry, the indicator framework, the
//! ranking with rank intervals, movement and typology, one zone's report, and the Sobol
//! sensitivity of the ranking to the method choices.
//!
//! Everything is computed by `kaifang_assess` on the default framework (MOFCOM ETDZ 2021
//! model) and its **synthetic** demo panel, with the values of approved yearly submissions
//! in place of the demo's; every answer carries `synthetic: true` while any demo value is
//! left, so that no face can present the numbers as statistics, and the assessment lists the
//! approved values it used. Results are deterministic for a given year, weights, number of
//! runs and set of approved values, so they are cached per process (a bounded map).
//!
//! The yearly collection: a zone's form (JSON or the Excel workbook), saved as a draft,
//! submitted, approved or returned (`kaifang_store::zone_data`).
//!
//! Access: the registry and the framework are public material and any signed-in user may
//! read them; the assessment itself is government-internal (`Actor::read_zone_assessment`);
//! a zone's data is its reporting organisations' to fill in and the `platforms` owner's to
//! review (`Actor::edit_zone_data`, `Actor::review_zone_data`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kaifang_assess::framework::Direction;
use kaifang_assess::report::{self, Column, Report, Typology, UnitReport};
use kaifang_assess::sensitivity::SobolIndex;
use kaifang_assess::uncertainty::{Control, UncertaintySpec};
use kaifang_assess::zones::{self, Zone};
use kaifang_assess::{AssessError, Framework, Panel, Pipeline, pipeline};
use serde::{Deserialize, Serialize};

use kaifang_model::{Decision, access::reports_for_zone};
use kaifang_store::StoreError;
use kaifang_store::zone_data::{
    self, ApprovedValue, Submission, SubmissionFilter, SubmissionItem, ValueInput,
};
use kaifang_work::submission::SubmissionState;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::table::{self, Cell, Lang, ListQuery, OutputFormat, Table};

/// Most Monte Carlo runs a request may ask for.
pub const MAX_RUNS: usize = 10_000;
/// Runs when the request does not say.
pub const DEFAULT_RUNS: usize = 1_000;
/// Base sample size of the Sobol indices when the request does not say, and the most allowed.
pub const DEFAULT_SOBOL: usize = 500;
pub const MAX_SOBOL: usize = 2_000;
/// Cached results kept per process before the cache starts afresh.
const CACHE_SIZE: usize = 64;

/// The default framework, pipeline, demo panel and registry, parsed once.
struct Engine {
    framework: Framework,
    pipeline: Pipeline,
    panel: Panel,
    registry: Vec<Zone>,
}

fn load_engine() -> Result<Engine, AssessError> {
    let framework = zones::default_framework()?;
    let registry = zones::registry()?;
    let panel = zones::demo_panel(&framework, &registry)?;
    Ok(Engine {
        pipeline: zones::default_pipeline()?,
        framework,
        panel,
        registry,
    })
}

fn engine() -> ApiResult<&'static Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| load_engine().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(ApiError::internal)
}

/// What one assessment depends on: the cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    year: i32,
    runs: usize,
    /// (code, weight bits), sorted by code.
    weights: Vec<(String, u64)>,
    /// Sobol base samples, for the sensitivity cache.
    sobol: usize,
    /// Fingerprint of the approved submissions laid over the demo panel.
    revision: u64,
}

#[derive(Clone)]
struct Params {
    year: i32,
    runs: usize,
    weights: BTreeMap<String, f64>,
    input: Arc<Input>,
}

impl Params {
    fn key(&self, sobol: usize) -> Key {
        Key {
            year: self.year,
            runs: self.runs,
            weights: self
                .weights
                .iter()
                .map(|(c, w)| (c.clone(), w.to_bits()))
                .collect(),
            sobol,
            revision: self.input.revision,
        }
    }
}

/// What the assessment runs on: the demo panel with the approved submissions in place of
/// the demo's values (`kaifang_store::zone_data`), and which values those are.
pub(crate) struct Input {
    pub panel: Panel,
    pub approved: Vec<ApprovedValue>,
    revision: u64,
}

impl Input {
    fn synthetic(&self) -> bool {
        self.panel.source().contains("SYNTHETIC")
    }
}

fn fingerprint(approved: &[ApprovedValue]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for a in approved {
        (
            &a.zone_code,
            a.year,
            &a.indicator,
            a.value.to_bits(),
            a.submission_id,
        )
            .hash(&mut h);
    }
    h.finish()
}

/// The assessment's input as of now; rebuilt only when the approved values changed.
pub(crate) async fn input(state: &AppState) -> ApiResult<Arc<Input>> {
    static LAST: OnceLock<Mutex<Option<Arc<Input>>>> = OnceLock::new();
    let last = LAST.get_or_init(Default::default);
    let e = engine()?;
    let approved = state.store.approved_zone_values(None).await?;
    let revision = fingerprint(&approved);
    if let Some(i) = last.lock().ok().and_then(|l| l.clone())
        && i.revision == revision
    {
        return Ok(i);
    }
    let built = state
        .store
        .zone_assessment_input(&e.panel, &e.framework)
        .await?;
    // Keyed on what was read above, so that the next request with the same approvals hits.
    let input = Arc::new(Input {
        revision,
        panel: built.panel,
        approved: built.approved,
    });
    if let Ok(mut l) = last.lock() {
        *l = Some(input.clone());
    }
    Ok(input)
}

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

/// `open:40,quality:30` (or `open=40`) → code → weight; codes must be framework nodes below
/// the index, weights finite and ≥ 0.
pub fn parse_weights(text: &str, framework: &Framework) -> Result<BTreeMap<String, f64>, ApiError> {
    let mut out = BTreeMap::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (code, w) = item
            .split_once([':', '='])
            .ok_or_else(|| ApiError::field("weights", format!("\"{item}\" is not CODE:WEIGHT")))?;
        let code = code.trim();
        let w: f64 = w.trim().parse().map_err(|_| {
            ApiError::field("weights", format!("the weight of {code} is not a number"))
        })?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(ApiError::field(
                "weights",
                format!("the weight of {code} must be a number ≥ 0"),
            ));
        }
        match framework.find(code) {
            Some(j) if j != framework.root() => {}
            Some(_) => {
                return Err(ApiError::field(
                    "weights",
                    format!("{code} is the index itself and has no weight"),
                ));
            }
            None => {
                return Err(ApiError::field(
                    "weights",
                    format!("no indicator or pillar has the code {code}"),
                ));
            }
        }
        if out.insert(code.to_string(), w).is_some() {
            return Err(ApiError::field("weights", format!("{code} is given twice")));
        }
    }
    Ok(out)
}

fn params(q: &AssessQuery, e: &Engine, input: &Arc<Input>) -> ApiResult<Params> {
    let panel = &input.panel;
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => panel.latest_year(),
        Some(s) => {
            let y: i32 = s
                .parse()
                .map_err(|_| ApiError::field("year", format!("\"{s}\" is not a year")))?;
            if !panel.years().contains(&y) {
                return Err(ApiError::field(
                    "year",
                    format!("no data for {y}; years: {:?}", panel.years()),
                ));
            }
            y
        }
    };
    let runs = match q
        .uncertainty
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => DEFAULT_RUNS,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n <= MAX_RUNS => n,
            _ => {
                return Err(ApiError::field(
                    "uncertainty",
                    format!("\"{s}\" is not a number of runs from 0 to {MAX_RUNS}"),
                ));
            }
        },
    };
    let weights = match &q.weights {
        Some(w) => parse_weights(w, &e.framework)?,
        None => BTreeMap::new(),
    };
    Ok(Params {
        year,
        runs,
        weights,
        input: input.clone(),
    })
}

fn sobol_samples(q: &AssessQuery) -> ApiResult<usize> {
    match q
        .samples
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(DEFAULT_SOBOL),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (2..=MAX_SOBOL).contains(&n) => Ok(n),
            _ => Err(ApiError::field(
                "samples",
                format!("\"{s}\" is not a sample size from 2 to {MAX_SOBOL}"),
            )),
        },
    }
}

/// An engine error on a request with custom weights is the weights' fault (e.g. all the
/// weights of a pillar set to 0); without, it is ours.
fn engine_error(p: &Params, e: AssessError) -> ApiError {
    if p.weights.is_empty() {
        ApiError::internal(e)
    } else {
        ApiError::field("weights", e)
    }
}

fn spec(e: &Engine, p: &Pipeline, runs: usize) -> UncertaintySpec {
    UncertaintySpec {
        runs,
        ..p.uncertainty
            .clone()
            .or_else(|| e.pipeline.uncertainty.clone())
            .unwrap_or_default()
    }
}

fn pipeline_for(e: &Engine, p: &Params) -> Pipeline {
    if p.weights.is_empty() {
        e.pipeline.clone()
    } else {
        e.pipeline.with_weight_overrides(p.weights.clone())
    }
}

fn compute_report(e: &Engine, p: &Params) -> Result<Report, AssessError> {
    let pipeline = pipeline_for(e, p);
    let mut opts = zones::report_options();
    opts.year = Some(p.year);
    if p.runs > 0 {
        opts.uncertainty = Some(spec(e, &pipeline, p.runs));
    }
    let mut r = report::assess(
        &pipeline,
        &e.framework,
        &p.input.panel,
        &opts,
        &Control::default(),
    )?;
    // Approved values do not make the rest of the panel real.
    r.synthetic = r.synthetic || p.input.synthetic();
    Ok(r)
}

type Cache<T> = Mutex<HashMap<Key, Arc<T>>>;

fn cached<T>(cache: &Cache<T>, key: &Key) -> Option<Arc<T>> {
    cache.lock().ok()?.get(key).cloned()
}

fn remember<T>(cache: &Cache<T>, key: Key, value: Arc<T>) {
    if let Ok(mut m) = cache.lock() {
        if m.len() >= CACHE_SIZE {
            m.clear();
        }
        m.insert(key, value);
    }
}

/// The report for `p`, from the cache or computed on a blocking thread.
async fn assessment(p: &Params) -> ApiResult<Arc<Report>> {
    static CACHE: OnceLock<Cache<Report>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = p.key(0);
    if let Some(r) = cached(cache, &key) {
        return Ok(r);
    }
    let e = engine()?;
    let params = p.clone();
    let report = tokio::task::spawn_blocking(move || compute_report(e, &params))
        .await
        .map_err(ApiError::internal)?
        .map_err(|err| engine_error(p, err))?;
    let report = Arc::new(report);
    remember(cache, key, report.clone());
    Ok(report)
}

// ------------------------------------------------------------------ registry

#[derive(Debug, Serialize)]
pub struct ZoneRow {
    #[serde(flatten)]
    pub zone: Zone,
    /// Whether zones of this type are ranked (new areas and city-wide pilot zones are not).
    pub assessed: bool,
}

fn zone_table(items: &[ZoneRow]) -> Table {
    Table {
        name: "zones",
        headers: &[
            ("代码", "Code"),
            ("名称", "Name"),
            ("英文名称", "Name (English)"),
            ("类型", "Type"),
            ("级别", "Level"),
            ("所在城市代码", "City code"),
            ("批准年份", "Approved"),
            ("参加考核", "Assessed"),
            ("来源", "Source"),
        ],
        rows: items
            .iter()
            .map(|r| {
                let z = &r.zone;
                vec![
                    z.code.as_str().into(),
                    z.name_zh.as_str().into(),
                    z.name_en.as_str().into(),
                    z.zone_type.as_str().into(),
                    match z.level {
                        zones::ZoneLevel::National => "national",
                        zones::ZoneLevel::Provincial => "provincial",
                    }
                    .into(),
                    z.city.as_str().into(),
                    z.approved.map(i64::from).into(),
                    r.assessed.into(),
                    z.source.as_str().into(),
                ]
            })
            .collect(),
    }
}

/// The registry of Jilin's development zones (`data/zones.csv`): type, level, city and the
/// public source of each. `?format=xlsx`.
#[utoipa::path(get, path = "/api/zones", tag = "zones", params(ListQuery),
    responses((status = 200, description = "`{ items: [zone] }` or an .xlsx file"), (status = 401, body = ErrorBody)))]
pub async fn list(
    _caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let e = engine()?;
    let items: Vec<ZoneRow> = e
        .registry
        .iter()
        .map(|z| ZoneRow {
            zone: z.clone(),
            assessed: z.zone_type.assessed(),
        })
        .collect();
    table::respond(&q, &headers, items, zone_table)
}

// ------------------------------------------------------------------ framework

#[derive(Debug, Serialize)]
pub struct FrameworkNode {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    /// 1 for indicators, 2 for pillars, 3 for the index.
    pub level: usize,
    pub parent: Option<String>,
    /// Weight as written in the framework (relative to its siblings).
    pub weight: f64,
    /// The same weight as a share of its siblings' total.
    pub share: f64,
    pub direction: Direction,
    pub unit: Option<String>,
    pub unit_en: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// A public document ("public: ...") or our choice.
    pub source: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FrameworkDoc {
    pub name: Option<String>,
    pub index: String,
    /// Top-down: the index, then pillars each followed by its indicators.
    pub nodes: Vec<FrameworkNode>,
}

fn framework_doc(e: &Engine) -> FrameworkDoc {
    let fw = &e.framework;
    let nodes = fw.nodes();
    let share = |j: usize| -> f64 {
        let sibling_total: f64 = match nodes[j].parent {
            Some(p) => nodes[p].children.iter().map(|&c| nodes[c].weight).sum(),
            None => nodes[j].weight,
        };
        if sibling_total > 0.0 {
            nodes[j].weight / sibling_total
        } else {
            0.0
        }
    };
    let mut order = Vec::new();
    fn walk(nodes: &[kaifang_assess::framework::Node], j: usize, out: &mut Vec<usize>) {
        out.push(j);
        for &c in &nodes[j].children {
            walk(nodes, c, out);
        }
    }
    walk(nodes, fw.root(), &mut order);
    FrameworkDoc {
        name: e.pipeline.name.clone(),
        index: nodes[fw.root()].code.clone(),
        nodes: order
            .into_iter()
            .map(|j| {
                let n = &nodes[j];
                FrameworkNode {
                    code: n.code.clone(),
                    name: n.name.clone(),
                    name_en: n.name_en.clone(),
                    level: n.level,
                    parent: n.parent.map(|p| nodes[p].code.clone()),
                    weight: n.weight,
                    share: share(j),
                    direction: n.direction,
                    unit: n.unit.clone(),
                    unit_en: n.unit_en.clone(),
                    min: n.min,
                    max: n.max,
                    source: n.source.clone(),
                }
            })
            .collect(),
    }
}

/// The indicator tree of the default framework (MOFCOM ETDZ 2021 model) with weights, units,
/// valid ranges and sources.
#[utoipa::path(get, path = "/api/zones/framework", tag = "zones",
    responses((status = 200, description = "`{ name, index, nodes: [{ code, name, name_en, level, parent, weight, share, direction, unit, source }] }`"), (status = 401, body = ErrorBody)))]
pub async fn framework(_caller: Caller) -> ApiResult<Json<FrameworkDoc>> {
    Ok(Json(framework_doc(engine()?)))
}

// ------------------------------------------------------------------ assessment

#[derive(Debug, Serialize)]
struct Assessment<'a> {
    #[serde(flatten)]
    report: &'a Report,
    /// Years with data (for the year selector).
    years: &'a [i32],
    /// The weights set by the request (code → weight relative to siblings).
    weights: &'a BTreeMap<String, f64>,
    data_sources: DataSources,
}

/// Where the year's values come from: every value is synthetic demo data except the
/// approved submissions listed.
#[derive(Debug, Serialize)]
pub struct DataSources {
    /// The label of every value not listed: `synthetic demo`.
    pub default: &'static str,
    /// Values from approved submissions (`approved submission`), by zone and indicator.
    pub approved: Vec<ApprovedValue>,
    pub approved_label: &'static str,
}

fn data_sources(input: &Input, year: i32) -> DataSources {
    DataSources {
        default: zone_data::SOURCE_SYNTHETIC,
        approved: input
            .approved
            .iter()
            .filter(|a| a.year == year)
            .cloned()
            .collect(),
        approved_label: zone_data::SOURCE_APPROVED,
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
    responses((status = 200, description = "the assessment report, or an .xlsx file"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, description = "a bad year, number of runs or weights; `details.field` names it", body = ErrorBody)))]
pub async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_zone_assessment(),
        "read the zone assessment",
        String::new,
    )?;
    let e = engine()?;
    let input = input(&state).await?;
    let p = params(&q, e, &input)?;
    let report = assessment(&p).await?;
    match q.format.unwrap_or_default() {
        OutputFormat::Json => Ok(Json(Assessment {
            report: &report,
            years: input.panel.years(),
            weights: &p.weights,
            data_sources: data_sources(&input, p.year),
        })
        .into_response()),
        OutputFormat::Xlsx => {
            let lq = ListQuery {
                format: Some(OutputFormat::Xlsx),
                lang: q.lang,
                limit: None,
            };
            let lang = lq.lang(&headers);
            table::respond(&lq, &headers, vec![()], |_| ranking_table(&report, lang))
        }
    }
}

// ------------------------------------------------------------------ one zone

#[derive(Debug, Serialize)]
pub struct YearRank {
    pub year: i32,
    pub rank: Option<u32>,
    pub index: Option<f64>,
}

#[derive(Debug, Serialize)]
struct ZoneReport<'a> {
    synthetic: bool,
    source: &'a str,
    title: Option<&'a str>,
    year: Option<i32>,
    previous_year: Option<i32>,
    index: &'a str,
    /// Units ranked.
    n_units: usize,
    zone: &'a Zone,
    columns: &'a [Column],
    unit: &'a UnitReport,
    typology: Option<&'a Typology>,
    /// The zone's rank and index in every year of the panel, with the same weights.
    history: Vec<YearRank>,
    weights: &'a BTreeMap<String, f64>,
}

/// One zone's profile for the printable report: scores and ranks of the index and each
/// pillar against the median, rank interval, movement and history, strengths, weaknesses,
/// typology and suggestions. Takes the assessment's parameters. Government only.
#[utoipa::path(get, path = "/api/zones/{code}/report", tag = "zones",
    params(("code" = String, Path, description = "zone code from /api/zones"), AssessQuery),
    responses((status = 200, description = "the zone's report"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn zone_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<AssessQuery>,
) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_zone_assessment(),
        "read the zone assessment",
        String::new,
    )?;
    let e = engine()?;
    let zone = e
        .registry
        .iter()
        .find(|z| z.code == code)
        .ok_or_else(|| ApiError::not_found(format!("zone {code}")))?;
    if !zone.zone_type.assessed() {
        return Err(ApiError::not_found(format!(
            "an assessment of zone {code} (zones of type {} are not ranked)",
            zone.zone_type.as_str()
        )));
    }
    let input = input(&state).await?;
    let p = params(&q, e, &input)?;
    let report = assessment(&p).await?;
    let unit = report
        .units
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| ApiError::not_found(format!("an assessment of zone {code}")))?;
    let mut history = Vec::new();
    for &year in input.panel.years() {
        let yearly = assessment(&Params {
            year,
            runs: 0,
            weights: p.weights.clone(),
            input: input.clone(),
        })
        .await?;
        let u = yearly.units.iter().find(|u| u.code == code);
        history.push(YearRank {
            year,
            rank: u.and_then(|u| u.rank),
            index: u.and_then(|u| u.scores.get(&yearly.index).copied().flatten()),
        });
    }
    Ok(Json(ZoneReport {
        synthetic: report.synthetic,
        source: &report.source,
        title: report.title.as_deref(),
        year: report.year,
        previous_year: report.previous_year,
        index: &report.index,
        n_units: report.units.iter().filter(|u| u.rank.is_some()).count(),
        zone,
        columns: &report.columns,
        unit,
        typology: report.typology.as_ref(),
        history,
        weights: &p.weights,
    })
    .into_response())
}

// ------------------------------------------------------------------ sensitivity

#[derive(Debug, Serialize)]
pub struct SensitivityDoc {
    pub synthetic: bool,
    pub year: i32,
    pub samples: usize,
    pub model_runs: usize,
    pub seed: u64,
    /// First-order and total Sobol indices of the mean absolute rank shift, per uncertain
    /// input (weights, imputation, normalisation, aggregation).
    pub indices: Vec<SobolIndex>,
}

fn compute_sensitivity(
    e: &Engine,
    p: &Params,
    samples: usize,
) -> Result<SensitivityDoc, AssessError> {
    let pipe = pipeline_for(e, p);
    let (rest, data, _) = pipeline::cross_section(&pipe, &p.input.panel, p.year)?;
    let spec = UncertaintySpec {
        sobol_samples: samples,
        ..spec(e, &pipe, 0)
    };
    let s =
        kaifang_assess::sensitivity_with(&rest, &e.framework, &data, &spec, &Control::default())?;
    Ok(SensitivityDoc {
        synthetic: p.input.synthetic(),
        year: p.year,
        samples: s.samples,
        model_runs: s.model_runs,
        seed: s.seed,
        indices: s.mean_abs_rank_shift,
    })
}

/// Which method choice the ranking depends on most: first-order and total Sobol indices of
/// the mean absolute rank shift over the uncertain inputs of the default pipeline. Takes
/// `year`, `weights` and `samples`. Government only.
#[utoipa::path(get, path = "/api/zones/sensitivity", tag = "zones", params(AssessQuery),
    responses((status = 200, description = "`{ synthetic, year, samples, model_runs, seed, indices: [{ input, first, total }] }`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sensitivity(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AssessQuery>,
) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_zone_assessment(),
        "read the zone assessment",
        String::new,
    )?;
    static CACHE: OnceLock<Cache<SensitivityDoc>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let e = engine()?;
    let input = input(&state).await?;
    let p = Params {
        runs: 0,
        ..params(&q, e, &input)?
    };
    let samples = sobol_samples(&q)?;
    let key = p.key(samples);
    let doc = match cached(cache, &key) {
        Some(d) => d,
        None => {
            let params = p.clone();
            let d = tokio::task::spawn_blocking(move || compute_sensitivity(e, &params, samples))
                .await
                .map_err(ApiError::internal)?
                .map_err(|err| engine_error(&p, err))?;
            let d = Arc::new(d);
            remember(cache, key, d.clone());
            d
        }
    };
    Ok(Json(&*doc).into_response())
}

// ------------------------------------------------------------------ yearly data

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TemplateQuery {
    /// Year the form is for (default: the year after the latest with data).
    pub year: Option<String>,
}

/// The blank yearly data form as CSV (`uCode,uName,Time,iCode,iName,Value,Unit`): one row per
/// assessed zone and indicator, units filled in, values left for the zone to enter.
#[utoipa::path(get, path = "/api/zones/template", tag = "zones", params(TemplateQuery),
    responses((status = 200, description = "a CSV file", content_type = "text/csv"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn template(caller: Caller, Query(q): Query<TemplateQuery>) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_zone_assessment(),
        "read the zone assessment",
        String::new,
    )?;
    let e = engine()?;
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => e.panel.latest_year() + 1,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => return Err(ApiError::field("year", format!("\"{s}\" is not a year"))),
        },
    };
    let csv = zones::template_csv(&e.framework, &e.registry, year);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"zones-{year}.csv\""),
            ),
        ],
        // A byte-order mark, so that spreadsheet programs read the Chinese names as UTF-8.
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckBody {
    /// The filled-in form (the CSV of /api/zones/template, or wide iData with a Time column).
    pub csv: String,
    /// Relative change against the zone's previous year above which a value is flagged
    /// (default 0.5, i.e. ±50%).
    pub max_change: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Flag {
    pub zone: String,
    pub indicator: String,
    pub year: i32,
    pub previous_year: i32,
    pub previous: f64,
    pub value: f64,
    /// (value − previous) / |previous|; `null` for a rise from zero.
    pub change: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// True: the values are type-, unit- and range-valid for the framework.
    pub valid: bool,
    pub years: Vec<i32>,
    pub zones: Vec<String>,
    /// Values given and values left empty (zones × indicators × years).
    pub values: usize,
    pub missing: usize,
    /// Values that moved more than `max_change` from the zone's previous year (in the
    /// submission itself, or in the current data — the synthetic demo panel — for its
    /// first year): for the reviewer to confirm, not errors.
    pub jumps: Vec<Flag>,
    /// True: the previous years compared against are the synthetic demo data.
    pub compared_with_synthetic: bool,
}

fn assess_error(e: AssessError) -> ApiError {
    let details = e.location().map(|at| {
        serde_json::json!({
            "file": at.file,
            "row": at.index,
            "field": at.field,
        })
    });
    let err = ApiError::invalid(e.to_string());
    match details {
        Some(d) => err.with_details(d),
        None => err,
    }
}

fn check_submission(e: &Engine, current: &Panel, body: &CheckBody) -> ApiResult<CheckReport> {
    let max_change = body.max_change.unwrap_or(0.5);
    if !(max_change.is_finite() && max_change > 0.0) {
        return Err(ApiError::field("max_change", "must be a number > 0"));
    }
    let panel =
        Panel::from_csv_str("submission.csv", &body.csv, &e.framework).map_err(assess_error)?;
    for u in panel.units() {
        match e.registry.iter().find(|z| z.code == u.code) {
            Some(z) if z.zone_type.assessed() => {}
            Some(_) => {
                return Err(ApiError::field(
                    "uCode",
                    format!("zone {} is not assessed (its type is not ranked)", u.code),
                ));
            }
            None => {
                return Err(ApiError::field(
                    "uCode",
                    format!("no zone in the registry has the code {}", u.code),
                ));
            }
        }
    }
    let n_ind = e.framework.n_indicators();
    let mut values = 0;
    let mut missing = 0;
    for &y in panel.years() {
        if let Some(m) = panel.values(y) {
            for i in 0..panel.units().len() {
                for j in 0..n_ind {
                    if m.get(i, j).is_nan() {
                        missing += 1;
                    } else {
                        values += 1;
                    }
                }
            }
        }
    }
    let flag = |j: kaifang_assess::panel::Jump| Flag {
        zone: j.unit,
        indicator: j.indicator,
        year: j.year,
        previous_year: j.previous_year,
        previous: j.previous,
        value: j.value,
        change: j.change.is_finite().then_some(j.change),
    };
    // Within the submission.
    let mut jumps: Vec<Flag> = panel
        .jumps(&e.framework, max_change)
        .into_iter()
        .map(flag)
        .collect();
    // Its first year against the current data of the year before.
    let first = panel.years().first().copied();
    let previous = first.and_then(|y| current.previous_year(y));
    if let (Some(year), Some(py)) = (first, previous)
        && let (Some(now), Some(before)) = (panel.values(year), current.values(py))
    {
        for (i, u) in panel.units().iter().enumerate() {
            let Some(k) = current.units().iter().position(|v| v.code == u.code) else {
                continue;
            };
            for (j, ind) in e.framework.indicators().iter().enumerate() {
                if !ind.min.is_some_and(|m| m >= 0.0) {
                    continue;
                }
                let (v, p) = (now.get(i, j), before.get(k, j));
                if v.is_nan() || p.is_nan() {
                    continue;
                }
                let change = if p == 0.0 {
                    if v == 0.0 { 0.0 } else { f64::INFINITY }
                } else {
                    (v - p) / p.abs()
                };
                if change.abs() > max_change {
                    jumps.push(flag(kaifang_assess::panel::Jump {
                        unit: u.code.clone(),
                        indicator: ind.code.clone(),
                        year,
                        previous_year: py,
                        previous: p,
                        value: v,
                        change,
                    }));
                }
            }
        }
    }
    Ok(CheckReport {
        valid: true,
        years: panel.years().to_vec(),
        zones: panel.units().iter().map(|u| u.code.clone()).collect(),
        values,
        missing,
        jumps,
        compared_with_synthetic: previous.is_some() && current.source().contains("SYNTHETIC"),
    })
}

/// Checks a filled-in yearly form without saving it: every value's type, unit and valid range
/// against the framework (the first bad value is a 422 naming the row and field), zones known
/// to the registry, and values that jumped against the zone's previous year (warnings).
#[utoipa::path(post, path = "/api/zones/submissions/check", tag = "zones", request_body = CheckBody,
    responses((status = 200, description = "`{ valid, years, zones, values, missing, jumps: [...], compared_with_synthetic }`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "a bad value; `details` has file, row and field", body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    crate::error::JsonBody(body): crate::error::JsonBody<CheckBody>,
) -> ApiResult<Json<CheckReport>> {
    ApiError::check(
        caller.actor().check_zone_data(),
        "check zone data",
        String::new,
    )?;
    let input = input(&state).await?;
    Ok(Json(check_submission(engine()?, &input.panel, &body)?))
}

// ------------------------------------------------------------------ yearly collection

/// Relative change against last year above which a value is flagged for the reviewer.
const JUMP: f64 = 0.5;
/// Most problems listed for one uploaded form.
const MAX_PROBLEMS: usize = 50;

fn zone_of<'a>(e: &'a Engine, code: &str) -> ApiResult<&'a Zone> {
    e.registry
        .iter()
        .find(|z| z.code == code)
        .ok_or_else(|| ApiError::not_found(format!("zone {code}")))
}

fn form_year(year: &str) -> ApiResult<i32> {
    match year.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err(ApiError::field("year", format!("\"{year}\" is not a year"))),
    }
}

/// The organisations that report for each zone: the zone's own administration (same code)
/// and the government of the city it lies in.
async fn responsible_orgs(state: &AppState, e: &Engine) -> ApiResult<HashMap<String, Vec<i64>>> {
    let orgs = state.store.orgs(None).await?;
    Ok(e.registry
        .iter()
        .map(|z| {
            let ids = orgs
                .iter()
                .filter(|o| {
                    reports_for_zone(&z.code, &z.city, &o.code, o.kind, o.region_code.as_deref())
                })
                .map(|o| o.id)
                .collect();
            (z.code.clone(), ids)
        })
        .collect())
}

/// Looks the zone up and asks the policy; a zone outside the registry is 404 for everyone.
async fn allowed_zone(
    state: &AppState,
    caller: &Caller,
    code: &str,
    what: &str,
    decide: impl Fn(&kaifang_model::Actor, &[i64]) -> Decision,
) -> ApiResult<&'static Zone> {
    let e = engine()?;
    let zone = zone_of(e, code)?;
    if !zone.zone_type.assessed() {
        return Err(ApiError::not_found(format!(
            "yearly data of zone {code} (zones of type {} are not assessed)",
            zone.zone_type.as_str()
        )));
    }
    let orgs = responsible_orgs(state, e).await?;
    let responsible = orgs.get(code).map(Vec::as_slice).unwrap_or_default();
    ApiError::check(decide(&caller.actor(), responsible), what, || {
        format!("yearly data of zone {code}")
    })?;
    Ok(zone)
}

/// One indicator of a zone's form: what it is, last year's value and this year's.
#[derive(Debug, Serialize)]
pub struct FormRow {
    pub indicator: String,
    pub name: String,
    pub name_en: Option<String>,
    pub pillar: Option<String>,
    pub unit: Option<String>,
    pub unit_en: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub previous_year: Option<i32>,
    pub previous: Option<f64>,
    /// `synthetic demo` or `approved submission`.
    pub previous_source: Option<&'static str>,
    pub value: Option<f64>,
    pub note: String,
    /// (value − previous) / |previous|.
    pub change: Option<f64>,
    /// The change is larger than ±50% (only for indicators that cannot be negative): the
    /// reviewer should confirm it.
    pub jump: bool,
}

/// A zone's yearly form: the submission (if any), each indicator against last year, and how
/// many values jumped.
#[derive(Debug, Serialize)]
pub struct ZoneForm {
    pub zone: Zone,
    pub year: i32,
    /// `null` until something is saved.
    pub submission: Option<Submission>,
    pub rows: Vec<FormRow>,
    pub warnings: usize,
    pub max_change: f64,
    /// True: last year's values are (at least partly) synthetic demo data.
    pub compared_with_synthetic: bool,
}

fn change_of(value: f64, previous: f64) -> f64 {
    if previous == 0.0 {
        if value == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        (value - previous) / previous.abs()
    }
}

fn form(e: &Engine, input: &Input, zone: &Zone, year: i32, sub: Option<Submission>) -> ZoneForm {
    let fw = &e.framework;
    let nodes = fw.nodes();
    let py = input.panel.previous_year(year);
    let unit_row = input.panel.units().iter().position(|u| u.code == zone.code);
    let before = py.and_then(|py| input.panel.values(py));
    let rows: Vec<FormRow> = fw
        .indicators()
        .iter()
        .enumerate()
        .map(|(j, ind)| {
            let previous = match (before, unit_row) {
                (Some(m), Some(i)) => Some(m.get(i, j)).filter(|v| v.is_finite()),
                _ => None,
            };
            let entered = sub
                .as_ref()
                .and_then(|s| s.values.iter().find(|v| v.indicator == ind.code));
            let value = entered.map(|v| v.value);
            let change = value.zip(previous).map(|(v, p)| change_of(v, p));
            FormRow {
                indicator: ind.code.clone(),
                name: ind.name.clone(),
                name_en: ind.name_en.clone(),
                pillar: ind.parent.map(|p| nodes[p].code.clone()),
                unit: ind.unit.clone(),
                unit_en: ind.unit_en.clone(),
                min: ind.min,
                max: ind.max,
                previous_year: py,
                previous,
                previous_source: py
                    .filter(|_| previous.is_some())
                    .map(|py| input_source(input, &zone.code, py, &ind.code)),
                value,
                note: entered.map(|v| v.note.clone()).unwrap_or_default(),
                change: change.filter(|c| c.is_finite()),
                jump: ind.min.is_some_and(|m| m >= 0.0) && change.is_some_and(|c| c.abs() > JUMP),
            }
        })
        .collect();
    ZoneForm {
        zone: zone.clone(),
        year,
        warnings: rows.iter().filter(|r| r.jump).count(),
        compared_with_synthetic: rows
            .iter()
            .any(|r| r.previous_source == Some(zone_data::SOURCE_SYNTHETIC)),
        submission: sub,
        rows,
        max_change: JUMP,
    }
}

fn input_source(input: &Input, zone: &str, year: i32, indicator: &str) -> &'static str {
    if input
        .approved
        .iter()
        .any(|a| a.zone_code == zone && a.year == year && a.indicator == indicator)
    {
        zone_data::SOURCE_APPROVED
    } else {
        zone_data::SOURCE_SYNTHETIC
    }
}

async fn current_form(state: &AppState, zone: &Zone, year: i32) -> ApiResult<ZoneForm> {
    let sub = match state.store.zone_submission(&zone.code, year).await {
        Ok(s) => Some(s),
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let input = input(state).await?;
    Ok(form(engine()?, &input, zone, year, sub))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SubmissionsQuery {
    pub year: Option<i32>,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: Option<String>,
    pub zone: Option<String>,
    /// `json` (default) or `xlsx`.
    pub format: Option<OutputFormat>,
    /// Language of the spreadsheet's headers: `zh` or `en`.
    pub lang: Option<Lang>,
}

#[derive(Debug, Serialize)]
pub struct SubmissionRow {
    #[serde(flatten)]
    pub item: SubmissionItem,
    pub zone_name: String,
    pub zone_name_en: String,
    /// Values that jumped more than ±50% against last year.
    pub warnings: usize,
}

fn submissions_table(items: &[SubmissionRow]) -> Table {
    Table {
        name: "zone-submissions",
        headers: &[
            ("开发区代码", "Zone code"),
            ("开发区", "Zone"),
            ("年份", "Year"),
            ("状态", "State"),
            ("已填指标数", "Values"),
            ("大幅变动提示", "Warnings"),
            ("报送人", "Submitted by"),
            ("报送时间", "Submitted at"),
            ("审核人", "Reviewed by"),
            ("审核时间", "Reviewed at"),
            ("退回原因", "Reason of return"),
            ("版本", "Version"),
        ],
        rows: items
            .iter()
            .map(|r| {
                let i = &r.item;
                vec![
                    i.zone_code.as_str().into(),
                    r.zone_name.as_str().into(),
                    i64::from(i.year).into(),
                    i.state.as_str().into(),
                    i.values.into(),
                    (r.warnings as i64).into(),
                    i.submitted_by.clone().into(),
                    i.submitted_at.clone().into(),
                    i.reviewed_by.clone().into(),
                    i.reviewed_at.clone().into(),
                    i.reason.clone().into(),
                    i.version.into(),
                ]
            })
            .collect(),
    }
}

/// Zones' yearly submissions: every zone's for provincial departments and leaders, one's own
/// zones' for zone and city staff; with the number of values that jumped against last year.
/// `?format=xlsx`.
#[utoipa::path(get, path = "/api/zones/submissions", tag = "zones", params(SubmissionsQuery),
    responses((status = 200, description = "`{ items: [{ zone_code, zone_name, year, state, version, submitted_by, submitted_at, reviewed_by, reviewed_at, reason, values, warnings }] }` or an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submissions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SubmissionsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let actor = caller.actor();
    ApiError::check(actor.list_zone_data(), "read zone data", String::new)?;
    let e = engine()?;
    let orgs = responsible_orgs(&state, e).await?;
    let mut zones: Vec<String> = orgs
        .iter()
        .filter(|(_, ids)| actor.read_zone_data(ids).is_allowed())
        .map(|(code, _)| code.clone())
        .collect();
    if let Some(z) = q.zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        zones.retain(|c| c == z);
    }
    let filter = SubmissionFilter {
        year: q.year,
        state: match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(SubmissionState::from_key(s).ok_or_else(|| {
                ApiError::field(
                    "state",
                    format!("\"{s}\" is not one of draft, submitted, approved, returned"),
                )
            })?),
        },
        zones: Some(zones),
    };
    let input = input(&state).await?;
    let mut rows = Vec::new();
    for item in state.store.zone_submissions(&filter).await? {
        let Ok(zone) = zone_of(e, &item.zone_code) else {
            continue;
        };
        let sub = state
            .store
            .zone_submission(&item.zone_code, item.year)
            .await?;
        let warnings = form(e, &input, zone, item.year, Some(sub)).warnings;
        rows.push(SubmissionRow {
            zone_name: zone.name_zh.clone(),
            zone_name_en: zone.name_en.clone(),
            item,
            warnings,
        });
    }
    let lq = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    table::respond(&lq, &headers, rows, submissions_table)
}

/// A zone's form for a year: each indicator with its unit, valid range, last year's value
/// and where it comes from, the value entered, and whether it jumped; the submission's state,
/// version and history (`submission: null` before anything is saved).
#[utoipa::path(get, path = "/api/zones/{code}/submissions/{year}", tag = "zones",
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "`{ zone, year, submission, rows: [...], warnings, max_change }`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submission(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
) -> ApiResult<Json<ZoneForm>> {
    let zone = allowed_zone(&state, &caller, &code, "read zone data", |a, r| {
        a.read_zone_data(r)
    })
    .await?;
    let year = form_year(&year)?;
    Ok(Json(current_form(&state, zone, year).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FormValue {
    pub indicator: String,
    /// `null` or absent: not filled in.
    pub value: Option<f64>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    /// The version last read (0 for a zone and year with no submission yet).
    #[serde(default)]
    pub version: i64,
    pub values: Vec<FormValue>,
}

/// Saves the zone's values as a draft (or corrects a returned submission). Every value is
/// checked against the framework — known indicator, a number within its valid range — and
/// nothing is saved if one is wrong (422 naming `values[i].field`).
#[utoipa::path(put, path = "/api/zones/{code}/submissions/{year}", tag = "zones", request_body = DraftBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "the zone's form"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn save_draft(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    crate::error::JsonBody(body): crate::error::JsonBody<DraftBody>,
) -> ApiResult<Json<ZoneForm>> {
    let zone = allowed_zone(
        &state,
        &caller,
        &code,
        "fill in this zone's data",
        |a, r| a.edit_zone_data(r),
    )
    .await?;
    let year = form_year(&year)?;
    let values: Vec<ValueInput> = body
        .values
        .into_iter()
        .filter_map(|v| {
            v.value.map(|value| ValueInput {
                indicator: v.indicator.trim().to_string(),
                value,
                note: v.note,
            })
        })
        .collect();
    state
        .store
        .save_zone_draft(
            &caller.who(),
            &zone.code,
            year,
            body.version,
            &values,
            &engine()?.framework,
        )
        .await?;
    Ok(Json(current_form(&state, zone, year).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    /// The version last read; a newer one means 409 `stale` with the current submission.
    pub version: i64,
    /// For a return: what the zone should correct.
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Copy)]
enum Step {
    Submit,
    Approve,
    Return,
}

async fn step(
    state: AppState,
    caller: Caller,
    code: String,
    year: String,
    body: StepBody,
    step: Step,
) -> ApiResult<Json<ZoneForm>> {
    let zone = match step {
        Step::Submit => {
            allowed_zone(&state, &caller, &code, "submit this zone's data", |a, r| {
                a.edit_zone_data(r)
            })
            .await?
        }
        Step::Approve | Step::Return => {
            allowed_zone(&state, &caller, &code, "review zone data", |a, r| {
                match a.read_zone_data(r) {
                    Decision::Allow => a.review_zone_data(),
                    other => other,
                }
            })
            .await?
        }
    };
    let year = form_year(&year)?;
    let who = caller.who();
    let store = &state.store;
    match step {
        Step::Submit => {
            store
                .submit_zone_data(&who, &zone.code, year, body.version)
                .await?
        }
        Step::Approve => {
            store
                .approve_zone_data(&who, &zone.code, year, body.version)
                .await?
        }
        Step::Return => {
            store
                .return_zone_data(&who, &zone.code, year, body.version, &body.reason)
                .await?
        }
    };
    Ok(Json(current_form(&state, zone, year).await?))
}

/// Submits the zone's form for review (from draft or returned).
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/submit", tag = "zones", request_body = StepBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "the zone's form"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    crate::error::JsonBody(body): crate::error::JsonBody<StepBody>,
) -> ApiResult<Json<ZoneForm>> {
    step(state, caller, code, year, body, Step::Submit).await
}

/// Approves a submitted form (the owner of the `platforms` module): its values replace the
/// demo values in the assessment.
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/approve", tag = "zones", request_body = StepBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "the zone's form"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    crate::error::JsonBody(body): crate::error::JsonBody<StepBody>,
) -> ApiResult<Json<ZoneForm>> {
    step(state, caller, code, year, body, Step::Approve).await
}

/// Returns a submitted form to the zone with a reason (the owner of the `platforms` module).
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/return", tag = "zones", request_body = StepBody,
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "the zone's form"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, description = "no reason given", body = ErrorBody)))]
pub async fn return_(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    crate::error::JsonBody(body): crate::error::JsonBody<StepBody>,
) -> ApiResult<Json<ZoneForm>> {
    step(state, caller, code, year, body, Step::Return).await
}

// The spreadsheet form: one sheet, one header row of "中文 code" cells, one row per indicator.
const SHEET: &str = "数据";
const COLUMNS: [(&str, &str); 10] = [
    ("uCode", "开发区代码"),
    ("uName", "开发区"),
    ("Time", "年份"),
    ("iCode", "指标代码"),
    ("iName", "指标"),
    ("Unit", "单位"),
    ("Previous", "上年值"),
    ("PreviousSource", "上年值来源"),
    ("Value", "本年值"),
    ("Note", "备注"),
];

fn column_letter(mut c: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

fn template_xlsx(f: &ZoneForm) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let locked = Format::new().set_background_color("#F2F2F2");
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (c, (code, zh)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, format!("{zh} {code}"), &bold)?;
    }
    for (r, row) in f.rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string_with_format(r, 0, &f.zone.code, &locked)?;
        ws.write_string_with_format(r, 1, &f.zone.name_zh, &locked)?;
        ws.write_number_with_format(r, 2, f64::from(f.year), &locked)?;
        ws.write_string_with_format(r, 3, &row.indicator, &locked)?;
        ws.write_string_with_format(r, 4, &row.name, &locked)?;
        ws.write_string_with_format(r, 5, row.unit.as_deref().unwrap_or(""), &locked)?;
        if let Some(p) = row.previous {
            ws.write_number_with_format(r, 6, p, &locked)?;
        }
        let label = match row.previous_source {
            Some(zone_data::SOURCE_SYNTHETIC) => "合成演示数据（非统计数据）",
            Some(_) => "已审核报送数据",
            None => "",
        };
        ws.write_string_with_format(r, 7, label, &locked)?;
        if let Some(v) = row.value {
            ws.write_number(r, 8, v)?;
        }
        if !row.note.is_empty() {
            ws.write_string(r, 9, &row.note)?;
        }
    }
    ws.set_column_width(1, 28)?;
    ws.set_column_width(4, 36)?;
    ws.set_column_width(7, 24)?;
    ws.set_column_width(8, 14)?;
    ws.set_column_width(9, 30)?;
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

/// The zone's yearly form as an Excel workbook: one row per indicator with its unit and last
/// year's value, and the values saved so far; fill in 本年值 (Value) and upload it back.
#[utoipa::path(get, path = "/api/zones/{code}/submissions/{year}/template", tag = "zones",
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn form_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
) -> ApiResult<Response> {
    let zone = allowed_zone(&state, &caller, &code, "read zone data", |a, r| {
        a.read_zone_data(r)
    })
    .await?;
    let year = form_year(&year)?;
    let f = current_form(&state, zone, year).await?;
    let bytes = template_xlsx(&f).map_err(ApiError::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{year}.xlsx\"", zone.code),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// One thing wrong in an uploaded form, where a spreadsheet shows it.
#[derive(Debug, Serialize)]
pub struct Problem {
    pub sheet: String,
    /// 1-based, as the spreadsheet numbers rows.
    pub row: u32,
    /// `A`, `B`, ...
    pub column: String,
    /// The column's code (`Value`, `Unit`, `iCode`, `uCode`, `Time`).
    pub field: String,
    pub message: String,
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Reads the uploaded workbook into values for `zone` and `year`, or every problem found.
fn read_form(
    e: &Engine,
    zone: &Zone,
    year: i32,
    bytes: &[u8],
) -> Result<Vec<ValueInput>, Vec<Problem>> {
    use calamine::Reader;
    let whole = |field: &str, message: String| {
        vec![Problem {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            field: field.into(),
            message,
        }]
    };
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|err| {
        whole(
            "file",
            format!("not an Excel workbook (.xlsx) that can be read: {err}"),
        )
    })?;
    let sheets = wb.sheet_names();
    let sheet = sheets
        .iter()
        .find(|n| n.as_str() == SHEET)
        .or_else(|| sheets.first())
        .cloned()
        .ok_or_else(|| whole("file", "the workbook has no sheet".into()))?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|err| whole("file", format!("sheet {sheet}: {err}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let find = |code: &str, zh: &str| {
        header.iter().position(|h| {
            let last = h.split_whitespace().last().unwrap_or("");
            last.eq_ignore_ascii_case(code) || h == zh
        })
    };
    let col = |code: &str| {
        COLUMNS
            .iter()
            .find(|(c, _)| *c == code)
            .and_then(|(c, zh)| find(c, zh))
    };
    let mut problems = Vec::new();
    let (Some(c_ind), Some(c_val)) = (col("iCode"), col("Value")) else {
        return Err(vec![Problem {
            sheet: sheet.clone(),
            row: row0 + 1,
            column: String::new(),
            field: "header".into(),
            message: "the first row must name the columns iCode (指标代码) and Value (本年值); download the form again".into(),
        }]);
    };
    let (c_zone, c_time, c_unit, c_note) = (col("uCode"), col("Time"), col("Unit"), col("Note"));
    let mut values = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (k, r) in rows.enumerate() {
        let row = row0 + k as u32 + 2;
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map(cell_text).unwrap_or_default();
        let mut problem = |c: usize, field: &str, message: String| {
            problems.push(Problem {
                sheet: sheet.clone(),
                row,
                column: column_letter(col0 + c as u32),
                field: field.into(),
                message,
            })
        };
        let indicator = get(Some(c_ind));
        let value = get(Some(c_val));
        if indicator.is_empty() && value.is_empty() {
            continue;
        }
        if let Some(c) = c_zone {
            let z = get(Some(c));
            if !z.is_empty() && z != zone.code {
                problem(
                    c,
                    "uCode",
                    format!("this is the form of {}, not of {z}", zone.code),
                );
                continue;
            }
        }
        if let Some(c) = c_time {
            let t = get(Some(c));
            if !t.is_empty() && t.parse::<f64>().ok() != Some(f64::from(year)) {
                problem(
                    c,
                    "Time",
                    format!("this is the form for {year}, not for {t}"),
                );
                continue;
            }
        }
        let unit = c_unit.map(|c| get(Some(c)));
        let at = kaifang_assess::Location::row(sheet.as_str(), row as usize);
        match zones::check_entry(&e.framework, &indicator, &value, unit.as_deref(), &at) {
            Ok((_, v)) => {
                if let Some(first) = seen.insert(indicator.clone(), row) {
                    problem(
                        c_ind,
                        "iCode",
                        format!("{indicator} is given twice (rows {first} and {row})"),
                    );
                } else if v.is_finite() {
                    values.push(ValueInput {
                        indicator,
                        value: v,
                        note: get(c_note),
                    });
                }
            }
            Err(err) => {
                let field = err
                    .location()
                    .and_then(|l| l.field.clone())
                    .unwrap_or_else(|| "Value".into());
                let c = match field.as_str() {
                    "iCode" => c_ind,
                    "Unit" => c_unit.unwrap_or(c_val),
                    _ => c_val,
                };
                problem(c, &field, err.to_string());
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// Uploads the filled-in workbook of /template (multipart field `file`, and `version`, the
/// version last read, 0 for none) and saves its values as the draft. Every row is checked
/// first: a wrong value, unit, indicator, zone or year is 422 with `details.problems`
/// (sheet, row, column, field, message) and nothing is saved.
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/upload", tag = "zones",
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    request_body(content_type = "multipart/form-data", description = "a `file` field (.xlsx) and a `version` field"),
    responses((status = 200, description = "the zone's form"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, description = "problems of the form, each with sheet, row, column and field", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    mut multipart: Multipart,
) -> ApiResult<Json<ZoneForm>> {
    let zone = allowed_zone(
        &state,
        &caller,
        &code,
        "fill in this zone's data",
        |a, r| a.edit_zone_data(r),
    )
    .await?;
    let year = form_year(&year)?;
    let multipart_err = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "invalid", e.body_text())
    };
    let mut file = None;
    let mut version = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_err)? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(multipart_err)?),
            Some("version") => {
                let text = field.text().await.map_err(multipart_err)?;
                version = text.trim().parse().map_err(|_| {
                    ApiError::field("version", format!("\"{text}\" is not a version"))
                })?;
            }
            _ => {}
        }
    }
    let file = file.ok_or_else(|| ApiError::field("file", "the form has no `file` field"))?;
    let e = engine()?;
    let values = read_form(e, zone, year, &file).map_err(|problems| {
        let Some(first) = problems.first() else {
            return ApiError::invalid("the workbook could not be read");
        };
        let message = if first.row == 0 {
            first.message.clone()
        } else {
            format!(
                "sheet {}, row {}, column {} ({}): {}{}",
                first.sheet,
                first.row,
                first.column,
                first.field,
                first.message,
                if problems.len() > 1 {
                    format!(" (and {} more)", problems.len() - 1)
                } else {
                    String::new()
                }
            )
        };
        ApiError::invalid(message).with_details(serde_json::json!({
            "sheet": first.sheet,
            "row": first.row,
            "column": first.column,
            "field": first.field,
            "problems": problems,
        }))
    })?;
    state
        .store
        .save_zone_draft(
            &caller.who(),
            &zone.code,
            year,
            version,
            &values,
            &e.framework,
        )
        .await?;
    Ok(Json(current_form(&state, zone, year).await?))
}
