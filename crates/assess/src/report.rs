//! The assessment as officials read it: the ranking with rank intervals, movement against
//! the previous year, ranks within groups, a typology for differentiated strategies, and
//! rule-based suggestions from each unit's weakest pillars and indicators, in Chinese and
//! English.
//!
//! [`assess`] takes the three inputs (pipeline, framework, panel) and returns a [`Report`]:
//! plain serde structs, so that an API handler only calls it and serialises the answer, and
//! the CLI prints it as CSV or JSON.
//!
//! Rules, stated so that a unit can check its own treatment:
//! - **Movement** is last year's rank minus this year's (+2: up two places), both computed
//!   with the same pipeline on the panel as it stands.
//! - **Typology**: a unit is *large* when its scale indicator is at or above the median of
//!   the units, and *fast* when its growth indicator is at or above that median; the four
//!   combinations are the quadrants (leader, mature, rising, catching up), each with its
//!   strategy. Thresholds and indicator values are the raw values of the year, after the
//!   panel imputation.
//! - **Suggestions**: the pillars (level-2 aggregates) on which the unit ranks in the bottom
//!   half, worst first (or its single worst pillar when none is), at most
//!   [`ReportOptions::suggestions`] of them; for each, the indicator of that pillar on
//!   which it ranks worst, its value against the median and the best unit, and the
//!   pillar's advice from the framework (`advice`, `advice_en`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::data::Data;
use crate::error::AssessError;
use crate::framework::Framework;
use crate::panel::Panel;
use crate::pipeline::{self, Pipeline, StepReport};
use crate::results::{Results, Standing};
use crate::sensitivity::{self, SobolIndex};
use crate::stats;
use crate::uncertainty::{self, Control, UncertaintySpec};

#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// The year to assess; the panel's latest when absent.
    pub year: Option<i32>,
    /// Run the Monte Carlo uncertainty analysis for rank intervals.
    pub uncertainty: Option<UncertaintySpec>,
    /// Group column for ranks within groups (e.g. the zone type).
    pub group: Option<String>,
    /// Indicator codes of the typology's axes.
    pub scale: Option<String>,
    pub growth: Option<String>,
    /// Strengths and weaknesses listed per unit.
    pub top: usize,
    /// Pillars advised on per unit, at most.
    pub suggestions: usize,
    /// Also compute Sobol indices (needs `uncertainty`; N·(k+2) more model runs).
    pub sensitivity: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            year: None,
            uncertainty: None,
            group: None,
            scale: None,
            growth: None,
            top: 3,
            suggestions: 2,
            sensitivity: false,
        }
    }
}

/// A score column of the report: the index, then sub-indices, then pillars.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Column {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: usize,
    /// Weight within its siblings, as a share.
    pub weight: f64,
    /// Median score over the units (the reference line of a radar chart).
    pub median: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RankBand {
    pub p05: f64,
    pub median: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// Large and growing fast.
    Leader,
    /// Large, growing slowly.
    Mature,
    /// Small, growing fast.
    Rising,
    /// Small, growing slowly.
    CatchingUp,
}

