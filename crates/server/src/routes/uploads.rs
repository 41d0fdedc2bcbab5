use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kaifang_store::uploads::Upload;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::table::{self, ListQuery, Table};

fn upload_table(items: &[Upload]) -> Table {
    Table {
        name: "uploads",
        headers: &[
            ("编号", "Id"),
            ("文件名", "File name"),
            ("类型", "Content type"),
            ("大小（字节）", "Size (bytes)"),
            ("SHA-256", "SHA-256"),
            ("组织编号", "Organisation id"),
            ("上传时间", "Uploaded at"),
        ],
        rows: items
            .iter()
            .map(|u| {
                vec![
                    u.id.into(),
                    u.filename.as_str().into(),
                    u.content_type.as_str().into(),
                    u.size.into(),
                    u.sha256.as_str().into(),
                    u.org_id.into(),
                    u.created_at.as_str().into(),
                ]
            })
            .collect(),
    }
}

/// Uploaded files one may see: one's organisation's, or all for readers of everything.
#[utoipa::path(get, path = "/api/uploads", tag = "uploads", params(ListQuery),
    responses((status = 200, body = crate::table::Items<Upload>, description = "The list, or with `format=xlsx` an .xlsx file"), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let scope = caller.actor().upload_scope();
    table::respond(
        &q,
        &headers,
        state.store.uploads(scope).await?,
        upload_table,
    )
}

/// Upload a file (multipart field `file`) for one's organisation. Size-limited (`uploads.max_mb`)
/// and type-checked (csv, txt, xlsx, pdf, png, jpg, json, geojson, parquet, toml);
/// stored once per content by SHA-256.
#[utoipa::path(post, path = "/api/uploads", tag = "uploads",
    request_body(content_type = "multipart/form-data", description = "a `file` field"),
    responses((status = 201, body = Upload), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Upload>)> {
    ApiError::check(caller.actor().contribute(), "upload files", String::new)?;
    let max = state.config.uploads.max_mb * 1024 * 1024;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("files may be at most {} MiB", state.config.uploads.max_mb),
        )
    };
    let multipart_err = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::new(e.status(), "invalid", e.body_text())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(multipart_err)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("upload").to_string();
        let bytes = field.bytes().await.map_err(multipart_err)?;
        if bytes.len() as u64 > max {
            return Err(too_large());
        }
        if let Err(m) = kaifang_store::uploads::detect_type(&filename, &bytes) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                m,
            ));
        }
        let upload = state
            .store
            .save_upload(&caller.who(), caller.principal.org.id, &filename, &bytes)
            .await?;
        return Ok((StatusCode::CREATED, Json(upload)));
    }
    Err(ApiError::invalid("the form has no `file` field"))
}

async fn visible_upload(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Upload> {
    let upload = state.store.upload(id).await?;
    ApiError::check(
        caller.actor().read_owned_by(upload.org_id),
        "read this upload",
        || format!("upload {id}"),
    )?;
    Ok(upload)
}

/// One upload's record.
#[utoipa::path(get, path = "/api/uploads/{id}", tag = "uploads",
    responses((status = 200, body = Upload), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Upload>> {
    Ok(Json(visible_upload(&state, &caller, id).await?))
}

/// One upload's content, as uploaded.
#[utoipa::path(get, path = "/api/uploads/{id}/content", tag = "uploads",
    responses((status = 200, description = "the file"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn content(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let upload = visible_upload(&state, &caller, id).await?;
    let bytes = state.store.upload_bytes(&upload).await?;
    // RFC 5987 encoding keeps Chinese file names intact.
    let encoded: String = upload
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename*=UTF-8''{encoded}");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&upload.content_type).map_err(ApiError::internal)?,
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(ApiError::internal)?,
            ),
            (
                header::HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}
