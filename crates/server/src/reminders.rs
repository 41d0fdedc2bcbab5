//! The background loop of the work modules: every few minutes, notify what is due soon or
//! overdue, once a day evaluate the risk indicators and raise alerts, issue the monthly
//! bulletin when its day has come (`[bulletin] day`), then mail the notifications not yet
//! mailed (when an SMTP relay is configured). Instances sharing a PostgreSQL database take
//! turns (`Store::background_turn`): one round at a time, cluster-wide.
//!
//! Each mail is claimed in the store before the relay is asked, so a restart never sends one
//! twice; a crash between claim and send loses that mail (at most once: the notification
//! itself is stored and shown in the app). A relay that cannot be reached ends the round and
//! the mail is tried again next round; a recipient it refuses for good is marked failed and the
//! round goes on with the others.

use kaifang_store::config::SmtpConfig;
use kaifang_store::rules::today_in_china;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

use crate::state::AppState;

/// Runs until the process ends.
pub async fn run(state: AppState) {
    let every = Duration::from_secs(state.config.work.reminder_minutes * 60);
    let mailer = state.config.smtp.clone().map(Mailer::new);
    // A restart the same day does not evaluate again (nor does the first start of a demo
    // directory, whose loading evaluated).
    let mut evaluated: Option<time::Date> = {
        let today = today_in_china();
        matches!(
            kaifang_app::risk::evaluated_on(&state.store, today).await,
            Ok(true)
        )
        .then_some(today)
    };
    loop {
        // Several instances on one database take turns: one does the round, the others skip it.
        match state.store.background_turn().await {
            Ok(Some(turn)) => {
                let today = today_in_china();
                if state.config.work.risk_evaluation
                    && evaluated != Some(today)
                    && risk_round(&state, today).await
                {
                    evaluated = Some(today);
                }
                bulletin_round(&state, today).await;
                round(&state, mailer.as_ref()).await;
                turn.end().await;
            }
            Ok(None) => tracing::debug!("another instance does this background round"),
            Err(e) => tracing::warn!(error = %e, "cannot take the background round's turn"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The day's risk evaluation: every indicator measured, alerts raised (once per indicator,
/// subject and period, so a restart the same day raises nothing new). False when it failed,
/// to be tried again next round.
pub async fn risk_round(state: &AppState, today: time::Date) -> bool {
    let raised = kaifang_app::risk::evaluate_and_raise(
        &state.risk,
        &state.store,
        &state.trade,
        &state.rules,
        None,
        today,
        &kaifang_store::audit::Who::cli("daily risk evaluation"),
    )
    .await;
    match raised {
        Ok(r) => {
            tracing::info!(
                raised = r.alerts.raised,
                changed = r.alerts.changed,
                "daily risk evaluation"
            );
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "the daily risk evaluation failed");
            false
        }
    }
}

/// The monthly bulletin, when the schedule owes one (each is issued once; a failure is tried
/// again next round). Public so tests can drive it.
pub async fn bulletin_round(state: &AppState, today: time::Date) {
    let sources = crate::routes::bulletins::sources(state);
    match kaifang_app::bulletin::scheduled(&sources, state.config.bulletin.day, today).await {
        Ok(issued) => {
            for b in issued {
                tracing::info!(month = %b.month, format = %b.format, file = %b.file, "monthly bulletin issued");
            }
        }
        Err(e) => tracing::warn!(error = %e, "the monthly bulletin could not be issued"),
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
        let from: Mailbox = match self.config.from.parse() {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, from = %self.config.from, "smtp.from is not a mailbox");
                return;
            }
        };
        let pending = match state.store.pending_mail(100).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "reading pending mail failed");
                return;
            }
        };
        for p in pending {
            let to: Mailbox = match p.to.parse() {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, to = %p.to, "a user's mail address is not a mailbox; skipped");
                    failed(state, p.id, &format!("not a mailbox: {e}")).await;
                    continue;
                }
            };
            let message = Message::builder()
                .from(from.clone())
                .to(to)
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
                    failed(state, p.id, &format!("could not be built: {e}")).await;
                    continue;
                }
            };
            match state.store.claim_mail(p.id).await {
                Ok(true) => {}
                // Someone else took it since it was read.
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a mail failed");
                    return;
                }
            }
            let Err(e) = self.transport.send(message).await else {
                continue;
            };
            if e.is_permanent() {
                // The relay will never take this one (an unknown mailbox, say): give it up
                // so that it does not hold the queue up round after round.
                tracing::warn!(error = %e, to = %p.to, "mail relay refused a recipient; skipped");
                failed(state, p.id, &e.to_string()).await;
            } else if e.is_transient() {
                // Refused for now (mailbox busy, relay short of room): the connection worked,
                // so the others may go through; this one waits for the next round.
                tracing::warn!(error = %e, to = %p.to, "mail relay deferred a mail; will retry");
                release(state, p.id).await;
            } else {
                // No answer from the relay at all: the rest would fail alike.
                tracing::warn!(error = %e, host = %self.config.host, "mail relay unreachable; will retry");
                release(state, p.id).await;
                return;
            }
        }
    }
}

async fn failed(state: &AppState, id: i64, reason: &str) {
    if let Err(e) = state.store.mail_failed(id, reason).await {
        tracing::warn!(error = %e, "marking a mail failed did not work");
    }
}

async fn release(state: &AppState, id: i64) {
    if let Err(e) = state.store.release_mail(id).await {
        // Left claimed, the mail is not sent: at most once, as after a crash.
        tracing::warn!(error = %e, "giving a mail back for the next round did not work");
    }
}
