use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kaifang_model::{Module, OrgKind, RegionCode, Uscc, ZoneType};
use kaifang_store::accounts::{NewOrg, Org};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Cell, ListQuery, Table};

fn org_table(items: &[Org]) -> Table {
    Table {
        name: "organisations",
        headers: &[
            ("编码", "Code"),
            ("类型", "Kind"),
            ("中文名称", "Name (Chinese)"),
            ("英文名称", "Name (English)"),
            ("行政区划代码", "Region code"),
            ("园区类型", "Zone type"),
            ("负责模块", "Modules"),
            ("联系方式", "Contact"),
            ("统一社会信用代码", "Credit code"),
            ("来源", "Source"),
        ],
        rows: items
            .iter()
            .map(|o| {
                vec![
                    o.code.as_str().into(),
                    o.kind.as_str().into(),
                    o.name_zh.as_str().into(),
                    o.name_en.as_str().into(),
                    o.region_code.clone().into(),
                    o.zone_type.map(|z| z.as_str()).into(),
                    Cell::Text(Module::format_list(&o.modules)),
                    o.contact.as_str().into(),
                    o.uscc.clone().into(),
                    o.source.as_str().into(),
                ]
            })
            .collect(),
    }
}

/// Organisations: all of them, or only one's own for enterprise staff. `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/orgs", tag = "organisations", params(ListQuery),
    responses((status = 200, body = crate::table::Items<Org>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let items = state.store.orgs(caller.actor().org_scope()).await?;
    table::respond(&q, &headers, items, org_table)
}

/// One organisation.
#[utoipa::path(get, path = "/api/orgs/{id}", tag = "organisations",
    responses((status = 200, body = Org), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Org>> {
    ApiError::check(
        caller.actor().read_org(id),
        "read this organisation",
        || format!("organisation {id}"),
    )?;
    Ok(Json(state.store.org(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateOrg {
    pub code: String,
    pub kind: OrgKind,
    pub name_zh: String,
    pub name_en: String,
    pub region_code: Option<String>,
    pub zone_type: Option<ZoneType>,
    #[serde(default)]
    pub modules: Vec<Module>,
    pub source: String,
    /// Unified social credit code (18 characters, check character verified).
    #[serde(default)]
    pub uscc: Option<String>,
}

/// Register an organisation (administrators).
#[utoipa::path(post, path = "/api/orgs", tag = "organisations", request_body = CreateOrg,
    responses((status = 201, body = Org), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<CreateOrg>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    ApiError::check(
        caller.actor().administer(),
        "register organisations",
        String::new,
    )?;
    let code_ok = !b.code.is_empty()
        && b.code.len() <= 40
        && b.code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !code_ok {
        return Err(ApiError::invalid(
            "code: 1 to 40 characters of a-z, 0-9 and '-'",
        ));
    }
    for (field, v) in [
        ("name_zh", &b.name_zh),
        ("name_en", &b.name_en),
        ("source", &b.source),
    ] {
        if v.trim().is_empty() {
            return Err(ApiError::invalid(format!("{field}: must not be empty")));
        }
    }
    if (b.kind == OrgKind::Zone) != b.zone_type.is_some() {
        return Err(ApiError::invalid(
            "zone_type: required for zones and only for zones",
        ));
    }
    if !b.modules.is_empty() && b.kind != OrgKind::Department {
        return Err(ApiError::invalid("modules: only departments own modules"));
    }
    let region_code = b
        .region_code
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<RegionCode>)
        .transpose()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let uscc = parse_uscc(b.uscc.as_deref())?;
    let new = NewOrg {
        code: b.code,
        kind: b.kind,
        name_zh: b.name_zh.trim().to_string(),
        name_en: b.name_en.trim().to_string(),
        region_code,
        zone_type: b.zone_type,
        modules: b.modules,
        source: b.source.trim().to_string(),
        uscc,
    };
    let org = state.store.create_org(&caller.who(), &new).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub contact: String,
}

/// Update an organisation's contact line: its own staff, or administrators.
#[utoipa::path(put, path = "/api/orgs/{id}/contact", tag = "organisations", request_body = Contact,
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<Contact>,
) -> ApiResult<Json<Org>> {
    ApiError::check(
        caller.actor().edit_org(id),
        "change another organisation's details",
        || format!("organisation {id}"),
    )?;
    Ok(Json(
        state
            .store
            .set_org_contact(&caller.who(), id, b.contact.trim())
            .await?,
    ))
}

/// An optional credit code as typed: blank is none.
fn parse_uscc(s: Option<&str>) -> ApiResult<Option<Uscc>> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse::<Uscc>)
        .transpose()
        .map_err(|e| ApiError::invalid(format!("uscc: {e}")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetUscc {
    /// The code, or none (or blank) to clear it.
    pub uscc: Option<String>,
}

/// Record an organisation's unified social credit code (administrators): an enterprise then
/// sees the customs records that carry it as its own trade on the overview.
#[utoipa::path(put, path = "/api/orgs/{id}/uscc", tag = "organisations", request_body = SetUscc,
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_uscc(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<SetUscc>,
) -> ApiResult<Json<Org>> {
    ApiError::check(caller.actor().administer(), "record credit codes", || {
        format!("organisation {id}")
    })?;
    let uscc = parse_uscc(b.uscc.as_deref())?;
    Ok(Json(
        state
            .store
            .set_org_uscc(&caller.who(), id, uscc.as_ref())
            .await?,
    ))
}
