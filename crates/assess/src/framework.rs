//! The index tree: indicators → pillars → sub-indices → index.
//!
//! Read from a COINr-style `iMeta` CSV (columns `iCode`, `iName`, `Level`, `Parent`,
//! `Direction`, `Weight`, `Type`, `Denominator`, `Target`, and optionally `GoalpostLow` and
//! `GoalpostHigh` for goalpost normalisation, `iName_en`, `Unit`, `Unit_en`, `Min`, `Max`
//! and `Source`; other columns are ignored; `Level` is checked against the tree when given)
//! or from a TOML file with one `[[node]]` table per node (the same fields in snake case,
//! plus `advice` and `advice_en`, the text of suggestions for units weak on the node). Both
//! are turned into the same raw rows and validated once, so a [`Framework`] value is always
//! a well-formed tree: unique codes, known parents, no cycles, one root, children of a node
//! all on one level, not all sibling weights zero, directions ±1, denominators that name a
//! declared denominator column, `min` ≤ `max`. `Unit`, `Min` and `Max` are enforced when
//! data is read ([`crate::panel`]).
//!
//! Node order is fixed: indicators first in file order (so indicator `j` is data column `j`),
//! then aggregates by level and file order, which is an order in which every node comes after
//! its children.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{AssessError, Location};

/// Whether a higher raw value is better (+1) or worse (-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum Direction {
    Positive,
    Negative,
}

