//! In-app notifications, one row per recipient, and the reminder sweep that finds work due
//! soon or overdue. Mail is sent by the server from the rows not yet mailed, so a mail relay
//! that is down delays mail but never loses a notification or blocks a request. Each mail is
//! claimed before it is sent (at most once), and one the relay refuses for good is marked
//! failed so that it does not hold up the others.

use kaifang_work::Light;
use serde::Serialize;
use sqlx::AnyConnection;
use time::Date;

use crate::rules::{Rules, format_date};
use crate::tasks::TaskFilter;
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub at: String,
    /// `task.issued`, `task.event`, `task.due_soon`, `task.overdue`, `appeal.event`,
    /// `appeal.escalated`, ...
    pub kind: String,
    pub title: String,
    /// Where in the web UI it leads, e.g. `/tasks/3`.
    pub link: String,
    pub read_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub unread: i64,
    pub items: Vec<Notification>,
}

pub(crate) struct Notice {
    pub kind: &'static str,
    pub title: String,
    pub link: String,
    /// Set for reminders: the same reminder reaches a user once however often the sweep runs.
    pub dedupe: Option<String>,
}

/// Notifies every active user of `orgs` except `except` (the one who acted). Returns how many
/// notifications were new.
pub(crate) async fn notify_orgs(
    conn: &mut AnyConnection,
    orgs: &[i64],
    except: Option<i64>,
    n: &Notice,
) -> Result<u64> {
    let mut orgs = orgs.to_vec();
    orgs.sort_unstable();
    orgs.dedup();
    let mut added = 0;
    for org in orgs {
        added += sqlx::query(
            "INSERT INTO notifications (user_id, at, kind, title, link, dedupe) \
             SELECT id, $1, $2, $3, $4, $5 FROM users WHERE org_id = $6 AND NOT disabled AND ($7 IS NULL OR id <> $7) \
             ON CONFLICT (user_id, dedupe) DO NOTHING",
        )
        .bind(now())
        .bind(n.kind)
        .bind(&n.title)
        .bind(&n.link)
        .bind(&n.dedupe)
        .bind(org)
        .bind(except)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}

/// Users of every organisation whose staff have `role` (leaders, for escalations).
pub(crate) async fn orgs_with_role(conn: &mut AnyConnection, role: &str) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT org_id FROM users WHERE role = $1 AND NOT disabled")
            .bind(role)
            .fetch_all(conn)
            .await?,
    )
}

pub(crate) async fn orgs_owning(conn: &mut AnyConnection, module: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, modules FROM organisations WHERE kind = 'department'")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, m)| m.split(';').any(|x| x.trim() == module))
        .map(|(id, _)| id)
        .collect())
}

/// A notification waiting to be mailed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingMail {
    pub id: i64,
    #[sqlx(rename = "email")]
    pub to: String,
    pub title: String,
    pub link: String,
}

