//! Units × indicator values, with group and denominator columns, read from a COINr-style
//! `iData` CSV (columns `uCode`, `uName`, optionally `Time`, then one column per indicator,
//! group and denominator named in the framework).
//!
//! A [`Data`] is bound to the framework it was read with: indicator column `j` is the
//! framework's indicator `j`. Missing values are `NaN` (an empty cell or `NA`).

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use crate::error::{AssessError, Location};
use crate::framework::{Framework, display_name};
use crate::matrix::Matrix;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    /// English name, when `name` is in another language (column `uName_en`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
}

impl Unit {
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        Unit {
            code: code.into(),
            name: name.into(),
            name_en: None,
        }
    }

    /// The English name, or the name.
    pub fn name_en(&self) -> &str {
        self.name_en.as_deref().unwrap_or(&self.name)
    }
}

/// A categorical column (e.g. income group), one value per unit; empty when missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupColumn {
    pub name: String,
    pub values: Vec<String>,
}

/// A numeric column indicators may be divided by (e.g. population).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DenominatorColumn {
    pub name: String,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Data {
    source: String,
    units: Vec<Unit>,
    values: Matrix,
    groups: Vec<GroupColumn>,
    denominators: Vec<DenominatorColumn>,
}

impl Data {
    /// Data built in code; `values` is units × the framework's indicators.
    pub fn new(
        framework: &Framework,
        units: Vec<Unit>,
        values: Matrix,
    ) -> Result<Self, AssessError> {
        let at = Location::file("data");
        if values.rows() != units.len() || values.cols() != framework.n_indicators() {
            return Err(AssessError::invalid(
                at,
                format!(
                    "the matrix is {}×{} but there are {} units and {} indicators",
                    values.rows(),
                    values.cols(),
                    units.len(),
                    framework.n_indicators()
                ),
            ));
        }
        Ok(Data {
            source: "data".into(),
            units,
            values,
            groups: Vec::new(),
            denominators: Vec::new(),
        })
    }

    pub fn with_group(mut self, name: &str, values: Vec<String>) -> Self {
        self.groups.push(GroupColumn {
            name: name.into(),
            values,
        });
        self
    }

    pub fn with_denominator(mut self, name: &str, values: Vec<f64>) -> Self {
        self.denominators.push(DenominatorColumn {
            name: name.into(),
            values,
        });
        self
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn values(&self) -> &Matrix {
        &self.values
    }

    pub fn groups(&self) -> &[GroupColumn] {
        &self.groups
    }

    pub fn group(&self, name: &str) -> Option<&[String]> {
        self.groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.values.as_slice())
    }

