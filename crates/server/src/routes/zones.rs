//! The development zones' "hard assessment": the registry, the indicator framework, the
//! ranking with rank intervals, movement and typology, one zone's report, and the Sobol
//! sensitivity of the ranking to the method choices.
//!
//! Everything is computed by `kaifang_assess` on the default framework (MOFCOM ETDZ 2021
//! model) and its **synthetic** demo panel; every answer carries `synthetic: true` so that
//! no face can present the numbers as statistics. Results are deterministic for a given
//! year, weights and number of runs, so they are cached per process (a bounded map).
//!
//! Access: the registry and the framework are public material and any signed-in user may
//! read them; the assessment itself is government-internal (`Actor::read_zone_assessment`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kaifang_assess::framework::Direction;
use kaifang_assess::report::{self, Column, Report, Typology, UnitReport};
use kaifang_assess::sensitivity::SobolIndex;
use kaifang_assess::uncertainty::{Control, UncertaintySpec};
use kaifang_assess::zones::{self, Zone};
use kaifang_assess::{AssessError, Framework, Panel, Pipeline, pipeline};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
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

fn invalid(field: &'static str, message: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("{field}: {message}"))
        .with_details(serde_json::json!({ "field": field }))
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
}

#[derive(Debug, Clone)]
struct Params {
    year: i32,
    runs: usize,
    weights: BTreeMap<String, f64>,
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
        }
    }
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
            .ok_or_else(|| invalid("weights", format!("\"{item}\" is not CODE:WEIGHT")))?;
        let code = code.trim();
        let w: f64 = w
            .trim()
            .parse()
            .map_err(|_| invalid("weights", format!("the weight of {code} is not a number")))?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(invalid(
                "weights",
                format!("the weight of {code} must be a number ≥ 0"),
            ));
        }
        match framework.find(code) {
            Some(j) if j != framework.root() => {}
            Some(_) => {
                return Err(invalid(
                    "weights",
                    format!("{code} is the index itself and has no weight"),
                ));
            }
            None => {
                return Err(invalid(
                    "weights",
                    format!("no indicator or pillar has the code {code}"),
                ));
            }
        }
        if out.insert(code.to_string(), w).is_some() {
            return Err(invalid("weights", format!("{code} is given twice")));
        }
    }
    Ok(out)
}

fn params(q: &AssessQuery, e: &Engine) -> ApiResult<Params> {
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => e.panel.latest_year(),
        Some(s) => {
            let y: i32 = s
                .parse()
                .map_err(|_| invalid("year", format!("\"{s}\" is not a year")))?;
            if !e.panel.years().contains(&y) {
                return Err(invalid(
                    "year",
                    format!("no data for {y}; years: {:?}", e.panel.years()),
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
                return Err(invalid(
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
            _ => Err(invalid(
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
        invalid("weights", e)
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
    report::assess(
        &pipeline,
        &e.framework,
        &e.panel,
        &opts,
        &Control::default(),
    )
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
    let p = params(&q, e)?;
    let report = assessment(&p).await?;
    match q.format.unwrap_or_default() {
        OutputFormat::Json => Ok(Json(Assessment {
            report: &report,
            years: e.panel.years(),
            weights: &p.weights,
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
    let p = params(&q, e)?;
    let report = assessment(&p).await?;
    let unit = report
        .units
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| ApiError::not_found(format!("an assessment of zone {code}")))?;
    let mut history = Vec::new();
    for &year in e.panel.years() {
        let yearly = assessment(&Params {
            year,
            runs: 0,
            weights: p.weights.clone(),
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
    let (rest, data, _) = pipeline::cross_section(&pipe, &e.panel, p.year)?;
    let spec = UncertaintySpec {
        sobol_samples: samples,
        ..spec(e, &pipe, 0)
    };
    let s =
        kaifang_assess::sensitivity_with(&rest, &e.framework, &data, &spec, &Control::default())?;
    Ok(SensitivityDoc {
        synthetic: e.panel.source().contains("SYNTHETIC"),
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
pub async fn sensitivity(caller: Caller, Query(q): Query<AssessQuery>) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_zone_assessment(),
        "read the zone assessment",
        String::new,
    )?;
    static CACHE: OnceLock<Cache<SensitivityDoc>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let e = engine()?;
    let p = Params {
        runs: 0,
        ..params(&q, e)?
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
            _ => return Err(invalid("year", format!("\"{s}\" is not a year"))),
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

fn check_submission(e: &Engine, body: &CheckBody) -> ApiResult<CheckReport> {
    let max_change = body.max_change.unwrap_or(0.5);
    if !(max_change.is_finite() && max_change > 0.0) {
        return Err(invalid("max_change", "must be a number > 0"));
    }
    let panel =
        Panel::from_csv_str("submission.csv", &body.csv, &e.framework).map_err(assess_error)?;
    for u in panel.units() {
        match e.registry.iter().find(|z| z.code == u.code) {
            Some(z) if z.zone_type.assessed() => {}
            Some(_) => {
                return Err(invalid(
                    "uCode",
                    format!("zone {} is not assessed (its type is not ranked)", u.code),
                ));
            }
            None => {
                return Err(invalid(
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
    let previous = first.and_then(|y| e.panel.previous_year(y));
    if let (Some(year), Some(py)) = (first, previous)
        && let (Some(now), Some(before)) = (panel.values(year), e.panel.values(py))
    {
        for (i, u) in panel.units().iter().enumerate() {
            let Some(k) = e.panel.units().iter().position(|v| v.code == u.code) else {
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
        compared_with_synthetic: previous.is_some() && e.panel.source().contains("SYNTHETIC"),
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
    caller: Caller,
    crate::error::JsonBody(body): crate::error::JsonBody<CheckBody>,
) -> ApiResult<Json<CheckReport>> {
    ApiError::check(
        caller.actor().check_zone_data(),
        "check zone data",
        String::new,
    )?;
    Ok(Json(check_submission(engine()?, &body)?))
}
