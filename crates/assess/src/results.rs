//! Results: the score and rank of every unit on every node, ranks within groups, and each
//! unit's strengths and weaknesses.
//!
//! Ranks are "sport" ranks, as COINr's results tables compute them (R's
//! `rank(-x, ties.method = "min")`): the highest score is 1 and tied units share the best
//! place, so two units tied first are both 1 and the next is 3. Units with a missing score
//! have no rank.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::data::{GroupColumn, Unit};
use crate::error::AssessError;
use crate::framework::Framework;
use crate::matrix::Matrix;
use crate::pipeline::StepReport;
use crate::stats::{self, Order};
use crate::weights::Weights;

#[derive(Debug, Clone, Serialize)]
pub struct NodeInfo {
    pub code: String,
    pub name: String,
    pub level: usize,
    pub parent: Option<String>,
    /// Weight within its siblings, scaled so the siblings sum to 1.
    pub weight: f64,
}

#[derive(Debug, Clone)]
pub struct Results {
    units: Vec<Unit>,
    nodes: Vec<NodeInfo>,
    n_indicators: usize,
    n_levels: usize,
    root: usize,
    scores: Matrix,
    ranks: Matrix,
    groups: Vec<GroupColumn>,
    steps: Vec<StepReport>,
}

/// One indicator in a unit's strengths or weaknesses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Standing {
    pub code: String,
    pub name: String,
    pub rank: u32,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrengthsWeaknesses {
    pub strengths: Vec<Standing>,
    pub weaknesses: Vec<Standing>,
}

fn to_rank(r: f64) -> Option<u32> {
    if r.is_nan() { None } else { Some(r as u32) }
}

fn to_score(s: f64) -> Option<f64> {
    if s.is_nan() { None } else { Some(s) }
}

impl Results {
    pub(crate) fn new(
        framework: &Framework,
        units: Vec<Unit>,
        scores: Matrix,
        weights: &Weights,
        groups: Vec<GroupColumn>,
        steps: Vec<StepReport>,
    ) -> Self {
        let w = weights.normalised(framework);
        let nodes = framework
            .nodes()
            .iter()
            .enumerate()
            .map(|(i, n)| NodeInfo {
                code: n.code.clone(),
                name: n.name.clone(),
                level: n.level,
                parent: n.parent.map(|p| framework.node(p).code.clone()),
                weight: w.get(i),
            })
            .collect::<Vec<_>>();
        let ranks = Matrix::from_columns(
            scores.rows(),
            (0..scores.cols())
                .map(|j| stats::rank_min(scores.col(j), Order::Descending))
                .collect(),
        )
        .unwrap_or_else(|| Matrix::missing(scores.rows(), scores.cols()));
        Results {
            units,
            nodes,
            n_indicators: framework.n_indicators(),
            n_levels: framework.n_levels(),
            root: framework.root(),
            scores,
            ranks,
            groups,
            steps,
        }
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub(crate) fn prepend_steps(&mut self, mut first: Vec<StepReport>) {
        first.append(&mut self.steps);
        self.steps = first;
    }

    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    /// Units × nodes: normalised indicator scores, then every aggregate.
    pub fn scores(&self) -> &Matrix {
        &self.scores
    }

    pub fn steps(&self) -> &[StepReport] {
        &self.steps
    }

    pub fn index_code(&self) -> &str {
        &self.nodes[self.root].code
    }

    fn unit_index(&self, unit: &str) -> Option<usize> {
        self.units.iter().position(|u| u.code == unit)
    }

    fn node_index(&self, code: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.code == code)
    }

    pub fn score(&self, unit: &str, node: &str) -> Option<f64> {
        let (i, j) = (self.unit_index(unit)?, self.node_index(node)?);
        to_score(self.scores.get(i, j))
    }

    pub fn rank(&self, unit: &str, node: &str) -> Option<u32> {
        let (i, j) = (self.unit_index(unit)?, self.node_index(node)?);
        to_rank(self.ranks.get(i, j))
    }

    /// Ranks on the index, in unit order.
    pub fn index_ranks(&self) -> Vec<Option<u32>> {
        self.ranks
            .col(self.root)
            .iter()
            .map(|&r| to_rank(r))
            .collect()
    }

    /// Ranks of every unit on `node` among the units of its own group.
    pub fn group_ranks(&self, group: &str, node: &str) -> Result<Vec<Option<u32>>, AssessError> {
        let g = self
            .groups
            .iter()
            .find(|g| g.name == group)
            .ok_or_else(|| AssessError::step("results", format!("no group column {group}")))?;
        let j = self
            .node_index(node)
            .ok_or_else(|| AssessError::step("results", format!("no node {node}")))?;
        let col = self.scores.col(j);
        let mut out = vec![None; self.units.len()];
        let mut labels: Vec<&String> = g.values.iter().collect();
        labels.sort();
        labels.dedup();
        for label in labels {
            let members: Vec<usize> = (0..self.units.len())
                .filter(|&i| &g.values[i] == label)
                .collect();
            let x: Vec<f64> = members.iter().map(|&i| col[i]).collect();
            for (k, r) in stats::rank_min(&x, Order::Descending)
                .into_iter()
                .enumerate()
            {
                out[members[k]] = to_rank(r);
            }
        }
        Ok(out)
    }