    pub fn denominator(&self, name: &str) -> Option<&[f64]> {
        self.denominators
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.values.as_slice())
    }

    pub(crate) fn from_parts(
        source: String,
        units: Vec<Unit>,
        values: Matrix,
        groups: Vec<GroupColumn>,
        denominators: Vec<DenominatorColumn>,
    ) -> Data {
        Data {
            source,
            units,
            values,
            groups,
            denominators,
        }
    }

    /// The same units and columns with new indicator values.
    pub(crate) fn with_values(&self, values: Matrix) -> Data {
        Data {
            values,
            ..self.clone()
        }
    }

    /// Only the given units (by index), in that order.
    pub(crate) fn select_units(&self, keep: &[usize]) -> Data {
        Data {
            source: self.source.clone(),
            units: keep.iter().map(|&i| self.units[i].clone()).collect(),
            values: self.values.select_rows(keep),
            groups: self
                .groups
                .iter()
                .map(|g| GroupColumn {
                    name: g.name.clone(),
                    values: keep.iter().map(|&i| g.values[i].clone()).collect(),
                })
                .collect(),
            denominators: self
                .denominators
                .iter()
                .map(|d| DenominatorColumn {
                    name: d.name.clone(),
                    values: keep.iter().map(|&i| d.values[i]).collect(),
                })
                .collect(),
        }
    }

    pub fn from_idata_path(
        path: impl AsRef<Path>,
        framework: &Framework,
    ) -> Result<Self, AssessError> {
        let path = path.as_ref();
        let name = display_name(path);
        let text = std::fs::read_to_string(path).map_err(|source| AssessError::Io {
            at: Location::file(&name),
            source,
        })?;
        Self::from_idata_str(&name, &text, framework)
    }

    /// Reads iData CSV text; `file` names it in error messages.
    pub fn from_idata_str(
        file: &str,
        text: &str,
        framework: &Framework,
    ) -> Result<Self, AssessError> {
        enum Col {
            Code,
            Name,
            NameEn,
            Time,
            Indicator(usize),
            Group(usize),
            Denominator(usize),
        }
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
        let mut cols = Vec::with_capacity(headers.len());
        let mut seen = HashSet::new();
        for h in headers.iter() {
            if !seen.insert(h) {
                return Err(AssessError::invalid(
                    Location::row(file, 1).field(h),
                    "the column appears twice",
                ));
            }
            let c = match h {
                "uCode" => Col::Code,
                "uName" => Col::Name,
                "uName_en" => Col::NameEn,
                "Time" => Col::Time,
                _ => {
                    if let Some(i) = framework.find(h).filter(|&i| i < framework.n_indicators()) {
                        Col::Indicator(i)
                    } else if let Some(g) = framework.groups().iter().position(|g| g == h) {
                        Col::Group(g)
                    } else if let Some(d) = framework.denominators().iter().position(|d| d == h) {
                        Col::Denominator(d)
                    } else {
                        return Err(AssessError::UnknownColumn {
                            at: Location::row(file, 1).field(h),
                            name: h.into(),
                        });
                    }
                }
            };
            cols.push(c);
        }
        let has = |pred: &dyn Fn(&Col) -> bool| cols.iter().any(pred);
        if !has(&|c| matches!(c, Col::Code)) {
            return Err(AssessError::MissingColumn {
                at: Location::row(file, 1),
                name: "uCode".into(),
            });
        }
        for (i, ind) in framework.indicators().iter().enumerate() {
            if !has(&|c| matches!(c, Col::Indicator(j) if *j == i)) {
                return Err(AssessError::MissingColumn {
                    at: Location::row(file, 1),
                    name: ind.code.clone(),
                });
            }
            if let Some(d) = &ind.denominator {
                let di = framework.denominators().iter().position(|x| x == d);
                if !has(&|c| matches!(c, Col::Denominator(j) if Some(*j) == di)) {
                    return Err(AssessError::UnknownDenominator {
                        at: Location::row(file, 1),
                        name: d.clone(),
                    });
                }
            }
        }

        let n_ind = framework.n_indicators();
        let mut units = Vec::new();
        let mut columns: Vec<Vec<f64>> = vec![Vec::new(); n_ind];
        let mut groups: Vec<Option<Vec<String>>> = vec![None; framework.groups().len()];
        let mut denoms: Vec<Option<Vec<f64>>> = vec![None; framework.denominators().len()];
        for c in &cols {
            match c {
                Col::Group(g) => groups[*g] = Some(Vec::new()),
                Col::Denominator(d) => denoms[*d] = Some(Vec::new()),
                _ => {}
            }
        }
        let mut codes = HashSet::new();
        for (r, rec) in rdr.records().enumerate() {
            let row = r + 2;
            let rec = rec.map_err(|e| AssessError::Csv {
                at: Location::row(file, row),
                message: e.to_string(),
            })?;
            let mut unit = Unit::new("", "");
            let mut present = 0;
            for (c, (col, cell)) in cols.iter().zip(rec.iter()).enumerate() {
                let at = || Location::row(file, row).field(&headers[c]);
                match col {
                    Col::Code => unit.code = cell.to_string(),
                    Col::Name => unit.name = cell.to_string(),
                    Col::NameEn => unit.name_en = Some(cell.to_string()).filter(|n| !n.is_empty()),
                    Col::Time => {}
                    Col::Group(g) => {
                        if let Some(v) = groups[*g].as_mut() {
                            v.push(if cell == "NA" {
                                String::new()
                            } else {
                                cell.to_string()
                            });
                        }
                    }
                    Col::Denominator(d) => {
                        let v = parse_cell(cell, at)?;
                        if let Some(col) = denoms[*d].as_mut() {
                            col.push(v);
                        }
                    }
                    Col::Indicator(i) => {
                        let v = crate::panel::checked(cell, framework.node(*i), at)?;
                        if !v.is_nan() {
                            present += 1;
                        }
                        columns[*i].push(v);
                    }
                }
            }
            if unit.code.is_empty() {
                return Err(AssessError::invalid(
                    Location::row(file, row).field("uCode"),
                    "empty unit code",
                ));
            }
            if !codes.insert(unit.code.clone()) {
                return Err(AssessError::invalid(
                    Location::row(file, row).field("uCode"),
                    format!(
                        "unit \"{}\" appears twice (data with several years is read as a Panel)",
                        unit.code
                    ),
                ));
            }
            if present == 0 {
                return Err(AssessError::EmptyUnit {
                    at: Location::row(file, row).field("uCode"),
                    unit: unit.code,
                });
            }
            if unit.name.is_empty() {
                unit.name = unit.code.clone();
            }
            units.push(unit);
        }
        if units.is_empty() {
            return Err(AssessError::invalid(Location::file(file), "no units"));
        }
        let n = units.len();
        let values = Matrix::from_columns(n, columns)
            .ok_or_else(|| AssessError::invalid(Location::file(file), "ragged rows"))?;
        let groups = framework
            .groups()
            .iter()
            .zip(groups)
            .filter_map(|(name, v)| {
                v.map(|values| GroupColumn {
                    name: name.clone(),
                    values,
                })
            })
            .collect();
        let denominators = framework
            .denominators()
            .iter()
            .zip(denoms)
            .filter_map(|(name, v)| {
                v.map(|values| DenominatorColumn {
                    name: name.clone(),
                    values,
                })
            })
            .collect();
        Ok(Data {
            source: file.to_string(),
            units,
            values,
            groups,
            denominators,
        })
    }
}

