//! The development zones' routes (tag `zones`): the registry and the indicator framework
//! here, the assessment in [`assessment`], the yearly collection of a zone's data in
//! [`collection`], and the spreadsheet forms in [`workbook`].
//!
//! The use cases are `kaifang_app::assess`'s (held in `AppState::zones`, with its bounded
//! cache of results); these handlers parse, ask the access policy and shape the answer.
//!
//! Access: the registry and the framework are public material and any signed-in user may
//! read them; the assessment itself is government-internal (`Actor::read_zone_assessment`);
//! a zone's data is its reporting organisations' to fill in and the `platforms` owner's to
//! review (`Actor::edit_zone_data`, `Actor::review_zone_data`).

pub mod assessment;
pub mod collection;
pub mod workbook;

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kaifang_app::assess::{Engine, FrameworkDoc, ZoneRow};
use kaifang_assess::zones::{Zone, ZoneLevel};
use kaifang_model::{Decision, access::reports_for_zone};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::table::{self, Items, ListQuery, Table};

/// The assessment and what is derived from it are for government only.
fn may_read_assessment(caller: &Caller) -> ApiResult<()> {
    ApiError::check(
        caller.actor().read_zone_assessment(),
        "read the zone assessment",
        String::new,
    )
}

fn zone_of<'a>(e: &'a Engine, code: &str) -> ApiResult<&'a Zone> {
    e.zone(code)
        .ok_or_else(|| ApiError::not_found(format!("zone {code}")))
}

/// The year of a form's path: 2000 to 2100.
fn form_year(year: &str) -> ApiResult<i32> {
    match year.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err(ApiError::field("year", format!("\"{year}\" is not a year"))),
    }
}

/// The organisations that report for each zone: the zone's own administration (same code)
/// and the government of the city it lies in.
async fn responsible_orgs(state: &AppState, e: &Engine) -> ApiResult<HashMap<String, Vec<i64>>> {
    let orgs = state.store.orgs(None).await?;
    Ok(e.registry
        .iter()
        .map(|z| {
            let ids = orgs
                .iter()
                .filter(|o| {
                    reports_for_zone(&z.code, &z.city, &o.code, o.kind, o.region_code.as_deref())
                })
                .map(|o| o.id)
                .collect();
            (z.code.clone(), ids)
        })
        .collect())
}

/// Looks the zone up and asks the policy; a zone outside the registry is 404 for everyone.
async fn allowed_zone(
    state: &AppState,
    caller: &Caller,
    code: &str,
    what: &str,
    decide: impl Fn(&kaifang_model::Actor, &[i64]) -> Decision,
) -> ApiResult<Zone> {
    let e = state.zones.engine()?;
    let zone = zone_of(&e, code)?;
    if !zone.zone_type.assessed() {
        return Err(ApiError::not_found(format!(
            "yearly data of zone {code} (zones of type {} are not assessed)",
            zone.zone_type.as_str()
        )));
    }
    let orgs = responsible_orgs(state, &e).await?;
    let responsible = orgs.get(code).map(Vec::as_slice).unwrap_or_default();
    ApiError::check(decide(&caller.actor(), responsible), what, || {
        format!("yearly data of zone {code}")
    })?;
    Ok(zone.clone())
}

// ------------------------------------------------------------------ registry

fn zone_table(items: &[ZoneRow]) -> Table {
    Table {
        name: "zones",
        headers: &[
            ("代码", "Code"),
            ("名称", "Name"),
            ("英文名称", "Name (English)"),
            ("类型", "Type"),
            ("级别", "Level"),
            ("所在城市代码", "City code"),
            ("批准年份", "Approved"),
            ("参加考核", "Assessed"),
            ("来源", "Source"),
        ],
        rows: items
            .iter()
            .map(|r| {
                let z = &r.zone;
                vec![
                    z.code.as_str().into(),
                    z.name_zh.as_str().into(),
                    z.name_en.as_str().into(),
                    z.zone_type.as_str().into(),
                    match z.level {
                        ZoneLevel::National => "national",
                        ZoneLevel::Provincial => "provincial",
                    }
                    .into(),
                    z.city.as_str().into(),
                    z.approved.map(i64::from).into(),
                    r.assessed.into(),
                    z.source.as_str().into(),
                ]
            })
            .collect(),
    }
}

/// The registry of Jilin's development zones (`data/zones.csv`): type, level, city and the
/// public source of each. `?format=xlsx`.
#[utoipa::path(get, path = "/api/zones", tag = "zones", params(ListQuery),
    responses((status = 200, body = Items<ZoneRow>, description = "The registry, or with `format=xlsx` an .xlsx file"),
        (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    table::respond(&q, &headers, state.zones.zones()?, zone_table)
}

// ------------------------------------------------------------------ framework

/// The indicator tree of the default framework (MOFCOM ETDZ 2021 model) with weights, units,
/// valid ranges and sources.
#[utoipa::path(get, path = "/api/zones/framework", tag = "zones",
    responses((status = 200, body = FrameworkDoc, description = "The index, then each pillar followed by its indicators"),
        (status = 401, body = ErrorBody)))]
pub async fn framework(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<FrameworkDoc>> {
    Ok(Json(state.zones.framework()?))
}
