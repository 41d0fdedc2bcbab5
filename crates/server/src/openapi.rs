//! The OpenAPI 3 document — its paths from the router's registration (`crate::json_routes`),
//! the rest (info, shared schemas, security, tags) declared here — and a self-contained page
//! that renders it (no assets from elsewhere, so it works on a closed network).

use axum::response::Html;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{auth, error, routes, table};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kaifang API", description = "Open-development platform: organisations, accounts, jobs, uploads and the modules built on them. \
        Errors always have the body `{code, message, details}`. People authenticate with the session cookie from /api/auth/login and send \
        `X-CSRF-Token` on writes; machine clients send `Authorization: Bearer <token>` (see /api/tokens). Lists take `?format=xlsx`."),
    components(schemas(
        routes::zones::collection::CheckBody, routes::zones::collection::DraftBody, routes::zones::collection::FormValue,
        routes::zones::collection::StepBody,
        kaifang_store::zone_data::Submission, kaifang_store::zone_data::SubmissionItem, kaifang_store::zone_data::ApprovedValue,
        error::ErrorBody, table::OutputFormat, table::Lang,
        kaifang_model::Role, kaifang_model::OrgKind, kaifang_model::ZoneType, kaifang_model::Module,
        kaifang_store::accounts::Org, kaifang_store::accounts::User, kaifang_store::accounts::Principal, kaifang_store::accounts::ApiToken,
        kaifang_store::audit::AuditEntry, kaifang_store::jobs::Job, kaifang_store::jobs::JobStatus, kaifang_store::uploads::Upload,
        kaifang_store::tasks::TaskItem, kaifang_store::tasks::TaskDetail, kaifang_store::tasks::Meeting, kaifang_store::tasks::TaskSummary,
        kaifang_store::appeals::AppealItem, kaifang_store::appeals::AppealDetail, kaifang_store::appeals::AppealStats, kaifang_store::appeals::Roundtable,
        kaifang_store::notifications::Inbox,
        routes::channels::NetworkTable, routes::channels::PlaceItem, routes::channels::PlaceList, routes::channels::Amount,
        routes::channels::RouteBody, routes::channels::ScenarioItem, routes::channels::ScenarioList, routes::channels::CompareBody,
        kaifang_app::studies::StudyRequest,
        // Flattened into each project's result; named here so the reference resolves.
        kaifang_assign::appraisal::ProjectValue,
        FeatureCollection, Feature,
    )),
    modifiers(&Security),
    tags(
        (name = "meta", description = "Health, version, overview"),
        (name = "auth", description = "Login sessions"),
        (name = "organisations", description = "Departments, cities, development zones and enterprises"),
        (name = "users", description = "Accounts and roles"),
        (name = "tokens", description = "API tokens for machine clients"),
        (name = "audit", description = "Append-only log of every write"),
        (name = "jobs", description = "Background jobs with progress and cancellation"),
        (name = "uploads", description = "Files stored by content hash"),
        (name = "directives", description = "Supervision of the meetings' directives: tasks, deadlines in working days, traffic lights"),
        (name = "appeals", description = "Enterprise appeals with statutory time limits, and the roundtable for foreign-funded enterprises"),
        (name = "notifications", description = "In-app notifications and reminders; mail when an SMTP relay is configured"),
        (name = "channels", description = "Open channels: the multimodal freight network with its border crossings, route planning for a shipment, scenarios"),
        (name = "assign", description = "Freight studies on the channels network: loads and bottlenecks, the criticality ranking of links and nodes, and the appraisal of candidate projects (synthetic demand; capacities and costs are estimates), run as jobs with progress"),
        (name = "zones", description = "Development zones: registry, indicator framework, the yearly assessment with rank intervals, per-zone reports and sensitivity (synthetic demo data)"),
        (name = "cooperation", description = "Cooperation (对外合作): the registry of partners abroad and at home and its map, exchanges and visits, international arrivals by month and source market, ports of entry and visa policies"),
        (name = "invest", description = "Investment attraction (招商引资): the negative lists for foreign investment and their check, the projects pipeline, its figures, the project list as Excel"),
        (name = "bulletins", description = "The monthly bulletin (月度通报): issued as DOCX or PDF from every module's figures, archived, downloaded"),
        (name = "risk", description = "Risk watch (风险预警): indicators of dependence and governance, their thresholds and levels, readings"),
        (name = "trade", description = "Foreign-trade statistics: month and year to date, YoY, breakdowns, enterprises, concentration, RCA, price/volume, read-only SQL, customs imports"),
    )
)]
pub struct ApiDoc;

