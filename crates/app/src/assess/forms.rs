//! The yearly forms: checking a filled-in form against the framework and last year, and a
//! zone's form with each indicator against last year's value.

use kaifang_assess::Panel;
use kaifang_assess::zones::Zone;
use kaifang_store::zone_data::{self, Submission};
use serde::Serialize;

use super::{Engine, Input};
use crate::error::{AppError, AppResult};

/// Relative change against last year above which a value of a form is flagged for the
/// reviewer.
pub const JUMP: f64 = 0.5;

/// A value that moved more than allowed against the zone's previous year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ValueJump {
    pub zone: String,
    pub indicator: String,
    pub year: i32,
    pub previous_year: i32,
    pub previous: f64,
    pub value: f64,
    /// (value − previous) / |previous|; `null` for a rise from zero.
    pub change: Option<f64>,
}

/// What the check of a filled-in form found (it saves nothing).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    pub jumps: Vec<ValueJump>,
    /// True: the previous years compared against are the synthetic demo data.
    pub compared_with_synthetic: bool,
}

/// One indicator of a zone's form: what it is, last year's value and this year's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// (value − previous) / |previous|; a rise from zero is infinite.
fn change_of(value: f64, previous: f64) -> f64 {
    if previous == 0.0 {
        if value == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        (value - previous) / previous.abs()
    }
}

pub(super) fn check_form(
    e: &Engine,
    current: &Panel,
    csv: &str,
    max_change: Option<f64>,
) -> AppResult<CheckReport> {
    let max_change = max_change.unwrap_or(JUMP);
    if !(max_change.is_finite() && max_change > 0.0) {
        return Err(AppError::field("max_change", "must be a number > 0"));
    }
    let panel = Panel::from_csv_str("submission.csv", csv, &e.framework).map_err(AppError::Form)?;
    for u in panel.units() {
        match e.zone(&u.code) {
            Some(z) if z.zone_type.assessed() => {}
            Some(_) => {
                return Err(AppError::field(
                    "uCode",
                    format!("zone {} is not assessed (its type is not ranked)", u.code),
                ));
            }
            None => {
                return Err(AppError::field(
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
    let flag = |j: kaifang_assess::panel::Jump| ValueJump {
        zone: j.unit,
        indicator: j.indicator,
        year: j.year,
        previous_year: j.previous_year,
        previous: j.previous,
        value: j.value,
        change: j.change.is_finite().then_some(j.change),
    };
    // Within the submission.
    let mut jumps: Vec<ValueJump> = panel
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
                let change = change_of(v, p);
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

impl ZoneForm {
    /// The form of `zone` for `year` with the values of `sub`, against last year's values of
    /// `input`.
    pub fn new(
        e: &Engine,
        input: &Input,
        zone: &Zone,
        year: i32,
        sub: Option<Submission>,
    ) -> ZoneForm {
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
                        .map(|py| input.source_of(&zone.code, py, &ind.code)),
                    value,
                    note: entered.map(|v| v.note.clone()).unwrap_or_default(),
                    change: change.filter(|c| c.is_finite()),
                    jump: ind.min.is_some_and(|m| m >= 0.0)
                        && change.is_some_and(|c| c.abs() > JUMP),
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
}
