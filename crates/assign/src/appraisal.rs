//! Project appraisal: what a candidate project saves each year against the base scenario,
//! its net present value and benefit–cost ratio, and the best portfolio under a budget.
//!
//! - **Saving** = base total generalized cost − total generalized cost with the project, for
//!   the same demand, per year (yuan). Demand that the project newly serves (or leaves
//!   unserved) is reported beside it, not priced.
//! - **NPV** at discount rate `r` to the base year: the capital cost falls in the year before
//!   opening; the saving accrues every year of the project's life from opening.
//! - **Portfolio**: the subset with the largest sum of NPVs whose capital costs fit the
//!   budget. Exact (all subsets) for up to 20 candidates; beyond that, greedy by
//!   benefit–cost ratio (a stated heuristic). Savings of projects on the same corridor are not
//!   additive, so the chosen set is also evaluated together by the caller.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::freight::CapacityRow;

/// The largest candidate list the portfolio search enumerates exactly (2^20 subsets).
pub const EXACT_LIMIT: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_zh: String,
    pub capex_cny: f64,
    pub opening_year: i32,
    pub lifetime_years: u32,
    /// A scenario of the channels network that the project brings about.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Capacities the project sets.
    #[serde(default)]
    pub capacity: Vec<CapacityRow>,
    pub source: String,
}

#[derive(Deserialize)]
struct ProjectsFile {
    project: Vec<Project>,
}

/// Reads a projects TOML file (`[[project]]` tables).
pub fn parse_projects(file: &str, text: &str) -> Result<Vec<Project>, Error> {
    let parsed: ProjectsFile =
        toml::from_str(text).map_err(|e| Error::file(file, e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    for (i, p) in parsed.project.iter().enumerate() {
        let at = |field: &str, m: &str| {
            Error::file(
                file,
                format!("project {} ({}), field {field}: {m}", i + 1, p.id),
            )
        };
        if !seen.insert(p.id.clone()) {
            return Err(at("id", "given twice"));
        }
        if !(p.capex_cny.is_finite() && p.capex_cny > 0.0) {
            return Err(at("capex_cny", "must be a number > 0"));
        }
        if p.lifetime_years == 0 {
            return Err(at("lifetime_years", "must be at least 1"));
        }
        for c in &p.capacity {
            if !(c.teu_per_week.is_finite() && c.teu_per_week > 0.0) {
                return Err(at("capacity", "teu_per_week must be a number > 0"));
            }
        }
    }
    let mut projects = parsed.project;
    for p in &mut projects {
        for c in &mut p.capacity {
            c.origin = format!("{file}, project {}", p.id);
        }
    }
    Ok(projects)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Economics {
    pub discount_rate: f64,
    pub base_year: i32,
}

impl Default for Economics {
    fn default() -> Self {
        // 8% is the social discount rate of China's "Methods and Parameters for Economic
        // Evaluation of Construction Projects" (3rd edition, 2006).
        Economics {
            discount_rate: 0.08,
            base_year: 2026,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ProjectValue {
    pub pv_benefits: f64,
    pub pv_capex: f64,
    pub npv: f64,
    pub bcr: f64,
}

/// Present values of a project that saves `annual_saving` a year.
pub fn value(p: &Project, annual_saving: f64, e: &Economics) -> ProjectValue {
    let d = |year: i32| (1.0 + e.discount_rate).powi(year - e.base_year);
    let pv_capex = p.capex_cny / d(p.opening_year - 1);
    let pv_benefits: f64 = (0..p.lifetime_years as i32)
        .map(|t| annual_saving / d(p.opening_year + t))
        .sum();
    ProjectValue {
        pv_benefits,
        pv_capex,
        npv: pv_benefits - pv_capex,
        bcr: if pv_capex > 0.0 {
            pv_benefits / pv_capex
        } else {
            0.0
        },
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Portfolio {
    /// Indices into the candidate list.
    pub chosen: Vec<usize>,
    pub capex: f64,
    pub npv: f64,
    pub exact: bool,
    pub method: String,
}

/// The subset of (capex, npv) candidates with the largest NPV sum within `budget`; only
/// candidates with a positive NPV are worth choosing.
pub fn portfolio(items: &[(f64, f64)], budget: f64) -> Portfolio {
    let useful: Vec<usize> = (0..items.len()).filter(|&i| items[i].1 > 0.0).collect();
    if useful.len() <= EXACT_LIMIT {
        let mut best = (0.0, 0.0, 0u32);
        for mask in 0u32..(1u32 << useful.len()) {
            let (mut capex, mut npv) = (0.0, 0.0);
            for (bit, &i) in useful.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    capex += items[i].0;
                    npv += items[i].1;
                }
            }
            if capex <= budget && npv > best.0 {
                best = (npv, capex, mask);
            }
        }
        let chosen = useful
            .iter()
            .enumerate()
            .filter(|(bit, _)| best.2 & (1 << bit) != 0)
            .map(|(_, &i)| i)
            .collect();
        return Portfolio {
            chosen,
            capex: best.1,
            npv: best.0,
            exact: true,
            method: format!(
                "exact: all {} subsets of the {} candidates with a positive NPV",
                1u64 << useful.len(),
                useful.len()
            ),
        };
    }
    let mut order = useful;
    order.sort_by(|&a, &b| (items[b].1 / items[b].0).total_cmp(&(items[a].1 / items[a].0)));
    let (mut capex, mut npv, mut chosen) = (0.0, 0.0, Vec::new());
    for i in order {
        if capex + items[i].0 <= budget {
            capex += items[i].0;
            npv += items[i].1;
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    Portfolio {
        chosen,
        capex,
        npv,
        exact: false,
        method: format!(
            "heuristic: more than {EXACT_LIMIT} candidates, taken greedily by NPV per yuan of capital while the budget allows"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_portfolio_beats_greedy_where_greedy_fails() {
        // Greedy by ratio takes item 0 (ratio 2) and then nothing fits; the best is 1 + 2.
        let items = [(6.0, 12.0), (5.0, 9.0), (5.0, 9.0)];
        let p = portfolio(&items, 10.0);
        assert!(p.exact);
        assert_eq!(p.chosen, vec![1, 2]);
        assert_eq!(p.npv, 18.0);
        let none = portfolio(&[(5.0, -1.0)], 100.0);
        assert!(none.chosen.is_empty());
    }

    #[test]
    fn npv_discounts_capex_and_savings() {
        let p = Project {
            id: "x".into(),
            name: "x".into(),
            name_zh: String::new(),
            capex_cny: 100.0,
            opening_year: 2027,
            lifetime_years: 2,
            scenario: None,
            capacity: Vec::new(),
            source: String::new(),
        };
        let v = value(
            &p,
            110.0,
            &Economics {
                discount_rate: 0.1,
                base_year: 2026,
            },
        );
        assert!((v.pv_capex - 100.0).abs() < 1e-9);
        assert!((v.pv_benefits - (100.0 + 100.0 / 1.1)).abs() < 1e-9);
        assert!((v.bcr - v.pv_benefits / 100.0).abs() < 1e-12);
    }
}
