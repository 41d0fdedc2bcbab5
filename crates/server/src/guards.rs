//! Guards around every request, where one rule holds for all handlers: writes stop before the
//! disk is full, and every spreadsheet that leaves the server is written to the audit log.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kaifang_store::audit::Who;

use crate::error::ApiError;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Where the [`crate::auth::Caller`] extractor leaves who made the request, for the guards
/// that act after the handler.
#[derive(Clone, Default)]
pub struct CallerSlot(Arc<Mutex<Option<Who>>>);

impl CallerSlot {
    pub fn set(&self, who: Who) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(who);
        }
    }

    fn take(&self) -> Option<Who> {
        self.0.lock().ok().and_then(|mut s| s.take())
    }
}

/// Refuses writes (507) while the data directory's disk holds less than the reserve
/// (`uploads.disk_reserve_mb`), before a handler could start one that SQLite or the trade
/// store would have to abandon halfway. Reading, signing in and out, and deleting (which frees
/// space) go on.
pub async fn disk_reserve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let writes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    let exempt = matches!(req.uri().path(), "/api/auth/login" | "/api/auth/logout");
    if writes && !exempt {
        let reserve = state
            .config
            .uploads
            .disk_reserve_mb
            .saturating_mul(1024 * 1024);
        if let Err(e) = state.store.data_dir().check_free_space(reserve, 0) {
            return ApiError::from(e).into_response();
        }
    }
    next.run(req).await
}

/// Writes an `export.xlsx` audit entry for every spreadsheet answered (lists, rankings,
/// studies' tables, zones' forms): who took which data out, and when. If the entry cannot be
/// written, the spreadsheet is not sent.
pub async fn audit_exports(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = CallerSlot::default();
    req.extensions_mut().insert(slot.clone());
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let response = next.run(req).await;
    let is_xlsx = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == XLSX.as_bytes());
    if !is_xlsx || !response.status().is_success() {
        return response;
    }
    // Every spreadsheet route asks who is calling; a public one would show as anonymous.
    let who = slot.take().unwrap_or_else(|| Who {
        user_id: None,
        actor: "anonymous".into(),
        request_id: None,
    });
    let recorded = state
        .store
        .record(
            &who,
            "export.xlsx",
            None,
            serde_json::json!({ "request": target }),
        )
        .await;
    match recorded {
        Ok(()) => response,
        Err(e) => ApiError::internal(e).into_response(),
    }
}
