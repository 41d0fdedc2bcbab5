//! The development zones' assessment, for both faces: the registry and the indicator
//! framework, the ranking with rank intervals (custom weights answer "would we still be
//! 7th?"), one zone's report with its rank history, the Sobol sensitivity of the ranking, the
//! check of a filled-in yearly form, and a zone's yearly form against last year.
//!
//! Everything runs on the default framework (MOFCOM ETDZ 2021 model) and its **synthetic**
//! demo panel, with the values of approved yearly submissions in place of the demo's
//! (`kaifang_store::zone_data`): every answer says `synthetic: true` while a demo value is
//! left, so that no face can present the numbers as statistics.
//!
//! An assessment is deterministic for a year, weights, number of runs and set of approved
//! values, and the uncertainty analysis takes seconds, so [`AssessmentCache`] keeps results
//! per process. Callers choose the weights, so the cache is bounded ([`CACHE_SIZE`] entries
//! per kind of result, the oldest forgotten first); the input is rebuilt only when the
//! approved values change.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use kaifang_assess::framework::Direction;
use kaifang_assess::report::{self, Column, Report, Typology, UnitReport};
use kaifang_assess::sensitivity::SobolIndex;
use kaifang_assess::uncertainty::{Control, UncertaintySpec};
use kaifang_assess::zones::{self, Zone};
use kaifang_assess::{AssessError, Framework, Panel, Pipeline, pipeline};
use kaifang_store::zone_data::{self, ApprovedValue};
use kaifang_store::{Store, StoreError};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::queue::{StopOnDrop, WorkQueue};

mod forms;

pub use forms::{CheckReport, FormRow, JUMP, ValueJump, ZoneForm};

/// Most Monte Carlo runs a request may ask for.
pub const MAX_RUNS: usize = 10_000;
/// Runs when the request does not say.
pub const DEFAULT_RUNS: usize = 1_000;
/// Base sample size of the Sobol indices when the request does not say.
pub const DEFAULT_SOBOL: usize = 500;
/// The largest Sobol base sample a request may ask for.
pub const MAX_SOBOL: usize = 2_000;
/// Results kept per kind (assessments, sensitivities) before the oldest is forgotten. A zone
/// report holds one assessment per year of the panel, so this keeps the reports of about ten
/// sets of weights.
pub const CACHE_SIZE: usize = 64;

// ------------------------------------------------------------------ engine and input

/// The default framework, pipeline, demo panel and registry, parsed once.
pub struct Engine {
    pub framework: Framework,
    pub pipeline: Pipeline,
    pub panel: Panel,
    pub registry: Vec<Zone>,
}

impl Engine {
    fn load() -> Result<Engine, AssessError> {
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

    /// The zone of the registry with this code.
    pub fn zone(&self, code: &str) -> Option<&Zone> {
        self.registry.iter().find(|z| z.code == code)
    }
}

/// What the assessment runs on: the demo panel with the approved submissions in place of
/// the demo's values, and which values those are.
pub struct Input {
    pub panel: Panel,
    pub approved: Vec<ApprovedValue>,
    /// Fingerprint of the approved values read: part of every cache key.
    revision: u64,
}

impl Input {
    /// The demo panel alone, as a data directory without approved submissions gives it.
    pub fn demo(engine: &Engine) -> Input {
        Input {
            panel: engine.panel.clone(),
            approved: Vec::new(),
            revision: fingerprint(&[]),
        }
    }

    pub fn synthetic(&self) -> bool {
        self.panel.source().contains("SYNTHETIC")
    }

    /// Where the value of `zone`, `year`, `indicator` comes from: `synthetic demo` or
    /// `approved submission`.
    pub fn source_of(&self, zone: &str, year: i32, indicator: &str) -> &'static str {
        if self
            .approved
            .iter()
            .any(|a| a.zone_code == zone && a.year == year && a.indicator == indicator)
        {
            zone_data::SOURCE_APPROVED
        } else {
            zone_data::SOURCE_SYNTHETIC
        }
    }
}

