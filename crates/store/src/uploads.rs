//! Uploaded files, stored once per content under `uploads/` by SHA-256.
//!
//! A file is written to a temporary name, flushed, then renamed into place, so a crash never
//! leaves a half-written file under a content hash; the metadata row is committed after.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

use crate::audit::{self, Who};
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Upload {
    pub id: i64,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub org_id: i64,
    pub created_at: String,
}

/// What an organisation may still store (`[uploads]`), checked before a byte is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceLimits {
    /// Bytes all of the organisation's uploads may take.
    pub org_quota: u64,
    /// Bytes to keep free on the data directory's disk.
    pub disk_reserve: u64,
}

/// The extension [`detect_type`] goes by, lower-case.
pub fn extension(filename: &str) -> String {
    filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The kinds of file Kaifang accepts: what officials and analysts exchange.
const ACCEPTED: &[(&str, &str)] = &[
    ("csv", "text/csv"),
    ("txt", "text/plain"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("json", "application/json"),
    ("geojson", "application/geo+json"),
    ("parquet", "application/vnd.apache.parquet"),
    ("toml", "application/toml"),
];

/// Decides the content type from the file name's extension and checks that the bytes agree
/// (a renamed executable is not a spreadsheet). Returns the content type, or why not.
pub fn detect_type(filename: &str, bytes: &[u8]) -> std::result::Result<&'static str, String> {
    let ext = extension(filename);
    let Some(&(_, content_type)) = ACCEPTED.iter().find(|(e, _)| *e == ext) else {
        let list: Vec<&str> = ACCEPTED.iter().map(|(e, _)| *e).collect();
        return Err(format!(
            "files of type {:?} are not accepted; accepted: {}",
            ext,
            list.join(", ")
        ));
    };
    let looks_right = match ext.as_str() {
        "xlsx" => bytes.starts_with(b"PK\x03\x04"),
        "pdf" => bytes.starts_with(b"%PDF-"),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "parquet" => bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
        // Text formats: no NUL bytes (GBK and UTF-8 text never contain one).
        _ => !bytes.contains(&0),
    };
    if looks_right {
        Ok(content_type)
    } else {
        Err(format!(
            "the content of {filename:?} is not a valid .{ext} file"
        ))
    }
}

impl Store {
    fn blob_path(&self, sha256: &str) -> PathBuf {
        self.dir.uploads_dir().join(&sha256[..2]).join(sha256)
    }

    /// Stores `bytes` for organisation `org_id`, checking the type; returns the record.
    ///
    /// Refused before anything is written when the organisation's uploads would pass
    /// `limits.org_quota` or the disk would keep less than `limits.disk_reserve` free.
    pub async fn save_upload(
        &self,
        who: &Who,
        org_id: i64,
        filename: &str,
        bytes: &[u8],
        limits: SpaceLimits,
    ) -> Result<Upload> {
        let filename = sanitize_filename(filename);
        let content_type =
            detect_type(&filename, bytes).map_err(|m| StoreError::invalid("file", m))?;
        let size = bytes.len() as u64;
        let used = self.upload_usage(org_id).await?;
        if used.saturating_add(size) > limits.org_quota {
            return Err(quota_exceeded(used, size, limits.org_quota));
        }
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.blob_path(&sha);
        if !path.is_file() {
            self.dir.check_free_space(limits.disk_reserve, size)?;
            let bytes = bytes.to_vec();
            let p = path.clone();
            tokio::task::spawn_blocking(move || write_atomically(&p, &bytes))
                .await
                .map_err(|e| StoreError::Sqlite(e.to_string()))??;
        }
        let mut tx = self.begin_write().await?;
        // The quota is checked again in the insert itself, so that two uploads at once cannot
        // both fit in the room that is left for one.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO uploads (sha256, filename, content_type, size, org_id, user_id, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 \
             WHERE (SELECT COALESCE(SUM(size), 0) FROM uploads WHERE org_id = $5) + $4 <= $8 \
             RETURNING id",
        )
        .bind(&sha)
        .bind(&filename)
        .bind(content_type)
        .bind(size as i64)
        .bind(org_id)
        .bind(who.user_id)
        .bind(now())
        .bind(i64::try_from(limits.org_quota).unwrap_or(i64::MAX))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            let used = self.upload_usage(org_id).await?;
            return Err(quota_exceeded(used, size, limits.org_quota));
        };
        audit::append(
            &mut tx,
            who,
            "upload.create",
            Some(&format!("upload:{id}")),
            serde_json::json!({ "filename": filename, "sha256": sha, "size": bytes.len() }),
        )
        .await?;
        tx.commit().await?;
        self.upload(id).await
    }

    pub async fn upload(&self, id: i64) -> Result<Upload> {
        sqlx::query_as(&format!("{UPLOAD_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("upload {id}")))
    }

    /// Uploads of one organisation, or of all when `org` is `None`; newest first.
    pub async fn uploads(&self, org: Option<i64>) -> Result<Vec<Upload>> {
        Ok(sqlx::query_as(&format!(
            "{UPLOAD_SELECT} WHERE ($1 IS NULL OR org_id = $1) ORDER BY id DESC"
        ))
        .bind(org)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The SHA-256 of every upload the database lists: the files a backup must hold.
    pub async fn upload_hashes(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT sha256 FROM uploads ORDER BY sha256")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Bytes the organisation's uploads take.
    pub async fn upload_usage(&self, org_id: i64) -> Result<u64> {
        let used: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM uploads WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(used).unwrap_or(0))
    }

    /// Deletes an upload's record and, when no other record shares its content, its file.
    /// Refused (409) while a task's or an appeal's timeline names it: the record of a
    /// decision keeps its evidence.
    pub async fn delete_upload(&self, who: &Who, upload: &Upload) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // The one query whose SQL differs by engine: each has its own way into a JSON array.
        let cited_sql = match self.backend() {
            crate::db::Backend::Sqlite => {
                "SELECT 'task ' || task_id FROM task_events, json_each(task_events.attachments) \
                   WHERE json_each.value = $1 \
                 UNION ALL \
                 SELECT 'appeal ' || appeal_id FROM appeal_events, json_each(appeal_events.attachments) \
                   WHERE json_each.value = $1 \
                 LIMIT 1"
            }
            crate::db::Backend::Postgres => {
                "SELECT 'task ' || task_id FROM task_events \
                   WHERE CAST(attachments AS jsonb) @> to_jsonb(CAST($1 AS BIGINT)) \
                 UNION ALL \
                 SELECT 'appeal ' || appeal_id FROM appeal_events \
                   WHERE CAST(attachments AS jsonb) @> to_jsonb(CAST($1 AS BIGINT)) \
                 LIMIT 1"
            }
        };
        let cited: Option<String> = sqlx::query_scalar(cited_sql)
            .bind(upload.id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(record) = cited {
            return Err(StoreError::Conflict(format!(
                "upload {} is an attachment of {record}, whose record keeps it",
                upload.id
            )));
        }
        let deleted = sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(upload.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound(format!("upload {}", upload.id)));
        }
        let shared: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uploads WHERE sha256 = $1")
            .bind(&upload.sha256)
            .fetch_one(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            who,
            "upload.delete",
            Some(&format!("upload:{}", upload.id)),
            serde_json::json!({ "filename": upload.filename, "sha256": upload.sha256, "size": upload.size }),
        )
        .await?;
        tx.commit().await?;
        // After the commit: a crash in between leaves a file no record names, never a record
        // without its file.
        if shared == 0 {
            let path = self.blob_path(&upload.sha256);
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove a deleted upload's file");
            }
        }
        Ok(())
    }

    pub async fn upload_bytes(&self, upload: &Upload) -> Result<Vec<u8>> {
        let path = self.blob_path(&upload.sha256);
        tokio::fs::read(&path).await.map_err(StoreError::io(path))
    }
}

fn quota_exceeded(used: u64, size: u64, quota: u64) -> StoreError {
    const MIB: f64 = 1024.0 * 1024.0;
    StoreError::QuotaExceeded(format!(
        "the organisation's uploads take {:.1} MiB of its {:.0} MiB quota; this file ({:.1} MiB) does not fit — delete files no longer needed",
        used as f64 / MIB,
        quota as f64 / MIB,
        size as f64 / MIB
    ))
}

const UPLOAD_SELECT: &str =
    "SELECT id, sha256, filename, content_type, size, org_id, created_at FROM uploads";

/// Keeps the last path component and drops control characters, so a name can never point
/// outside the upload store or break a header. Public for the fuzz targets.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "upload".into()
    } else {
        clean
    }
}

pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| StoreError::invalid("path", "no parent directory"))?;
    std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(StoreError::io(path))?;
    // The blob's name must be durable before the database row that points at it.
    crate::durable::sync_dir(dir)
}

/// Every stored upload must exist and hash to its name: problems for `kaifang check`.
pub(crate) async fn verify(store: &Store) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for u in store.uploads(None).await? {
        let path = store.blob_path(&u.sha256);
        match tokio::fs::read(&path).await {
            Ok(bytes) if hex::encode(Sha256::digest(&bytes)) == u.sha256 => {}
            Ok(_) => problems.push(format!(
                "upload {} ({}): content does not match its hash",
                u.id,
                path.display()
            )),
            Err(e) => problems.push(format!("upload {} ({}): {e}", u.id, path.display())),
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_checked_against_content() {
        assert_eq!(
            detect_type("a.csv", "数据年月,商品编码\n".as_bytes()),
            Ok("text/csv")
        );
        assert!(detect_type("a.xlsx", b"PK\x03\x04rest").is_ok());
        assert!(detect_type("a.xlsx", b"MZ\x90\x00").is_err());
        assert!(detect_type("a.exe", b"MZ").is_err());
        assert!(detect_type("noext", b"x").is_err());
        assert!(detect_type("a.csv", b"a\0b").is_err());
    }

    #[test]
    fn filenames_cannot_escape() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\x\\报表.xlsx"), "报表.xlsx");
        assert_eq!(sanitize_filename("a\r\nb.csv"), "ab.csv");
        assert_eq!(sanitize_filename("../"), "upload");
    }
}
