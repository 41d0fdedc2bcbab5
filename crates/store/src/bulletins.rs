//! The archive of monthly bulletins: each file written once under `bulletins/` (a temporary
//! name, synced, renamed, the directory synced) and then recorded with its hash, the figures
//! it was made from and its audit entry in one transaction. Neither the row nor the file is
//! ever replaced: issuing the same month again makes a new one.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{Who, append};
use crate::uploads::write_atomically;
use crate::{Result, Store, StoreError, now};

/// An issued bulletin.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Bulletin {
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// `zh` or `en`.
    pub lang: String,
    /// `docx` or `pdf`.
    pub format: String,
    /// The file's name in the archive.
    pub file: String,
    pub bytes: i64,
    pub sha256: String,
    /// Pages of a PDF.
    pub pages: Option<i64>,
    /// Some figures in it are synthetic demo data.
    #[sqlx(try_from = "crate::db::Flag")]
    pub synthetic: bool,
    pub created_at: String,
    pub created_by: String,
}

/// A bulletin to archive.
pub struct NewBulletin<'a> {
    pub month: &'a str,
    pub lang: &'a str,
    pub format: &'a str,
    pub bytes: &'a [u8],
    pub pages: Option<i64>,
    pub synthetic: bool,
    pub figures: serde_json::Value,
    /// Tell the leaders it is out (the schedule does; one issued by hand is already known).
    pub notify_leaders: bool,
}

const COLUMNS: &str = "id, month, lang, format, file, bytes, sha256, pages, CAST(synthetic AS INTEGER) AS synthetic, \
     created_at, created_by";

impl Store {
    fn bulletins_dir(&self) -> std::path::PathBuf {
        self.dir.root().join("bulletins")
    }

    /// Where an archived bulletin's file is.
    pub fn bulletin_path(&self, b: &Bulletin) -> std::path::PathBuf {
        self.bulletins_dir().join(&b.file)
    }

    /// Writes the file and records it; on any failure nothing is left under its name. A file
    /// identical to one issued before is that one (its record is returned, nothing is written).
    pub async fn archive_bulletin(&self, who: &Who, b: &NewBulletin<'_>) -> Result<Bulletin> {
        let sha256 = hex::encode(Sha256::digest(b.bytes));
        // The hash makes the name unique: two issues of a month differ at least in their date.
        let file = format!("{}-{}-{}.{}", b.month, b.lang, &sha256[..12], b.format);
        let path = self.bulletins_dir().join(&file);
        // The same figures typeset the same day give the same bytes: that bulletin is
        // already issued, and is the answer.
        let issued: Option<Bulletin> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM bulletins WHERE file = $1"))
                .bind(&file)
                .fetch_optional(&self.pool)
                .await?;
        if let Some(b) = issued {
            return Ok(b);
        }
        // A file of these very bytes but no record was left by an issue that stopped between
        // the two (its instance killed): it is this bulletin, and only the record is missing.
        // Other bytes under the name (a restored database?) are not ours to replace.
        match std::fs::read(&path) {
            Ok(there) if there == b.bytes => {}
            Ok(_) => {
                return Err(StoreError::Conflict(format!(
                    "{file} is in the archive folder but not on record, with other contents (left by a restored database?): move it aside and issue again"
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_atomically(&path, b.bytes)?,
            Err(e) => return Err(StoreError::io(&path)(e)),
        }
        let recorded = async {
            let mut tx = self.begin_write().await?;
            let row: Bulletin = sqlx::query_as(&format!(
                "INSERT INTO bulletins (month, lang, format, file, bytes, sha256, pages, synthetic, \
                 figures, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 RETURNING {COLUMNS}"
            ))
            .bind(b.month)
            .bind(b.lang)
            .bind(b.format)
            .bind(&file)
            .bind(b.bytes.len() as i64)
            .bind(&sha256)
            .bind(b.pages)
            .bind(b.synthetic)
            .bind(b.figures.to_string())
            .bind(now())
            .bind(&who.actor)
            .fetch_one(&mut *tx)
            .await?;
            append(
                &mut tx,
                who,
                "bulletin.issue",
                Some(&format!("bulletin:{}", row.id)),
                serde_json::json!({ "month": b.month, "lang": b.lang, "format": b.format,
                    "file": file, "sha256": sha256 }),
            )
            .await?;
            if b.notify_leaders {
                let leaders = crate::notifications::orgs_with_role(&mut tx, "leader").await?;
                let (year, month) = b.month.split_once('-').unwrap_or((b.month, ""));
                crate::notifications::notify_orgs(
                    &mut tx,
                    &leaders,
                    None,
                    &crate::notifications::Notice {
                        kind: "bulletin",
                        title: format!(
                            "{year}年{}月对外开放月度通报已生成（{}）",
                            month.trim_start_matches('0'),
                            b.format.to_uppercase()
                        ),
                        link: "/bulletins".into(),
                        dedupe: Some(format!("bulletin:{}:{}:{}", b.month, b.lang, b.format)),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        }
        .await;
        if recorded.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        recorded
    }

    /// The archive, newest first.
    pub async fn bulletins(&self) -> Result<Vec<Bulletin>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM bulletins ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn bulletin(&self, id: i64) -> Result<Bulletin> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM bulletins WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("bulletin {id}")))
    }

    /// The figures a bulletin was made from.
    pub async fn bulletin_figures(&self, id: i64) -> Result<serde_json::Value> {
        let (text,): (String,) = sqlx::query_as("SELECT figures FROM bulletins WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("bulletin {id}")))?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Sqlite(format!("bulletin {id}: figures: {e}")))
    }

    /// Whether a bulletin of `month` in `lang` and `format` was issued already (the schedule
    /// issues each once).
    pub async fn has_bulletin(&self, month: &str, lang: &str, format: &str) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM bulletins WHERE month = $1 AND lang = $2 AND format = $3",
        )
        .bind(month)
        .bind(lang)
        .bind(format)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}
