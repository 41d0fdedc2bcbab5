//! The forms as files: the blank yearly form of every zone as CSV, a zone's form as an Excel
//! workbook, and reading that workbook back (every problem named by sheet, row, column and
//! field, nothing saved unless all rows are right).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaifang_app::assess::{Engine, ZoneForm};
use kaifang_assess::zones::{self, Zone};
use kaifang_store::zone_data::{self, ValueInput};
use serde::{Deserialize, Serialize};

use super::{allowed_zone, form_year, may_read_assessment};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Most problems listed for one uploaded form.
const MAX_PROBLEMS: usize = 50;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TemplateQuery {
    /// Year the form is for (default: the year after the latest with data).
    pub year: Option<String>,
}

/// The blank yearly data form as CSV (`uCode,uName,Time,iCode,iName,Value,Unit`): one row per
/// assessed zone and indicator, units filled in, values left for the zone to enter.
#[utoipa::path(get, path = "/api/zones/template", tag = "zones", params(TemplateQuery),
    responses((status = 200, description = "a CSV file", content_type = "text/csv"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn template(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TemplateQuery>,
) -> ApiResult<Response> {
    may_read_assessment(&caller)?;
    let e = state.zones.engine()?;
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => e.panel.latest_year() + 1,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => return Err(ApiError::field("year", format!("\"{s}\" is not a year"))),
        },
    };
    let csv = zones::template_csv(&e.framework, &e.registry, year);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"zones-{year}.csv\""),
            ),
        ],
        // A byte-order mark, so that spreadsheet programs read the Chinese names as UTF-8.
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

// The spreadsheet form: one sheet, one header row of "中文 code" cells, one row per indicator.
const SHEET: &str = "数据";
const COLUMNS: [(&str, &str); 10] = [
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

fn template_xlsx(f: &ZoneForm) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let locked = Format::new().set_background_color("#F2F2F2");
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (c, (code, zh)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, format!("{zh} {code}"), &bold)?;
    }
    for (r, row) in f.rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string_with_format(r, 0, &f.zone.code, &locked)?;
        ws.write_string_with_format(r, 1, &f.zone.name_zh, &locked)?;
        ws.write_number_with_format(r, 2, f64::from(f.year), &locked)?;
        ws.write_string_with_format(r, 3, &row.indicator, &locked)?;
        ws.write_string_with_format(r, 4, &row.name, &locked)?;
        ws.write_string_with_format(r, 5, row.unit.as_deref().unwrap_or(""), &locked)?;
        if let Some(p) = row.previous {
            ws.write_number_with_format(r, 6, p, &locked)?;
        }
        let label = match row.previous_source {
            Some(zone_data::SOURCE_SYNTHETIC) => "合成演示数据（非统计数据）",
            Some(_) => "已审核报送数据",
            None => "",
        };
        ws.write_string_with_format(r, 7, label, &locked)?;
        if let Some(v) = row.value {
            ws.write_number(r, 8, v)?;
        }
        if !row.note.is_empty() {
            ws.write_string(r, 9, &row.note)?;
        }
    }
    ws.set_column_width(1, 28)?;
    ws.set_column_width(4, 36)?;
    ws.set_column_width(7, 24)?;
    ws.set_column_width(8, 14)?;
    ws.set_column_width(9, 30)?;
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

/// The zone's yearly form as an Excel workbook: one row per indicator with its unit and last
/// year's value, and the values saved so far; fill in 本年值 (Value) and upload it back.
#[utoipa::path(get, path = "/api/zones/{code}/submissions/{year}/template", tag = "zones",
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn form_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
) -> ApiResult<Response> {
    let zone = allowed_zone(&state, &caller, &code, "read zone data", |a, r| {
        a.read_zone_data(r)
    })
    .await?;
    let year = form_year(&year)?;
    let f = state.zones.form(&state.store, &zone, year).await?;
    let bytes = template_xlsx(&f).map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{year}.xlsx\"", zone.code),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// One thing wrong in an uploaded form, where a spreadsheet shows it.
#[derive(Debug, Serialize)]
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