fn fingerprint(approved: &[ApprovedValue]) -> u64 {
    use std::hash::Hasher;
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

// ------------------------------------------------------------------ parameters

/// An assessment as asked for, before its parameters are checked: the query of
/// `GET /api/zones/assessment` (and of the report and the sensitivity), as typed.
#[derive(Debug, Clone, Default)]
pub struct AssessRequest {
    /// Year to assess (default: the latest of the panel).
    pub year: Option<String>,
    /// Monte Carlo runs for the rank intervals, 0 to [`MAX_RUNS`] (default [`DEFAULT_RUNS`]).
    pub uncertainty: Option<String>,
    /// Weights relative to siblings, `open:40,quality:30`.
    pub weights: Option<String>,
}

/// A checked request: what one assessment depends on.
#[derive(Clone)]
pub struct Params {
    pub year: i32,
    pub runs: usize,
    /// Code → weight relative to its siblings; empty: the framework's weights.
    pub weights: BTreeMap<String, f64>,
    pub input: Arc<Input>,
}

/// The cache key: everything a result depends on.
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

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Params {
    /// Checks the request against the input; every error names the request field.
    pub fn parse(engine: &Engine, input: &Arc<Input>, req: &AssessRequest) -> AppResult<Params> {
        let panel = &input.panel;
        let year = match given(&req.year) {
            None => panel.latest_year(),
            Some(s) => {
                let y: i32 = s
                    .parse()
                    .map_err(|_| AppError::field("year", format!("\"{s}\" is not a year")))?;
                if !panel.years().contains(&y) {
                    return Err(AppError::field(
                        "year",
                        format!("no data for {y}; years: {:?}", panel.years()),
                    ));
                }
                y
            }
        };
        let runs = match given(&req.uncertainty) {
            None => DEFAULT_RUNS,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n <= MAX_RUNS => n,
                _ => {
                    return Err(AppError::field(
                        "uncertainty",
                        format!("\"{s}\" is not a number of runs from 0 to {MAX_RUNS}"),
                    ));
                }
            },
        };
        let weights = match &req.weights {
            Some(w) => parse_weights(w, &engine.framework)?,
            None => BTreeMap::new(),
        };
        Ok(Params {
            year,
            runs,
            weights,
            input: input.clone(),
        })
    }

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

    /// An engine error on a request with custom weights is the weights' fault (e.g. all the
    /// weights of a pillar set to 0); without, it is ours.
    fn engine_error(&self, e: AssessError) -> AppError {
        if self.weights.is_empty() {
            AppError::Internal(format!("the zone assessment failed: {e}"))
        } else {
            AppError::field("weights", e)
        }
    }
}

/// `open:40,quality:30` (or `open=40`) → code → weight; codes must be framework nodes below
/// the index, weights finite and ≥ 0.
pub fn parse_weights(text: &str, framework: &Framework) -> AppResult<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (code, w) = item
            .split_once([':', '='])
            .ok_or_else(|| AppError::field("weights", format!("\"{item}\" is not CODE:WEIGHT")))?;
        let code = code.trim();
        let w: f64 = w.trim().parse().map_err(|_| {
            AppError::field("weights", format!("the weight of {code} is not a number"))
        })?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(AppError::field(
                "weights",
                format!("the weight of {code} must be a number ≥ 0"),
            ));
        }
        match framework.find(code) {
            Some(j) if j != framework.root() => {}
            Some(_) => {
                return Err(AppError::field(
                    "weights",
                    format!("{code} is the index itself and has no weight"),
                ));
            }
            None => {
                return Err(AppError::field(
                    "weights",
                    format!("no indicator or pillar has the code {code}"),
                ));
            }
        }
        if out.insert(code.to_string(), w).is_some() {
            return Err(AppError::field("weights", format!("{code} is given twice")));
        }
    }
    Ok(out)
}

