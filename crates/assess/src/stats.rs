//! Small statistics over slices with `NaN` as "missing": every function skips `NaN`.
//!
//! The moment estimators are the "type 2" ones (as SAS, SPSS and R's `e1071` with
//! `type = 2` compute them) because COINr's outlier rule is defined with them.

/// The present (non-`NaN`) values.
pub fn present(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| !v.is_nan()).collect()
}

pub fn count_present(x: &[f64]) -> usize {
    x.iter().filter(|v| !v.is_nan()).count()
}

pub fn mean(x: &[f64]) -> f64 {
    let (s, n) = x
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

pub fn median(x: &[f64]) -> f64 {
    quantile(x, 0.5)
}

/// Sample standard deviation (denominator n - 1).
pub fn sd(x: &[f64]) -> f64 {
    let m = mean(x);
    let v = present(x);
    if v.len() < 2 {
        return f64::NAN;
    }
    (v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

pub fn min(x: &[f64]) -> f64 {
    x.iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NAN, f64::min)
}

pub fn max(x: &[f64]) -> f64 {
    x.iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NAN, f64::max)
}

/// Central moments m2, m3, m4 (denominator n) and n.
fn moments(x: &[f64]) -> (f64, f64, f64, usize) {
    let m = mean(x);
    let (mut m2, mut m3, mut m4, mut n) = (0.0, 0.0, 0.0, 0usize);
    for &v in x.iter().filter(|v| !v.is_nan()) {
        let d = v - m;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
        n += 1;
    }
    let nf = n as f64;
    (m2 / nf, m3 / nf, m4 / nf, n)
}

/// Sample skewness G1 = g1 · √(n(n−1)) / (n−2). `NaN` with fewer than 3 values or no spread.
pub fn skewness(x: &[f64]) -> f64 {
    let (m2, m3, _, n) = moments(x);
    if n < 3 || m2 == 0.0 {
        return f64::NAN;
    }
    let nf = n as f64;
    let g1 = m3 / m2.powf(1.5);
    g1 * (nf * (nf - 1.0)).sqrt() / (nf - 2.0)
}

/// Sample excess kurtosis G2 = ((n+1) g2 + 6)(n−1) / ((n−2)(n−3)). `NaN` with fewer than 4
/// values or no spread.
pub fn kurtosis(x: &[f64]) -> f64 {
    let (m2, _, m4, n) = moments(x);
    if n < 4 || m2 == 0.0 {
        return f64::NAN;
    }
    let nf = n as f64;
    let g2 = m4 / (m2 * m2) - 3.0;
    ((nf + 1.0) * g2 + 6.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0))
}

/// Quantile with linear interpolation between order statistics (R's default, type 7).
pub fn quantile(x: &[f64], p: f64) -> f64 {
    let mut v = present(x);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, p)
}

/// Type-7 quantile of already sorted, `NaN`-free values.
pub fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Whether rank 1 goes to the smallest or to the largest value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ascending,
    Descending,
}

/// Ranks with ties sharing the best place ("sport" ranking, R's `ties.method = "min"`);
/// `NaN` stays `NaN`. Ranks are returned as `f64` so they can flow through the matrix code.
pub fn rank_min(x: &[f64], order: Order) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
    match order {
        Order::Ascending => idx.sort_by(|&a, &b| x[a].total_cmp(&x[b])),
        Order::Descending => idx.sort_by(|&a, &b| x[b].total_cmp(&x[a])),
    }
    let mut out = vec![f64::NAN; x.len()];
    let mut prev = f64::NAN;
    let mut prev_rank = 0.0;
    for (pos, &i) in idx.iter().enumerate() {
        let r = if x[i] == prev {
            prev_rank
        } else {
            (pos + 1) as f64
        };
        out[i] = r;
        prev = x[i];
        prev_rank = r;
    }
    out
}

/// Ranks with ties sharing the mean of their places (R's `ties.method = "average"`).
pub fn rank_average(x: &[f64], order: Order) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
    match order {
        Order::Ascending => idx.sort_by(|&a, &b| x[a].total_cmp(&x[b])),
        Order::Descending => idx.sort_by(|&a, &b| x[b].total_cmp(&x[a])),
    }
    let mut out = vec![f64::NAN; x.len()];
    let mut start = 0;
    while start < idx.len() {
        let mut end = start + 1;
        while end < idx.len() && x[idx[end]] == x[idx[start]] {
            end += 1;
        }
        let avg = (start + 1 + end) as f64 / 2.0;
        for &i in &idx[start..end] {
            out[i] = avg;
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn skipping_missing_values() {
        let x = [1.0, f64::NAN, 3.0];
        assert!(close(mean(&x), 2.0));
        assert!(close(median(&x), 2.0));
        assert!(close(sd(&x), 2f64.sqrt()));
        assert_eq!(count_present(&x), 2);
        assert!(mean(&[f64::NAN]).is_nan());
    }

    #[test]
    fn type_2_skewness_and_kurtosis() {
        // Hand computation for x = 1, 2, 3, 10: mean 4, deviations -3 -2 -1 6,
        // m2 = 50/4, m3 = 180/4, m4 = 1394/4.
        let x = [1.0, 2.0, 3.0, 10.0];
        let (m2, m3, m4): (f64, f64, f64) = (12.5, 45.0, 348.5);
        let g1 = m3 / m2.powf(1.5);
        let g2 = m4 / (m2 * m2) - 3.0;
        assert!(close(skewness(&x), g1 * (12f64).sqrt() / 2.0));
        assert!(close(kurtosis(&x), (5.0 * g2 + 6.0) * 3.0 / 2.0));
        // symmetric data has no skew
        assert!(close(skewness(&[1.0, 2.0, 3.0]), 0.0));
        assert!(skewness(&[2.0, 2.0, 2.0]).is_nan());
    }

    #[test]
    fn quantiles_are_type_7() {
        let x = [4.0, 1.0, 3.0, 2.0];
        assert!(close(quantile(&x, 0.5), 2.5));
        assert!(close(quantile(&x, 0.05), 1.15));
        assert!(close(quantile(&x, 1.0), 4.0));
    }

    #[test]
    fn ranks_with_ties() {
        let x = [10.0, 30.0, 30.0, f64::NAN, 5.0];
        let d = rank_min(&x, Order::Descending);
        assert_eq!(&d[..3], &[3.0, 1.0, 1.0]);
        assert!(d[3].is_nan());
        assert_eq!(d[4], 4.0);
        let a = rank_min(&x, Order::Ascending);
        assert_eq!(a[1], 3.0);
        assert_eq!(a[2], 3.0);
        assert_eq!(a[4], 1.0);
        let avg = rank_average(&x, Order::Ascending);
        assert_eq!(avg[1], 3.5);
    }
}
