//! The forms as files: the blank yearly form of every zone as CSV, a zone's form as an Excel
//! workbook, and reading that workbook back (every problem named by sheet, row, column and
//! field, nothing saved unless all rows are right).

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaifang_app::assess::ZoneForm;
use kaifang_assess::zone_form::{COLUMNS, FormProblem, SHEET, read_form};
use kaifang_assess::zones;
use kaifang_store::zone_data::{self, ValueInput};
use serde::{Deserialize, Serialize};

use super::{allowed_zone, form_year, may_read_assessment};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

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

/// `details` of the 422 of an upload: the first problem's place, and every problem.
#[derive(Debug, Serialize)]
struct ProblemDetails<'a> {
    sheet: &'a str,
    row: u32,
    column: &'a str,
    field: &'a str,
    problems: &'a [FormProblem],
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
        tokio::task::spawn_blocking(move || read_form(&e.framework, &zone.code, year, &file))
            .await
            .map_err(ApiError::internal)?
            .map_err(|p| problems_error(&p))?
            .into_iter()
            .map(|v| ValueInput {
                indicator: v.indicator,
                value: v.value,
                note: v.note,
            })
            .collect::<Vec<_>>()
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
