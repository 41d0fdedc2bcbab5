//! Panel data: units × indicators × years, and the imputations that need time (carry the
//! latest available year forward; interpolate linearly between years).
//!
//! Two layouts are read, both CSV:
//! - **wide**, COINr's `iData` with a `Time` column: one row per unit and year, one column
//!   per indicator, group and denominator named in the framework;
//! - **long**, one value per row: `uCode, [uName,] [Time,] iCode, Value[, Unit]`, the shape
//!   a data-collection form or a statistics export produces (other columns, such as an
//!   indicator name for people, are ignored). `iCode` names an indicator, a
//!   denominator or a group column (whose `Value` is then a label). When a `Unit` column is
//!   present it must agree with the framework's unit for the indicator.
//!
//! Both take an optional `uName_en` column (the unit's English name, for English text).
//! Both check every value against the framework's valid range (`min`, `max`): a negative
//! export volume or a share above 100 is refused with the file, row and column, not
//! carried into the index. A unit without a single indicator value in any year is refused
//! too. A [`Panel`] is turned into the cross-section of one year with [`Panel::year`].

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::{Data, DenominatorColumn, GroupColumn, Unit};
use crate::error::{AssessError, Location, RangeViolation, UnitMismatch};
use crate::framework::{Framework, Node, display_name};
use crate::matrix::Matrix;

/// Imputation along time, within each unit and indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelMethod {
    /// The value of the latest earlier year that has one (last observation carried forward).
    Latest,
    /// Linear interpolation between the nearest earlier and later years with values; a gap
    /// at either end stays missing (combine with `latest` to fill the end).
    Linear,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel {
    source: String,
    units: Vec<Unit>,
    years: Vec<i32>,
    /// Per year: units × indicators.
    values: Vec<Matrix>,
    /// Per year: units × declared denominators.
    denominators: Vec<Matrix>,
    denominator_names: Vec<String>,
    /// Denominator columns the file actually has.
    has_denominator: Vec<bool>,
    groups: Vec<GroupColumn>,
}

impl Panel {
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// Years in ascending order.
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    pub fn latest_year(&self) -> i32 {
        self.years.last().copied().unwrap_or_default()
    }

    /// The year before `year` in the panel, if any.
    pub fn previous_year(&self, year: i32) -> Option<i32> {
        self.years.iter().rev().copied().find(|&y| y < year)
    }

    /// Indicator values of one year (units × indicators).
    pub fn values(&self, year: i32) -> Option<&Matrix> {
        let k = self.years.iter().position(|&y| y == year)?;
        Some(&self.values[k])
    }

