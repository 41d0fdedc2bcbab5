//! Origin–destination matrices: sparse rows of (destination, amount) per origin.

use crate::error::Error;

/// One origin's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub origin: u32,
    /// (destination, amount); amounts are positive and destinations distinct.
    pub cells: Vec<(u32, f64)>,
}

/// A demand matrix over zones `0..zones`. Amounts are per period in the class's unit (TEU or
/// tonnes per year for freight; vehicles per hour for TNTP problems).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    zones: usize,
    rows: Vec<Row>,
}

impl Matrix {
    /// Builds a matrix from (origin, destination, amount) cells, summing repeats and dropping
    /// zeros and intra-zonal cells (which use no link).
    pub fn from_cells(
        zones: usize,
        cells: impl IntoIterator<Item = (u32, u32, f64)>,
    ) -> Result<Matrix, Error> {
        let mut dense: Vec<Vec<(u32, f64)>> = vec![Vec::new(); zones];
        for (o, d, v) in cells {
            if o as usize >= zones || d as usize >= zones {
                return Err(Error::Invalid(format!(
                    "demand from zone {} to {}: zones are 1..={zones}",
                    o + 1,
                    d + 1
                )));
            }
            if !v.is_finite() || v < 0.0 {
                return Err(Error::Invalid(format!(
                    "demand from zone {} to {} is {v}; amounts must be finite and not negative",
                    o + 1,
                    d + 1
                )));
            }
            if v > 0.0 && o != d {
                dense[o as usize].push((d, v));
            }
        }
        let rows = dense
            .into_iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(o, mut cells)| {
                cells.sort_by_key(|c| c.0);
                let mut merged: Vec<(u32, f64)> = Vec::with_capacity(cells.len());
                for (d, v) in cells {
                    match merged.last_mut() {
                        Some(last) if last.0 == d => last.1 += v,
                        _ => merged.push((d, v)),
                    }
                }
                Row {
                    origin: o as u32,
                    cells: merged,
                }
            })
            .collect();
        Ok(Matrix { zones, rows })
    }

    pub fn zones(&self) -> usize {
        self.zones
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn total(&self) -> f64 {
        self.rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|c| c.1))
            .sum()
    }

    /// The same matrix with every amount multiplied by `factor` (≥ 0).
    pub fn scaled(&self, factor: f64) -> Matrix {
        Matrix {
            zones: self.zones,
            rows: self
                .rows
                .iter()
                .map(|r| Row {
                    origin: r.origin,
                    cells: r.cells.iter().map(|&(d, v)| (d, v * factor)).collect(),
                })
                .collect(),
        }
    }
}
