//! Cooperation (对外合作): thin faces over `kaifang_app::cooperation`. The registry of partners
//! and its map, exchanges and visits, and international arrivals are read by every government
//! role and kept as `kaifang_model::access` says (Commerce and administrators the registry and
//! the arrivals; the lead organisation its exchanges); entry facilitation — ports of entry and
//! visa policies, public facts — is read by every signed-in caller.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kaifang_app::cooperation::{
    EntryFacilitation, ExchangeRequest, ExchangeSummary, PartnerChangeRequest, PartnerRequest,
    TourismAnswer, TourismImportReport,
};
use kaifang_invest::cooperation::{ExchangeKind, PartnerKind};
use kaifang_store::cooperation::{ExchangeFilter, ExchangeItem, PartnerDetail, PartnerItem};
use kaifang_store::rules::today_in_china;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use crate::table::{self, Cell, Items, Lang, ListQuery, OutputFormat, Table};

fn may_read(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_cooperation(),
        "read the cooperation registry",
        String::new,
    )
}

fn may_edit(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().edit_cooperation(),
        "keep the cooperation registry",
        String::new,
    )
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnersQuery {
    /// Only partners of this kind (`liaison_office`, `chamber`, `organisation`,
    /// `friendly_province`, `friendly_city`, `counterpart`, `regional`, `exchange_platform`).
    pub kind: Option<String>,
    /// `json` (default) or `xlsx`.
    pub format: Option<OutputFormat>,
    pub lang: Option<Lang>,
}

const PARTNER_HEADERS: [(&str, &str); 11] = [
    ("代码", "Code"),
    ("类别", "Kind"),
    ("名称", "Name"),
    ("国别（地区）", "Country"),
    ("地区", "Region"),
    ("建立年份", "Since"),
    ("状态", "Status"),
    ("协议", "Agreements"),
    ("联系人", "Contacts"),
    ("来源", "Source"),
    ("已核实", "Verified"),
];

fn partners_table(items: &[PartnerItem], lang: Lang) -> Table {
    let zh = lang == Lang::Zh;
    Table {
        name: "partners",
        headers: &PARTNER_HEADERS,
        rows: items
            .iter()
            .map(|p| {
                let contacts: Vec<String> = p
                    .contacts
                    .iter()
                    .map(|c| {
                        format!("{} {} {}", c.name, c.role, c.phone)
                            .trim()
                            .to_string()
                    })
                    .collect();
                vec![
                    p.code.as_str().into(),
                    p.kind.key().into(),
                    if zh {
                        p.name_zh.as_str()
                    } else {
                        p.name_en.as_str()
                    }
                    .into(),
                    p.country.as_str().into(),
                    p.region.as_str().into(),
                    Cell::from(p.since.map(i64::from)),
                    p.status.key().into(),
                    p.agreements.as_str().into(),
                    contacts.join("; ").into(),
                    if p.synthetic {
                        format!("{} (synthetic)", p.source)
                    } else {
                        p.source.clone()
                    }
                    .into(),
                    if p.verified { "yes" } else { "no" }.into(),
                ]
            })
            .collect(),
    }
}

/// The cooperation network: liaison offices, chambers, friendly provinces and cities,
/// counterparts, regional mechanisms and exchange platforms, each with its place for the map,
/// its source and whether it is verified. `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/cooperation/partners", tag = "cooperation", params(PartnersQuery),
    responses((status = 200, body = Items<PartnerItem>, description = "The partners, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn partners(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PartnersQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_read(&caller)?;
    let kind =
        match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(PartnerKind::parse(k).ok_or_else(|| {
                ApiError::field("kind", format!("{k:?} is not a kind of partner"))
            })?),
        };
    let items = state.store.partners(kind).await?;
    let list = ListQuery {
        format: q.format,
        lang: q.lang,
        limit: None,
    };
    let lang = list.lang(&headers);
    table::respond(&list, &headers, items, |i| partners_table(i, lang))
}

