//! Headline counts for the overview page.

use serde::Serialize;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    /// YYYY-MM-DD (UTC).
    pub day: String,
    pub count: i64,
}

impl Store {
    /// Row counts grouped by one column of one table. Only called with the fixed names below.
    async fn counts(&self, sql: &'static str) -> Result<Vec<Count>> {
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(key, count)| Count {
                key: key.unwrap_or_default(),
                count,
            })
            .collect())
    }

    pub async fn orgs_by_kind(&self) -> Result<Vec<Count>> {
        self.counts("SELECT kind, COUNT(*) FROM organisations GROUP BY kind ORDER BY kind")
            .await
    }

    pub async fn zones_by_type(&self) -> Result<Vec<Count>> {
        self.counts("SELECT zone_type, COUNT(*) FROM organisations WHERE kind = 'zone' GROUP BY zone_type ORDER BY zone_type")
            .await
    }

    pub async fn users_by_role(&self) -> Result<Vec<Count>> {
        self.counts(
            "SELECT role, COUNT(*) FROM users WHERE disabled = FALSE GROUP BY role ORDER BY role",
        )
        .await
    }

    pub async fn jobs_by_status(&self) -> Result<Vec<Count>> {
        self.counts("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status")
            .await
    }

    /// Audit entries per UTC day for the last `days` days, oldest first, every day present.
    pub async fn audit_by_day(&self, days: u32) -> Result<Vec<DayCount>> {
        let today = time::OffsetDateTime::now_utc().date();
        let first = today - time::Duration::days(i64::from(days.max(1)) - 1);
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let first_s = first.format(&fmt).unwrap_or_default();
        // Portable: SUBSTR exists in both SQLite and PostgreSQL.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT SUBSTR(at, 1, 10) AS day, COUNT(*) FROM audit_log WHERE at >= $1 GROUP BY SUBSTR(at, 1, 10)",
        )
        .bind(&first_s)
        .fetch_all(&self.pool)
        .await?;
        let out = (0..i64::from(days.max(1)))
            .map(|i| {
                let day = (first + time::Duration::days(i))
                    .format(&fmt)
                    .unwrap_or_default();
                let count = rows.iter().find(|(k, _)| *k == day).map_or(0, |(_, c)| *c);
                DayCount { day, count }
            })
            .collect();
        Ok(out)
    }
}
