use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kaifang_store::audit::AuditEntry;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::table::{self, ListQuery, Table};

fn audit_table(items: &[AuditEntry]) -> Table {
    Table {
        name: "audit-log",
        headers: &[
            ("编号", "Id"),
            ("时间 (UTC)", "Time (UTC)"),
            ("操作人", "Actor"),
            ("操作", "Action"),
            ("对象", "Target"),
            ("详情", "Details"),
            ("请求编号", "Request id"),
        ],
        rows: items
            .iter()
            .map(|e| {
                vec![
                    e.id.into(),
                    e.at.as_str().into(),
                    e.actor.as_str().into(),
                    e.action.as_str().into(),
                    e.target.clone().into(),
                    e.details.to_string().into(),
                    e.request_id.clone().into(),
                ]
            })
            .collect(),
    }
}

/// The audit log, newest first (administrators and leaders). `?format=xlsx` for Excel.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(ListQuery),
    responses((status = 200, body = crate::table::Items<AuditEntry>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    ApiError::check(
        caller.actor().read_audit(),
        "read the audit log",
        String::new,
    )?;
    let items = state.store.audit(q.limit.unwrap_or(200)).await?;
    table::respond(&q, &headers, items, audit_table)
}
