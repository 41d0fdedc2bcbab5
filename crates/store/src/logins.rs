//! Failed logins counted in the database, per account and client, so that instances sharing
//! it refuse the same guesser. The server's in-memory limiter stays the first check (cheap,
//! and it also slows a client down across accounts); this ledger is what a load balancer
//! cannot split.

use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Result, Store, format_ts};

/// What the database holds of an account's failed logins from one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginLedger {
    /// No failure in an open window.
    Clear,
    /// Failures, fewer than the limit.
    Counting,
    /// As many failures as the limit: this long still to wait.
    Locked(Duration),
}

impl Store {
    /// The failures of `user` from `client` in a window of `window` that has not yet passed,
    /// against the limit of `max`.
    pub async fn login_ledger(
        &self,
        user: &str,
        client: &str,
        max: u32,
        window: Duration,
    ) -> Result<LoginLedger> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT failures, first_at FROM login_failures WHERE username = $1 AND client = $2",
        )
        .bind(user)
        .bind(client)
        .fetch_optional(&self.pool)
        .await?;
        let Some((failures, first_at)) = row else {
            return Ok(LoginLedger::Clear);
        };
        // An unreadable time (written by hand?) counts as a window that has passed.
        let Ok(first) = OffsetDateTime::parse(&first_at, &Rfc3339) else {
            return Ok(LoginLedger::Clear);
        };
        let left = (first + window) - OffsetDateTime::now_utc();
        if !left.is_positive() {
            return Ok(LoginLedger::Clear);
        }
        if failures < i64::from(max) {
            return Ok(LoginLedger::Counting);
        }
        Ok(LoginLedger::Locked(left.try_into().unwrap_or(window)))
    }

    /// Counts a failure of `user` from `client`; windows that have passed are forgotten first,
    /// so the ledger holds only the failures of one window.
    pub async fn login_failed(&self, user: &str, client: &str, window: Duration) -> Result<()> {
        let now = OffsetDateTime::now_utc();
        let cutoff = format_ts(now - window);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE first_at < $1")
            .bind(&cutoff)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO login_failures (username, client, failures, first_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (username, client) DO UPDATE SET failures = login_failures.failures + 1",
        )
        .bind(user)
        .bind(client)
        .bind(format_ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `user` logged in from `client`: its failures from there are forgotten.
    pub async fn login_succeeded(&self, user: &str, client: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client = $2")
            .bind(user)
            .bind(client)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