fn parse_cell(cell: &str, at: impl FnOnce() -> Location) -> Result<f64, AssessError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fw() -> Framework {
        Framework::from_imeta_str(
            "meta.csv",
            "iCode,Level,Parent,Direction,Weight,Type,Denominator\n\
             a,1,P,1,1,Indicator,Pop\nb,1,P,-1,1,Indicator,\nP,2,,1,1,Aggregate,\n\
             G,,,,,Group,\nPop,,,,,Denominator,\n",
        )
        .unwrap()
    }

    #[test]
    fn reads_values_groups_and_denominators() {
        let d = Data::from_idata_str(
            "data.csv",
            "uCode,uName,G,Pop,a,b\nX,Ex,g1,10,1.5,\nY,,g2,20,NA,3\n",
            &fw(),
        )
        .unwrap();
        assert_eq!(d.units().len(), 2);
        assert_eq!(d.units()[1].name, "Y");
        assert_eq!(d.values().get(0, 0), 1.5);
        assert!(d.values().get(0, 1).is_nan());
        assert!(d.values().get(1, 0).is_nan());
        assert_eq!(d.group("G").unwrap(), &["g1".to_string(), "g2".to_string()]);
        assert_eq!(d.denominator("Pop").unwrap(), &[10.0, 20.0]);
    }

    fn message(text: &str) -> String {
        Data::from_idata_str("data.csv", text, &fw())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_file_row_and_column() {
        assert_eq!(
            message("uCode,Pop,a,b\nX,1,1,2\nY,1,two,2\n"),
            "data.csv, row 3, field a: \"two\" is not a number"
        );
        assert_eq!(
            message("uCode,Pop,a,b,c\nX,1,1,2,3\n"),
            "data.csv, row 1, field c: unknown column \"c\" (not described in the framework)"
        );
        assert_eq!(
            message("uCode,Pop,a\nX,1,1\n"),
            "data.csv, row 1: missing column \"b\""
        );
        assert_eq!(
            message("uCode,Pop,a,b\nX,1,1,2\nY,1,,NA\n"),
            "data.csv, row 3, field uCode: unit \"Y\" has no indicator data at all"
        );
        assert_eq!(
            message("uCode,a,b\nX,1,2\n"),
            "data.csv, row 1: unknown denominator column \"Pop\""
        );
    }
}
