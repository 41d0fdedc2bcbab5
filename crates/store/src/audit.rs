//! The append-only audit log: who changed what, and when.
//!
//! Every write in the store appends its entry in the same transaction as the change, so a
//! change without its entry (or an entry without its change) cannot be committed. There is
//! deliberately no function that updates or deletes an entry.

use serde::Serialize;
use sqlx::AnyConnection;

use crate::{Result, Store, now};

/// Who is acting: a logged-in user, or the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Who {
    pub user_id: Option<i64>,
    /// Username, or `cli:<command>` for the command line.
    pub actor: String,
    pub request_id: Option<String>,
}

impl Who {
    pub fn cli(command: &str) -> Who {
        Who {
            user_id: None,
            actor: format!("cli:{command}"),
            request_id: None,
        }
    }

    /// An attempt by someone not (yet) identified, such as a failed login.
    pub fn anonymous(claimed: &str, request_id: Option<String>) -> Who {
        Who {
            user_id: None,
            actor: claimed.chars().take(64).collect(),
            request_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    #[schema(value_type = Object)]
    #[sqlx(try_from = "crate::db::JsonText")]
    pub details: serde_json::Value,
    pub request_id: Option<String>,
}

pub(crate) async fn append(
    conn: &mut AnyConnection,
    who: &Who,
    action: &str,
    target: Option<&str>,
    details: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, action, target, details, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now())
    .bind(who.user_id)
    .bind(&who.actor)
    .bind(action)
    .bind(target)
    .bind(details.to_string())
    .bind(&who.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Records an event that changes nothing else in the database (a refused login).
    pub async fn record(
        &self,
        who: &Who,
        action: &str,
        target: Option<&str>,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        append(&mut conn, who, action, target, details).await
    }

    /// Announcements (`<action>.begin`, for the given actions) that no later entry of the same
    /// target concludes: writes a crash cut short, or ones still running. Oldest first.
    pub async fn open_intents(&self, actions: &[&str]) -> Result<Vec<AuditEntry>> {
        let mut found = Vec::new();
        for action in actions {
            let open: Vec<AuditEntry> = sqlx::query_as(
                "SELECT b.id, b.at, b.actor, b.action, b.target, b.details, b.request_id \
                 FROM audit_log b WHERE b.action = $1 AND b.target IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM audit_log c WHERE c.target = b.target AND c.id > b.id)",
            )
            .bind(format!("{action}.begin"))
            .fetch_all(&self.pool)
            .await?;
            found.extend(open);
        }
        found.sort_by_key(|e| e.id);
        Ok(found)
    }

    /// When `action` was last recorded (RFC 3339 UTC), if ever.
    pub async fn last_recorded(&self, action: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT MAX(at) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Every entry of one target, oldest first.
    pub async fn audit_of(&self, target: &str) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, target, details, request_id FROM audit_log \
             WHERE target = $1 ORDER BY id",
        )
        .bind(target)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest entries first.
    pub async fn audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, target, details, request_id FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_database_refuses_to_change_or_remove_an_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let store = crate::testing::open(tmp.path()).await;
        let who = Who::cli("test");
        store
            .record(&who, "test.event", None, serde_json::json!({}))
            .await
            .unwrap();
        for statement in [
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let e = sqlx::query(statement)
                .execute(&store.pool)
                .await
                .unwrap_err();
            assert!(
                e.to_string().contains("the audit log is append-only"),
                "{statement}: {e}"
            );
        }
        let entries = store.audit(10).await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].actor, "cli:test");
        // Appending still works.
        store
            .record(&who, "test.event", None, serde_json::json!({}))
            .await
            .unwrap();
        assert_eq!(store.audit(10).await.unwrap().len(), 2);
    }
}
