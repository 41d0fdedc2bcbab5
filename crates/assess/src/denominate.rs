//! Denominate: divide each indicator that names a denominator column by that column, so that
//! big and small units become comparable (exports per GDP, flights per person).

use crate::data::Data;
use crate::error::AssessError;
use crate::framework::Framework;

/// Divides every indicator with a denominator by it. A zero or missing denominator gives a
/// missing value rather than an infinity, so that later steps treat it as missing data.
/// Returns the new data and the codes of the indicators that were divided.
pub fn denominate(data: &Data, framework: &Framework) -> Result<(Data, Vec<String>), AssessError> {
    let mut values = data.values().clone();
    let mut done = Vec::new();
    for (j, ind) in framework.indicators().iter().enumerate() {
        let Some(name) = &ind.denominator else {
            continue;
        };
        let d = data.denominator(name).ok_or_else(|| {
            AssessError::step(
                "denominate",
                format!(
                    "indicator {} needs the column {name}, which the data lacks",
                    ind.code
                ),
            )
        })?;
        divide(values.col_mut(j), d);
        done.push(ind.code.clone());
    }
    Ok((data.with_values(values), done))
}

pub fn divide(x: &mut [f64], by: &[f64]) {
    for (v, &d) in x.iter_mut().zip(by) {
        *v = if d == 0.0 || d.is_nan() {
            f64::NAN
        } else {
            *v / d
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divides_and_guards_zero() {
        let mut x = [10.0, 4.0, f64::NAN, 1.0];
        divide(&mut x, &[2.0, 0.0, 3.0, f64::NAN]);
        assert_eq!(x[0], 5.0);
        assert!(x[1].is_nan() && x[2].is_nan() && x[3].is_nan());
    }
}
