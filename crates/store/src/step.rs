//! One workflow step, the same for tasks, appeals and zones' yearly submissions.
//!
//! Each kind of record has its own rules (`kaifang_work`), row and timeline. What every step
//! shares is what keeps concurrent edits honest and the history complete, so it lives here
//! once: in one transaction, read the record; refuse if it is no longer at the version the
//! caller read (`StoreError::Stale`, carrying the record as it is now); let the kind ask its
//! rules and write the new state — again only at that version — with its timeline entry; then
//! append the audit entry and the notifications. A step refused at any point writes nothing.

use std::future::Future;

use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{self, Who};
use crate::notifications::{Notice, notify_orgs};
use crate::{Result, Store, StoreError};

/// Who takes a step, and the organisation they act for (none for the command line).
pub(crate) struct Acting<'a> {
    pub who: &'a Who,
    pub org: Option<i64>,
}

/// What a step leaves besides the record and its timeline.
pub(crate) struct Outcome {
    /// The audit action, e.g. `task.close`.
    pub action: String,
    /// The audit entry's details.
    pub details: serde_json::Value,
    /// The organisations whose users hear of the step (except the one who took it), and what
    /// they read.
    pub notice: Option<(Vec<i64>, Notice)>,
}

/// A kind of record that moves through a workflow, and one step to take on one record.
pub(crate) trait Step: Sync {
    /// The record as the step reads it inside its transaction.
    type Row: Send;
    /// The record as callers see it: what the step returns, and what `Stale` carries.
    type View: Serialize + Send;

    /// The record in messages, e.g. "task 3".
    fn name(&self) -> String;

    /// The record in the audit log, e.g. "task:3".
    fn target(&self) -> String;

    /// Uploads attached to the step.
    fn attachments(&self) -> &[i64] {
        &[]
    }

    fn load(
        &self,
        conn: &mut AnyConnection,
    ) -> impl Future<Output = Result<Option<Self::Row>>> + Send;

    /// The version of the record as loaded.
    fn version(row: &Self::Row) -> i64;

    /// Asks the rules whether the step is allowed now; if so writes the new state, only where
    /// the record is still at `version`, and its timeline entry. `None` when someone else
    /// changed the record in between.
    fn apply(
        &self,
        conn: &mut AnyConnection,
        by: &Acting<'_>,
        row: Self::Row,
        version: i64,
    ) -> impl Future<Output = Result<Option<Outcome>>> + Send;

    /// The record as it is now.
    fn view(&self, store: &Store) -> impl Future<Output = Result<Self::View>> + Send;

    fn view_version(view: &Self::View) -> i64;
}

impl Store {
    /// Takes step `s` on a record the caller read at `version`, and returns the record after it.
    pub(crate) async fn step<S: Step>(&self, s: &S, who: &Who, version: i64) -> Result<S::View> {
        let mut tx = self.begin_write().await?;
        let org = actor_org(&mut tx, who).await?;
        check_attachments(&mut tx, org, s.attachments()).await?;
        let row = s
            .load(&mut tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(s.name()))?;
        let outcome = if S::version(&row) == version {
            s.apply(&mut tx, &Acting { who, org }, row, version).await?
        } else {
            None
        };
        let Some(outcome) = outcome else {
            // Rolls back what the step wrote before it found the record changed, and frees the
            // connection for reading the record as it is now.
            drop(tx);
            return Err(self.stale(s, version).await);
        };
        audit::append(
            &mut tx,
            who,
            &outcome.action,
            Some(&s.target()),
            outcome.details,
        )
        .await?;
        if let Some((orgs, notice)) = &outcome.notice {
            notify_orgs(&mut tx, orgs, who.user_id, notice).await?;
        }
        tx.commit().await?;
        s.view(self).await
    }

    async fn stale<S: Step>(&self, s: &S, had: i64) -> StoreError {
        match s.view(self).await {
            Ok(current) => StoreError::stale(&s.name(), had, S::view_version(&current), &current),
            Err(StoreError::NotFound(_)) => StoreError::Stale {
                message: format!(
                    "{} does not exist (you had version {had}); reload and try again",
                    s.name()
                ),
                current: serde_json::Value::Null,
            },
            Err(e) => e,
        }
    }
}

/// Where actors act from: the organisation of a logged-in user (none for the command line).
pub(crate) async fn actor_org(conn: &mut AnyConnection, who: &Who) -> Result<Option<i64>> {
    match who.user_id {
        Some(u) => Ok(sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1")
            .bind(u)
            .fetch_optional(conn)
            .await?),
        None => Ok(None),
    }
}

/// The uploads named as attachments must exist and belong to the acting organisation (or be
/// readable by it): nobody attaches another organisation's file by guessing its id.
pub(crate) async fn check_attachments(
    conn: &mut AnyConnection,
    org_id: Option<i64>,
    ids: &[i64],
) -> Result<()> {
    if ids.len() > 20 {
        return Err(StoreError::invalid("attachments", "at most 20 files"));
    }
    for id in ids {
        let owner: Option<i64> = sqlx::query_scalar("SELECT org_id FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        match (owner, org_id) {
            (None, _) => {
                return Err(StoreError::invalid(
                    "attachments",
                    format!("upload {id} does not exist"),
                ));
            }
            (Some(o), Some(mine)) if o != mine => {
                return Err(StoreError::invalid(
                    "attachments",
                    format!("upload {id} belongs to another organisation"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