    /// The cross-section of one year, ready for [`crate::pipeline::run`]. Every unit of the
    /// panel is kept; one without data that year gets no score and no rank.
    pub fn year(&self, year: i32) -> Result<Data, AssessError> {
        let k = self.years.iter().position(|&y| y == year).ok_or_else(|| {
            AssessError::invalid(
                Location::file(&self.source).field("Time"),
                format!(
                    "no data for {year}; the file has {}",
                    self.years
                        .iter()
                        .map(i32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let denominators = self
            .denominator_names
            .iter()
            .enumerate()
            .filter(|(d, _)| self.has_denominator[*d])
            .map(|(d, name)| DenominatorColumn {
                name: name.clone(),
                values: self.denominators[k].col(d).to_vec(),
            })
            .collect();
        Ok(Data::from_parts(
            self.source.clone(),
            self.units.clone(),
            self.values[k].clone(),
            self.groups.clone(),
            denominators,
        ))
    }

    /// Fills missing values along time, for indicators and denominators; returns the panel
    /// and how many values were filled.
    pub fn impute(&self, method: PanelMethod) -> (Panel, usize) {
        let mut out = self.clone();
        let mut filled = 0;
        let years: Vec<f64> = self.years.iter().map(|&y| f64::from(y)).collect();
        for series in [&mut out.values, &mut out.denominators] {
            let (rows, cols) = match series.first() {
                Some(m) => (m.rows(), m.cols()),
                None => continue,
            };
            for i in 0..rows {
                for j in 0..cols {
                    let mut x: Vec<f64> = series.iter().map(|m| m.get(i, j)).collect();
                    let n = impute_series(&mut x, &years, method);
                    if n > 0 {
                        filled += n;
                        for (m, v) in series.iter_mut().zip(&x) {
                            m.set(i, j, *v);
                        }
                    }
                }
            }
        }
        (out, filled)
    }

    /// Values that moved by more than `max_change` (a fraction: 0.5 is ±50%) from the unit's
    /// previous reported year: warnings for the reviewer of a submission, not errors (a
    /// new plant can double a zone's exports). Only indicators that cannot be negative are
    /// checked; for rates and growth figures a relative change means little. A rise from
    /// zero is reported with an infinite change.
    pub fn jumps(&self, framework: &Framework, max_change: f64) -> Vec<Jump> {
        let mut out = Vec::new();
        for (j, ind) in framework.indicators().iter().enumerate() {
            if !ind.min.is_some_and(|m| m >= 0.0) {
                continue;
            }
            for (i, unit) in self.units.iter().enumerate() {
                let mut last: Option<(i32, f64)> = None;
                for (k, &year) in self.years.iter().enumerate() {
                    let v = self.values[k].get(i, j);
                    if v.is_nan() {
                        continue;
                    }
                    if let Some((py, p)) = last {
                        let change = if p == 0.0 {
                            if v == 0.0 { 0.0 } else { f64::INFINITY }
                        } else {
                            (v - p) / p.abs()
                        };
                        if change.abs() > max_change {
                            out.push(Jump {
                                unit: unit.code.clone(),
                                indicator: ind.code.clone(),
                                year,
                                previous_year: py,
                                previous: p,
                                value: v,
                                change,
                            });
                        }
                    }
                    last = Some((year, v));
                }
            }
        }
        out
    }

    /// The panel with some values replaced: `(unit code, year, indicator column, value)`.
    /// A year the panel lacks is added, empty but for the values given (a collection year
    /// ahead of the data); a unit the panel lacks is an error, since it would carry no group
    /// or name. `source` becomes the panel's source.
    pub fn overlay(
        &self,
        source: &str,
        values: &[(String, i32, usize, f64)],
    ) -> Result<Panel, AssessError> {
        let mut out = self.clone();
        out.source = source.to_string();
        for &(_, year, _, _) in values {
            if !out.years.contains(&year) {
                let k = out.years.partition_point(|&y| y < year);
                let rows = out.units.len();
                let cols = self.values.first().map_or(0, Matrix::cols);
                let dcols = self.denominators.first().map_or(0, Matrix::cols);
                out.years.insert(k, year);
                out.values.insert(k, Matrix::missing(rows, cols));
                out.denominators.insert(k, Matrix::missing(rows, dcols));
            }
        }
        for (unit, year, j, v) in values {
            let i = out
                .units
                .iter()
                .position(|u| &u.code == unit)
                .ok_or_else(|| {
                    AssessError::invalid(
                        Location::file(source).field("uCode"),
                        format!("no unit {unit} in the panel"),
                    )
                })?;
            let k = out.years.iter().position(|y| y == year).unwrap_or_default();
            let m = &mut out.values[k];
            if *j >= m.cols() {
                return Err(AssessError::invalid(
                    Location::file(source).field("iCode"),
                    format!("no indicator column {j}"),
                ));
            }
            m.set(i, *j, *v);
        }
        Ok(out)
    }

    pub fn from_path(path: impl AsRef<Path>, framework: &Framework) -> Result<Self, AssessError> {
        let path = path.as_ref();
        let name = display_name(path);
        let text = std::fs::read_to_string(path).map_err(|source| AssessError::Io {
            at: Location::file(&name),
            source,
        })?;
        Self::from_csv_str(&name, &text, framework)
    }

    /// Reads wide (iData with `Time`) or long (`iCode`, `Value`) CSV text; `file` names it
    /// in error messages.
    pub fn from_csv_str(
        file: &str,
        text: &str,
        framework: &Framework,
    ) -> Result<Self, AssessError> {
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
        let cells = read_cells(file, &mut rdr, &headers, framework)?;
        assemble(file, framework, cells)
    }
}

/// A value that moved a lot from the unit's previous reported year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Jump {
    pub unit: String,
    pub indicator: String,
    pub year: i32,
    pub previous_year: i32,
    pub previous: f64,
    pub value: f64,
    /// (value − previous) / |previous|.
    pub change: f64,
}

/// Fills one unit's series in place; `years` ascending. Returns how many were filled.
pub fn impute_series(x: &mut [f64], years: &[f64], method: PanelMethod) -> usize {
    let known: Vec<usize> = (0..x.len()).filter(|&k| !x[k].is_nan()).collect();
    let mut filled = 0;
    for k in 0..x.len() {
        if !x[k].is_nan() {
            continue;
        }
        let before = known.iter().rev().copied().find(|&b| b < k);
        let after = known.iter().copied().find(|&a| a > k);
        let v = match (method, before, after) {
            (PanelMethod::Latest, Some(b), _) => x[b],
            (PanelMethod::Linear, Some(b), Some(a)) => {
                let t = (years[k] - years[b]) / (years[a] - years[b]);
                x[b] + t * (x[a] - x[b])
            }
            _ => continue,
        };
        x[k] = v;
        filled += 1;
    }
    filled
}

/// One value read from the file, wherever it came from.
struct Cell {
    row: usize,
    field: String,
    unit: usize,
    time: i32,
    what: Target,
}

enum Target {
    Indicator(usize, f64),
    Denominator(usize, f64),
    Group(usize, String),
}

struct Cells {
    units: Vec<Unit>,
    /// Row of each unit's first appearance, for errors about the unit as a whole.
    first_row: Vec<usize>,
    cells: Vec<Cell>,
    has_group: Vec<bool>,
    has_denominator: Vec<bool>,
}

enum Col {
    Code,
    Name,
    Time,
    Indicator(usize),
    Group(usize),
    Denominator(usize),
}

fn classify(framework: &Framework, code: &str) -> Option<Col> {
    if let Some(i) = framework
        .find(code)
        .filter(|&i| i < framework.n_indicators())
    {
        Some(Col::Indicator(i))
    } else if let Some(g) = framework.groups().iter().position(|g| g == code) {
        Some(Col::Group(g))
    } else {
        framework
            .denominators()
            .iter()
            .position(|d| d == code)
            .map(Col::Denominator)
    }
}

fn read_cells(
    file: &str,
    rdr: &mut csv::Reader<&[u8]>,
    headers: &csv::StringRecord,
    framework: &Framework,
) -> Result<Cells, AssessError> {
    let pos = |name: &str| headers.iter().position(|h| h == name);
    let long = pos("iCode").is_some() && pos("Value").is_some();
    let Some(c_code) = pos("uCode") else {
        return Err(AssessError::MissingColumn {
            at: Location::row(file, 1),
            name: "uCode".into(),
        });
    };
    let (c_name, c_name_en, c_time) = (pos("uName"), pos("uName_en"), pos("Time"));
    let mut out = Cells {
        units: Vec::new(),
        first_row: Vec::new(),
        cells: Vec::new(),
        has_group: vec![false; framework.groups().len()],
        has_denominator: vec![false; framework.denominators().len()],
    };
    let mut unit_index: HashMap<String, usize> = HashMap::new();

    // Wide layout: classify the columns once.
    let mut cols = Vec::new();
    if !long {
        let mut seen = BTreeSet::new();
        for h in headers.iter() {
            if !seen.insert(h) {
                return Err(AssessError::invalid(
                    Location::row(file, 1).field(h),
                    "the column appears twice",
                ));
            }
            let c = match h {
                "uCode" => Col::Code,
                "uName" | "uName_en" => Col::Name,
                "Time" => Col::Time,
                _ => classify(framework, h).ok_or_else(|| AssessError::UnknownColumn {
                    at: Location::row(file, 1).field(h),
                    name: h.into(),
                })?,
            };
            match c {
                Col::Group(g) => out.has_group[g] = true,
                Col::Denominator(d) => out.has_denominator[d] = true,
                _ => {}
            }
            cols.push(c);
        }
        for ind in framework.indicators() {
            if !headers.iter().any(|h| h == ind.code) {
                return Err(AssessError::MissingColumn {
                    at: Location::row(file, 1),
                    name: ind.code.clone(),
                });
            }
        }
    }
    let (c_icode, c_value, c_unit) = (pos("iCode"), pos("Value"), pos("Unit"));

    for (r, rec) in rdr.records().enumerate() {
        let row = r + 2;
        let rec = rec.map_err(|e| AssessError::Csv {
            at: Location::row(file, row),
            message: e.to_string(),
        })?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let code = get(Some(c_code));
        if code.is_empty() {
            return Err(AssessError::invalid(
                Location::row(file, row).field("uCode"),
                "empty unit code",
            ));
        }
        let time = match c_time {
            None => 0,
            Some(_) => parse_year(get(c_time), || Location::row(file, row).field("Time"))?,
        };
        let unit = *unit_index.entry(code.to_string()).or_insert_with(|| {
            out.units.push(Unit::new(code, code));
            out.first_row.push(row);
            out.units.len() - 1
        });
        let name = get(c_name);
        if !name.is_empty() {
            out.units[unit].name = name.to_string();
        }
        let name_en = get(c_name_en);
        if !name_en.is_empty() {
            out.units[unit].name_en = Some(name_en.to_string());
        }
        if long {
            let icode = get(c_icode);
            let at = || Location::row(file, row).field("Value");
            let value = get(c_value);
            let what = match classify(framework, icode) {
                Some(Col::Indicator(i)) => {
                    let node = framework.node(i);
                    if let Some(given) = c_unit.map(|c| rec.get(c).unwrap_or(""))
                        && let Some(expected) = &node.unit
                        && !given.is_empty()
                        && given != expected
                    {
                        return Err(AssessError::WrongUnit {
                            at: Location::row(file, row).field("Unit"),
                            detail: Box::new(UnitMismatch {
                                indicator: node.code.clone(),
                                given: given.to_string(),
                                expected: expected.clone(),
                            }),
                        });
                    }
                    Target::Indicator(i, checked(value, node, at)?)
                }
                Some(Col::Denominator(d)) => {
                    out.has_denominator[d] = true;
                    Target::Denominator(d, number(value, at)?)
                }
                Some(Col::Group(g)) => {
                    out.has_group[g] = true;
                    Target::Group(g, value.to_string())
                }
                _ => {
                    return Err(AssessError::UnknownColumn {
                        at: Location::row(file, row).field("iCode"),
                        name: icode.to_string(),
                    });
                }
            };
            out.cells.push(Cell {
                row,
                field: icode.to_string(),
                unit,
                time,
                what,
            });
        } else {
            for (c, (col, cell)) in cols.iter().zip(rec.iter()).enumerate() {
                let at = || Location::row(file, row).field(&headers[c]);
                let what = match col {
                    Col::Code | Col::Name | Col::Time => continue,
                    Col::Indicator(i) => {
                        Target::Indicator(*i, checked(cell, framework.node(*i), at)?)
                    }
                    Col::Denominator(d) => Target::Denominator(*d, number(cell, at)?),
                    Col::Group(g) => Target::Group(*g, cell.to_string()),
                };
                out.cells.push(Cell {
                    row,
                    field: headers[c].to_string(),
                    unit,
                    time,
                    what,
                });
            }
        }
    }
    Ok(out)
}

/// Years a panel may span: statistics of the zones begin after 2000, plans end before 2100.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// Units one panel may hold (the province has a few dozen zones; COINr's examples, fifty
/// countries).
pub const MAX_UNITS: usize = 5_000;
/// Values one panel may hold (units × years × indicators and denominators): 80 MB of numbers.
pub const MAX_VALUES: usize = 10_000_000;

fn assemble(file: &str, framework: &Framework, c: Cells) -> Result<Panel, AssessError> {
    if c.units.is_empty() {
        return Err(AssessError::invalid(Location::file(file), "no units"));
    }
    if c.units.len() > MAX_UNITS {
        return Err(AssessError::invalid(
            Location::file(file),
            format!("{} units; at most {MAX_UNITS} are accepted", c.units.len()),
        ));
    }
    let years: Vec<i32> = c
        .cells
        .iter()
        .map(|x| x.time)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ny = years.len().max(1);
    let n = c.units.len();
    let per_unit_year = framework.n_indicators() + framework.denominators().len();
    let total = n.saturating_mul(ny).saturating_mul(per_unit_year);
    if total > MAX_VALUES {
        return Err(AssessError::invalid(
            Location::file(file),
            format!(
                "{n} units × {ny} years × {per_unit_year} indicators make {total} values; at most {MAX_VALUES} are accepted"
            ),
        ));
    }
    let mut values = vec![Matrix::missing(n, framework.n_indicators()); ny];
    let mut denominators = vec![Matrix::missing(n, framework.denominators().len()); ny];
    let mut groups = vec![vec![String::new(); n]; framework.groups().len()];
    // (unit, year, field) already given, to refuse a value given twice.
    let mut given: HashMap<(usize, i32, &str), usize> = HashMap::new();
    for cell in &c.cells {
        if let Some(first) = given.insert((cell.unit, cell.time, cell.field.as_str()), cell.row) {
            return Err(AssessError::invalid(
                Location::row(file, cell.row).field(&cell.field),
                format!(
                    "unit \"{}\" already has a value for {}{} (row {first})",
                    c.units[cell.unit].code,
                    cell.field,
                    if cell.time != 0 {
                        format!(" in {}", cell.time)
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        let k = years.iter().position(|&y| y == cell.time).unwrap_or(0);
        match &cell.what {
            Target::Indicator(j, v) => values[k].set(cell.unit, *j, *v),
            Target::Denominator(d, v) => denominators[k].set(cell.unit, *d, *v),
            // The latest year's label wins; "NA" is a missing label, as in COINr's files.
            Target::Group(g, label) => {
                if !label.is_empty() && label != "NA" {
                    groups[*g][cell.unit] = label.clone();
                }
            }
        }
    }
    for u in 0..n {
        let any = values
            .iter()
            .any(|m| (0..m.cols()).any(|j| !m.get(u, j).is_nan()));
        if !any {
            return Err(AssessError::EmptyUnit {
                at: Location::row(file, c.first_row[u]).field("uCode"),
                unit: c.units[u].code.clone(),
            });
        }
    }
    let groups = framework
        .groups()
        .iter()
        .zip(groups)
        .zip(&c.has_group)
        .filter(|(_, has)| **has)
        .map(|((name, values), _)| GroupColumn {
            name: name.clone(),
            values,
        })
        .collect();
    Ok(Panel {
        source: file.to_string(),
        units: c.units,
        years,
        values,
        denominators,
        denominator_names: framework.denominators().to_vec(),
        has_denominator: c.has_denominator,
        groups,
    })
}

fn parse_year(text: &str, at: impl FnOnce() -> Location) -> Result<i32, AssessError> {
    match text.parse::<f64>() {
        Ok(y) if y.fract() == 0.0 && YEARS.contains(&(y as i32)) => Ok(y as i32),
        Ok(y) if y.fract() == 0.0 => Err(AssessError::invalid(
            at(),
            format!(
                "{text} is outside the years accepted ({} to {})",
                YEARS.start(),
                YEARS.end()
            ),
        )),
        _ => Err(AssessError::invalid(
            at(),
            format!("\"{text}\" is not a year"),
        )),
    }
}

fn number(cell: &str, at: impl FnOnce() -> Location) -> Result<f64, AssessError> {
    if cell.is_empty() || cell == "NA" || cell == "NaN" {
        return Ok(f64::NAN);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(AssessError::NotANumber {
            at: at(),
            value: cell.to_string(),
        }),
    }
}

/// A number within the indicator's valid range.
pub(crate) fn checked(
    cell: &str,
    node: &Node,
    at: impl Fn() -> Location,
) -> Result<f64, AssessError> {
    let v = number(cell, &at)?;
    if v.is_nan() {
        return Ok(v);
    }
    let unit = node.unit.as_deref().unwrap_or("");
    let out = |bound: &'static str, limit: f64| AssessError::OutOfRange {
        at: at(),
        detail: Box::new(RangeViolation {
            value: v,
            bound,
            limit,
            indicator: node.code.clone(),
            unit: unit.to_string(),
        }),
    };
    if let Some(min) = node.min
        && v < min
    {
        return Err(out("below the minimum", min));
    }
    if let Some(max) = node.max
        && v > max
    {
        return Err(out("above the maximum", max));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw() -> Framework {
        Framework::from_toml_str(
            "fw.toml",
            "groups = [\"Type\"]\ndenominators = [\"Area\"]\n\
             [[node]]\ncode = \"fdi\"\nparent = \"P\"\ndirection = 1\nunit = \"USD m\"\nmin = 0\n\
             [[node]]\ncode = \"share\"\nparent = \"P\"\ndirection = 1\nunit = \"%\"\nmin = 0\nmax = 100\n\
             [[node]]\ncode = \"P\"\n",
        )
        .unwrap()
    }

    #[test]
    fn latest_and_linear() {
        let years = [2021.0, 2022.0, 2023.0, 2024.0, 2025.0];
        let mut x = [f64::NAN, 10.0, f64::NAN, f64::NAN, 16.0];
        assert_eq!(
            impute_series(&mut x.clone(), &years, PanelMethod::Latest),
            2
        );
        let mut l = x;
        impute_series(&mut l, &years, PanelMethod::Latest);
        assert!(l[0].is_nan(), "nothing earlier to carry forward");
        assert_eq!(&l[1..], &[10.0, 10.0, 10.0, 16.0]);
        // Between 10 (2022) and 16 (2025): 12 in 2023, 14 in 2024.
        assert_eq!(impute_series(&mut x, &years, PanelMethod::Linear), 2);
        assert!(x[0].is_nan());
        assert_eq!(&x[1..], &[10.0, 12.0, 14.0, 16.0]);
        // Uneven years: 2020 → 2 and 2024 → 10 give 4 in 2021.
        let mut y = [2.0, f64::NAN, 10.0];
        impute_series(&mut y, &[2020.0, 2021.0, 2024.0], PanelMethod::Linear);
        assert_eq!(y[1], 4.0);
    }

    #[test]
    fn wide_and_long_layouts_give_the_same_panel() {
        let fw = fw();
        let wide = Panel::from_csv_str(
            "wide.csv",
            "uCode,uName,Time,Type,Area,fdi,share\n\
             A,Zone A,2024,etdz,10,5,50\nA,Zone A,2025,etdz,10,,60\nB,Zone B,2025,bonded,2,1,\n",
            &fw,
        )
        .unwrap();
        let long = Panel::from_csv_str(
            "long.csv",
            "uCode,uName,Time,iCode,Value,Unit\n\
             A,Zone A,2024,fdi,5,USD m\nA,Zone A,2024,share,50,%\nA,Zone A,2024,Type,etdz,\n\
             A,Zone A,2024,Area,10,\nA,Zone A,2025,share,60,%\nA,Zone A,2025,Area,10,\n\
             B,Zone B,2025,fdi,1,USD m\nB,Zone B,2025,Type,bonded,\nB,Zone B,2025,Area,2,\n",
            &fw,
        )
        .unwrap();
        assert_eq!(wide.years(), &[2024, 2025]);
        for y in [2024, 2025] {
            let (a, b) = (wide.year(y).unwrap(), long.year(y).unwrap());
            assert_eq!(a.units(), b.units());
            for j in 0..2 {
                for i in 0..2 {
                    let (x, z) = (a.values().get(i, j), b.values().get(i, j));
                    assert!(x == z || (x.is_nan() && z.is_nan()), "{y} {i} {j}");
                }
            }
            assert_eq!(a.group("Type"), b.group("Type"));
            let same = |x: &[f64], z: &[f64]| {
                x.iter()
                    .zip(z)
                    .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
            };
            assert!(same(
                a.denominator("Area").unwrap(),
                b.denominator("Area").unwrap()
            ));
        }
        let (filled, n) = wide.impute(PanelMethod::Latest);
        // A's fdi in 2025 is carried from 2024; B has no earlier year to carry from.
        assert_eq!(n, 1);
        assert_eq!(filled.values(2025).unwrap().get(0, 0), 5.0);
        assert!(
            wide.year(2023)
                .unwrap_err()
                .to_string()
                .contains("no data for 2023")
        );
        assert_eq!(wide.previous_year(2025), Some(2024));
    }

    #[test]
    fn jumps_against_the_previous_year() {
        // fdi: 10 → 16 (+60%) → 16 → (2024 missing) → 4 in 2025 against 16 in 2023 (−75%);
        // share cannot be negative either: 20 → 21 is fine, 0 → 5 is a rise from zero.
        let p = Panel::from_csv_str(
            "d.csv",
            "uCode,Time,fdi,share
A,2021,10,20
A,2022,16,21
A,2023,16,0
A,2024,,5
A,2025,4,5
",
            &fw(),
        )
        .unwrap();
        let j = p.jumps(&fw(), 0.5);
        let got: Vec<(&str, i32, i32, f64)> = j
            .iter()
            .map(|x| (x.indicator.as_str(), x.previous_year, x.year, x.change))
            .collect();
        assert_eq!(
            got,
            vec![
                ("fdi", 2021, 2022, 0.6),
                ("fdi", 2023, 2025, -0.75),
                ("share", 2022, 2023, -1.0),
                ("share", 2023, 2024, f64::INFINITY),
            ]
        );
        assert_eq!(p.jumps(&fw(), 10.0).len(), 1, "only the rise from zero");
    }

    fn message(text: &str) -> String {
        Panel::from_csv_str("zones.csv", text, &fw())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_values_name_file_row_and_field() {
        assert_eq!(
            message("uCode,Time,iCode,Value,Unit\nA,2025,fdi,5,USD bn\n"),
            "zones.csv, row 2, field Unit: indicator fdi is in \"USD m\", not \"USD bn\""
        );
        assert_eq!(
            message("uCode,Time,fdi,share\nA,2025,5,50\nB,2025,-3,50\n"),
            "zones.csv, row 3, field fdi: value -3 is below the minimum 0 of fdi (USD m)"
        );
        assert_eq!(
            message("uCode,Time,fdi,share\nA,2025,5,150\n"),
            "zones.csv, row 2, field share: value 150 is above the maximum 100 of share (%)"
        );
        assert_eq!(
            message("uCode,Time,fdi,share\nA,2025,5,50\nB,2024,,\nB,2025,NA,\n"),
            "zones.csv, row 3, field uCode: unit \"B\" has no indicator data at all"
        );
        assert_eq!(
            message("uCode,Time,iCode,Value\nA,2025,fdi,5\nA,2025,fdi,6\n"),
            "zones.csv, row 3, field fdi: unit \"A\" already has a value for fdi in 2025 (row 2)"
        );
        assert_eq!(
            message("uCode,Time,iCode,Value\nA,2025,gdp,5\n"),
            "zones.csv, row 2, field iCode: unknown column \"gdp\" (not described in the framework)"
        );
        assert_eq!(
            message("uCode,Time,fdi,share\nA,last year,5,50\n"),
            "zones.csv, row 2, field Time: \"last year\" is not a year"
        );
    }
}
