//! The zone's yearly form as a workbook people fill in: its sheet and columns, and reading an
//! uploaded workbook back into values, every problem named by sheet, row, column and field.
//!
//! The workbook's size is checked (`kaifang_workbook`, the form's limits) before calamine
//! allocates for it; at most [`MAX_PROBLEMS`] problems are listed.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Location;
use crate::framework::Framework;
use crate::zones::check_entry;

/// Most problems listed for one uploaded form.
pub const MAX_PROBLEMS: usize = 50;

/// The form's one sheet; a header row of "中文 code" cells, one row per indicator.
pub const SHEET: &str = "数据";
pub const COLUMNS: [(&str, &str); 10] = [
    ("uCode", "开发区代码"),
    ("uName", "开发区"),
    ("Time", "年份"),
    ("iCode", "指标代码"),
    ("iName", "指标"),
    ("Unit", "单位"),
    ("Previous", "上年值"),
    ("PreviousSource", "上年值来源"),
    ("Value", "本年值"),
    ("Note", "备注"),
];

/// One value the form gives.
#[derive(Debug, Clone, PartialEq)]
pub struct FormEntry {
    pub indicator: String,
    pub value: f64,
    pub note: String,
}

/// One thing wrong in an uploaded form, where a spreadsheet shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormProblem {
    pub sheet: String,
    /// 1-based, as the spreadsheet numbers rows.
    pub row: u32,
    /// `A`, `B`, ...
    pub column: String,
    /// The column's code (`Value`, `Unit`, `iCode`, `uCode`, `Time`).
    pub field: String,
    pub message: String,
}

fn column_letter(mut c: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Reads the uploaded workbook into values for `zone` and `year`, or every problem found.
pub fn read_form(
    framework: &Framework,
    zone_code: &str,
    year: i32,
    bytes: &[u8],
) -> Result<Vec<FormEntry>, Vec<FormProblem>> {
    use calamine::Reader;
    let whole = |field: &str, message: String| {
        vec![FormProblem {
            sheet: String::new(),
            row: 0,
            column: String::new(),
            field: field.into(),
            message,
        }]
    };
    // A grid's size is checked before the reader allocates for it.
    kaifang_workbook::check(std::io::Cursor::new(bytes), &kaifang_workbook::Limits::FORM)
        .map_err(|err| whole("file", err.to_string()))?;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|err| {
        whole(
            "file",
            format!("not an Excel workbook (.xlsx) that can be read: {err}"),
        )
    })?;
    let sheets = wb.sheet_names();
    let sheet = sheets
        .iter()
        .find(|n| n.as_str() == SHEET)
        .or_else(|| sheets.first())
        .cloned()
        .ok_or_else(|| whole("file", "the workbook has no sheet".into()))?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|err| whole("file", format!("sheet {sheet}: {err}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let find = |code: &str, zh: &str| {
        header.iter().position(|h| {
            let last = h.split_whitespace().last().unwrap_or("");
            last.eq_ignore_ascii_case(code) || h == zh
        })
    };
    let col = |code: &str| {
        COLUMNS
            .iter()
            .find(|(c, _)| *c == code)
            .and_then(|(c, zh)| find(c, zh))
    };
    let mut problems = Vec::new();
    let (Some(c_ind), Some(c_val)) = (col("iCode"), col("Value")) else {
        return Err(vec![FormProblem {
            sheet: sheet.clone(),
            row: row0 + 1,
            column: String::new(),
            field: "header".into(),
            message: "the first row must name the columns iCode (指标代码) and Value (本年值); download the form again".into(),
        }]);
    };
    let (c_zone, c_time, c_unit, c_note) = (col("uCode"), col("Time"), col("Unit"), col("Note"));
    let mut values = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (k, r) in rows.enumerate() {
        let row = row0 + k as u32 + 2;
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map(cell_text).unwrap_or_default();
        let mut problem = |c: usize, field: &str, message: String| {
            problems.push(FormProblem {
                sheet: sheet.clone(),
                row,
                column: column_letter(col0 + c as u32),
                field: field.into(),
                message,
            })
        };
        let indicator = get(Some(c_ind));
        let value = get(Some(c_val));
        if indicator.is_empty() && value.is_empty() {
            continue;
        }
        if let Some(c) = c_zone {
            let z = get(Some(c));
            if !z.is_empty() && z != zone_code {
                problem(
                    c,
                    "uCode",
                    format!("this is the form of {zone_code}, not of {z}"),
                );
                continue;
            }
        }
        if let Some(c) = c_time {
            let t = get(Some(c));
            if !t.is_empty() && t.parse::<f64>().ok() != Some(f64::from(year)) {
                problem(
                    c,
                    "Time",
                    format!("this is the form for {year}, not for {t}"),
                );
                continue;
            }
        }
        let unit = c_unit.map(|c| get(Some(c)));
        let at = Location::row(sheet.as_str(), row as usize);
        match check_entry(framework, &indicator, &value, unit.as_deref(), &at) {
            Ok((_, v)) => {
                if let Some(first) = seen.insert(indicator.clone(), row) {
                    problem(
                        c_ind,
                        "iCode",
                        format!("{indicator} is given twice (rows {first} and {row})"),
                    );
                } else if v.is_finite() {
                    values.push(FormEntry {
                        indicator,
                        value: v,
                        note: get(c_note),
                    });
                }
            }
            Err(err) => {
                let field = err
                    .location()
                    .and_then(|l| l.field.clone())
                    .unwrap_or_else(|| "Value".into());
                let c = match field.as_str() {
                    "iCode" => c_ind,
                    "Unit" => c_unit.unwrap_or(c_val),
                    _ => c_val,
                };
                problem(c, &field, err.to_string());
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}
