//! Investment attraction (招商引资): thin faces over `kaifang_app::invest`. The negative lists
//! and their check (every signed-in role: the list is public law, and enterprises ask it most);
//! the projects pipeline, scoped as `kaifang_model::access` says (cities and zones their own,
//! provincial departments and leaders all, enterprises none); its figures; the list as Excel,
//! out and in.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kaifang_app::invest::{
    CheckRequest, EditionSummary, ImportReport, InvestStats, ProjectRequest, ProjectStepRequest,
};
use kaifang_invest::industry::{Classification, Entry};
use kaifang_invest::negative_list::{Check, Edition};
use kaifang_invest::pipeline::Stage;
use kaifang_invest::sheet::{COLUMNS, HEADERS, SheetProblem};
use kaifang_store::invest::{ProjectDetail, ProjectFilter, ProjectItem};
use kaifang_store::rules::today_in_china;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Cell, Items, Lang, ListQuery, OutputFormat, Table};

/// The editions of the negative list for foreign investment access, the one in force first.
#[utoipa::path(get, path = "/api/invest/negative-lists", tag = "invest",
    responses((status = 200, body = Items<EditionSummary>), (status = 401, body = ErrorBody)))]
pub async fn editions(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<Items<EditionSummary>>> {
    let mut items = state.invest.editions(today_in_china());
    items.sort_by_key(|e| (!e.current, e.id.clone()));
    Ok(Json(Items { items }))
}

/// One edition with every item: its text, sector, measures, industry codes, and whether an
/// official should review it.
#[utoipa::path(get, path = "/api/invest/negative-lists/{id}", tag = "invest",
    params(("id" = String, Path, description = "edition id, e.g. national-2024")),
    responses((status = 200, body = Edition), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edition(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Edition>> {
    Ok(Json(state.invest.edition(&id)?.clone()))
}

/// Checks an industry code (GB/T 4754-2017) or a described activity against an edition of the
/// negative list (default: the national list in force today): prohibited, restricted (which
/// item, which condition) or not on the list, with each item quoted.
#[utoipa::path(get, path = "/api/invest/negative-list/check", tag = "invest", params(CheckRequest),
    responses((status = 200, body = Check), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<CheckRequest>,
) -> ApiResult<Json<Check>> {
    Ok(Json(state.invest.check(&q, today_in_china())?))
}

/// The sections and divisions of GB/T 4754-2017, for choosing a project's industry.
#[utoipa::path(get, path = "/api/invest/industries", tag = "invest",
    responses((status = 200, body = Items<Entry>), (status = 401, body = ErrorBody)))]
pub async fn industries(_caller: Caller) -> ApiResult<Json<Items<Entry>>> {
    Ok(Json(Items {
        items: Classification::gbt4754_2017().entries().to_vec(),
    }))
}

fn may_read(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_projects(),
        "read investment projects",
        String::new,
    )
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectsQuery {
    /// Only projects at this stage (`lead`, `negotiating`, `signed`, `registered`,
    /// `construction`, `funds_arrived`, `production`, `dropped`).
    pub stage: Option<String>,
    /// Only projects in this city or zone (organisation id).
    pub city: Option<i64>,
    pub zone: Option<i64>,
    /// `json` (default) or `xlsx` (the columns of the import template: edit and import back).
    pub format: Option<OutputFormat>,
    pub lang: Option<Lang>,
}

fn projects_table(items: &[ProjectItem], lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    Table {
        name: "projects",
        headers: &HEADERS,
        rows: items
            .iter()
            .map(|p| {
                let opt = |v: Option<&String>| Cell::from(v.cloned());
                vec![
                    p.name.as_str().into(),
                    p.investor.as_str().into(),
                    p.country.as_str().into(),
                    if zh {
                        if p.foreign_funded { "是" } else { "否" }
                    } else if p.foreign_funded {
                        "yes"
                    } else {
                        "no"
                    }
                    .into(),
                    opt(p.uscc.as_ref()),
                    p.industry.as_str().into(),
                    p.amount.into(),
                    if zh {
                        p.currency.name_zh()
                    } else {
                        p.currency.key()
                    }
                    .into(),
                    p.city.code.as_str().into(),
                    opt(p.zone.as_ref().map(|z| &z.code)),
                    p.lead.code.as_str().into(),
                    if zh {
                        p.stage.name_zh()
                    } else {
                        p.stage.name_en()
                    }
                    .into(),
                    p.stage_on.as_str().into(),
                    p.arrived.into(),
                    // A dropped project's reason travels in the note, as an import reads it.
                    match (&p.drop_reason, p.note.is_empty()) {
                        (Some(r), true) => r.as_str(),
                        _ => p.note.as_str(),
                    }
                    .into(),
                ]
            })
            .collect(),
    }
}

/// The projects the caller may see (cities and zones: located with them or led by them), the
/// latest changed first. `?format=xlsx`: the list in the import template's columns.
#[utoipa::path(get, path = "/api/invest/projects", tag = "invest", params(ProjectsQuery),
    responses((status = 200, body = Items<ProjectItem>, description = "The projects, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn projects(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ProjectsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let stage = match q.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Stage::parse(s)
                .ok_or_else(|| ApiError::field("stage", format!("{s:?} is not a stage")))?,
        ),
    };
    let filter = ProjectFilter {
        scope: caller.actor().project_scope(),
        stage,
        city_org_id: q.city,
        zone_org_id: q.zone,
    };
    let items = state.store.projects(&filter).await?;
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    let lang = list.lang(&headers);
    table::respond(&list, &headers, items, |i| projects_table(i, lang))
}

