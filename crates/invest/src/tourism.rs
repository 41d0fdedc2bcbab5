//! International tourism figures (入境旅游统计): arrivals by month and source market, as the
//! statistics office's tables give them, and the figures a leader asks of them — the year's
//! arrivals with year-on-year change, by month and by market.
//!
//! A table is read whole or refused with every problem named by row, column and field, like
//! the project sheet.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::sheet::{Cell, Problems, SheetProblem, column_letter};

/// A month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    /// `2025-03`, `2025/3`, `2025.3`, `2025年3月` or `202503`.
    pub fn parse(t: &str) -> Option<Month> {
        let t = t.trim().trim_end_matches('月');
        let (y, m) = if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            (&t[..4], &t[4..])
        } else {
            t.split_once(['-', '/', '.', '年'])?
        };
        let year: i32 = y.trim().parse().ok()?;
        let month: u8 = m.trim().parse().ok()?;
        ((1990..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// One row of a table: a month's arrivals from one market.
#[derive(Debug, Clone, PartialEq)]
pub struct TourismRow {
    pub row: u32,
    pub month: Month,
    /// ISO 3166-1 alpha-2, or `ZZ` for "other markets".
    pub market: String,
    /// Arrivals (人次).
    pub visitors: u64,
    /// Overnight arrivals (过夜游客, 人次), when the table gives them.
    pub overnight: Option<u64>,
    /// International tourism receipts, ten thousand US dollars (万美元), when given.
    pub receipts: Option<f64>,
}

/// The columns of the table: field, Chinese header, English header, required.
pub const COLUMNS: [(&str, &str, &str, bool); 5] = [
    ("month", "月份", "Month", true),
    ("market", "客源市场", "Source market", true),
    ("visitors", "入境游客（人次）", "Arrivals", true),
    ("overnight", "过夜游客（人次）", "Overnight arrivals", false),
    (
        "receipts",
        "国际旅游收入（万美元）",
        "Receipts (10k USD)",
        false,
    ),
];

/// At most this many rows a table (a province's markets × a decade of months).
pub const MAX_ROWS: usize = 20_000;
/// Arrivals above this in one month from one market are a unit mistake.
const MAX_VISITORS: u64 = 100_000_000;

/// Reads a CSV table (UTF-8).
pub fn read_csv(
    bytes: &[u8],
    country: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Vec<TourismRow>, Vec<SheetProblem>> {
    let whole = |m: String| Problems::default().whole(&m);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        whole("the file is not UTF-8 text: save the table as CSV UTF-8 or .xlsx".into())
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut grid = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i > MAX_ROWS {
            return Err(whole(format!(
                "the table has more than {MAX_ROWS} rows; split it by year"
            )));
        }
        let record = record.map_err(|e| whole(format!("line {}: {e}", i + 1)))?;
        grid.push(
            record
                .iter()
                .map(|c| match c.trim() {
                    "" => Cell::Empty,
                    t => Cell::Text(t.to_string()),
                })
                .collect(),
        );
    }
    read_grid(&grid, 1, 0, country)
}

/// Reads the first sheet of an .xlsx table.
pub fn read_xlsx(
    bytes: &[u8],
    country: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Vec<TourismRow>, Vec<SheetProblem>> {
    let sheet = crate::sheet::first_sheet(bytes)?;
    read_grid(&sheet.cells, sheet.first_row, sheet.first_col, country)
}

/// Reads rows of cells whose first row is the header, at sheet row `first_row`, column `col0`.
pub fn read_grid(
    grid: &[Vec<Cell>],
    first_row: u32,
    col0: u32,
    country: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Vec<TourismRow>, Vec<SheetProblem>> {
    let mut problems = Problems::default();
    let Some(header) = grid.first() else {
        return Err(problems.whole("the table is empty: the first row must name the columns"));
    };
    let header: Vec<String> = header.iter().map(Cell::text).collect();
    let at: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(field, zh, en, _)| {
            header.iter().position(|h| {
                let h = h.trim();
                h == *zh || h.eq_ignore_ascii_case(en) || h.eq_ignore_ascii_case(field)
            })
        })
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(&at)
        .filter(|((_, _, _, required), i)| *required && i.is_none())
        .map(|((_, zh, _, _), _)| *zh)
        .collect();
    if !missing.is_empty() {
        problems.push(
            first_row,
            String::new(),
            "header",
            format!("the first row must name the columns {}", missing.join("、")),
        );
        return Err(problems.into_vec());
    }
    if grid.len() - 1 > MAX_ROWS {
        return Err(problems.whole(&format!(
            "the table has {} rows; at most {MAX_ROWS} are read at once",
            grid.len() - 1
        )));
    }
    let mut rows = Vec::new();
    let mut seen: BTreeMap<(Month, String), u32> = BTreeMap::new();
    for (k, cells) in grid[1..].iter().enumerate() {
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let row = first_row + 1 + k as u32;
        let cell = |i: usize| -> (String, String) {
            let j = at[i].unwrap_or(usize::MAX);
            let text = cells.get(j).map(Cell::text).unwrap_or_default();
            (text, column_letter(col0 + j.min(16_383) as u32))
        };
        let mut bad = |i: usize, message: String| {
            let (_, column) = cell(i);
            problems.push(row, column, COLUMNS[i].0, message);
        };
        let (month_text, _) = cell(0);
        let month = Month::parse(&month_text);
        if month.is_none() {
            bad(0, format!("{month_text:?} is not a month (YYYY-MM)"));
        }
        let (market_text, _) = cell(1);
        let market = if matches!(market_text.as_str(), "其他" | "其它" | "ZZ")
            || market_text.eq_ignore_ascii_case("other")
        {
            Ok("ZZ".to_string())
        } else {
            country(&market_text)
        };
        if let Err(m) = &market {
            bad(1, m.clone());
        }
        let count = |i: usize, bad: &mut dyn FnMut(usize, String)| -> Option<Option<u64>> {
            let (t, _) = cell(i);
            if t.is_empty() {
                return Some(None);
            }
            let n = t.replace(',', "").parse::<f64>().ok().filter(|n| {
                n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= MAX_VISITORS as f64
            });
            match n {
                Some(n) => Some(Some(n as u64)),
                None => {
                    bad(i, format!("{t:?} is not a count of people"));
                    None
                }
            }
        };
        let visitors = count(2, &mut bad);
        if visitors == Some(None) {
            bad(2, "must not be empty".into());
        }
        let overnight = count(3, &mut bad);
        let (receipts_text, _) = cell(4);
        let receipts = if receipts_text.is_empty() {
            Some(None)
        } else {
            match receipts_text.replace(',', "").parse::<f64>() {
                Ok(r) if r.is_finite() && (0.0..1e9).contains(&r) => Some(Some(r)),
                _ => {
                    bad(4, format!("{receipts_text:?} is not an amount"));
                    None
                }
            }
        };
        if let (Some(month), Ok(market), Some(Some(visitors)), Some(overnight), Some(receipts)) =
            (month, market, visitors, overnight, receipts)
        {
            if overnight.is_some_and(|o| o > visitors) {
                bad(3, "more overnight arrivals than arrivals".into());
                continue;
            }
            if let Some(first) = seen.insert((month, market.clone()), row) {
                bad(
                    1,
                    format!(
                        "{} {market} appears twice (rows {first} and {row})",
                        month.key()
                    ),
                );
                continue;
            }
            rows.push(TourismRow {
                row,
                month,
                market,
                visitors,
                overnight,
                receipts,
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.into_vec())
    }
}

/// One month's arrivals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MonthFigure {
    /// `YYYY-MM`.
    pub month: String,
    pub visitors: u64,
    /// Change on the same month a year before, in per cent, when that month is known.
    pub yoy: Option<f64>,
}

/// One market's arrivals over the year so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MarketFigure {
    pub market: String,
    pub visitors: u64,
    /// Share of the year's arrivals, per cent.
    pub share: f64,
    /// Change on the same months a year before, per cent.
    pub yoy: Option<f64>,
}

/// The year's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TourismFigures {
    pub year: i32,
    /// The last month of `year` with figures (`YYYY-MM`); the year-to-date runs to it.
    pub through: Option<String>,
    pub visitors: u64,
    /// Year-to-date change on the same months a year before, per cent.
    pub yoy: Option<f64>,
    /// Receipts of the year to date, ten thousand US dollars, when every row gives them.
    pub receipts: Option<f64>,
    pub months: Vec<MonthFigure>,
    /// Largest first.
    pub markets: Vec<MarketFigure>,
}

fn change(now: u64, before: u64) -> Option<f64> {
    (before > 0).then(|| ((now as f64 / before as f64) - 1.0) * 100.0)
}

/// The figures of `year` from `rows`; year-on-year compares the same months of the year before.
pub fn figures(rows: &[TourismRow], year: i32) -> TourismFigures {
    let this: Vec<&TourismRow> = rows.iter().filter(|r| r.month.year == year).collect();
    let through = this.iter().map(|r| r.month.month).max();
    let before: Vec<&TourismRow> = rows
        .iter()
        .filter(|r| r.month.year == year - 1 && through.is_some_and(|t| r.month.month <= t))
        .collect();
    let mut by_month: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
    for r in &this {
        by_month.entry(r.month.month).or_default().0 += r.visitors;
    }
    let mut months_before: BTreeMap<u8, u64> = BTreeMap::new();
    for r in &before {
        *months_before.entry(r.month.month).or_default() += r.visitors;
    }
    for (m, v) in &months_before {
        by_month.entry(*m).or_default().1 = *v;
    }
    let months = by_month
        .iter()
        .filter(|(m, _)| through.is_some_and(|t| **m <= t))
        .map(|(m, (now, was))| MonthFigure {
            month: Month { year, month: *m }.key(),
            visitors: *now,
            yoy: change(*now, *was),
        })
        .collect();
    let mut by_market: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for r in &this {
        by_market.entry(&r.market).or_default().0 += r.visitors;
    }
    for r in &before {
        by_market.entry(&r.market).or_default().1 += r.visitors;
    }
    let visitors: u64 = this.iter().map(|r| r.visitors).sum();
    let visitors_before: u64 = before.iter().map(|r| r.visitors).sum();
    let mut markets: Vec<MarketFigure> = by_market
        .into_iter()
        .filter(|(_, (now, _))| *now > 0)
        .map(|(m, (now, was))| MarketFigure {
            market: m.to_string(),
            visitors: now,
            share: if visitors > 0 {
                now as f64 / visitors as f64 * 100.0
            } else {
                0.0
            },
            yoy: change(now, was),
        })
        .collect();
    markets.sort_by(|a, b| b.visitors.cmp(&a.visitors).then(a.market.cmp(&b.market)));
    let receipts = (!this.is_empty() && this.iter().all(|r| r.receipts.is_some()))
        .then(|| this.iter().filter_map(|r| r.receipts).sum());
    TourismFigures {
        year,
        through: through.map(|m| Month { year, month: m }.key()),
        visitors,
        yoy: change(visitors, visitors_before),
        receipts,
        months,
        markets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(t: &str) -> Result<String, String> {
        match t {
            "俄罗斯" | "RU" => Ok("RU".into()),
            "韩国" | "KR" => Ok("KR".into()),
            other => Err(format!("{other:?} is not a country")),
        }
    }

    const TABLE: &str = "月份,客源市场,入境游客（人次）,过夜游客（人次）,国际旅游收入（万美元）\n\
        2024-01,俄罗斯,1000,800,50\n\
        2024-02,俄罗斯,1200,900,60\n\
        2024-01,韩国,500,,20\n\
        2025-01,俄罗斯,1500,1000,70\n\
        2025-01,韩国,400,300,15\n\
        2025年2月,其他,100,,5\n";

    #[test]
    fn a_statistics_table_reads_and_gives_the_year_with_its_change() {
        let rows = read_csv(TABLE.as_bytes(), &country).unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[5].market, "ZZ");
        let f = figures(&rows, 2025);
        assert_eq!(f.through.as_deref(), Some("2025-02"));
        assert_eq!(f.visitors, 2000);
        // 2024-01..02: 1000 + 1200 + 500 = 2700.
        let yoy = f.yoy.unwrap();
        assert!((yoy - (2000.0 / 2700.0 - 1.0) * 100.0).abs() < 1e-9);
        assert_eq!(f.months[0].visitors, 1900);
        assert!((f.months[0].yoy.unwrap() - (1900.0 / 1500.0 - 1.0) * 100.0).abs() < 1e-9);
        assert_eq!(f.markets[0].market, "RU");
        assert!((f.markets[0].share - 75.0).abs() < 1e-9);
        assert_eq!(f.receipts, Some(90.0));
        // 2024 is known only through its February: no year before it.
        assert_eq!(figures(&rows, 2024).yoy, None);
    }

    #[test]
    fn every_problem_of_a_table_is_named_by_row_column_and_field() {
        let bad = "月份,客源市场,入境游客（人次）,过夜游客（人次）\n\
                   2025-13,俄罗斯,10,\n\
                   2025-01,火星,10,\n\
                   2025-01,韩国,-4,\n\
                   2025-02,韩国,10,20\n\
                   2025-03,韩国,10,\n\
                   2025-03,KR,10,\n";
        let problems = read_csv(bad.as_bytes(), &country).unwrap_err();
        let at: Vec<(u32, &str, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.field.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (2, "A", "month"),
                (3, "B", "market"),
                (4, "C", "visitors"),
                (5, "D", "overnight"),
                (7, "B", "market"),
            ]
        );
    }

    #[test]
    fn a_table_without_its_columns_is_refused_at_the_header() {
        let problems = read_csv("month,visitors\n2025-01,3\n".as_bytes(), &country).unwrap_err();
        assert_eq!(problems[0].field, "header");
        assert!(problems[0].message.contains("客源市场"));
    }

    #[test]
    fn months_read_in_the_forms_tables_use() {
        for t in ["2025-03", "2025/3", "2025.03", "2025年3月", "202503"] {
            assert_eq!(
                Month::parse(t),
                Some(Month {
                    year: 2025,
                    month: 3
                }),
                "{t}"
            );
        }
        for t in ["2025-13", "25-03", "2025", "", "2025-03-01"] {
            assert_eq!(Month::parse(t), None, "{t}");
        }
    }
}
