//! Impute: replace missing values of an indicator by the mean or median of the values that
//! are present, over all units or within the unit's group (e.g. Europe vs Asia).
//!
//! The panel methods (`latest`, `linear`) fill a value from the same unit's other years;
//! they are run on a [`crate::panel::Panel`] before the year is cut out of it
//! ([`crate::pipeline::cross_section`]).

use serde::{Deserialize, Serialize};

use crate::stats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeMethod {
    Mean,
    Median,
    /// Panel data: the unit's latest earlier year with a value.
    Latest,
    /// Panel data: linear interpolation between the unit's years with values.
    Linear,
}

impl ImputeMethod {
    /// The panel method this is, if it is one.
    pub fn panel(self) -> Option<crate::panel::PanelMethod> {
        match self {
            ImputeMethod::Latest => Some(crate::panel::PanelMethod::Latest),
            ImputeMethod::Linear => Some(crate::panel::PanelMethod::Linear),
            ImputeMethod::Mean | ImputeMethod::Median => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImputeSpec {
    pub method: ImputeMethod,
    /// Group column to impute within; all units when absent.
    #[serde(default)]
    pub group: Option<String>,
}

fn centre(method: ImputeMethod, x: &[f64]) -> f64 {
    match method {
        ImputeMethod::Mean => stats::mean(x),
        ImputeMethod::Median => stats::median(x),
        // Not cross-sectional: the pipeline runs these on the panel, never here.
        ImputeMethod::Latest | ImputeMethod::Linear => f64::NAN,
    }
}

/// Fills the missing values of one column in place; returns how many were filled. A value
/// stays missing when its group has no value at all.
pub fn impute_column(x: &mut [f64], method: ImputeMethod, groups: Option<&[String]>) -> usize {
    let mut filled = 0;
    match groups {
        None => {
            let c = centre(method, x);
            for v in x.iter_mut().filter(|v| v.is_nan()) {
                *v = c;
                filled += usize::from(!c.is_nan());
            }
        }
        Some(g) => {
            let mut labels: Vec<&str> = g.iter().map(String::as_str).collect();
            labels.sort_unstable();
            labels.dedup();
            let original = x.to_vec();
            for label in labels {
                let members: Vec<f64> = original
                    .iter()
                    .zip(g)
                    .filter(|(_, l)| l.as_str() == label)
                    .map(|(v, _)| *v)
                    .collect();
                let c = centre(method, &members);
                for (v, l) in x.iter_mut().zip(g) {
                    if l == label && v.is_nan() {
                        *v = c;
                        filled += usize::from(!c.is_nan());
                    }
                }
            }
        }
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_mean_and_median() {
        let mut x = [1.0, f64::NAN, 2.0, 9.0];
        assert_eq!(impute_column(&mut x, ImputeMethod::Mean, None), 1);
        assert_eq!(x[1], 4.0);
        let mut x = [1.0, f64::NAN, 2.0, 9.0];
        impute_column(&mut x, ImputeMethod::Median, None);
        assert_eq!(x[1], 2.0);
    }

    #[test]
    fn within_groups() {
        let g: Vec<String> = ["E", "E", "A", "A", "A", "B"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut x = [1.0, f64::NAN, 10.0, 20.0, f64::NAN, f64::NAN];
        assert_eq!(impute_column(&mut x, ImputeMethod::Mean, Some(&g)), 2);
        assert_eq!(x[1], 1.0);
        assert_eq!(x[4], 15.0);
        assert!(x[5].is_nan(), "a group with no values stays missing");
    }
}
