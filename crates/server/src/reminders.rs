//! The background loop of the work modules: every few minutes, notify what is due soon or
//! overdue, then mail the notifications not yet mailed (when an SMTP relay is configured).
//!
//! Mail failures are logged and retried on the next round; the notification itself is already
//! stored, so nothing is lost while the relay is down.

use kaifang_store::config::SmtpConfig;
use kaifang_store::rules::today_in_china;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

use crate::state::AppState;

/// Runs until the process ends.
pub async fn run(state: AppState) {
    let every = Duration::from_secs(state.config.work.reminder_minutes * 60);
    let mailer = state.config.smtp.clone().map(Mailer::new);
    loop {
        round(&state, mailer.as_ref()).await;
        tokio::time::sleep(every).await;
    }
}

/// One round: the sweep, then the mail. Public so tests can drive it without waiting.
pub async fn round(state: &AppState, mailer: Option<&Mailer>) {
    if let Err(e) = state
        .store
        .sweep_reminders(&state.rules, today_in_china())
        .await
    {
        tracing::warn!(error = %e, "reminder sweep failed");
    }
    if let Some(m) = mailer {
        m.send_pending(state).await;
    }
}

pub struct Mailer {
    config: SmtpConfig,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    pub fn new(config: SmtpConfig) -> Mailer {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Mailer { config, transport }
    }

    async fn send_pending(&self, state: &AppState) {
        let pending = match state.store.pending_mail(100).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "reading pending mail failed");
                return;
            }
        };
        for p in pending {
            let message = Message::builder()
                .from(match self.config.from.parse() {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::warn!(error = %e, from = %self.config.from, "smtp.from is not a mailbox");
                        return;
                    }
                })
                .to(match p.to.parse() {
                    Ok(t) => t,
                    Err(e) => {
                        tracing::warn!(error = %e, to = %p.to, "a user's mail address is not a mailbox; skipped");
                        let _ = state.store.mark_mailed(p.id).await;
                        continue;
                    }
                })
                .subject(format!("[开放平台] {}", p.title))
                .header(ContentType::TEXT_PLAIN)
                .body(format!(
                    "{}\n\n{}{}\n\n—— 吉林省开放发展平台（此邮件由系统发出，请勿回复）",
                    p.title, self.config.base_url, p.link
                ));
            let message = match message {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "building a mail failed");
                    continue;
                }
            };
            match self.transport.send(message).await {
                Ok(_) => {
                    if let Err(e) = state.store.mark_mailed(p.id).await {
                        tracing::warn!(error = %e, "marking a mail sent failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, host = %self.config.host, "mail relay refused or unreachable; will retry");
                    return;
                }
            }
        }
    }
}