/// The Sobol base sample size as typed (`samples`), 2 to [`MAX_SOBOL`].
pub fn parse_samples(samples: Option<&str>) -> AppResult<usize> {
    match samples.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(DEFAULT_SOBOL),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (2..=MAX_SOBOL).contains(&n) => Ok(n),
            _ => Err(AppError::field(
                "samples",
                format!("\"{s}\" is not a sample size from 2 to {MAX_SOBOL}"),
            )),
        },
    }
}

// ------------------------------------------------------------------ answers

/// A zone of the registry, and whether it is ranked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneRow {
    #[serde(flatten)]
    pub zone: Zone,
    /// Whether zones of this type are ranked (new areas and city-wide pilot zones are not).
    pub assessed: bool,
}

/// A node of the indicator framework.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// The indicator framework as a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FrameworkDoc {
    pub name: Option<String>,
    pub index: String,
    /// Top-down: the index, then pillars each followed by its indicators.
    pub nodes: Vec<FrameworkNode>,
}

/// The ranking of a year: the engine's report with what the faces show beside it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    #[serde(flatten)]
    pub report: Report,
    /// Years with data (for the year selector).
    pub years: Vec<i32>,
    /// The weights set by the request (code → weight relative to siblings).
    pub weights: BTreeMap<String, f64>,
    pub data_sources: DataSources,
}

/// Where the year's values come from: every value is synthetic demo data except the
/// approved submissions listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DataSources {
    /// The label of every value not listed: `synthetic demo`.
    pub default: &'static str,
    /// Values from approved submissions (`approved submission`), by zone and indicator.
    pub approved: Vec<ApprovedValue>,
    pub approved_label: &'static str,
}

/// A zone's rank and index in one year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearRank {
    pub year: i32,
    pub rank: Option<u32>,
    pub index: Option<f64>,
}

/// One zone's profile for the printable report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneReport {
    pub synthetic: bool,
    pub source: String,
    pub title: Option<String>,
    pub year: Option<i32>,
    pub previous_year: Option<i32>,
    pub index: String,
    /// Units ranked.
    pub n_units: usize,
    pub zone: Zone,
    pub columns: Vec<Column>,
    pub unit: UnitReport,
    pub typology: Option<Typology>,
    /// The zone's rank and index in every year of the panel, with the same weights.
    pub history: Vec<YearRank>,
    pub weights: BTreeMap<String, f64>,
}

/// Which method choice the ranking depends on most.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

// ------------------------------------------------------------------ the cache

