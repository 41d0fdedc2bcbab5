//! Charts as SVG: a line chart of series over periods, grouped bars, and horizontal bars for
//! rankings. Drawn here rather than with a plotting crate: a report needs three plain forms,
//! and SVG is what both outputs take (the PDF embeds it, the DOCX gets it rasterised).

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    /// Labels along the category axis (periods, partners, zones).
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// The values' unit, printed by the axis (亿元, %, TEU).
    pub unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Line,
    Bars,
    /// One bar per category, laid across: for rankings with long names.
    HorizontalBars,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One per category; `None` is a gap.
    pub values: Vec<Option<f64>>,
}

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 300;
const COLOURS: [&str; 6] = [
    "#c0392b", "#2c6fbb", "#27ae60", "#d68910", "#7d3c98", "#566573",
];

/// The font families the chart's text asks for, CJK first.
pub const FONT_FAMILY: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Noto Sans', 'DejaVu Sans', sans-serif";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A step of 1, 2 or 5 × 10^k giving about `n` intervals over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn label(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

impl Chart {
    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{}" font-size="11"><rect width="100%" height="100%" fill="white"/>"#,
            FONT_FAMILY.replace('\'', "&apos;")
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{}</text>"#,
            WIDTH / 2,
            esc(&self.title)
        );
        match self.kind {
            ChartKind::HorizontalBars => self.hbars(&mut s),
            _ => self.xy(&mut s),
        }
        s.push_str("</svg>");
        s
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series
            .iter()
            .flat_map(|x| x.values.iter().flatten().copied())
            .filter(|v| v.is_finite())
    }

    fn range(&self) -> (f64, f64, f64) {
        let (mut lo, mut hi) = (0f64, 0f64);
        for v in self.values() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if hi == lo {
            hi = lo + 1.0;
        }
        let step = nice_step(hi - lo, 5.0);
        ((lo / step).floor() * step, (hi / step).ceil() * step, step)
    }

    fn legend(&self, s: &mut String, y: f64) {
        if self.series.len() < 2 {
            return;
        }
        let mut x = 60.0;
        for (i, ser) in self.series.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()];
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{}" width="10" height="10" fill="{c}"/><text x="{}" y="{}">{}</text>"#,
                y - 9.0,
                x + 14.0,
                y,
                esc(&ser.name)
            );
            x += 24.0 + 12.0 * ser.name.chars().count() as f64;
        }
    }

    fn xy(&self, s: &mut String) {
        let (left, right, top, bottom) = (60.0, WIDTH as f64 - 20.0, 40.0, HEIGHT as f64 - 50.0);
        let (lo, hi, step) = self.range();
        let y = |v: f64| bottom - (v - lo) / (hi - lo) * (bottom - top);
        let _ = write!(
            s,
            r#"<text x="12" y="{}" font-size="10">{}</text>"#,
            top - 8.0,
            esc(&self.unit)
        );
        let mut t = lo;
        while t <= hi + step / 2.0 {
            let yy = y(t);
            let _ = write!(
                s,
                r##"<line x1="{left}" y1="{yy:.1}" x2="{right}" y2="{yy:.1}" stroke="#e5e5e5"/><text x="{}" y="{:.1}" text-anchor="end" font-size="10">{}</text>"##,
                left - 4.0,
                yy + 3.5,
                label(t)
            );
            t += step;
        }
        let n = self.categories.len().max(1) as f64;
        let band = (right - left) / n;
        // At most about 13 labels along the axis.
        let every = (self.categories.len() / 13).max(1);
        for (i, c) in self.categories.iter().enumerate() {
            if i % every == 0 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{}" text-anchor="middle" font-size="10">{}</text>"#,
                    left + band * (i as f64 + 0.5),
                    bottom + 14.0,
                    esc(c)
                );
            }
        }
        let zero = y(0f64.clamp(lo, hi));
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{zero:.1}" x2="{right}" y2="{zero:.1}" stroke="#888"/>"##
        );
        let k = self.series.len().max(1) as f64;
        for (j, ser) in self.series.iter().enumerate() {
            let c = COLOURS[j % COLOURS.len()];
            match self.kind {
                ChartKind::Line => {
                    let mut path = String::new();
                    let mut pen_up = true;
                    for (i, v) in ser.values.iter().enumerate() {
                        let x = left + band * (i as f64 + 0.5);
                        match v.filter(|v| v.is_finite()) {
                            Some(v) => {
                                let _ = write!(
                                    path,
                                    "{}{x:.1},{:.1} ",
                                    if pen_up { "M" } else { "L" },
                                    y(v)
                                );
                                pen_up = false;
                            }
                            None => pen_up = true,
                        }
                    }
                    let _ = write!(
                        s,
                        r#"<path d="{path}" fill="none" stroke="{c}" stroke-width="2"/>"#
                    );
                }
                _ => {
                    let w = band * 0.7 / k;
                    for (i, v) in ser.values.iter().enumerate() {
                        if let Some(v) = v.filter(|v| v.is_finite()) {
                            let x = left + band * i as f64 + band * 0.15 + w * j as f64;
                            let (y0, y1) = (y(v).min(zero), y(v).max(zero));
                            let _ = write!(
                                s,
                                r#"<rect x="{x:.1}" y="{y0:.1}" width="{w:.1}" height="{:.1}" fill="{c}"/>"#,
                                (y1 - y0).max(0.5)
                            );
                        }
                    }
                }
            }
        }
        self.legend(s, HEIGHT as f64 - 12.0);
    }

    fn hbars(&self, s: &mut String) {
        let (left, right, top, bottom) = (200.0, WIDTH as f64 - 70.0, 34.0, HEIGHT as f64 - 10.0);
        let Some(ser) = self.series.first() else {
            return;
        };
        let hi = self.values().fold(0f64, f64::max).max(f64::MIN_POSITIVE);
        let n = self.categories.len().max(1) as f64;
        let band = (bottom - top) / n;
        for (i, c) in self.categories.iter().enumerate() {
            let yy = top + band * i as f64;
            let name: String = c.chars().take(16).collect();
            let _ = write!(
                s,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                left - 6.0,
                yy + band * 0.5 + 4.0,
                esc(&name)
            );
            if let Some(v) = ser
                .values
                .get(i)
                .copied()
                .flatten()
                .filter(|v| v.is_finite())
            {
                let w = (v.max(0.0) / hi) * (right - left);
                let _ = write!(
                    s,
                    r#"<rect x="{left}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="10">{} {}</text>"#,
                    yy + band * 0.15,
                    band * 0.7,
                    COLOURS[1],
                    left + w + 4.0,
                    yy + band * 0.5 + 4.0,
                    label(v),
                    esc(&self.unit)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(0.3, 5.0), 0.1);
    }

    #[test]
    fn text_is_escaped() {
        let c = Chart {
            title: "A < B & C".into(),
            kind: ChartKind::Bars,
            categories: vec!["x".into()],
            series: vec![Series {
                name: "s".into(),
                values: vec![Some(1.0)],
            }],
            unit: "%".into(),
        };
        let svg = c.svg();
        assert!(svg.contains("A &lt; B &amp; C"));
        assert!(!svg.contains("A < B"));
    }
}
