//! Any list the API returns can also be had as an Excel workbook: `?format=xlsx`.
//!
//! A handler builds its rows once as a [`Table`]; [`respond`] turns it into JSON items or
//! into an .xlsx file with headers in the reader's language.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    #[default]
    Json,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

/// Query parameters every list endpoint takes.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct ListQuery {
    /// `json` (default) or `xlsx`.
    pub format: Option<OutputFormat>,
    /// Language of the spreadsheet's headers: `zh` or `en` (default: from Accept-Language).
    pub lang: Option<Lang>,
    /// Most rows to return, where the list is long (audit log, jobs).
    pub limit: Option<i64>,
}

impl ListQuery {
    pub fn lang(&self, headers: &HeaderMap) -> Lang {
        self.lang.unwrap_or_else(|| {
            let accept = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if accept.trim_start().to_ascii_lowercase().starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Float(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Cell {
        Cell::Bool(v)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A sheet: a name, bilingual headers, and rows.
pub struct Table {
    /// File and sheet name (ASCII).
    pub name: &'static str,
    /// (Chinese, English) per column.
    pub headers: &'static [(&'static str, &'static str)],
    pub rows: Vec<Vec<Cell>>,
}

/// Items of a JSON list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Answers a list request: JSON `{ items }` or the same rows as an .xlsx download.
pub fn respond<T: Serialize>(
    q: &ListQuery,
    headers: &HeaderMap,
    items: Vec<T>,
    table: impl FnOnce(&[T]) -> Table,
) -> ApiResult<Response> {
    match q.format.unwrap_or_default() {
        OutputFormat::Json => Ok(Json(Items { items }).into_response()),
        OutputFormat::Xlsx => xlsx_response(&table(&items), q.lang(headers)),
    }
}

/// Like [`respond`] for answers that are not a plain list (a summary, statistics): the value
/// as JSON, or its table as an .xlsx download.
pub fn respond_with<T: Serialize>(
    q: &ListQuery,
    headers: &HeaderMap,
    value: T,
    table: impl FnOnce(&T) -> Table,
) -> ApiResult<Response> {
    match q.format.unwrap_or_default() {
        OutputFormat::Json => Ok(Json(value).into_response()),
        OutputFormat::Xlsx => xlsx_response(&table(&value), q.lang(headers)),
    }
}

fn xlsx_response(t: &Table, lang: Lang) -> ApiResult<Response> {
    let bytes = to_xlsx(t, lang).map_err(ApiError::internal)?;
    let disposition = format!("attachment; filename=\"{}.xlsx\"", t.name);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
            ),
        ],
        bytes,
    )
        .into_response())
}

pub fn to_xlsx(t: &Table, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.name)?;
    let bold = Format::new().set_bold();
    for (c, (zh, en)) in t.headers.iter().enumerate() {
        let h = if lang == Lang::Zh { zh } else { en };
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s)?,
                Cell::Int(v) => ws.write_number(r, c, *v as f64)?,
                Cell::Float(v) => ws.write_number(r, c, *v)?,
                Cell::Bool(v) => ws.write_boolean(r, c, *v)?,
                Cell::Empty => ws,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
    wb.save_to_buffer()
}