impl Store {
    pub async fn notifications(&self, user_id: i64, limit: i64) -> Result<Inbox> {
        let unread: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as(
            "SELECT id, at, kind, title, link, read_at FROM notifications WHERE user_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(Inbox { unread, items })
    }

    /// Marks one notification (or, with `None`, all) of `user_id` read. Reading is not an
    /// audited decision: it changes nothing anyone else sees.
    pub async fn mark_read(&self, user_id: i64, id: Option<i64>) -> Result<()> {
        let n = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
        )
        .bind(now())
        .bind(user_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if let (Some(id), 0) = (id, n) {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM notifications WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("notification {id}")));
            }
        }
        Ok(())
    }

    /// Notifications whose mail nobody has claimed yet, to users who have a mail address,
    /// oldest first.
    pub async fn pending_mail(&self, limit: i64) -> Result<Vec<PendingMail>> {
        Ok(sqlx::query_as(
            "SELECT n.id, u.email, n.title, n.link FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.emailed_at IS NULL AND u.email IS NOT NULL AND u.email <> '' AND NOT u.disabled \
             ORDER BY n.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Claims a notification's mail before it is handed to the relay; false when it was
    /// claimed already. A claimed mail is never offered again by [`Store::pending_mail`], so a
    /// crash between the claim and the send loses that one mail instead of sending it twice:
    /// reminders are mailed at most once, and the notification itself stays in the app.
    pub async fn claim_mail(&self, id: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE notifications SET emailed_at = $1 WHERE id = $2 AND emailed_at IS NULL",
        )
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Gives a claimed mail back, when it was certainly not delivered (the relay could not be
    /// reached, or refused it for now): the next round tries it again.
    pub async fn release_mail(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE notifications SET emailed_at = NULL WHERE id = $1 AND mail_error IS NULL",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives up a notification's mail for good (the relay refused the recipient, or the
    /// address is not a mailbox), saying why; it is not tried again.
    pub async fn mail_failed(&self, id: i64, reason: &str) -> Result<()> {
        let reason: String = reason.chars().take(500).collect();
        sqlx::query(
            "UPDATE notifications SET emailed_at = COALESCE(emailed_at, $1), mail_error = $2 WHERE id = $3",
        )
        .bind(now())
        .bind(reason)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets (or clears) a user's mail address for notifications.
    pub async fn set_email(
        &self,
        who: &crate::audit::Who,
        user_id: i64,
        email: Option<&str>,
    ) -> Result<()> {
        if let Some(e) = email {
            let ok = e.len() <= 200
                && e.split_once('@').is_some_and(|(a, b)| {
                    !a.is_empty() && b.contains('.') && !e.contains(char::is_whitespace)
                });
            if !ok {
                return Err(StoreError::invalid(
                    "email",
                    format!("{e:?} is not a mail address"),
                ));
            }
        }
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        crate::audit::append(
            &mut tx,
            who,
            "user.set_email",
            Some(&format!("user:{user_id}")),
            serde_json::json!({ "email": email }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Looks for open tasks due within the warning window or overdue and open appeals past
    /// their time limit, and notifies once per task (or appeal) and stage. Returns the number
    /// of new notifications.
    pub async fn sweep_reminders(&self, rules: &Rules, today: Date) -> Result<u64> {
        let tasks = self
            .tasks(&TaskFilter::default(), None, rules, today)
            .await?;
        let appeals = self.appeals(None, rules, today).await?;
        let mut tx = self.begin_write().await?;
        let supervisors = orgs_owning(&mut tx, "directives").await?;
        let intake = orgs_owning(&mut tx, "appeals").await?;
        let leaders = orgs_with_role(&mut tx, "leader").await?;
        let mut added = 0;
        for t in &tasks {
            let (kind, title, to) = match t.light {
                Light::Yellow => (
                    "task.due_soon",
                    format!("任务即将到期：{}（截止 {}）", t.title, t.deadline),
                    vec![t.lead.id],
                ),
                Light::Red => {
                    let mut to = vec![t.lead.id];
                    to.extend(&supervisors);
                    (
                        "task.overdue",
                        format!("任务已逾期：{}（截止 {}）", t.title, t.deadline),
                        to,
                    )
                }
                Light::Green | Light::Grey => continue,
            };
            // The deadline is part of the key: an approved extension earns a fresh reminder.
            let dedupe = Some(format!("task:{}:{kind}:{}", t.id, t.deadline));
            let link = format!("/tasks/{}", t.id);
            added += notify_orgs(
                &mut tx,
                &to,
                None,
                &Notice {
                    kind,
                    title,
                    link,
                    dedupe,
                },
            )
            .await?;
        }
        for a in appeals.iter().filter(|a| a.escalated) {
            let mut to = intake.clone();
            to.extend(&leaders);
            to.extend(a.assigned.as_ref().map(|o| o.id));
            let deadline = a.deadline.clone().unwrap_or_default();
            let n = Notice {
                kind: "appeal.escalated",
                title: format!("诉求超时未办：{}（时限 {}）", a.title, deadline),
                link: format!("/appeals/{}", a.id),
                dedupe: Some(format!("appeal:{}:escalated:{}:{deadline}", a.id, a.state)),
            };
            added += notify_orgs(&mut tx, &to, None, &n).await?;
        }
        tx.commit().await?;
        if added > 0 {
            tracing::info!(added, today = %format_date(today), "reminders sent");
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use crate::audit::Who;
    use crate::{DataDir, Store};

    /// A store with one administrator who has a mail address and `n` notifications.
    async fn store_with_notifications(n: usize) -> (tempfile::TempDir, Store, Vec<i64>) {
        let tmp = tempfile::tempdir().unwrap();
        let store = crate::testing::open(tmp.path()).await;
        let who = Who::cli("test");
        let admin = "admin".parse().unwrap();
        let password = "kaifang-demo".parse().unwrap();
        store.initialise(&who, &admin, &password).await.unwrap();
        let user = store.user_by_name("admin").await.unwrap().id;
        store
            .set_email(&who, user, Some("admin@example.org"))
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(
                sqlx::query_scalar(
                    "INSERT INTO notifications (user_id, at, kind, title) VALUES ($1, $2, 'test', $3) RETURNING id",
                )
                .bind(user)
                .bind(crate::now())
                .bind(format!("notice {i}"))
                .fetch_one(&store.pool)
                .await
                .unwrap(),
            );
        }
        (tmp, store, ids)
    }

    async fn pending(store: &Store) -> Vec<i64> {
        let p = store.pending_mail(100).await.unwrap();
        p.into_iter().map(|p| p.id).collect()
    }

    #[tokio::test]
    async fn a_claimed_mail_is_offered_once_even_after_a_restart() {
        let (tmp, store, ids) = store_with_notifications(3).await;
        assert_eq!(pending(&store).await, ids);
        assert!(store.claim_mail(ids[0]).await.unwrap());
        assert!(!store.claim_mail(ids[0]).await.unwrap(), "claimed once");
        // As if the process died between the claim and the send.
        store.close().await;
        let store = Store::open(&DataDir::new(tmp.path()), false).await.unwrap();
        assert_eq!(pending(&store).await, ids[1..]);

        // Given back (the relay was unreachable): offered again.
        assert!(store.claim_mail(ids[1]).await.unwrap());
        store.release_mail(ids[1]).await.unwrap();
        assert_eq!(pending(&store).await, ids[1..]);

        // Refused for good: never offered again, a release notwithstanding.
        assert!(store.claim_mail(ids[2]).await.unwrap());
        store.mail_failed(ids[2], "550 no such user").await.unwrap();
        store.release_mail(ids[2]).await.unwrap();
        assert_eq!(pending(&store).await, [ids[1]]);
        let error: Option<String> =
            sqlx::query_scalar("SELECT mail_error FROM notifications WHERE id = $1")
                .bind(ids[2])
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert_eq!(error.as_deref(), Some("550 no such user"));
    }
}