/// A map that keeps at most `capacity` entries and forgets the oldest insertion first.
struct Bounded<K, V> {
    capacity: usize,
    map: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Clone + Eq + Hash, V: Clone> Bounded<K, V> {
    fn new(capacity: usize) -> Self {
        Bounded {
            capacity,
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.map.get(key).cloned()
    }

    fn insert(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        if self.map.insert(key.clone(), value).is_some() {
            return;
        }
        self.order.push_back(key);
        while self.map.len() > self.capacity {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.map.remove(&oldest);
                }
                None => break,
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

type Slot<T> = Mutex<Bounded<Key, Arc<T>>>;

struct Inner {
    engine: OnceLock<Result<Arc<Engine>, String>>,
    input: Mutex<Option<Arc<Input>>>,
    reports: Slot<Report>,
    sensitivities: Slot<SensitivityDoc>,
    /// Results not held are computed through the shared queue, so varying the weights asks
    /// for new work but never for more at once than the queue allows.
    queue: WorkQueue,
}

/// The zone assessment's shared state: the default engine (parsed on first use), the last
/// input read, and the bounded caches of results. Cheap to clone; clones share.
#[derive(Clone)]
pub struct AssessmentCache(Arc<Inner>);

impl Default for AssessmentCache {
    fn default() -> Self {
        AssessmentCache::new(CACHE_SIZE, WorkQueue::default())
    }
}

// A poisoned lock only means a panic elsewhere while it was held; the cache then works
// without remembering rather than failing the request.
fn lookup<T>(slot: &Slot<T>, key: &Key) -> Option<Arc<T>> {
    slot.lock().ok()?.get(key)
}

fn remember<T>(slot: &Slot<T>, key: Key, value: Arc<T>) {
    if let Ok(mut m) = slot.lock() {
        m.insert(key, value);
    }
}

impl AssessmentCache {
    /// A cache keeping at most `capacity` results of each kind, computing the others through
    /// `queue`.
    pub fn new(capacity: usize, queue: WorkQueue) -> Self {
        AssessmentCache(Arc::new(Inner {
            engine: OnceLock::new(),
            input: Mutex::new(None),
            reports: Mutex::new(Bounded::new(capacity)),
            sensitivities: Mutex::new(Bounded::new(capacity)),
            queue,
        }))
    }

    /// The default framework, pipeline, demo panel and registry.
    pub fn engine(&self) -> AppResult<Arc<Engine>> {
        self.0
            .engine
            .get_or_init(|| {
                Engine::load()
                    .map(Arc::new)
                    .map_err(|e| format!("the default zone framework does not load: {e}"))
            })
            .clone()
            .map_err(AppError::Internal)
    }

    /// Assessments held.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.0.reports.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// The assessment's input as of now: the demo panel with the approved values of the
    /// data directory laid over it; rebuilt only when those changed.
    pub async fn input(&self, store: &Store) -> AppResult<Arc<Input>> {
        let e = self.engine()?;
        let approved = store.approved_zone_values(None).await?;
        let revision = fingerprint(&approved);
        if let Some(i) = self.0.input.lock().ok().and_then(|l| l.clone())
            && i.revision == revision
        {
            return Ok(i);
        }
        let built = store.zone_assessment_input(&e.panel, &e.framework).await?;
        // Keyed on what was read above, so that the next request with the same approvals hits.
        let input = Arc::new(Input {
            revision,
            panel: built.panel,
            approved: built.approved,
        });
        if let Ok(mut l) = self.0.input.lock() {
            *l = Some(input.clone());
        }
        Ok(input)
    }

    /// The engine's report for `p`, from the cache or computed on a blocking thread once the
    /// queue gives `user` a slot. If the request is dropped meanwhile, the computation stops.
    pub async fn report(&self, p: &Params, user: Option<i64>) -> AppResult<Arc<Report>> {
        let key = p.key(0);
        if let Some(r) = lookup(&self.0.reports, &key) {
            return Ok(r);
        }
        let permit = self.0.queue.admit(user).await?;
        // Someone may have computed it while this request waited.
        if let Some(r) = lookup(&self.0.reports, &key) {
            return Ok(r);
        }
        let e = self.engine()?;
        let params = p.clone();
        let stop = StopOnDrop::default();
        let flag = stop.flag();
        let report = tokio::task::spawn_blocking(move || {
            // The slot is held until the computation itself has stopped.
            let _permit = permit;
            compute_report(&e, &params, &flag)
        })
        .await?
        .map_err(|err| p.engine_error(err))?;
        drop(stop);
        let report = Arc::new(report);
        remember(&self.0.reports, key, report.clone());
        Ok(report)
    }

    /// The ranking of a year with rank intervals, movement, ranks within zone type, typology,
    /// strengths, weaknesses and suggestions, and where its values come from.
    pub async fn assess(
        &self,
        store: &Store,
        req: &AssessRequest,
        user: Option<i64>,
    ) -> AppResult<Assessment> {
        let e = self.engine()?;
        let input = self.input(store).await?;
        let p = Params::parse(&e, &input, req)?;
        let report = self.report(&p, user).await?;
        Ok(Assessment {
            report: Report::clone(&report),
            years: input.panel.years().to_vec(),
            data_sources: data_sources(&input, p.year),
            weights: p.weights,
        })
    }

    /// One zone's profile: its scores and ranks against the median, rank interval, movement,
    /// its rank in every year with the same weights, strengths, weaknesses and suggestions.
    pub async fn zone_report(
        &self,
        store: &Store,
        code: &str,
        req: &AssessRequest,
        user: Option<i64>,
    ) -> AppResult<ZoneReport> {
        let e = self.engine()?;
        let zone = e
            .zone(code)
            .ok_or_else(|| AppError::NotFound(format!("zone {code}")))?;
        if !zone.zone_type.assessed() {
            return Err(AppError::NotFound(format!(
                "an assessment of zone {code} (zones of type {} are not ranked)",
                zone.zone_type.as_str()
            )));
        }
        let input = self.input(store).await?;
        let p = Params::parse(&e, &input, req)?;
        let report = self.report(&p, user).await?;
        let unit = report
            .units
            .iter()
            .find(|u| u.code == code)
            .ok_or_else(|| AppError::NotFound(format!("an assessment of zone {code}")))?;
        let mut history = Vec::new();
        for &year in input.panel.years() {
            let yearly = self
                .report(
                    &Params {
                        year,
                        runs: 0,
                        weights: p.weights.clone(),
                        input: input.clone(),
                    },
                    user,
                )
                .await?;
            let u = yearly.units.iter().find(|u| u.code == code);
            history.push(YearRank {
                year,
                rank: u.and_then(|u| u.rank),
                index: u.and_then(|u| u.scores.get(&yearly.index).copied().flatten()),
            });
        }
        Ok(ZoneReport {
            synthetic: report.synthetic,
            source: report.source.clone(),
            title: report.title.clone(),
            year: report.year,
            previous_year: report.previous_year,
            index: report.index.clone(),
            n_units: report.units.iter().filter(|u| u.rank.is_some()).count(),
            zone: zone.clone(),
            columns: report.columns.clone(),
            unit: unit.clone(),
            typology: report.typology.clone(),
            history,
            weights: p.weights,
        })
    }

    /// First-order and total Sobol indices of the mean absolute rank shift over the
    /// uncertain inputs of the default pipeline, for the request's year and weights.
    pub async fn sensitivity(
        &self,
        store: &Store,
        req: &AssessRequest,
        samples: Option<&str>,
        user: Option<i64>,
    ) -> AppResult<Arc<SensitivityDoc>> {
        let e = self.engine()?;
        let input = self.input(store).await?;
        let p = Params {
            runs: 0,
            ..Params::parse(&e, &input, req)?
        };
        let samples = parse_samples(samples)?;
        let key = p.key(samples);
        if let Some(d) = lookup(&self.0.sensitivities, &key) {
            return Ok(d);
        }
        let permit = self.0.queue.admit(user).await?;
        if let Some(d) = lookup(&self.0.sensitivities, &key) {
            return Ok(d);
        }
        let params = p.clone();
        let stop = StopOnDrop::default();
        let flag = stop.flag();
        let doc = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            compute_sensitivity(&e, &params, samples, &flag)
        })
        .await?
        .map_err(|err| p.engine_error(err))?;
        drop(stop);
        let doc = Arc::new(doc);
        remember(&self.0.sensitivities, key, doc.clone());
        Ok(doc)
    }

    /// The registry of Jilin's development zones, each marked ranked or not.
    pub fn zones(&self) -> AppResult<Vec<ZoneRow>> {
        Ok(self
            .engine()?
            .registry
            .iter()
            .map(|z| ZoneRow {
                zone: z.clone(),
                assessed: z.zone_type.assessed(),
            })
            .collect())
    }

    /// The indicator tree with weights, units, valid ranges and sources.
    pub fn framework(&self) -> AppResult<FrameworkDoc> {
        Ok(framework_doc(&*self.engine()?))
    }

    /// Checks a filled-in yearly form (the CSV of the template, or wide iData with a Time
    /// column) without saving it: every value's type, unit and range (the first bad one is
    /// [`AppError::Form`]), zones known and ranked, and values that moved more than
    /// `max_change` (default ±50%) against the zone's previous year.
    pub async fn check(
        &self,
        store: &Store,
        csv: &str,
        max_change: Option<f64>,
    ) -> AppResult<CheckReport> {
        let e = self.engine()?;
        let input = self.input(store).await?;
        forms::check_form(&e, &input.panel, csv, max_change)
    }

    /// The zone's form for a year as saved so far, against last year's values.
    pub async fn form(&self, store: &Store, zone: &Zone, year: i32) -> AppResult<ZoneForm> {
        let sub = match store.zone_submission(&zone.code, year).await {
            Ok(s) => Some(s),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let input = self.input(store).await?;
        Ok(ZoneForm::new(&*self.engine()?, &input, zone, year, sub))
    }
}

// ------------------------------------------------------------------ computing

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

fn compute_report(e: &Engine, p: &Params, stop: &AtomicBool) -> Result<Report, AssessError> {
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
        &Control {
            progress: None,
            cancel: Some(stop),
        },
    )?;
    // Approved values do not make the rest of the panel real.
    r.synthetic = r.synthetic || p.input.synthetic();
    Ok(r)
}

fn compute_sensitivity(
    e: &Engine,
    p: &Params,
    samples: usize,
    stop: &AtomicBool,
) -> Result<SensitivityDoc, AssessError> {
    let pipe = pipeline_for(e, p);
    let (rest, data, _) = pipeline::cross_section(&pipe, &p.input.panel, p.year)?;
    let spec = UncertaintySpec {
        sobol_samples: samples,
        ..spec(e, &pipe, 0)
    };
    let control = Control {
        progress: None,
        cancel: Some(stop),
    };
    let s = kaifang_assess::sensitivity_with(&rest, &e.framework, &data, &spec, &control)?;
    Ok(SensitivityDoc {
        synthetic: p.input.synthetic(),
        year: p.year,
        samples: s.samples,
        model_runs: s.model_runs,
        seed: s.seed,
        indices: s.mean_abs_rank_shift,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounded_map_forgets_the_oldest_first_and_never_exceeds_its_capacity() {
        let mut m = Bounded::new(3);
        for k in 1..=5 {
            m.insert(k, k * 10);
            assert!(m.len() <= 3);
        }
        assert_eq!(m.len(), 3);
        assert_eq!((m.get(&1), m.get(&2)), (None, None));
        assert_eq!(
            (m.get(&3), m.get(&4), m.get(&5)),
            (Some(30), Some(40), Some(50))
        );
        // Replacing a value held is not a new entry: nothing is forgotten.
        m.insert(3, 31);
        assert_eq!((m.get(&3), m.get(&4), m.len()), (Some(31), Some(40), 3));
        let mut none = Bounded::new(0);
        none.insert(1, 1);
        assert_eq!(none.len(), 0);
    }

    #[tokio::test]
    async fn varying_weights_cannot_grow_the_cache_beyond_its_bound() {
        let cache = AssessmentCache::new(4, WorkQueue::default());
        let e = cache.engine().expect("the default framework loads");
        let input = Arc::new(Input::demo(&e));
        let mut last = None;
        for w in 1..=12 {
            let req = AssessRequest {
                uncertainty: Some("0".into()),
                weights: Some(format!("open:{w}")),
                ..Default::default()
            };
            let p = Params::parse(&e, &input, &req).expect("valid weights");
            let r = cache.report(&p, None).await.expect("an assessment");
            assert!(cache.held() <= 4, "{} results held", cache.held());
            last = Some((p, r));
        }
        assert_eq!(cache.held(), 4);
        // The newest result is still held: asking again gives the same report, not a new one.
        let (p, r) = last.expect("twelve assessments ran");
        let again = cache.report(&p, None).await.expect("an assessment");
        assert!(Arc::ptr_eq(&r, &again));
    }

    #[test]
    fn weights_name_a_pillar_or_indicator_below_the_index() {
        let e = Engine::load().expect("the default framework loads");
        let w = parse_weights("open:40, quality=30", &e.framework).expect("valid");
        assert_eq!(w.get("open"), Some(&40.0));
        assert_eq!(w.get("quality"), Some(&30.0));
        for bad in [
            "open",
            "open:x",
            "open:-1",
            "Index:1",
            "nope:1",
            "open:1,open:2",
        ] {
            match parse_weights(bad, &e.framework) {
                Err(AppError::Field { field, .. }) => assert_eq!(field, "weights", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
