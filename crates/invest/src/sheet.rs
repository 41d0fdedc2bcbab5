//! The project list as departments keep it in Excel (招商引资项目台账): one row per project,
//! columns named in Chinese (or English). The same columns make the template, the export and
//! the import, so a list exported, edited and imported again round-trips.
//!
//! Reading checks every cell and names each problem by row, column and field; the caller saves
//! nothing unless the whole sheet is clean. References to the platform's registries — the city,
//! the zone, the lead organisation, the investor's country, the USCC — are resolved through
//! [`Resolve`], so that the problems of a sheet are found in one pass and reported together.

use std::io::Cursor;

use serde::Serialize;
use time::Date;

use crate::industry::{Classification, IndustryCode};
use crate::pipeline::Stage;

/// A column of the sheet: its field name (the API's), and its headers.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub field: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub required: bool,
    /// An example value for the template.
    pub example: &'static str,
}

pub const COLUMNS: [Column; 15] = [
    col(
        "name",
        "项目名称",
        "Project",
        true,
        "示例：新能源汽车零部件项目",
    ),
    col(
        "investor",
        "投资方",
        "Investor",
        true,
        "示例：某某汽车零部件有限公司",
    ),
    col(
        "country",
        "投资方国别（地区）",
        "Investor country",
        true,
        "DE",
    ),
    col("foreign", "是否外资", "Foreign-funded", true, "是"),
    col("uscc", "统一社会信用代码", "USCC", false, ""),
    col("industry", "行业代码", "Industry (GB/T 4754)", true, "36"),
    col("amount", "投资额（万元）", "Amount (10k)", true, "50000"),
    col("currency", "币种", "Currency", true, "人民币"),
    col("city", "所在市（州）", "City", true, "jl-changchun"),
    col("zone", "所在开发区", "Zone", false, ""),
    col("lead", "牵头单位", "Lead organisation", true, "jl-doc"),
    col("stage", "阶段", "Stage", true, "签约"),
    col("stage_on", "阶段日期", "Stage date", true, "2025-03-10"),
    col(
        "arrived",
        "到位资金（万元）",
        "Funds arrived (10k)",
        false,
        "",
    ),
    col("note", "备注", "Note", false, ""),
];

/// The columns' headers, Chinese and English, for lists exported in the same columns.
pub const HEADERS: [(&str, &str); COLUMNS.len()] = {
    let mut h = [("", ""); COLUMNS.len()];
    let mut i = 0;
    while i < COLUMNS.len() {
        h[i] = (COLUMNS[i].zh, COLUMNS[i].en);
        i += 1;
    }
    h
};

const fn col(
    field: &'static str,
    zh: &'static str,
    en: &'static str,
    required: bool,
    example: &'static str,
) -> Column {
    Column {
        field,
        zh,
        en,
        required,
        example,
    }
}

/// At most this many projects per sheet: a province's list holds hundreds.
pub const MAX_ROWS: usize = 5_000;
/// Text cells longer than this are refused (a project's name, a note).
pub const MAX_TEXT: usize = 500;
/// At most this many problems are reported; the rest are counted.
pub const MAX_PROBLEMS: usize = 200;
/// The largest amount a row may state, 万元 (10 trillion yuan): beyond it, a unit mistake.
pub const MAX_AMOUNT: f64 = 1e9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum Currency {
    #[serde(rename = "CNY")]
    Cny,
    #[serde(rename = "USD")]
    Usd,
}

impl Currency {
    pub fn key(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Usd => "USD",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Currency::Cny => "人民币",
            Currency::Usd => "美元",
        }
    }

    pub fn parse(s: &str) -> Option<Currency> {
        match s.trim() {
            "CNY" | "cny" | "RMB" | "rmb" | "人民币" | "元" | "万元" => Some(Currency::Cny),
            "USD" | "usd" | "美元" | "万美元" => Some(Currency::Usd),
            _ => None,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Currency, String> {
        Currency::parse(&s).ok_or_else(|| format!("unknown currency {s:?}"))
    }
}

/// One project as the sheet states it, checked and resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// The row in the sheet (1 is the header).
    pub row: u32,
    pub name: String,
    pub investor: String,
    /// ISO 3166-1 alpha-2, as [`Resolve::country`] gave it.
    pub country: String,
    pub foreign: bool,
    pub uscc: Option<String>,
    pub industry: IndustryCode,
    /// In units of ten thousand of `currency`.
    pub amount: f64,
    pub currency: Currency,
    pub city: i64,
    pub zone: Option<i64>,
    pub lead: i64,
    pub stage: Stage,
    pub stage_on: Date,
    pub arrived: Option<f64>,
    pub note: String,
}