/// Operation ids from method and path (`get_zones_code_report`): handlers of different
/// modules share names (`list`, `get`), and an id must be unique for generated clients.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let stem: String = path
                .trim_start_matches("/api")
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_matches(['{', '}']).replace('-', "_"))
                .collect::<Vec<_>>()
                .join("_");
            for (verb, op) in [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                if let Some(op) = op {
                    op.operation_id = Some(if stem.is_empty() {
                        verb.to_string()
                    } else {
                        format!("{verb}_{stem}")
                    });
                }
            }
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                &format!(
                    "Named `{}` when the server runs behind HTTPS (`server.secure_cookies`).",
                    auth::SECURE_SESSION_COOKIE
                ),
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// A GeoJSON FeatureCollection (RFC 7946), as the maps' answers carry it. Documentation
/// only: the engines write GeoJSON with their own writers.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[schema(rename = "type", example = "FeatureCollection")]
    pub kind: String,
    pub features: Vec<Feature>,
}

/// A GeoJSON Feature: a geometry (Point, LineString, Polygon, ...) and its properties.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Feature {
    /// Always `Feature`.
    #[schema(rename = "type", example = "Feature")]
    pub kind: String,
    /// `{type, coordinates}` in WGS 84 longitude, latitude.
    #[schema(value_type = Object)]
    pub geometry: (),
    /// The feature's columns; for the freight network `feature` is `node` or `link`.
    #[schema(value_type = Object)]
    pub properties: (),
}

/// Completes a document whose paths the router has registered.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    OperationIds.modify(&mut doc);
    doc
}

/// The document as pretty JSON: what `/api/openapi.json` serves, `kaifang openapi` prints and
/// the web UI's types are generated from (`web/src/api/schema.ts`).
pub fn document() -> Result<String, serde_json::Error> {
    crate::openapi_document().to_pretty_json()
}

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// The page's script, served as a file of its own: the Content-Security-Policy allows no
/// inline script.
pub async fn script() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/javascript; charset=utf-8",
        )],
        SCRIPT,
    )
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kaifang API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2d3d;background:#f5f7fa}
header{background:#1d3b6a;color:#fff;padding:1rem 2rem}header a{color:#cfe0ff}
main{max-width:70rem;margin:0 auto;padding:1rem 2rem}
h2{margin-top:2rem;border-bottom:1px solid #dcdfe6;padding-bottom:.3rem}
details{background:#fff;border:1px solid #e4e7ed;border-radius:6px;margin:.4rem 0}
summary{cursor:pointer;padding:.5rem .8rem;font-family:ui-monospace,monospace}
.m{display:inline-block;width:4.5rem;font-weight:bold}.get{color:#2f7d32}.post{color:#1565c0}.put{color:#b26a00}.delete{color:#c62828}
.body{padding:.2rem 1rem 1rem}pre{background:#f2f4f7;padding:.6rem;overflow:auto;border-radius:4px}
</style></head><body>
<header><h1>Kaifang API</h1><p>OpenAPI 3 document: <a href="/api/openapi.json">/api/openapi.json</a> · <a href="/">web UI</a></p></header>
<main id="doc">Loading…</main>
<script src="/api/docs.js"></script></body></html>"#;

const SCRIPT: &str = r#"const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const ref = s => s && s.$ref ? s.$ref.split('/').pop() : (s && s.type) || '';
fetch('/api/openapi.json').then(r => r.json()).then(d => {
  const byTag = {};
  for (const [path, item] of Object.entries(d.paths)) for (const [m, op] of Object.entries(item)) {
    const t = (op.tags || ['other'])[0]; (byTag[t] ||= []).push([m, path, op]);
  }
  let h = `<p>${esc(d.info.description)}</p>`;
  for (const tag of (d.tags || []).map(t => t.name).concat(Object.keys(byTag)).filter((t, i, a) => a.indexOf(t) === i && byTag[t])) {
    h += `<h2>${esc(tag)}</h2>`;
    for (const [m, path, op] of byTag[tag]) {
      const params = (op.parameters || []).map(p => `<li><code>${esc(p.name)}</code> (${esc(p.in)}) ${esc(p.description)}</li>`).join('');
      const body = op.requestBody ? Object.entries(op.requestBody.content).map(([ct, c]) => `<p>Body (${esc(ct)}): <code>${esc(ref(c.schema))}</code></p>`).join('') : '';
      const resp = Object.entries(op.responses || {}).map(([s, r]) => `<li>${esc(s)}: ${esc(r.description)} ${r.content ? '<code>' + esc(ref(Object.values(r.content)[0].schema)) + '</code>' : ''}</li>`).join('');
      h += `<details><summary><span class="m ${m}">${m.toUpperCase()}</span>${esc(path)} — ${esc(op.summary || '')}</summary><div class="body">
        <p>${esc(op.description || '')}</p>${params ? '<p>Parameters:</p><ul>' + params + '</ul>' : ''}${body}<p>Responses:</p><ul>${resp}</ul></div></details>`;
    }
  }
  h += '<h2>Schemas</h2>';
  for (const [name, s] of Object.entries(d.components.schemas)) h += `<details><summary>${esc(name)}</summary><div class="body"><pre>${esc(JSON.stringify(s, null, 2))}</pre></div></details>`;
  document.getElementById('doc').innerHTML = h;
}).catch(e => { document.getElementById('doc').textContent = 'Could not load the document: ' + e; });
"#;
