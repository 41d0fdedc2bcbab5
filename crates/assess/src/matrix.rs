//! A dense units × columns matrix of `f64`, with `NaN` for a missing value.
//!
//! Stored column by column: almost every step (denominate, impute, treat, normalise) works
//! on one indicator at a time, so a column is a contiguous slice.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix filled with `NaN`.
    pub fn missing(rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: vec![f64::NAN; rows * cols],
        }
    }

    /// Builds a matrix from its columns; all columns must have the same length.
    pub fn from_columns(rows: usize, columns: Vec<Vec<f64>>) -> Option<Self> {
        if columns.iter().any(|c| c.len() != rows) {
            return None;
        }
        let cols = columns.len();
        Some(Matrix {
            rows,
            cols,
            data: columns.concat(),
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    pub fn col_mut(&mut self, j: usize) -> &mut [f64] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[j * self.rows + i]
    }

    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.data[j * self.rows + i] = v;
    }

    pub fn row(&self, i: usize) -> Vec<f64> {
        (0..self.cols).map(|j| self.get(i, j)).collect()
    }

    /// The matrix restricted to the given rows, in the given order.
    pub fn select_rows(&self, keep: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(keep.len() * self.cols);
        for j in 0..self.cols {
            let c = self.col(j);
            data.extend(keep.iter().map(|&i| c[i]));
        }
        Matrix {
            rows: keep.len(),
            cols: self.cols,
            data,
        }
    }
}