/// A problem of the sheet, where a person can find it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SheetProblem {
    /// The row (1 is the header); 0 for the workbook as a whole.
    pub row: u32,
    /// The column's letter (`A`, `B`, …), empty for the workbook or a row as a whole.
    pub column: String,
    /// The field, as the API names it (`amount`, `stage_on`, …), or `file`.
    pub field: String,
    pub message: String,
}

/// The registries a sheet refers to; each answers the resolved value or why it cannot.
pub trait Resolve {
    /// A city's organisation (by code or Chinese name).
    fn city(&self, text: &str) -> Result<i64, String>;
    /// A development zone's organisation, in the given city.
    fn zone(&self, text: &str, city: i64) -> Result<i64, String>;
    /// Any organisation that may lead a project.
    fn lead(&self, text: &str) -> Result<i64, String>;
    /// A country or region: ISO alpha-2, or its Chinese or English name.
    fn country(&self, text: &str) -> Result<String, String>;
    /// A unified social credit code, checked (GB 32100).
    fn uscc(&self, text: &str) -> Result<String, String>;
}

/// Reads the first sheet of an .xlsx workbook into projects, or every problem found.
pub fn read_xlsx(
    bytes: &[u8],
    today: Date,
    resolve: &dyn Resolve,
) -> Result<Vec<SheetRow>, Vec<SheetProblem>> {
    let sheet = first_sheet(bytes)?;
    read_grid(
        &sheet.cells,
        sheet.first_row,
        sheet.first_col,
        today,
        resolve,
    )
}

/// A sheet's cells, with the sheet row (1-based) and column (zero-based) of its first cell,
/// so problems can be named by the cell a person sees in Excel.
pub(crate) struct Sheet {
    pub cells: Vec<Vec<Cell>>,
    pub first_row: u32,
    pub first_col: u32,
}

/// The first sheet of an .xlsx workbook; the grid's size is checked before the reader allocates.
pub(crate) fn first_sheet(bytes: &[u8]) -> Result<Sheet, Vec<SheetProblem>> {
    use calamine::Reader;
    let whole = |message: String| Problems::default().whole(&message);
    kaifang_workbook::check(Cursor::new(bytes), &kaifang_workbook::Limits::FORM)
        .map_err(|e| whole(e.to_string()))?;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        whole(format!(
            "not an Excel workbook (.xlsx) that can be read: {e}"
        ))
    })?;
    let sheet = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| whole("the workbook has no sheet".into()))?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| whole(format!("sheet {sheet}: {e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let grid = range
        .rows()
        .map(|r| r.iter().map(Cell::from).collect())
        .collect();
    Ok(Sheet {
        cells: grid,
        first_row: row0 + 1,
        first_col: col0,
    })
}

/// A cell as the reader needs it: text, or a number (Excel stores dates as numbers).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&calamine::Data> for Cell {
    fn from(d: &calamine::Data) -> Cell {
        use calamine::Data;
        match d {
            Data::Empty => Cell::Empty,
            Data::String(s) if s.trim().is_empty() => Cell::Empty,
            Data::String(s) => Cell::Text(s.trim().to_string()),
            Data::Float(f) => Cell::Number(*f),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.into()),
            Data::DateTime(dt) => Cell::Number(dt.as_f64()),
            other => Cell::Text(other.to_string()),
        }
    }
}

