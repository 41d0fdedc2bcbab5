//! The one error body of the API: `{ "code", "message", "details" }`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaifang_model::Decision;
use kaifang_store::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `unauthorized`, `forbidden`, `not_found`, `invalid`, ...
    pub code: &'static str,
    /// For people; safe to show.
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                details: None,
            },
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.body.details = Some(details);
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "log in first, or send a valid API token",
        )
    }

    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("your role may not {what}"),
        )
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// 422 on one field of the request, named in the message and in `details.field`.
    pub fn field(field: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError::invalid(format!("{field}: {message}"))
            .with_details(serde_json::json!({ "field": field }))
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details",
        )
    }

    /// Turns a policy decision into `Ok` or the matching refusal.
    pub fn check(decision: Decision, what: &str, record: impl FnOnce() -> String) -> ApiResult<()> {
        match decision {
            Decision::Allow => Ok(()),
            Decision::Forbidden => Err(ApiError::forbidden(what)),
            Decision::NotFound => Err(ApiError::not_found(record())),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::Invalid { field, message } => {
                ApiError::invalid(format!("{field}: {message}"))
                    .with_details(serde_json::json!({ "field": field }))
            }
            StoreError::Parse(p) => ApiError::invalid(p.to_string())
                .with_details(serde_json::json!({ "field": p.what })),
            StoreError::Data { .. } => ApiError::invalid(e.to_string()),
            StoreError::Cancelled => ApiError::conflict("cancelled"),
            StoreError::QuotaExceeded(m) => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", m)
            }
            StoreError::DiskFull(m) => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "disk_full", m)
            }
            StoreError::Transition(m) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", m)
            }
            StoreError::Stale { message, current } => {
                ApiError::new(StatusCode::CONFLICT, "stale", message)
                    .with_details(serde_json::json!({ "current": current }))
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<kaifang_app::AppError> for ApiError {
    fn from(e: kaifang_app::AppError) -> ApiError {
        use kaifang_app::AppError;
        match e {
            AppError::Field {
                field,
                message,
                details,
            } => {
                let mut d = details.unwrap_or_else(|| serde_json::json!({}));
                if let serde_json::Value::Object(m) = &mut d {
                    m.insert("field".into(), serde_json::Value::String(field.clone()));
                }
                ApiError::invalid(format!("{field}: {message}")).with_details(d)
            }
            AppError::Input(m) => ApiError::invalid(m),
            AppError::Form(e) => {
                let err = ApiError::invalid(e.to_string());
                match e.location() {
                    Some(at) => err.with_details(serde_json::json!({
                        "file": at.file,
                        "row": at.index,
                        "field": at.field,
                    })),
                    None => err,
                }
            }
            AppError::Sheet(problems) => crate::routes::invest::sheet_error("sheet", &problems),
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::Store(s) => s.into(),
            AppError::Trade(t) => crate::trade::api_error(t),
            AppError::Busy(m) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "busy", m),
            AppError::Cancelled => ApiError::conflict("cancelled"),
            other => ApiError::internal(other),
        }
    }
}

impl From<kaifang_model::ParseError> for ApiError {
    fn from(e: kaifang_model::ParseError) -> ApiError {
        ApiError::invalid(e.to_string())
    }
}

/// A JSON request body whose rejection (bad JSON, wrong type, too large) leaves as the one
/// error body instead of axum's plain-text answer.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct JsonBody<T>(pub T);

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> ApiError {
        let status = r.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "invalid",
        };
        ApiError::new(status, code, r.body_text())
    }
}