/// Enters a project, checked at once against the national negative list in force (the answer
/// is kept with the project). The caller must be allowed to edit projects of its city, zone
/// and lead organisation.
#[utoipa::path(post, path = "/api/invest/projects", tag = "invest", request_body = ProjectRequest,
    responses((status = 201, body = ProjectDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<ProjectRequest>,
) -> ApiResult<(StatusCode, Json<ProjectDetail>)> {
    let actor = caller.actor();
    ApiError::check(
        actor.enter_projects(),
        "enter investment projects",
        String::new,
    )?;
    if !actor
        .edit_project(b.city_org_id, b.zone_org_id, b.lead_org_id)
        .is_allowed()
    {
        return Err(ApiError::forbidden(
            "enter projects of that city, zone and lead organisation",
        ));
    }
    let p = kaifang_app::invest::create_project(
        &state.store,
        &state.invest,
        &caller.who(),
        &b,
        today_in_china(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Project `id`, if the caller may know it exists (enterprises may not: 404).
async fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<ProjectDetail> {
    if !caller.actor().read_projects().is_allowed() {
        return Err(ApiError::not_found(format!("project {id}")));
    }
    let p = state.store.project(id).await?;
    let i = &p.item;
    ApiError::check(
        caller
            .actor()
            .read_project(i.city.id, i.zone.as_ref().map(|z| z.id), i.lead.id),
        "read this project",
        || format!("project {id}"),
    )?;
    Ok(p)
}

/// One project with the day it reached each stage and its timeline.
#[utoipa::path(get, path = "/api/invest/projects/{id}", tag = "invest", params(("id" = i64, Path)),
    responses((status = 200, body = ProjectDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProjectDetail>> {
    Ok(Json(visible(&state, &caller, id).await?))
}

/// A step on a project: `advance` to a later stage on a date (stages passed over count as
/// reached that day; funds arrived needs the amount), `drop` with a reason, a `note`, a
/// `problem`, or a logged problem made a supervision task (`to_task`) or the investor's
/// appeal (`to_appeal`). Needs the version last read: 409 `stale` with the project as it is.
#[utoipa::path(post, path = "/api/invest/projects/{id}/steps", tag = "invest", params(("id" = i64, Path)),
    request_body = ProjectStepRequest,
    responses((status = 200, body = ProjectDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, or `stale` with the current project in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ProjectStepRequest>,
) -> ApiResult<Json<ProjectDetail>> {
    let current = visible(&state, &caller, id).await?;
    let i = &current.item;
    let actor = caller.actor();
    ApiError::check(
        actor.edit_project(i.city.id, i.zone.as_ref().map(|z| z.id), i.lead.id),
        "change this project",
        || format!("project {id}"),
    )?;
    let today = today_in_china();
    let action = kaifang_app::invest::project_action(&b, &current, today, |d, n| {
        state.rules.calendar.add_working_days(d, n).date
    })?;
    if matches!(action, kaifang_store::invest::ProjectAction::ToTask { .. }) {
        ApiError::check(
            actor.supervise_tasks(),
            "issue supervision tasks",
            String::new,
        )?;
    }
    let p = state
        .store
        .act_on_project(&caller.who(), id, b.version, &action, today)
        .await?;
    Ok(Json(p))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The year (default: this year).
    pub year: Option<i32>,
    /// The period's last month, 1–12 (default: this month).
    pub month: Option<u8>,
    /// `json` (default) or `xlsx` (the figures by city, zone, industry, country and month).
    pub format: Option<OutputFormat>,
    pub lang: Option<Lang>,
}

fn stats_table(s: &InvestStats, lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    let mut rows = Vec::new();
    let groups = [
        (("市州", "City"), &s.stats.by_city),
        (("开发区", "Zone"), &s.stats.by_zone),
        (("行业", "Industry"), &s.stats.by_industry),
        (("来源国别（地区）", "Source country"), &s.stats.by_country),
        (("月份", "Month"), &s.stats.by_month),
    ];
    for ((dim_zh, dim_en), list) in groups {
        for g in list {
            let name = s
                .names
                .get(&g.key)
                .map(|n| if zh { n.zh.clone() } else { n.en.clone() })
                .unwrap_or_default();
            let f = &g.figures;
            rows.push(vec![
                if zh { dim_zh } else { dim_en }.into(),
                g.key.as_str().into(),
                name.into(),
                i64::from(f.signed_projects).into(),
                f.signed.into(),
                f.signed_before.into(),
                f.signed_yoy.into(),
                f.arrived.into(),
                f.arrived_before.into(),
                f.arrived_yoy.into(),
            ]);
        }
    }
    Table {
        name: "invest-stats",
        headers: &[
            ("维度", "Dimension"),
            ("代码", "Code"),
            ("名称", "Name"),
            ("签约项目数", "Projects signed"),
            ("签约额（万元）", "Signed (10k CNY)"),
            ("上年同期签约额", "Signed, year before"),
            ("签约额同比（%）", "Signed YoY (%)"),
            ("到位资金（万元）", "Funds arrived (10k CNY)"),
            ("上年同期到位资金", "Arrived, year before"),
            ("到位资金同比（%）", "Arrived YoY (%)"),
        ],
        rows,
    }
}

/// The pipeline's figures, January to `month` of `year` against the same months of the year
/// before: signed and arrived by city, zone, industry, source country and month, projects at
/// each stage, conversion from stage to stage and time in stage; scoped as the project list.
#[utoipa::path(get, path = "/api/invest/stats", tag = "invest", params(StatsQuery),
    responses((status = 200, body = InvestStats, description = "The figures, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let s = kaifang_app::invest::stats(
        &state.store,
        caller.actor().project_scope(),
        q.year,
        q.month,
        today_in_china(),
    )
    .await?;
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    let lang = list.lang(&headers);
    table::respond_with(&list, &headers, s, |s| stats_table(s, lang))
}

fn template_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("项目")?;
    for (c, col) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, col.zh, &bold)?;
        ws.set_column_width(c as u16, 16)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let help = wb.add_worksheet();
    help.set_name("说明")?;
    for (c, h) in ["列", "Column", "必填 Required", "示例 Example"]
        .iter()
        .enumerate()
    {
        help.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, col) in COLUMNS.iter().enumerate() {
        let r = r as u32 + 1;
        help.write_string(r, 0, col.zh)?;
        help.write_string(r, 1, col.en)?;
        help.write_string(r, 2, if col.required { "是" } else { "否" })?;
        help.write_string(r, 3, col.example)?;
    }
    let notes = [
        "第一张工作表的第一行为列名（中文或英文），每行一个项目；空行跳过。",
        "投资方国别（地区）：ISO 两位代码（如 DE、KR、HK）或中文名；内资填 CN。",
        "行业代码：GB/T 4754-2017 门类字母或 2–4 位数字代码。",
        "所在市（州）、所在开发区、牵头单位：组织机构代码或中文全称（见组织机构列表）。",
        "阶段：线索、洽谈、签约、注册、开工建设、资金到位、投产；资金到位及投产须填到位资金。",
        "导入时逐行检查；任何一行有误则整表不保存，并列出每个问题的行、列和字段。",
    ];
    for (i, n) in notes.iter().enumerate() {
        help.write_string(COLUMNS.len() as u32 + 2 + i as u32, 0, *n)?;
    }
    help.set_column_width(0, 22)?;
    help.set_column_width(1, 22)?;
    help.set_column_width(3, 30)?;
    wb.save_to_buffer()
}

/// The import template: the project sheet's columns, and a sheet explaining each.
#[utoipa::path(get, path = "/api/invest/projects/template", tag = "invest",
    responses((status = 200, description = "an .xlsx file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn template(caller: Caller) -> ApiResult<Response> {
    may_read(&caller)?;
    let bytes = template_xlsx().map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"invest-projects-template.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The 422 of a sheet with problems: the first in the message, all in `details.problems`.
pub fn sheet_error(file: &str, problems: &[SheetProblem]) -> ApiError {
    let Some(first) = problems.first() else {
        return ApiError::invalid("the workbook could not be read");
    };
    let more = if problems.len() > 1 {
        format!(" (and {} more)", problems.len() - 1)
    } else {
        String::new()
    };
    let message = if first.row == 0 {
        format!("{file}: {}{more}", first.message)
    } else {
        format!(
            "{file}, row {}, column {} ({}): {}{more}; nothing was saved",
            first.row, first.column, first.field, first.message
        )
    };
    ApiError::invalid(message).with_details(serde_json::json!({
        "file": file, "row": first.row, "column": first.column, "field": first.field,
        "problems": problems,
    }))
}

/// Imports a project list (multipart field `file`, an .xlsx in the template's columns): every
/// row is checked first, and any problem refuses the whole file with each problem named by
/// row, column and field (422, nothing saved).
#[utoipa::path(post, path = "/api/invest/projects/import", tag = "invest",
    request_body(content_type = "multipart/form-data", description = "a `file` field (.xlsx)"),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "problems of the sheet, each with row, column and field", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    mut multipart: Multipart,
) -> ApiResult<Json<ImportReport>> {
    let actor = caller.actor();
    ApiError::check(
        actor.enter_projects(),
        "enter investment projects",
        String::new,
    )?;
    let multipart_err = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "invalid", e.body_text())
    };
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_err)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("projects.xlsx").to_string();
            file = Some((name, field.bytes().await.map_err(multipart_err)?));
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::field("file", "the form has no `file` field"))?;
    let name: String = name.chars().take(200).collect();
    let report = kaifang_app::invest::import_sheet(
        &state.store,
        &state.invest,
        &caller.who(),
        &name,
        bytes.to_vec(),
        today_in_china(),
        |city, zone, lead| actor.edit_project(city, zone, lead).is_allowed(),
    )
    .await
    .map_err(|e| match e {
        kaifang_app::AppError::Sheet(p) => sheet_error(&name, &p),
        other => other.into(),
    })?;
    Ok(Json(report))
}