/// Enters a partner (Commerce and administrators).
#[utoipa::path(post, path = "/api/cooperation/partners", tag = "cooperation", request_body = PartnerRequest,
    responses((status = 201, body = PartnerDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_partner(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<PartnerRequest>,
) -> ApiResult<(StatusCode, Json<PartnerDetail>)> {
    may_edit(&caller)?;
    let p = state
        .store
        .create_partner(&caller.who(), &b.into_new())
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// One partner with its contacts, linked projects and activities.
#[utoipa::path(get, path = "/api/cooperation/partners/{id}", tag = "cooperation", params(("id" = i64, Path)),
    responses((status = 200, body = PartnerDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn partner(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PartnerDetail>> {
    may_read(&caller)?;
    Ok(Json(state.store.partner(id).await?))
}

/// Changes a partner's status, agreements, contacts, lead organisation, note or verification,
/// on the version last read: 409 `stale` with the partner as it is now.
#[utoipa::path(patch, path = "/api/cooperation/partners/{id}", tag = "cooperation", params(("id" = i64, Path)),
    request_body = PartnerChangeRequest,
    responses((status = 200, body = PartnerDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`stale` with the current partner in details.current", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_partner(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<PartnerChangeRequest>,
) -> ApiResult<Json<PartnerDetail>> {
    may_edit(&caller)?;
    let p = state
        .store
        .update_partner(&caller.who(), id, b.version, &b.change())
        .await?;
    Ok(Json(p))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LinkRequest {
    pub project_id: i64,
}

/// Links an investment project to a partner (once; again changes nothing).
#[utoipa::path(post, path = "/api/cooperation/partners/{id}/projects", tag = "cooperation", params(("id" = i64, Path)),
    request_body = LinkRequest,
    responses((status = 200, body = PartnerDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<LinkRequest>,
) -> ApiResult<Json<PartnerDetail>> {
    may_edit(&caller)?;
    let p = state
        .store
        .link_partner_project(&caller.who(), id, b.project_id)
        .await?;
    Ok(Json(p))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivitiesQuery {
    /// Only those starting in this year.
    pub year: Option<i32>,
    /// Only those with this partner.
    pub partner: Option<i64>,
    /// Only those of this kind (`economic`, `technology`, `education`, `culture`, `tourism`, `fair`).
    pub kind: Option<String>,
}

fn filter_of(q: &ActivitiesQuery) -> ApiResult<ExchangeFilter> {
    let kind =
        match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(ExchangeKind::parse(k).ok_or_else(|| {
                ApiError::field("kind", format!("{k:?} is not a kind of exchange"))
            })?),
        };
    Ok(ExchangeFilter {
        year: q.year,
        partner_id: q.partner,
        kind,
    })
}

/// Exchanges and visits — delegations in and out, events hosted, fairs — with their partners,
/// participants, agreements and the projects that came of them, the latest first.
#[utoipa::path(get, path = "/api/cooperation/activities", tag = "cooperation", params(ActivitiesQuery),
    responses((status = 200, body = Items<ExchangeItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn activities(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ActivitiesQuery>,
) -> ApiResult<Json<Items<ExchangeItem>>> {
    may_read(&caller)?;
    let items = state.store.exchanges(&filter_of(&q)?).await?;
    Ok(Json(Items { items }))
}

/// A partner's activities (the exchanges that name it).
#[utoipa::path(get, path = "/api/cooperation/partners/{id}/activities", tag = "cooperation", params(("id" = i64, Path)),
    responses((status = 200, body = Items<ExchangeItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn partner_activities(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Items<ExchangeItem>>> {
    may_read(&caller)?;
    Ok(Json(Items {
        items: state.store.partner(id).await?.activities,
    }))
}

/// Records an exchange or visit; the caller must lead it, or keep the registry.
#[utoipa::path(post, path = "/api/cooperation/activities", tag = "cooperation", request_body = ExchangeRequest,
    responses((status = 201, body = ExchangeItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_activity(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<ExchangeRequest>,
) -> ApiResult<(StatusCode, Json<ExchangeItem>)> {
    ApiError::check(
        caller.actor().record_exchange(b.lead_org_id),
        "record exchanges led by that organisation",
        String::new,
    )?;
    let x = state
        .store
        .create_exchange(&caller.who(), &b.into_new()?)
        .await?;
    Ok((StatusCode::CREATED, Json(x)))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year (default: this year for exchanges, the latest with figures for arrivals).
    pub year: Option<i32>,
}

/// The year's exchanges in figures: how many in, out and hosted, participants, agreements,
/// projects that came of them, by kind.
#[utoipa::path(get, path = "/api/cooperation/activities/summary", tag = "cooperation", params(YearQuery),
    responses((status = 200, body = ExchangeSummary), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn activities_summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<ExchangeSummary>> {
    may_read(&caller)?;
    let year = q.year.unwrap_or_else(|| today_in_china().year());
    let items = state
        .store
        .exchanges(&ExchangeFilter {
            year: Some(year),
            ..Default::default()
        })
        .await?;
    Ok(Json(kaifang_app::cooperation::exchange_summary(
        &items, year,
    )))
}

/// International arrivals of a year: by month and by source market, each with year-on-year
/// change, the sources of the figures and whether any are synthetic.
#[utoipa::path(get, path = "/api/cooperation/tourism", tag = "cooperation", params(YearQuery),
    responses((status = 200, body = TourismAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn tourism(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<TourismAnswer>> {
    may_read(&caller)?;
    Ok(Json(
        kaifang_app::cooperation::tourism_figures(&state.store, q.year).await?,
    ))
}

/// Imports the statistics office's table of arrivals (`file`: .xlsx or CSV UTF-8; columns
/// 月份, 客源市场, 入境游客（人次）, and optionally 过夜游客（人次）, 国际旅游收入（万美元）).
/// Every row or none: a problem anywhere refuses the file with each problem named by row,
/// column and field (422). The months it covers replace what was stored.
#[utoipa::path(post, path = "/api/cooperation/tourism/import", tag = "cooperation",
    request_body(content_type = "multipart/form-data", description = "`file`: the table"),
    responses((status = 200, body = TourismImportReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_tourism(
    State(state): State<AppState>,
    caller: Caller,
    mut multipart: Multipart,
) -> ApiResult<Json<TourismImportReport>> {
    may_edit(&caller)?;
    let multipart_err = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "invalid", e.body_text())
    };
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_err)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("tourism.csv").to_string();
            file = Some((name, field.bytes().await.map_err(multipart_err)?));
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::field("file", "the form has no `file` field"))?;
    let name: String = name.chars().take(200).collect();
    let report = kaifang_app::cooperation::import_tourism(
        &state.store,
        &caller.who(),
        &name,
        bytes.to_vec(),
    )
    .await
    .map_err(|e| match e {
        kaifang_app::AppError::Sheet(p) => crate::routes::invest::sheet_error(&name, &p),
        other => other.into(),
    })?;
    Ok(Json(report))
}

/// Entry facilitation: Jilin's ports of entry with their status (as the channels network
/// records it) and the visa policies in force that apply at each, every policy with its source.
#[utoipa::path(get, path = "/api/cooperation/entry", tag = "cooperation",
    responses((status = 200, body = EntryFacilitation), (status = 401, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<EntryFacilitation>> {
    let channels = state.channels.get()?;
    Ok(Json(kaifang_app::cooperation::entry_facilitation(
        &channels,
        today_in_china(),
    )?))
}