impl Quadrant {
    pub fn label_zh(self) -> &'static str {
        match self {
            Quadrant::Leader => "领跑型（规模大、增长快）",
            Quadrant::Mature => "稳健型（规模大、增长慢）",
            Quadrant::Rising => "成长型（规模小、增长快）",
            Quadrant::CatchingUp => "追赶型（规模小、增长慢）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Quadrant::Leader => "leader (large, fast-growing)",
            Quadrant::Mature => "mature (large, slow-growing)",
            Quadrant::Rising => "rising (small, fast-growing)",
            Quadrant::CatchingUp => "catching up (small, slow-growing)",
        }
    }

    pub fn strategy_zh(self) -> &'static str {
        match self {
            Quadrant::Leader => {
                "做强引领：争创更高水平开放平台，承担改革试点，带动周边园区合作共建。"
            }
            Quadrant::Mature => {
                "转型升级：存量企业技术改造和产业链延伸，盘活低效用地，寻找新的增长点。"
            }
            Quadrant::Rising => "扩量提速：保障要素供给，集中招引主导产业项目，尽快形成规模。",
            Quadrant::CatchingUp => {
                "特色突破：聚焦一两个特色产业，借助对口合作和共建园区承接产业转移。"
            }
        }
    }

    pub fn strategy_en(self) -> &'static str {
        match self {
            Quadrant::Leader => {
                "Lead: bid for higher-level opening platforms, pilot reforms, and co-build parks with neighbours."
            }
            Quadrant::Mature => {
                "Upgrade: retrofit and extend the chains of existing firms, revive idle land, and find new growth."
            }
            Quadrant::Rising => {
                "Scale up: secure land, power and finance, and concentrate investment promotion on the lead industry."
            }
            Quadrant::CatchingUp => {
                "Specialise: focus on one or two distinctive industries and take on relocating industry through partner zones."
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Placement {
    pub quadrant: Quadrant,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub strategy_zh: &'static str,
    pub strategy_en: &'static str,
    pub scale: f64,
    pub growth: f64,
}

/// The typology's axes and thresholds, as shown beside the quadrant chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Typology {
    pub scale: String,
    pub growth: String,
    pub scale_threshold: f64,
    pub growth_threshold: f64,
    pub rule_zh: String,
    pub rule_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub pillar: String,
    pub pillar_rank: u32,
    pub indicator: String,
    pub indicator_rank: u32,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UnitReport {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub rank: Option<u32>,
    /// From the uncertainty analysis, when it ran.
    pub rank_interval: Option<RankBand>,
    pub previous_rank: Option<u32>,
    /// Previous rank minus this rank: +2 means up two places.
    pub movement: Option<i64>,
    pub group: Option<String>,
    pub group_rank: Option<u32>,
    /// Score of every column (index, sub-indices, pillars), by code.
    pub scores: BTreeMap<String, Option<f64>>,
    pub placement: Option<Placement>,
    pub strengths: Vec<Standing>,
    pub weaknesses: Vec<Standing>,
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UncertaintySummary {
    pub runs: usize,
    pub seed: u64,
    /// Mean over runs and units of |rank − nominal rank|.
    pub mean_abs_rank_shift: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = AssessReport))]
pub struct Report {
    pub title: Option<String>,
    /// Where the data came from (the file name, or the synthetic demo's label).
    pub source: String,
    /// True when the data is the synthetic demo: every face must say so.
    pub synthetic: bool,
    /// The year assessed (`None` for data without a Time column).
    pub year: Option<i32>,
    pub previous_year: Option<i32>,
    pub index: String,
    pub columns: Vec<Column>,
    /// In rank order; units without a rank last.
    pub units: Vec<UnitReport>,
    pub typology: Option<Typology>,
    pub uncertainty: Option<UncertaintySummary>,
    /// First-order and total Sobol indices of the mean absolute rank shift, per uncertain
    /// input (which choice the ranking depends on most), when asked.
    pub sensitivity: Option<Vec<SobolIndex>>,
    pub steps: Vec<StepReport>,
    /// What could not be computed, and why.
    pub notes: Vec<String>,
}

/// Runs the pipeline on the year (and the year before), the uncertainty analysis if asked,
/// and builds the report.
pub fn assess(
    pipeline: &Pipeline,
    framework: &Framework,
    panel: &Panel,
    opts: &ReportOptions,
    control: &Control,
) -> Result<Report, AssessError> {
    let year = opts.year.unwrap_or_else(|| panel.latest_year());
    let (rest, data, panel_steps) = pipeline::cross_section(pipeline, panel, year)?;
    let mut results = pipeline::run(&rest, framework, &data)?;
    results.prepend_steps(panel_steps);
    let previous_year = panel.previous_year(year);
    // Last year's ranking is context, not the result: if it cannot be computed (e.g. a
    // data-driven weighting with too few units that year), the report says why instead of
    // failing.
    let mut notes = Vec::new();
    let previous = match previous_year {
        Some(py) => match pipeline::run_panel(pipeline, framework, panel, py) {
            Ok(r) => Some(r),
            Err(e) => {
                notes.push(format!("no movement against {py}: {e}"));
                None
            }
        },
        None => None,
    };
    let unc = match &opts.uncertainty {
        Some(s) => Some(uncertainty::uncertainty_with(
            &rest, framework, &data, s, control,
        )?),
        None => None,
    };
    let intervals: BTreeMap<String, RankBand> = unc
        .iter()
        .flat_map(|u| &u.units)
        .map(|u| {
            (
                u.unit.clone(),
                RankBand {
                    p05: u.p05,
                    median: u.median,
                    p95: u.p95,
                },
            )
        })
        .collect();
    let mut report = build(
        framework,
        &results,
        &data,
        previous.as_ref(),
        &intervals,
        opts,
    )?;
    report.title = pipeline.name.clone();
    report.notes = notes;
    report.synthetic = panel.source().contains("SYNTHETIC");
    report.year = (year != 0).then_some(year);
    report.previous_year = previous_year;
    if opts.sensitivity {
        let spec = opts.uncertainty.as_ref().ok_or_else(|| {
            AssessError::step("report", "sensitivity needs the uncertainty settings")
        })?;
        report.sensitivity = Some(
            sensitivity::sensitivity_with(&rest, framework, &data, spec, control)?
                .mean_abs_rank_shift,
        );
    }
    report.uncertainty = unc.map(|u| UncertaintySummary {
        runs: u.runs,
        seed: u.seed,
        mean_abs_rank_shift: u.mean_abs_rank_shift,
    });
    Ok(report)
}

fn build(
    framework: &Framework,
    results: &Results,
    data: &Data,
    previous: Option<&Results>,
    intervals: &BTreeMap<String, RankBand>,
    opts: &ReportOptions,
) -> Result<Report, AssessError> {
    let nodes = framework.nodes();
    let index = results.index_code().to_string();
    let col_nodes: Vec<usize> = (2..=framework.n_levels())
        .rev()
        .flat_map(|l| framework.level(l))
        .collect();
    let weights = results.nodes();
    let columns: Vec<Column> = col_nodes
        .iter()
        .map(|&j| Column {
            code: nodes[j].code.clone(),
            name: nodes[j].name.clone(),
            name_en: nodes[j].name_en.clone(),
            level: nodes[j].level,
            weight: weights[j].weight,
            median: stats::median(results.scores().col(j)),
        })
        .collect();
    let n_ranked = results.index_ranks().iter().flatten().count() as u32;
    let group_ranks = match &opts.group {
        Some(g) => Some(results.group_ranks(g, &index)?),
        None => None,
    };
    let group_values = opts.group.as_ref().and_then(|g| data.group(g));
    let typology = match (&opts.scale, &opts.growth) {
        (Some(s), Some(g)) => Some(typology(framework, data, s, g)?),
        _ => None,
    };
    let mut units = Vec::new();
    for i in results.units_by_rank() {
        let unit = &results.units()[i];
        let rank = results.rank(&unit.code, &index);
        let previous_rank = previous.and_then(|p| p.rank(&unit.code, &index));
        let sw = results.strengths_weaknesses(&unit.code, opts.top)?;
        let placement = typology.as_ref().and_then(|t| place(framework, data, i, t));
        units.push(UnitReport {
            code: unit.code.clone(),
            name: unit.name.clone(),
            name_en: unit.name_en().to_string(),
            rank,
            rank_interval: intervals.get(&unit.code).cloned(),
            previous_rank,
            movement: match (previous_rank, rank) {
                (Some(p), Some(r)) => Some(i64::from(p) - i64::from(r)),
                _ => None,
            },
            group: group_values.map(|g| g[i].clone()),
            group_rank: group_ranks.as_ref().and_then(|g| g[i]),
            scores: col_nodes
                .iter()
                .map(|&j| {
                    (
                        nodes[j].code.clone(),
                        results.score(&unit.code, &nodes[j].code),
                    )
                })
                .collect(),
            placement,
            strengths: sw.strengths,
            weaknesses: sw.weaknesses,
            suggestions: suggestions(framework, results, data, i, n_ranked, opts.suggestions),
        });
    }
    Ok(Report {
        title: None,
        source: data.source().to_string(),
        synthetic: false,
        year: None,
        previous_year: None,
        index,
        columns,
        units,
        typology,
        uncertainty: None,
        sensitivity: None,
        steps: results.steps().to_vec(),
        notes: Vec::new(),
    })
}

fn indicator(framework: &Framework, code: &str) -> Result<usize, AssessError> {
    framework
        .find(code)
        .filter(|&j| j < framework.n_indicators())
        .ok_or_else(|| {
            AssessError::step(
                "report",
                format!("typology: \"{code}\" is not an indicator of the framework"),
            )
        })
}

fn typology(
    framework: &Framework,
    data: &Data,
    scale: &str,
    growth: &str,
) -> Result<Typology, AssessError> {
    let (s, g) = (indicator(framework, scale)?, indicator(framework, growth)?);
    let st = stats::median(data.values().col(s));
    let gt = stats::median(data.values().col(g));
    let (sn, gn) = (framework.node(s), framework.node(g));
    let unit = |j: usize| framework.node(j).unit.clone().unwrap_or_default();
    let unit_en = |j: usize| {
        let n = framework.node(j);
        n.unit_en
            .clone()
            .or_else(|| n.unit.clone())
            .unwrap_or_default()
    };
    let en = |j: usize| {
        let n = framework.node(j);
        n.name_en.clone().unwrap_or_else(|| n.name.clone())
    };
    Ok(Typology {
        scale: scale.to_string(),
        growth: growth.to_string(),
        scale_threshold: st,
        growth_threshold: gt,
        rule_zh: format!(
            "规模：{} ≥ 中位数 {}{} 为“大”；增长：{} ≥ 中位数 {}{} 为“快”。",
            sn.name,
            round2(st),
            unit(s),
            gn.name,
            round2(gt),
            unit(g)
        ),
        rule_en: format!(
            "Scale: {} at or above the median {} {} is large; growth: {} at or above the median {} {} is fast.",
            en(s),
            round2(st),
            unit_en(s),
            en(g),
            round2(gt),
            unit_en(g)
        ),
    })
}

fn place(framework: &Framework, data: &Data, i: usize, t: &Typology) -> Option<Placement> {
    let s = data.values().get(i, framework.find(&t.scale)?);
    let g = data.values().get(i, framework.find(&t.growth)?);
    if s.is_nan() || g.is_nan() {
        return None;
    }
    let quadrant = match (s >= t.scale_threshold, g >= t.growth_threshold) {
        (true, true) => Quadrant::Leader,
        (true, false) => Quadrant::Mature,
        (false, true) => Quadrant::Rising,
        (false, false) => Quadrant::CatchingUp,
    };
    Some(Placement {
        quadrant,
        label_zh: quadrant.label_zh(),
        label_en: quadrant.label_en(),
        strategy_zh: quadrant.strategy_zh(),
        strategy_en: quadrant.strategy_en(),
        scale: s,
        growth: g,
    })
}

fn round2(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

fn suggestions(
    framework: &Framework,
    results: &Results,
    data: &Data,
    i: usize,
    n: u32,
    max: usize,
) -> Vec<Suggestion> {
    if max == 0 || framework.n_levels() < 2 {
        return Vec::new();
    }
    let unit = &results.units()[i].code;
    let mut pillars: Vec<(usize, u32)> = framework
        .level(2)
        .filter_map(|p| Some((p, results.rank(unit, &framework.node(p).code)?)))
        .collect();
    // Worst first; ties keep framework order.
    pillars.sort_by_key(|&(_, r)| std::cmp::Reverse(r));
    let bottom_half: Vec<(usize, u32)> = pillars
        .iter()
        .copied()
        .filter(|&(_, r)| 2 * r > n)
        .collect();
    let chosen: Vec<(usize, u32)> = if bottom_half.is_empty() {
        pillars.into_iter().take(1).collect()
    } else {
        bottom_half.into_iter().take(max).collect()
    };
    let mut out = Vec::new();
    for (p, prank) in chosen {
        let pn = framework.node(p);
        let Some((j, irank)) = pn
            .children
            .iter()
            .filter_map(|&c| Some((c, results.rank(unit, &framework.node(c).code)?)))
            .max_by_key(|&(c, r)| (r, std::cmp::Reverse(c)))
        else {
            continue;
        };
        let ind = framework.node(j);
        let col = data.values().col(j);
        let value = col[i];
        let median = stats::median(col);
        // The best unit on this indicator by its normalised score (direction applied).
        let best = results
            .units()
            .iter()
            .find(|u| results.rank(&u.code, &ind.code) == Some(1));
        let (best_zh, best_en) = best
            .map(|u| (u.name.clone(), u.name_en().to_string()))
            .unwrap_or_default();
        let unit_txt = ind.unit.clone().unwrap_or_default();
        let unit_en = ind.unit_en.clone().unwrap_or_else(|| unit_txt.clone());
        let value_txt = if value.is_nan() {
            "—".to_string()
        } else {
            round2(value)
        };
        let (pname_en, iname_en) = (
            pn.name_en.clone().unwrap_or_else(|| pn.name.clone()),
            ind.name_en.clone().unwrap_or_else(|| ind.name.clone()),
        );
        let mut zh = format!(
            "{}排名第{prank}/{n}，其中“{}”排名第{irank}/{n}（{value_txt}{unit_txt}，中位数{}{unit_txt}，最好的是{best_zh}）。",
            pn.name,
            ind.name,
            round2(median)
        );
        let with_unit = |v: String| {
            if unit_en.is_empty() {
                v
            } else {
                format!("{v} {unit_en}")
            }
        };
        let mut en = format!(
            "{pname_en}: ranked {prank} of {n}; weakest on {iname_en}, ranked {irank} of {n} ({} against a median of {}; best: {best_en}).",
            with_unit(value_txt.clone()),
            with_unit(round2(median))
        );
        if let Some(a) = &pn.advice {
            zh.push_str(a);
        }
        if let Some(a) = &pn.advice_en {
            en.push(' ');
            en.push_str(a);
        }
        out.push(Suggestion {
            pillar: pn.code.clone(),
            pillar_rank: prank,
            indicator: ind.code.clone(),
            indicator_rank: irank,
            zh,
            en,
        });
    }
    out
}

impl Report {
    /// `uCode,Rank,<index>,<sub-indices...>,<pillars...>` by rank, scores to 2 decimals, then
    /// when available `RankP05,RankMedian,RankP95` and `PrevRank,Movement`.
    pub fn to_csv(&self) -> String {
        let with_bands = self.units.iter().any(|u| u.rank_interval.is_some());
        let with_prev = self.previous_year.is_some();
        let mut out = String::from("uCode,Rank");
        for c in &self.columns {
            out.push(',');
            out.push_str(&csv_field(&c.code));
        }
        if with_bands {
            out.push_str(",RankP05,RankMedian,RankP95");
        }
        if with_prev {
            out.push_str(",PrevRank,Movement");
        }
        out.push('\n');
        let opt = |v: Option<String>| v.unwrap_or_default();
        for u in &self.units {
            out.push_str(&csv_field(&u.code));
            let _ = write!(out, ",{}", opt(u.rank.map(|r| r.to_string())));
            for c in &self.columns {
                let s = u.scores.get(&c.code).copied().flatten();
                let _ = write!(out, ",{}", opt(s.map(|v| format!("{v:.2}"))));
            }
            if with_bands {
                match &u.rank_interval {
                    Some(b) => {
                        let _ = write!(out, ",{},{},{}", b.p05, b.median, b.p95);
                    }
                    None => out.push_str(",,,"),
                }
            }
            if with_prev {
                let _ = write!(
                    out,
                    ",{},{}",
                    opt(u.previous_rank.map(|r| r.to_string())),
                    opt(u.movement.map(|m| format!("{m:+}")))
                );
            }
            out.push('\n');
        }
        out
    }

    pub fn to_json(&self) -> Result<String, AssessError> {
        serde_json::to_string_pretty(self).map_err(|e| AssessError::step("report", e.to_string()))
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Four units; P = {a, b}, Q = {c}. Scale = a, growth = b (raw values):
    //   W: a 10, b 1  → small, slow     X: a 20, b 4 → small, fast
    //   Y: a 30, b 2  → large, slow     Z: a 40, b 3 → large, fast
    // medians: a 25, b 2.5.
    const META: &str = "iCode,Parent,Direction,Weight,Type\na,P,1,1,Indicator\nb,P,1,1,Indicator\nc,Q,1,1,Indicator\n\
        P,I,1,1,Aggregate\nQ,I,1,1,Aggregate\nI,,1,1,Aggregate\nKind,,,,Group\n";
    const DATA: &str = "uCode,Time,Kind,a,b,c\n\
        W,2024,k1,10,2,40\nX,2024,k1,20,3,30\nY,2024,k2,30,1,20\nZ,2024,k2,40,4,12\n\
        W,2025,k1,10,1,40\nX,2025,k1,20,4,30\nY,2025,k2,30,2,20\nZ,2025,k2,40,3,12\n";
    const PIPE: &str = "[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n[[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n";

    fn report(opts: &ReportOptions) -> Report {
        let fw = Framework::from_imeta_str("meta.csv", META).unwrap();
        let panel = Panel::from_csv_str("data.csv", DATA, &fw).unwrap();
        let p = Pipeline::from_toml_str("pipe.toml", PIPE).unwrap();
        assess(&p, &fw, &panel, opts, &Control::default()).unwrap()
    }

    #[test]
    fn ranking_movement_groups_and_typology() {
        let r = report(&ReportOptions {
            group: Some("Kind".into()),
            scale: Some("a".into()),
            growth: Some("b".into()),
            ..ReportOptions::default()
        });
        assert_eq!((r.year, r.previous_year), (Some(2025), Some(2024)));
        // 2025, normalised: a 0, 33.3, 66.7, 100; b 0, 100, 33.3, 66.7; c (40, 30, 20, 12)
        // 100, 64.29, 28.57, 0. P = (a + b)/2: 0, 66.67, 50, 83.33; I = (P + c)/2:
        // 50, 65.48, 39.29, 41.67.
        let order: Vec<(&str, Option<u32>)> =
            r.units.iter().map(|u| (u.code.as_str(), u.rank)).collect();
        assert_eq!(
            order,
            vec![
                ("X", Some(1)),
                ("W", Some(2)),
                ("Z", Some(3)),
                ("Y", Some(4))
            ]
        );
        // 2024: b is 2, 3, 1, 4 → P: 16.67, 50, 33.33, 100; I: 58.33, 57.14, 30.95, 50,
        // so W 1, X 2, Z 3, Y 4.
        let by = |code: &str| r.units.iter().find(|u| u.code == code).unwrap();
        assert_eq!(
            (by("X").previous_rank, by("X").movement),
            (Some(2), Some(1))
        );
        assert_eq!(
            (by("W").previous_rank, by("W").movement),
            (Some(1), Some(-1))
        );
        assert_eq!(
            (by("Y").previous_rank, by("Y").movement),
            (Some(4), Some(0))
        );
        // Within kinds: k1 = X, W; k2 = Z, Y.
        assert_eq!(
            (by("Z").group.as_deref(), by("Z").group_rank),
            (Some("k2"), Some(1))
        );
        assert_eq!((by("Y").group_rank, by("W").group_rank), (Some(2), Some(2)));
        let t = r.typology.as_ref().unwrap();
        assert_eq!((t.scale_threshold, t.growth_threshold), (25.0, 2.5));
        let quad = |code: &str| {
            r.units
                .iter()
                .find(|u| u.code == code)
                .unwrap()
                .placement
                .as_ref()
                .unwrap()
                .quadrant
        };
        assert_eq!(quad("W"), Quadrant::CatchingUp);
        assert_eq!(quad("X"), Quadrant::Rising);
        assert_eq!(quad("Y"), Quadrant::Mature);
        assert_eq!(quad("Z"), Quadrant::Leader);
        assert!(t.rule_en.contains("median 25"), "{}", t.rule_en);
        let csv = r.to_csv();
        assert!(
            csv.starts_with("uCode,Rank,I,P,Q,PrevRank,Movement\nX,1,65.48,66.67,64.29,2,+1\n"),
            "{csv}"
        );
    }

    #[test]
    fn a_previous_year_that_cannot_be_ranked_is_a_note() {
        // PCA weights need three units with every indicator; 2024 has two.
        let fw = Framework::from_imeta_str("meta.csv", META).unwrap();
        let data: String = DATA
            .lines()
            .filter(|l| !(l.starts_with("Y,2024") || l.starts_with("Z,2024")))
            .map(|l| format!("{l}\n"))
            .collect();
        let panel = Panel::from_csv_str("data.csv", &data, &fw).unwrap();
        let p = Pipeline::from_toml_str(
            "pipe.toml",
            "[[step]]\nkind = \"normalise\"\nmethod = \"min_max\"\n[[step]]\nkind = \"weights\"\nmethod = \"pca\"\n\
             [[step]]\nkind = \"aggregate\"\nmethod = \"arithmetic\"\n",
        )
        .unwrap();
        let r = assess(
            &p,
            &fw,
            &panel,
            &ReportOptions::default(),
            &Control::default(),
        )
        .unwrap();
        assert!(
            r.units
                .iter()
                .all(|u| u.rank.is_some() && u.movement.is_none())
        );
        assert_eq!(r.notes.len(), 1);
        assert!(
            r.notes[0].starts_with("no movement against 2024: weights: PCA"),
            "{}",
            r.notes[0]
        );
    }

    #[test]
    fn other_weights_other_ranks() {
        // Q counted twice: I = (P + 2Q)/3 = W 66.67, X 65.08, Y 35.71, Z 27.78.
        let fw = Framework::from_imeta_str("meta.csv", META).unwrap();
        let panel = Panel::from_csv_str("data.csv", DATA, &fw).unwrap();
        let p = Pipeline::from_toml_str("pipe.toml", PIPE)
            .unwrap()
            .with_weight_overrides([("Q".to_string(), 2.0)].into());
        let r = assess(
            &p,
            &fw,
            &panel,
            &ReportOptions::default(),
            &Control::default(),
        )
        .unwrap();
        let order: Vec<&str> = r.units.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(order, vec!["W", "X", "Y", "Z"]);
        let q = r.columns.iter().find(|c| c.code == "Q").unwrap();
        assert!((q.weight - 2.0 / 3.0).abs() < 1e-12);
        let e = assess(
            &p.with_weight_overrides([("nope".to_string(), 1.0)].into()),
            &fw,
            &panel,
            &ReportOptions::default(),
            &Control::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no node has the code nope"), "{e}");
    }

    #[test]
    fn suggestions_name_the_weakest_pillar_and_indicator() {
        let r = report(&ReportOptions::default());
        // Z: P 83.3 (rank 1), Q 0 (rank 4 of 4): advice on Q, through its only indicator c.
        let z = r.units.iter().find(|u| u.code == "Z").unwrap();
        assert_eq!(z.suggestions.len(), 1);
        let s = &z.suggestions[0];
        assert_eq!((s.pillar.as_str(), s.pillar_rank), ("Q", 4));
        assert_eq!((s.indicator.as_str(), s.indicator_rank), ("c", 4));
        assert!(
            s.en.contains("(12 against a median of 25; best: W)"),
            "{}",
            s.en
        );
        assert!(s.zh.starts_with("Q排名第4/4"), "{}", s.zh);
        // W is bottom on P (0) but top on Q: one suggestion, P through a or b (both rank 4).
        let w = r.units.iter().find(|u| u.code == "W").unwrap();
        assert_eq!(w.suggestions.len(), 1);
        assert_eq!(w.suggestions[0].pillar, "P");
    }

    #[test]
    fn rank_intervals_when_asked() {
        let r = report(&ReportOptions {
            uncertainty: Some(UncertaintySpec {
                runs: 200,
                seed: 7,
                weight_noise: 0.5,
                ..UncertaintySpec::default()
            }),
            ..ReportOptions::default()
        });
        for u in &r.units {
            let b = u.rank_interval.as_ref().unwrap();
            assert!(b.p05 <= b.median && b.median <= b.p95);
            assert!(b.p05 >= 1.0 && b.p95 <= 4.0);
        }
        assert!(
            r.to_csv()
                .lines()
                .next()
                .unwrap()
                .contains("RankP05,RankMedian,RankP95")
        );
        assert!(!r.synthetic);
    }
}
