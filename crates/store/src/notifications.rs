//! In-app notifications, one row per recipient, and the reminder sweep that finds work due
//! soon or overdue. Mail is sent by the server from the rows not yet mailed, so a mail relay
//! that is down delays mail but never loses a notification or blocks a request.

use kaifang_work::Light;
use serde::Serialize;
use sqlx::SqliteConnection;
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
    conn: &mut SqliteConnection,
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
async fn orgs_with_role(conn: &mut SqliteConnection, role: &str) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT org_id FROM users WHERE role = $1 AND NOT disabled")
            .bind(role)
            .fetch_all(conn)
            .await?,
    )
}

pub(crate) async fn orgs_owning(conn: &mut SqliteConnection, module: &str) -> Result<Vec<i64>> {
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

    /// Notifications not yet mailed to users who have a mail address, oldest first.
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

    pub async fn mark_mailed(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE notifications SET emailed_at = $1 WHERE id = $2")
            .bind(now())
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
        let mut tx = self.pool.begin().await?;
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
        let mut tx = self.pool.begin().await?;
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