    /// The `n` indicators on which the unit ranks best and worst among all units (by rank of
    /// its normalised score; ties in rank keep framework order).
    pub fn strengths_weaknesses(
        &self,
        unit: &str,
        n: usize,
    ) -> Result<StrengthsWeaknesses, AssessError> {
        let i = self
            .unit_index(unit)
            .ok_or_else(|| AssessError::step("results", format!("no unit {unit}")))?;
        let mut standing: Vec<Standing> = (0..self.n_indicators)
            .filter_map(|j| {
                let rank = to_rank(self.ranks.get(i, j))?;
                Some(Standing {
                    code: self.nodes[j].code.clone(),
                    name: self.nodes[j].name.clone(),
                    rank,
                    score: self.scores.get(i, j),
                })
            })
            .collect();
        standing.sort_by_key(|s| s.rank);
        let strengths = standing.iter().take(n).cloned().collect();
        let mut weak: Vec<Standing> = standing.iter().rev().take(n).cloned().collect();
        weak.sort_by_key(|s| std::cmp::Reverse(s.rank));
        Ok(StrengthsWeaknesses {
            strengths,
            weaknesses: weak,
        })
    }

    /// Aggregate columns from the index down (index, sub-indices, pillars, ...).
    fn aggregate_columns(&self) -> Vec<usize> {
        (2..=self.n_levels)
            .rev()
            .flat_map(|l| (0..self.nodes.len()).filter(move |&j| self.nodes[j].level == l))
            .collect()
    }

    /// Units in rank order; units without a rank come last, in their original order.
    pub fn units_by_rank(&self) -> Vec<usize> {
        let r = self.ranks.col(self.root);
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by(|&a, &b| match (r[a].is_nan(), r[b].is_nan()) {
            (false, false) => r[a].total_cmp(&r[b]),
            (x, y) => x.cmp(&y),
        });
        order
    }

    /// `uCode,Rank,Index,<sub-indices...>,<pillars...>`, one row per unit by rank, scores
    /// rounded to 2 decimals as COINr's results tables print them.
    pub fn to_csv(&self) -> String {
        self.to_csv_with(Some(2))
    }

    /// As [`Results::to_csv`], with the given number of decimals (`None`: full precision).
    pub fn to_csv_with(&self, decimals: Option<usize>) -> String {
        let cols = self.aggregate_columns();
        let mut out = String::from("uCode,Rank");
        for &j in &cols {
            out.push(',');
            out.push_str(&csv_field(&self.nodes[j].code));
        }
        out.push('\n');
        for i in self.units_by_rank() {
            out.push_str(&csv_field(&self.units[i].code));
            out.push(',');
            if let Some(r) = to_rank(self.ranks.get(i, self.root)) {
                let _ = write!(out, "{r}");
            }
            for &j in &cols {
                out.push(',');
                let v = self.scores.get(i, j);
                if !v.is_nan() {
                    let _ = match decimals {
                        Some(d) => write!(out, "{v:.d$}"),
                        None => write!(out, "{v}"),
                    };
                }
            }
            out.push('\n');
        }
        out
    }

    /// Everything as JSON: nodes, units by rank with every score and rank, and what each
    /// step did. Missing scores are `null`.
    pub fn to_json(&self) -> Result<String, AssessError> {
        #[derive(Serialize)]
        struct UnitJson<'a> {
            code: &'a str,
            name: &'a str,
            rank: Option<u32>,
            scores: BTreeMap<&'a str, Option<f64>>,
            ranks: BTreeMap<&'a str, Option<u32>>,
            groups: BTreeMap<&'a str, &'a str>,
        }
        #[derive(Serialize)]
        struct Json<'a> {
            index: &'a str,
            nodes: &'a [NodeInfo],
            units: Vec<UnitJson<'a>>,
            steps: &'a [StepReport],
        }
        let units = self
            .units_by_rank()
            .into_iter()
            .map(|i| UnitJson {
                code: &self.units[i].code,
                name: &self.units[i].name,
                rank: to_rank(self.ranks.get(i, self.root)),
                scores: self
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(j, n)| (n.code.as_str(), to_score(self.scores.get(i, j))))
                    .collect(),
                ranks: self
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(j, n)| (n.code.as_str(), to_rank(self.ranks.get(i, j))))
                    .collect(),
                groups: self
                    .groups
                    .iter()
                    .map(|g| (g.name.as_str(), g.values[i].as_str()))
                    .collect(),
            })
            .collect();
        let json = Json {
            index: self.index_code(),
            nodes: &self.nodes,
            units,
            steps: &self.steps,
        };
        serde_json::to_string_pretty(&json).map_err(|e| AssessError::step("results", e.to_string()))
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