/// `details` of the 422 of an upload: the first problem's place, and every problem.
#[derive(Debug, Serialize)]
struct ProblemDetails<'a> {
    sheet: &'a str,
    row: u32,
    column: &'a str,
    field: &'a str,
    problems: &'a [FormProblem],
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
fn read_form(
    e: &Engine,
    zone: &Zone,
    year: i32,
    bytes: &[u8],
) -> Result<Vec<ValueInput>, Vec<FormProblem>> {
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
            if !z.is_empty() && z != zone.code {
                problem(
                    c,
                    "uCode",
                    format!("this is the form of {}, not of {z}", zone.code),
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
        let at = kaifang_assess::Location::row(sheet.as_str(), row as usize);
        match zones::check_entry(&e.framework, &indicator, &value, unit.as_deref(), &at) {
            Ok((_, v)) => {
                if let Some(first) = seen.insert(indicator.clone(), row) {
                    problem(
                        c_ind,
                        "iCode",
                        format!("{indicator} is given twice (rows {first} and {row})"),
                    );
                } else if v.is_finite() {
                    values.push(ValueInput {
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

/// The 422 for an upload with problems: the first in the message, all in `details`.
fn problems_error(problems: &[FormProblem]) -> ApiError {
    let Some(first) = problems.first() else {
        return ApiError::invalid("the workbook could not be read");
    };
    let message = if first.row == 0 {
        first.message.clone()
    } else {
        format!(
            "sheet {}, row {}, column {} ({}): {}{}",
            first.sheet,
            first.row,
            first.column,
            first.field,
            first.message,
            if problems.len() > 1 {
                format!(" (and {} more)", problems.len() - 1)
            } else {
                String::new()
            }
        )
    };
    let details = ProblemDetails {
        sheet: &first.sheet,
        row: first.row,
        column: &first.column,
        field: &first.field,
        problems,
    };
    match serde_json::to_value(details) {
        Ok(d) => ApiError::invalid(message).with_details(d),
        Err(e) => ApiError::internal(e),
    }
}

/// Uploads the filled-in workbook of /template (multipart field `file`, and `version`, the
/// version last read, 0 for none) and saves its values as the draft. Every row is checked
/// first: a wrong value, unit, indicator, zone or year is 422 with `details.problems`
/// (sheet, row, column, field, message) and nothing is saved.
#[utoipa::path(post, path = "/api/zones/{code}/submissions/{year}/upload", tag = "zones",
    params(("code" = String, Path, description = "zone code"), ("year" = i32, Path)),
    request_body(content_type = "multipart/form-data", description = "a `file` field (.xlsx) and a `version` field"),
    responses((status = 200, body = ZoneForm, description = "The zone's form"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current submission in details.current", body = ErrorBody),
        (status = 422, description = "problems of the form, each with sheet, row, column and field", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, year)): Path<(String, String)>,
    mut multipart: Multipart,
) -> ApiResult<Json<ZoneForm>> {
    let zone = allowed_zone(
        &state,
        &caller,
        &code,
        "fill in this zone's data",
        |a, r| a.edit_zone_data(r),
    )
    .await?;
    let year = form_year(&year)?;
    let multipart_err = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "invalid", e.body_text())
    };
    let mut file = None;
    let mut version = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_err)? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(multipart_err)?),
            Some("version") => {
                let text = field.text().await.map_err(multipart_err)?;
                version = text.trim().parse().map_err(|_| {
                    ApiError::field("version", format!("\"{text}\" is not a version"))
                })?;
            }
            _ => {}
        }
    }
    let file = file.ok_or_else(|| ApiError::field("file", "the form has no `file` field"))?;
    let e = state.zones.engine()?;
    // Reading a workbook is CPU work: off the async workers.
    let values = {
        let (e, zone) = (e.clone(), zone.clone());
        tokio::task::spawn_blocking(move || read_form(&e, &zone, year, &file))
            .await
            .map_err(ApiError::internal)?
            .map_err(|p| problems_error(&p))?
    };
    state
        .store
        .save_zone_draft(
            &caller.who(),
            &zone.code,
            year,
            version,
            &values,
            &e.framework,
        )
        .await?;
    Ok(Json(state.zones.form(&state.store, &zone, year).await?))
}
