use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kaifang_store::uploads::{SpaceLimits, Upload};

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
        if let Some(allowed) = caller.actor().upload_types() {
            let ext = kaifang_store::uploads::extension(&filename);
            if !allowed.contains(&ext.as_str()) {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    format!(
                        "enterprises upload the evidence of their appeals: {}; not .{ext}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let upload = state
            .store
            .save_upload(
                &caller.who(),
                caller.principal.org.id,
                &filename,
                &bytes,
                space_limits(&state, &caller),
            )
            .await?;
        return Ok((StatusCode::CREATED, Json(upload)));
    }
    Err(ApiError::invalid("the form has no `file` field"))
}

const MIB: u64 = 1024 * 1024;

/// The caller's organisation's quota and the disk reserve, from `[uploads]`.
fn space_limits(state: &AppState, caller: &Caller) -> SpaceLimits {
    let u = &state.config.uploads;
    let quota_mb = if caller.actor().upload_types().is_some() {
        u.enterprise_quota_mb
    } else {
        u.org_quota_mb
    };
    SpaceLimits {
        org_quota: quota_mb.saturating_mul(MIB),
        disk_reserve: u.disk_reserve_mb.saturating_mul(MIB),
    }
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

/// Delete an upload (its organisation's staff, not leaders, and admins). Refused (409) while
/// a task's or an appeal's timeline cites it; the file goes when no other record shares it.
#[utoipa::path(delete, path = "/api/uploads/{id}", tag = "uploads",
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let upload = visible_upload(&state, &caller, id).await?;
    ApiError::check(
        caller.actor().delete_upload(upload.org_id),
        "delete this upload",
        || format!("upload {id}"),
    )?;
    state.store.delete_upload(&caller.who(), &upload).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One upload's content, as uploaded. Every download is written to the audit log.
#[utoipa::path(get, path = "/api/uploads/{id}/content", tag = "uploads",
    responses((status = 200, description = "the file"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn content(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let upload = visible_upload(&state, &caller, id).await?;
    let bytes = state.store.upload_bytes(&upload).await?;
    // Uploads hold enterprises' evidence and departments' data: who read which is kept.
    state
        .store
        .record(
            &caller.who(),
            "upload.download",
            Some(&format!("upload:{id}")),
            serde_json::json!({ "filename": upload.filename, "org_id": upload.org_id }),
        )
        .await?;
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