impl Cell {
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// Reads rows of cells whose first row is the header, at sheet row `first_row` and column
/// `col0` (zero-based) of the sheet.
pub fn read_grid(
    grid: &[Vec<Cell>],
    first_row: u32,
    col0: u32,
    today: Date,
    resolve: &dyn Resolve,
) -> Result<Vec<SheetRow>, Vec<SheetProblem>> {
    let mut problems = Problems::default();
    let Some(header) = grid.first() else {
        return Err(problems.whole("the sheet is empty: the first row must name the columns"));
    };
    let header: Vec<String> = header.iter().map(Cell::text).collect();
    let mut at = [None; COLUMNS.len()];
    for (i, c) in COLUMNS.iter().enumerate() {
        at[i] = header.iter().position(|h| {
            let h = h.trim();
            h == c.zh || h.eq_ignore_ascii_case(c.en) || h.eq_ignore_ascii_case(c.field)
        });
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(at)
        .filter(|(c, i)| c.required && i.is_none())
        .map(|(c, _)| c.zh)
        .collect();
    if !missing.is_empty() {
        problems.push(
            first_row,
            String::new(),
            "header",
            format!(
                "the first row must name the columns {}; download the template again",
                missing.join("、")
            ),
        );
        return Err(problems.into_vec());
    }
    let body = &grid[1..];
    let filled = body
        .iter()
        .filter(|r| r.iter().any(|c| *c != Cell::Empty))
        .count();
    if filled > MAX_ROWS {
        return Err(problems.whole(&format!(
            "the sheet lists {filled} projects; at most {MAX_ROWS} are read at once"
        )));
    }
    let industries = Classification::gbt4754_2017();
    let mut rows = Vec::new();
    for (k, cells) in body.iter().enumerate() {
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let row = first_row + 1 + k as u32;
        let mut r = RowReader {
            cells,
            at: &at,
            row,
            col0,
            problems: &mut problems,
        };
        if let Some(p) = r.read(today, industries, resolve) {
            rows.push(p);
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.into_vec())
    }
}

#[derive(Default)]
pub(crate) struct Problems {
    list: Vec<SheetProblem>,
    more: usize,
}

impl Problems {
    pub(crate) fn push(&mut self, row: u32, column: String, field: &str, message: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(SheetProblem {
                row,
                column,
                field: field.into(),
                message,
            });
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn whole(mut self, message: &str) -> Vec<SheetProblem> {
        self.push(0, String::new(), "file", message.into());
        self.into_vec()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn into_vec(mut self) -> Vec<SheetProblem> {
        if self.more > 0 {
            self.list.push(SheetProblem {
                row: 0,
                column: String::new(),
                field: "file".into(),
                message: format!("and {} more problems not listed", self.more),
            });
        }
        self.list
    }
}

struct RowReader<'a> {
    cells: &'a [Cell],
    at: &'a [Option<usize>; COLUMNS.len()],
    row: u32,
    col0: u32,
    problems: &'a mut Problems,
}

impl RowReader<'_> {
    fn index(field: &str) -> usize {
        COLUMNS
            .iter()
            .position(|c| c.field == field)
            .unwrap_or_default()
    }

    fn cell(&self, field: &str) -> (&Cell, String) {
        let i = Self::index(field);
        match self.at[i] {
            Some(c) => (
                self.cells.get(c).unwrap_or(&Cell::Empty),
                column_letter(self.col0 + c as u32),
            ),
            None => (&Cell::Empty, String::new()),
        }
    }

    fn problem(&mut self, field: &str, message: String) {
        let (_, column) = self.cell(field);
        self.problems.push(self.row, column, field, message);
    }

    /// A text cell, trimmed; `None` (with a problem) when required and empty or too long.
    fn text(&mut self, field: &str) -> Option<String> {
        let required = COLUMNS[Self::index(field)].required;
        let t = self.cell(field).0.text();
        if t.is_empty() && required {
            let zh = COLUMNS[Self::index(field)].zh;
            self.problem(field, format!("{zh} is empty"));
            return None;
        }
        if t.chars().count() > MAX_TEXT {
            self.problem(field, format!("longer than {MAX_TEXT} characters"));
            return None;
        }
        Some(t)
    }

    fn number(&mut self, field: &str) -> Option<Option<f64>> {
        let (cell, _) = self.cell(field);
        let value = match cell {
            Cell::Empty => return Some(None),
            Cell::Number(n) => Some(*n),
            Cell::Text(t) => t.replace([',', '，'], "").trim().parse::<f64>().ok(),
        };
        match value {
            Some(v) if v.is_finite() && (0.0..=MAX_AMOUNT).contains(&v) => Some(Some(v)),
            Some(v) => {
                self.problem(
                    field,
                    format!("{v} is outside 0 to {MAX_AMOUNT} (in units of ten thousand)"),
                );
                None
            }
            None => {
                let t = cell.text();
                self.problem(field, format!("{t:?} is not a number"));
                None
            }
        }
    }

    fn read(
        &mut self,
        today: Date,
        industries: &Classification,
        resolve: &dyn Resolve,
    ) -> Option<SheetRow> {
        let name = self.text("name");
        let investor = self.text("investor");
        let country = self.text("country").and_then(|t| {
            resolve
                .country(&t)
                .map_err(|m| self.problem("country", m))
                .ok()
        });
        let foreign = self.text("foreign").and_then(|t| match t.as_str() {
            "是" | "外资" | "Y" | "y" | "yes" | "Yes" | "true" | "1" => Some(true),
            "否" | "内资" | "N" | "n" | "no" | "No" | "false" | "0" => Some(false),
            other => {
                self.problem(
                    "foreign",
                    format!("{other:?}: write 是 (foreign-funded) or 否 (domestic)"),
                );
                None
            }
        });
        let uscc = self.text("uscc").and_then(|t| {
            if t.is_empty() {
                return Some(None);
            }
            resolve
                .uscc(&t)
                .map(Some)
                .map_err(|m| self.problem("uscc", m))
                .ok()
        });
        let industry = self.text("industry").and_then(|t| {
            let code = t
                .parse::<IndustryCode>()
                .map_err(|e| self.problem("industry", e.to_string()))
                .ok()?;
            industries
                .check(&code)
                .map_err(|e| self.problem("industry", e.to_string()))
                .ok()?;
            Some(code)
        });
        let amount = match self.number("amount") {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.problem("amount", "投资额（万元） is empty".into());
                None
            }
            None => None,
        };
        let currency = self.text("currency").and_then(|t| {
            Currency::parse(&t).or_else(|| {
                self.problem(
                    "currency",
                    format!("{t:?}: write 人民币 (CNY) or 美元 (USD)"),
                );
                None
            })
        });
        let city = self
            .text("city")
            .and_then(|t| resolve.city(&t).map_err(|m| self.problem("city", m)).ok());
        let zone = match (self.text("zone"), city) {
            (Some(t), _) if t.is_empty() => Some(None),
            (Some(t), Some(city)) => resolve
                .zone(&t, city)
                .map(Some)
                .map_err(|m| self.problem("zone", m))
                .ok(),
            _ => None,
        };
        let lead = self
            .text("lead")
            .and_then(|t| resolve.lead(&t).map_err(|m| self.problem("lead", m)).ok());
        let stage = self.text("stage").and_then(|t| {
            Stage::parse(&t).or_else(|| {
                self.problem(
                    "stage",
                    format!(
                        "{t:?} is not a stage; write one of {}",
                        Stage::ALL.map(Stage::name_zh).join("、")
                    ),
                );
                None
            })
        });
        let stage_on = self.date("stage_on", today);
        let arrived = self.number("arrived");
        let note = self.text("note");
        if let (Some(Stage::FundsArrived | Stage::Production), Some(None)) = (stage, arrived) {
            self.problem(
                "arrived",
                "the funds have arrived at this stage: say how much".into(),
            );
            return None;
        }
        Some(SheetRow {
            row: self.row,
            name: name?,
            investor: investor?,
            country: country?,
            foreign: foreign?,
            uscc: uscc?,
            industry: industry?,
            amount: amount?,
            currency: currency?,
            city: city?,
            zone: zone?,
            lead: lead?,
            stage: stage?,
            stage_on: stage_on?,
            arrived: arrived?,
            note: note?,
        })
    }

    fn date(&mut self, field: &str, today: Date) -> Option<Date> {
        let (cell, _) = self.cell(field);
        let parsed = match cell {
            Cell::Empty => {
                self.problem(field, "the date is empty".into());
                return None;
            }
            // Excel's serial day: days since 1899-12-30 (the 1900 leap-year bug included).
            Cell::Number(n) if (1.0..2_958_466.0).contains(n) => {
                time::macros::date!(1899 - 12 - 30).checked_add(time::Duration::days(*n as i64))
            }
            Cell::Number(_) => None,
            Cell::Text(t) => parse_date(t),
        };
        match parsed {
            Some(d) if d <= today => Some(d),
            Some(d) => {
                self.problem(field, format!("{d} is in the future (today is {today})"));
                None
            }
            None => {
                let t = cell.text();
                self.problem(
                    field,
                    format!("{t:?} is not a date; write it as 2025-03-10"),
                );
                None
            }
        }
    }
}

/// `2025-03-10`, `2025/3/10`, `2025.3.10` or `2025年3月10日`.
pub fn parse_date(t: &str) -> Option<Date> {
    let t = t.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let y: i32 = y.trim().parse().ok()?;
    let m: u8 = m.trim().parse().ok()?;
    let d: u8 = d.trim().parse().ok()?;
    if !(1990..=2100).contains(&y) {
        return None;
    }
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// `A`, `B`, …, `Z`, `AA`, … for a zero-based column.
pub fn column_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    struct Registry;

    impl Resolve for Registry {
        fn city(&self, text: &str) -> Result<i64, String> {
            match text {
                "jl-changchun" | "长春市" => Ok(10),
                _ => Err(format!("{text:?} is not a city of the registry")),
            }
        }
        fn zone(&self, text: &str, city: i64) -> Result<i64, String> {
            match (text, city) {
                ("cc-etdz", 10) => Ok(20),
                _ => Err(format!("{text:?} is not a zone of that city")),
            }
        }
        fn lead(&self, text: &str) -> Result<i64, String> {
            (text == "jl-doc")
                .then_some(1)
                .ok_or_else(|| format!("{text:?} is not an organisation"))
        }
        fn country(&self, text: &str) -> Result<String, String> {
            match text {
                "DE" | "德国" => Ok("DE".into()),
                "CN" | "中国" => Ok("CN".into()),
                _ => Err(format!("{text:?} is not a country or region")),
            }
        }
        fn uscc(&self, text: &str) -> Result<String, String> {
            (text.len() == 18)
                .then(|| text.to_string())
                .ok_or_else(|| "a USCC has 18 characters".into())
        }
    }

    fn t(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.into())
        }
    }

    fn header() -> Vec<Cell> {
        COLUMNS.iter().map(|c| t(c.zh)).collect()
    }

    fn good() -> Vec<Cell> {
        [
            "汽车零部件项目",
            "某某有限公司",
            "德国",
            "是",
            "",
            "36",
            "50000",
            "人民币",
            "长春市",
            "cc-etdz",
            "jl-doc",
            "签约",
            "2025-03-10",
            "",
            "",
        ]
        .iter()
        .map(|s| t(s))
        .collect()
    }

    const TODAY: Date = date!(2025 - 06 - 30);

    #[test]
    fn a_clean_sheet_reads_every_row() {
        let mut second = good();
        second[6] = Cell::Number(1200.0);
        second[7] = t("美元");
        second[11] = t("资金到位");
        second[12] = Cell::Number(45_717.0); // 2025-03-01 as Excel stores it
        second[13] = Cell::Number(600.0);
        let rows = read_grid(&[header(), good(), vec![], second], 1, 0, TODAY, &Registry).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].country, "DE");
        assert_eq!(rows[0].zone, Some(20));
        assert_eq!(rows[0].stage, Stage::Signed);
        assert_eq!(rows[1].row, 4, "the empty row is skipped but counted");
        assert_eq!(rows[1].currency, Currency::Usd);
        assert_eq!(rows[1].stage_on, date!(2025 - 03 - 01));
        assert_eq!(rows[1].arrived, Some(600.0));
    }

    #[test]
    fn every_problem_is_named_by_row_column_and_field() {
        let mut bad = good();
        bad[2] = t("火星");
        bad[5] = t("99");
        bad[6] = t("五万");
        bad[11] = t("批准");
        bad[12] = t("2026-01-01");
        let mut worse = good();
        worse[0] = Cell::Empty;
        worse[9] = t("nowhere");
        worse[11] = t("投产");
        let problems = read_grid(&[header(), bad, worse], 1, 0, TODAY, &Registry).unwrap_err();
        let at: Vec<(u32, &str, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.field.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (2, "C", "country"),
                (2, "F", "industry"),
                (2, "G", "amount"),
                (2, "L", "stage"),
                (2, "M", "stage_on"),
                (3, "A", "name"),
                (3, "J", "zone"),
                (3, "N", "arrived"),
            ]
        );
        assert!(problems[4].message.contains("future"), "{problems:?}");
    }

    #[test]
    fn a_missing_column_is_named_and_nothing_is_read() {
        let mut h = header();
        h.remove(6);
        let p = read_grid(&[h, good()], 1, 0, TODAY, &Registry).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("投资额（万元）"), "{p:?}");
    }

    #[test]
    fn english_headers_are_understood() {
        let h: Vec<Cell> = COLUMNS.iter().map(|c| t(c.en)).collect();
        assert_eq!(
            read_grid(&[h, good()], 1, 0, TODAY, &Registry)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn dates_and_columns() {
        assert_eq!(parse_date("2025/3/9"), Some(date!(2025 - 03 - 09)));
        assert_eq!(parse_date("2025年3月9日"), Some(date!(2025 - 03 - 09)));
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("25-3-9"), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn too_many_rows_are_refused_before_reading_them() {
        let mut grid = vec![header()];
        grid.extend(std::iter::repeat_n(good(), MAX_ROWS + 1));
        let p = read_grid(&grid, 1, 0, TODAY, &Registry).unwrap_err();
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("at most"), "{p:?}");
    }
}