impl Direction {
    pub fn sign(self) -> f64 {
        match self {
            Direction::Positive => 1.0,
            Direction::Negative => -1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    pub code: String,
    pub name: String,
    /// 1 for indicators, one more than its children for aggregates.
    pub level: usize,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Weight relative to its siblings (only ratios among siblings matter).
    pub weight: f64,
    pub direction: Direction,
    /// Name of the data column the raw value is divided by.
    pub denominator: Option<String>,
    /// Target for distance-to-target normalisation, in raw units.
    pub target: Option<f64>,
    /// (low, high) goalposts in raw units for goalpost normalisation.
    pub goalposts: Option<(f64, f64)>,
    /// English name, when `name` is in another language.
    pub name_en: Option<String>,
    /// Unit of the raw values (e.g. `亿元`, `%`); data that states another unit is refused.
    pub unit: Option<String>,
    /// The unit in English (e.g. `CNY 100m` for `亿元`), for English text.
    pub unit_en: Option<String>,
    /// Valid range of raw values; a value outside is refused when the data is read.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Where the indicator comes from (a public document, or our choice).
    pub source: Option<String>,
    /// What a unit weak on this node could do, in Chinese and English (for suggestions).
    pub advice: Option<String>,
    pub advice_en: Option<String>,
}

impl Node {
    pub fn is_indicator(&self) -> bool {
        self.level == 1
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Framework {
    source: String,
    nodes: Vec<Node>,
    n_indicators: usize,
    n_levels: usize,
    root: usize,
    groups: Vec<String>,
    denominators: Vec<String>,
    #[serde(skip)]
    by_code: HashMap<String, usize>,
}

impl Framework {
    /// The file the framework was read from (used in error messages).
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    pub fn find(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// Indicators are nodes `0..n_indicators()`.
    pub fn n_indicators(&self) -> usize {
        self.n_indicators
    }

    pub fn indicators(&self) -> &[Node] {
        &self.nodes[..self.n_indicators]
    }

    /// Number of levels, indicators included (4 for indicator → pillar → sub-index → index).
    pub fn n_levels(&self) -> usize {
        self.n_levels
    }

    pub fn root(&self) -> usize {
        self.root
    }

    /// Node indices at a level (1-based), in framework order.
    pub fn level(&self, level: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&i| self.nodes[i].level == level)
    }

    /// Aggregates in an order where children always come first.
    pub fn aggregates(&self) -> std::ops::Range<usize> {
        self.n_indicators..self.nodes.len()
    }

    /// Grouping columns declared in the framework (COINr `Type = Group`).
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Denominator columns declared in the framework (COINr `Type = Denominator`).
    pub fn denominators(&self) -> &[String] {
        &self.denominators
    }

    /// Reads a COINr-style iMeta CSV file.
    pub fn from_imeta_path(path: impl AsRef<Path>) -> Result<Self, AssessError> {
        let path = path.as_ref();
        let name = display_name(path);
        let text = std::fs::read_to_string(path).map_err(|source| AssessError::Io {
            at: Location::file(&name),
            source,
        })?;
        Self::from_imeta_str(&name, &text)
    }

    /// Reads iMeta CSV text; `file` names it in error messages.
    pub fn from_imeta_str(file: &str, text: &str) -> Result<Self, AssessError> {
        let rows = read_imeta(file, text)?;
        build(file, rows)
    }

    /// Reads a TOML framework file.
    pub fn from_toml_path(path: impl AsRef<Path>) -> Result<Self, AssessError> {
        let path = path.as_ref();
        let name = display_name(path);
        let text = std::fs::read_to_string(path).map_err(|source| AssessError::Io {
            at: Location::file(&name),
            source,
        })?;
        Self::from_toml_str(&name, &text)
    }

    /// Reads TOML framework text:
    ///
    /// ```toml
    /// groups = ["EurAsia_group"]
    /// denominators = ["GDP"]
    /// [[node]]
    /// code = "Goods"
    /// parent = "Trade"
    /// weight = 1
    /// direction = 1
    /// denominator = "GDP"
    /// ```
    ///
    /// A node is an aggregate when another node names it as parent.
    pub fn from_toml_str(file: &str, text: &str) -> Result<Self, AssessError> {
        let doc: TomlFramework = toml::from_str(text).map_err(|e| AssessError::Toml {
            at: Location::file(file),
            message: e.message().to_string(),
        })?;
        let parents: HashSet<&str> = doc
            .node
            .iter()
            .filter_map(|n| n.parent.as_deref())
            .collect();
        let mut rows = Vec::new();
        for (i, n) in doc.node.iter().enumerate() {
            let at = Location::entry(file, "node", i + 1);
            let kind = if parents.contains(n.code.as_str()) {
                Kind::Aggregate
            } else {
                Kind::Indicator
            };
            let direction = match n.direction {
                None => None,
                Some(d) => Some(direction_from(
                    d,
                    &d.to_string(),
                    at.clone().field("direction"),
                )?),
            };
            let goalposts = match (n.goalpost_low, n.goalpost_high) {
                (Some(l), Some(h)) => Some((l, h)),
                (None, None) => None,
                _ => {
                    return Err(AssessError::invalid(
                        at.field("goalpost_low"),
                        "give both goalpost_low and goalpost_high, or neither",
                    ));
                }
            };
            rows.push(RawNode {
                at,
                names: Names::toml(),
                code: n.code.clone(),
                name: n.name.clone().unwrap_or_else(|| n.code.clone()),
                kind,
                level: None,
                parent: n.parent.clone().filter(|p| !p.is_empty()),
                weight: n.weight,
                direction,
                denominator: n.denominator.clone().filter(|d| !d.is_empty()),
                target: n.target,
                goalposts,
                extra: Extra {
                    name_en: n.name_en.clone(),
                    unit: n.unit.clone().filter(|u| !u.is_empty()),
                    unit_en: n.unit_en.clone().filter(|u| !u.is_empty()),
                    min: n.min,
                    max: n.max,
                    source: n.source.clone(),
                    advice: n.advice.clone(),
                    advice_en: n.advice_en.clone(),
                },
            });
        }
        for g in &doc.groups {
            rows.push(RawNode::column(Location::file(file), g, Kind::Group));
        }
        for d in &doc.denominators {
            rows.push(RawNode::column(Location::file(file), d, Kind::Denominator));
        }
        build(file, rows)
    }
}

pub(crate) fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFramework {
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    denominators: Vec<String>,
    #[serde(default)]
    node: Vec<TomlNode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlNode {
    code: String,
    name: Option<String>,
    parent: Option<String>,
    weight: Option<f64>,
    direction: Option<f64>,
    denominator: Option<String>,
    target: Option<f64>,
    goalpost_low: Option<f64>,
    goalpost_high: Option<f64>,
    name_en: Option<String>,
    unit: Option<String>,
    unit_en: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    source: Option<String>,
    advice: Option<String>,
    advice_en: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Indicator,
    Aggregate,
    Group,
    Denominator,
    Other,
}

/// Field names as the user wrote them, so messages speak the file's language.
#[derive(Debug, Clone, Copy)]
struct Names {
    parent: &'static str,
    weight: &'static str,
    level: &'static str,
    denominator: &'static str,
}

impl Names {
    fn imeta() -> Self {
        Names {
            parent: "Parent",
            weight: "Weight",
            level: "Level",
            denominator: "Denominator",
        }
    }
    fn toml() -> Self {
        Names {
            parent: "parent",
            weight: "weight",
            level: "level",
            denominator: "denominator",
        }
    }
}

#[derive(Debug, Clone)]
struct RawNode {
    at: Location,
    names: Names,
    code: String,
    name: String,
    kind: Kind,
    level: Option<usize>,
    parent: Option<String>,
    weight: Option<f64>,
    direction: Option<Direction>,
    denominator: Option<String>,
    target: Option<f64>,
    goalposts: Option<(f64, f64)>,
    extra: Extra,
}

/// Descriptive fields carried through unchanged (range checked for min ≤ max).
#[derive(Debug, Clone, Default)]
struct Extra {
    name_en: Option<String>,
    unit: Option<String>,
    unit_en: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    source: Option<String>,
    advice: Option<String>,
    advice_en: Option<String>,
}

impl RawNode {
    fn column(at: Location, code: &str, kind: Kind) -> Self {
        RawNode {
            at,
            names: Names::toml(),
            code: code.to_string(),
            name: code.to_string(),
            kind,
            level: None,
            parent: None,
            weight: None,
            direction: None,
            denominator: None,
            target: None,
            goalposts: None,
            extra: Extra::default(),
        }
    }
}

fn direction_from(v: f64, text: &str, at: Location) -> Result<Direction, AssessError> {
    if v == 1.0 {
        Ok(Direction::Positive)
    } else if v == -1.0 {
        Ok(Direction::Negative)
    } else {
        Err(AssessError::BadDirection {
            at,
            value: text.to_string(),
        })
    }
}

fn number(text: &str, at: impl FnOnce() -> Location) -> Result<Option<f64>, AssessError> {
    let t = text.trim();
    if t.is_empty() || t == "NA" {
        return Ok(None);
    }
    t.parse::<f64>()
        .map(Some)
        .map_err(|_| AssessError::NotANumber {
            at: at(),
            value: t.to_string(),
        })
}

fn read_imeta(file: &str, text: &str) -> Result<Vec<RawNode>, AssessError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| AssessError::Csv {
            at: Location::row(file, 1),
            message: e.to_string(),
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let Some(c_code) = col("iCode") else {
        return Err(AssessError::MissingColumn {
            at: Location::row(file, 1),
            name: "iCode".into(),
        });
    };
    let Some(c_type) = col("Type") else {
        return Err(AssessError::MissingColumn {
            at: Location::row(file, 1),
            name: "Type".into(),
        });
    };
    let (c_name_en, c_unit, c_unit_en, c_min, c_max, c_source) = (
        col("iName_en"),
        col("Unit"),
        col("Unit_en"),
        col("Min"),
        col("Max"),
        col("Source"),
    );
    let (c_name, c_level, c_parent, c_dir, c_weight, c_denom, c_target, c_glo, c_ghi) = (
        col("iName"),
        col("Level"),
        col("Parent"),
        col("Direction"),
        col("Weight"),
        col("Denominator"),
        col("Target"),
        col("GoalpostLow"),
        col("GoalpostHigh"),
    );
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| AssessError::Csv {
            at: Location::row(file, row),
            message: e.to_string(),
        })?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
        let at = Location::row(file, row);
        let code = get(Some(c_code));
        if code.is_empty() {
            return Err(AssessError::invalid(at.field("iCode"), "empty code"));
        }
        let kind = match get(Some(c_type)).as_str() {
            "Indicator" => Kind::Indicator,
            "Aggregate" => Kind::Aggregate,
            "Group" => Kind::Group,
            "Denominator" => Kind::Denominator,
            "Other" => Kind::Other,
            t => {
                return Err(AssessError::invalid(
                    at.field("Type"),
                    format!(
                        "type \"{t}\" is not one of Indicator, Aggregate, Group, Denominator, Other"
                    ),
                ));
            }
        };
        let level = match number(&get(c_level), || at.clone().field("Level"))? {
            Some(l) if l >= 1.0 && l.fract() == 0.0 => Some(l as usize),
            Some(l) => {
                return Err(AssessError::invalid(
                    at.field("Level"),
                    format!("level {l} is not a whole number ≥ 1"),
                ));
            }
            None => None,
        };
        let dir_text = get(c_dir);
        let direction = match number(&dir_text, || at.clone().field("Direction"))? {
            Some(d) => Some(direction_from(d, &dir_text, at.clone().field("Direction"))?),
            None => None,
        };
        let glo = number(&get(c_glo), || at.clone().field("GoalpostLow"))?;
        let ghi = number(&get(c_ghi), || at.clone().field("GoalpostHigh"))?;
        let goalposts = match (glo, ghi) {
            (Some(l), Some(h)) => Some((l, h)),
            (None, None) => None,
            _ => {
                return Err(AssessError::invalid(
                    at.field("GoalpostLow"),
                    "give both GoalpostLow and GoalpostHigh, or neither",
                ));
            }
        };
        let name = get(c_name);
        out.push(RawNode {
            names: Names::imeta(),
            name: if name.is_empty() { code.clone() } else { name },
            kind,
            level,
            parent: Some(get(c_parent)).filter(|p| !p.is_empty()),
            weight: number(&get(c_weight), || at.clone().field("Weight"))?,
            direction,
            denominator: Some(get(c_denom)).filter(|d| !d.is_empty()),
            target: number(&get(c_target), || at.clone().field("Target"))?,
            goalposts,
            extra: Extra {
                name_en: Some(get(c_name_en)).filter(|v| !v.is_empty()),
                unit: Some(get(c_unit)).filter(|v| !v.is_empty()),
                unit_en: Some(get(c_unit_en)).filter(|v| !v.is_empty()),
                min: number(&get(c_min), || at.clone().field("Min"))?,
                max: number(&get(c_max), || at.clone().field("Max"))?,
                source: Some(get(c_source)).filter(|v| !v.is_empty()),
                advice: None,
                advice_en: None,
            },
            code,
            at,
        });
    }
    Ok(out)
}

fn build(file: &str, rows: Vec<RawNode>) -> Result<Framework, AssessError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if seen.insert(r.code.as_str(), i).is_some() {
            let field = if r.names.parent == "Parent" {
                "iCode"
            } else {
                "code"
            };
            return Err(AssessError::DuplicateCode {
                at: r.at.clone().field(field),
                code: r.code.clone(),
            });
        }
    }
    let groups: Vec<String> = rows
        .iter()
        .filter(|r| r.kind == Kind::Group)
        .map(|r| r.code.clone())
        .collect();
    let denominators: Vec<String> = rows
        .iter()
        .filter(|r| r.kind == Kind::Denominator)
        .map(|r| r.code.clone())
        .collect();
    let tree: Vec<&RawNode> = rows
        .iter()
        .filter(|r| matches!(r.kind, Kind::Indicator | Kind::Aggregate))
        .collect();
    let pos: HashMap<&str, usize> = tree
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str(), i))
        .collect();

    // Parents must exist and be aggregates; denominators must be declared columns.
    let mut parent: Vec<Option<usize>> = Vec::with_capacity(tree.len());
    for r in &tree {
        let p = match &r.parent {
            None => None,
            Some(p) => match pos.get(p.as_str()) {
                Some(&pi) if tree[pi].kind == Kind::Aggregate => Some(pi),
                Some(_) => {
                    return Err(AssessError::invalid(
                        r.at.clone().field(r.names.parent),
                        format!("parent \"{p}\" is an indicator, not an aggregate"),
                    ));
                }
                None => {
                    return Err(AssessError::UnknownParent {
                        at: r.at.clone().field(r.names.parent),
                        parent: p.clone(),
                    });
                }
            },
        };
        parent.push(p);
        if let Some(d) = &r.denominator
            && r.kind == Kind::Indicator
            && !denominators.contains(d)
        {
            return Err(AssessError::UnknownDenominator {
                at: r.at.clone().field(r.names.denominator),
                name: d.clone(),
            });
        }
        if r.kind == Kind::Indicator && r.direction.is_none() {
            let field = if r.names.parent == "Parent" {
                "Direction"
            } else {
                "direction"
            };
            return Err(AssessError::invalid(
                r.at.clone().field(field),
                "an indicator needs a direction (1 or -1)",
            ));
        }
        if let (Some(lo), Some(hi)) = (r.extra.min, r.extra.max)
            && lo > hi
        {
            let field = if r.names.parent == "Parent" {
                "Min"
            } else {
                "min"
            };
            return Err(AssessError::invalid(
                r.at.clone().field(field),
                format!("the minimum {lo} is above the maximum {hi}"),
            ));
        }
        if let Some(w) = r.weight
            && !(w >= 0.0 && w.is_finite())
        {
            return Err(AssessError::invalid(
                r.at.clone().field(r.names.weight),
                format!("weight {w} must be a finite number ≥ 0"),
            ));
        }
    }

    // Cycles: walking up from any node must end at a root within tree.len() steps.
    for start in 0..tree.len() {
        let mut cur = start;
        let mut steps = 0;
        while let Some(p) = parent[cur] {
            cur = p;
            steps += 1;
            if steps > tree.len() {
                // `cur` is on the cycle; name its earliest row.
                let mut members = vec![cur];
                let mut c = parent[cur].unwrap_or(cur);
                while c != cur {
                    members.push(c);
                    c = parent[c].unwrap_or(cur);
                }
                let first = members.iter().copied().min().unwrap_or(cur);
                return Err(AssessError::Cycle {
                    at: tree[first].at.clone().field(tree[first].names.parent),
                    code: tree[first].code.clone(),
                });
            }
        }
    }

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); tree.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    for (i, r) in tree.iter().enumerate() {
        if r.kind == Kind::Aggregate && children[i].is_empty() {
            return Err(AssessError::invalid(
                r.at.clone(),
                format!("aggregate \"{}\" has no children", r.code),
            ));
        }
        if r.kind == Kind::Indicator && parent[i].is_none() {
            return Err(AssessError::invalid(
                r.at.clone().field(r.names.parent),
                format!("indicator \"{}\" has no parent", r.code),
            ));
        }
    }
    let roots: Vec<usize> = (0..tree.len()).filter(|&i| parent[i].is_none()).collect();
    let root = match roots.as_slice() {
        [r] => *r,
        [] => {
            return Err(AssessError::invalid(
                Location::file(file),
                "the framework has no index (no aggregate without a parent)",
            ));
        }
        [_, second, ..] => {
            let r = tree[*second];
            return Err(AssessError::invalid(
                r.at.clone().field(r.names.parent),
                format!(
                    "\"{}\" is a second top node; the framework must have one index",
                    r.code
                ),
            ));
        }
    };
    if tree[root].kind == Kind::Indicator {
        return Err(AssessError::invalid(
            Location::file(file),
            "the framework has no aggregates",
        ));
    }

    // Levels, computed bottom-up; every child of a node must sit on the same level.
    let mut level: Vec<Option<usize>> = tree
        .iter()
        .map(|r| {
            if r.kind == Kind::Indicator {
                Some(1)
            } else {
                None
            }
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..tree.len() {
            if level[i].is_some() {
                continue;
            }
            let ls: Option<Vec<usize>> = children[i].iter().map(|&c| level[c]).collect();
            if let Some(ls) = ls {
                let l0 = ls[0];
                if let Some(&bad) = ls.iter().find(|&&l| l != l0) {
                    let c = children[i][ls.iter().position(|&l| l == bad).unwrap_or(0)];
                    return Err(AssessError::invalid(
                        tree[c].at.clone().field(tree[c].names.parent),
                        format!(
                            "the children of \"{}\" are on different levels ({l0} and {bad}); insert an intermediate aggregate",
                            tree[i].code
                        ),
                    ));
                }
                level[i] = Some(l0 + 1);
                changed = true;
            }
        }
    }
    let level: Vec<usize> = level.into_iter().map(|l| l.unwrap_or(0)).collect();
    for (i, r) in tree.iter().enumerate() {
        if let Some(given) = r.level
            && given != level[i]
        {
            return Err(AssessError::invalid(
                r.at.clone().field(r.names.level),
                format!(
                    "level {given} does not match the tree: \"{}\" is on level {}",
                    r.code, level[i]
                ),
            ));
        }
    }
    for (i, r) in tree.iter().enumerate() {
        if r.kind == Kind::Aggregate
            && children[i]
                .iter()
                .all(|&c| tree[c].weight.unwrap_or(1.0) == 0.0)
        {
            let c = tree[children[i][0]];
            return Err(AssessError::ZeroWeights {
                at: c.at.clone().field(c.names.weight),
                parent: r.code.clone(),
            });
        }
    }

    // Final order: indicators in file order, then aggregates by level.
    let mut order: Vec<usize> = (0..tree.len()).filter(|&i| level[i] == 1).collect();
    let n_indicators = order.len();
    let n_levels = level[root];
    for l in 2..=n_levels {
        order.extend((0..tree.len()).filter(|&i| level[i] == l));
    }
    let mut new_index = vec![0; tree.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let nodes: Vec<Node> = order
        .iter()
        .map(|&old| {
            let r = tree[old];
            Node {
                code: r.code.clone(),
                name: r.name.clone(),
                level: level[old],
                parent: parent[old].map(|p| new_index[p]),
                children: children[old].iter().map(|&c| new_index[c]).collect(),
                weight: r.weight.unwrap_or(1.0),
                direction: r.direction.unwrap_or(Direction::Positive),
                denominator: r.denominator.clone(),
                target: r.target,
                goalposts: r.goalposts,
                name_en: r.extra.name_en.clone(),
                unit: r.extra.unit.clone(),
                unit_en: r.extra.unit_en.clone(),
                min: r.extra.min,
                max: r.extra.max,
                source: r.extra.source.clone(),
                advice: r.extra.advice.clone(),
                advice_en: r.extra.advice_en.clone(),
            }
        })
        .collect();
    let by_code = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.code.clone(), i))
        .collect();
    Ok(Framework {
        source: file.to_string(),
        nodes,
        n_indicators,
        n_levels,
        root: new_index[root],
        groups,
        denominators,
        by_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "iCode,iName,Level,Parent,Direction,Weight,Type,Denominator\n";

    fn parse(body: &str) -> Result<Framework, AssessError> {
        Framework::from_imeta_str("meta.csv", &format!("{HEAD}{body}"))
    }

    #[test]
    fn a_small_tree() {
        let fw = parse(
            "a,A,1,P,1,1,Indicator,\nb,B,1,P,-1,2,Indicator,Pop\nc,C,1,Q,1,1,Indicator,\n\
             P,P,2,I,1,1,Aggregate,\nQ,Q,2,I,1,1,Aggregate,\nI,Index,3,,1,1,Aggregate,\nPop,Pop,,,,,Denominator,\n",
        )
        .unwrap();
        assert_eq!(fw.n_indicators(), 3);
        assert_eq!(fw.n_levels(), 3);
        assert_eq!(fw.node(fw.root()).code, "I");
        assert_eq!(fw.node(1).direction, Direction::Negative);
        assert_eq!(fw.node(1).denominator.as_deref(), Some("Pop"));
        let p = fw.find("P").unwrap();
        assert_eq!(fw.node(p).children, vec![0, 1]);
        assert!(
            fw.aggregates()
                .all(|i| fw.node(i).children.iter().all(|&c| c < i))
        );
    }

    fn message(body: &str) -> String {
        parse(body).unwrap_err().to_string()
    }

    #[test]
    fn unknown_parent_names_row_and_field() {
        let m = message("a,A,1,P,1,1,Indicator,\nb,B,1,Px,1,1,Indicator,\nP,P,2,,1,1,Aggregate,\n");
        assert_eq!(m, "meta.csv, row 3, field Parent: unknown parent \"Px\"");
    }

    #[test]
    fn duplicate_code() {
        let m = message("a,A,1,P,1,1,Indicator,\na,B,1,P,1,1,Indicator,\nP,P,2,,1,1,Aggregate,\n");
        assert_eq!(m, "meta.csv, row 3, field iCode: duplicate code \"a\"");
    }

    #[test]
    fn cycle() {
        let m = message("a,A,1,P,1,1,Indicator,\nP,P,,Q,1,1,Aggregate,\nQ,Q,,P,1,1,Aggregate,\n");
        assert!(
            m.starts_with("meta.csv, row 3, field Parent: \"P\" is its own ancestor"),
            "{m}"
        );
    }

    #[test]
    fn zero_weights() {
        let m = message("a,A,1,P,1,0,Indicator,\nb,B,1,P,1,0,Indicator,\nP,P,2,,1,1,Aggregate,\n");
        assert_eq!(
            m,
            "meta.csv, row 2, field Weight: the weights of all children of \"P\" are zero"
        );
    }

    #[test]
    fn bad_direction() {
        let m = message("a,A,1,P,2,1,Indicator,\nP,P,2,,1,1,Aggregate,\n");
        assert_eq!(
            m,
            "meta.csv, row 2, field Direction: direction must be 1 or -1, not \"2\""
        );
    }

    #[test]
    fn unknown_denominator() {
        let m = message("a,A,1,P,1,1,Indicator,GDP\nP,P,2,,1,1,Aggregate,\n");
        assert_eq!(
            m,
            "meta.csv, row 2, field Denominator: unknown denominator column \"GDP\""
        );
    }

    #[test]
    fn wrong_level_and_second_root() {
        let m = message("a,A,1,P,1,1,Indicator,\nP,P,3,,1,1,Aggregate,\n");
        assert!(
            m.starts_with("meta.csv, row 3, field Level: level 3 does not match"),
            "{m}"
        );
        let m = message(
            "a,A,1,P,1,1,Indicator,\nb,B,1,Q,1,1,Indicator,\nP,P,2,,1,1,Aggregate,\nQ,Q,2,,1,1,Aggregate,\n",
        );
        assert!(
            m.starts_with("meta.csv, row 5, field Parent: \"Q\" is a second top node"),
            "{m}"
        );
    }

    #[test]
    fn not_a_number() {
        let m = message("a,A,1,P,1,heavy,Indicator,\nP,P,2,,1,1,Aggregate,\n");
        assert_eq!(
            m,
            "meta.csv, row 2, field Weight: \"heavy\" is not a number"
        );
    }

    #[test]
    fn toml_framework() {
        let fw = Framework::from_toml_str(
            "fw.toml",
            "denominators = [\"Pop\"]\n\
             [[node]]\ncode = \"a\"\nparent = \"P\"\ndirection = 1\n\
             [[node]]\ncode = \"b\"\nparent = \"P\"\ndirection = -1\nweight = 2\ndenominator = \"Pop\"\n\
             [[node]]\ncode = \"P\"\n",
        )
        .unwrap();
        assert_eq!(fw.n_indicators(), 2);
        assert_eq!(fw.node(1).weight, 2.0);
        let e = Framework::from_toml_str(
            "fw.toml",
            "[[node]]\ncode = \"a\"\nparent = \"P\"\ndirection = 0\n[[node]]\ncode = \"P\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "fw.toml, node 1, field direction: direction must be 1 or -1, not \"0\""
        );
        let e = Framework::from_toml_str(
            "fw.toml",
            "[[node]]\ncode = \"a\"\nparent = \"X\"\ndirection = 1\n[[node]]\ncode = \"P\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "fw.toml, node 1, field parent: unknown parent \"X\""
        );
    }
}
