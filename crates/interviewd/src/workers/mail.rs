//! The mail worker: claims due candidate e-mail with a lease, sends it, records the outcome.
//!
//! Mail is queued in the transaction of its cause (`core::notices`). It goes out over SMTP
//! when `smtp_host` is configured, otherwise as `.eml` files in `<data_dir>/outbox`.
//! Transient failures (no connection, a 4xx reply, an unwritable outbox) are retried on the
//! webhook schedule; permanent ones (a bad address, a 5xx reply) mark the mail FAILED. A
//! pending invite whose interview was deleted is dropped; a revocation notice still goes
//! out. A crash between sending and recording re-sends after the lease expires (at least
//! once; the stable `Message-ID` lets mail systems recognise the duplicate). On a graceful
//! shutdown the round under way gets a short grace; the leases of mail it did not finish
//! are released, so a restart sends them at once.

use super::Busy;
use super::webhooks::circuit::scaled;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::DynStore;
use crate::store::delivery::{MailFate, QueuedMail};
use interviewd_notify::schedule::{MAX_ATTEMPTS, SeededRandom, next_delay};
use interviewd_notify::{MailTransportConfig, Mailer, OutgoingMail, TlsMode};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use uuid::Uuid;

/// Mails claimed per round.
const BATCH: u32 = 8;
/// How long a claim lasts: several SMTP command timeouts.
const LEASE_MS: i64 = 5 * 60 * 1000;

/// Timeout of each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where mail goes, from the configuration.
pub fn transport_config(config: &Config) -> Result<MailTransportConfig, String> {
    let Some(host) = config
        .smtp_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    else {
        return Ok(MailTransportConfig::Outbox {
            dir: config.data_dir.join("outbox"),
        });
    };
    let (tls, default_port) = match config.smtp_tls.trim().to_ascii_lowercase().as_str() {
        "none" => (TlsMode::None, 25),
        "starttls" => (TlsMode::StartTls, 587),
        "tls" => (TlsMode::Tls, 465),
        _ => return Err("smtp_tls must be none, starttls or tls".into()),
    };
    Ok(MailTransportConfig::Smtp {
        host: host.to_owned(),
        port: config.smtp_port.unwrap_or(default_port),
        tls,
        username: config.smtp_username.clone(),
        password: config.smtp_password.as_ref().map(|p| p.expose().to_owned()),
        timeout: SMTP_TIMEOUT,
    })
}

pub struct MailWorker {
    store: DynStore,
    clock: Clock,
    mailer: Mailer,
    from: String,
    retry_scale: f64,
    /// Leases of claimed mail not yet finished.
    held: Mutex<Vec<(Uuid, String)>>,
    busy: Busy,
}

impl MailWorker {
    /// The mail worker, or `None` (logged) without a usable transport: the queue is then
    /// kept, not drained.
    pub fn new(config: &Config, store: DynStore, clock: Clock) -> Option<Self> {
        let mailer = match transport_config(config)
            .and_then(|t| Mailer::new(t).map_err(|e| e.to_string()))
        {
            Ok(mailer) => mailer,
            Err(error) => {
                tracing::error!(%error, "mail is not configured correctly; queued mail is kept");
                return None;
            }
        };
        Some(Self {
            store,
            clock,
            mailer,
            from: config.mail_from(),
            retry_scale: config.mail_retry_scale,
            held: Mutex::default(),
            busy: Busy::default(),
        })
    }

    fn held(&self) -> MutexGuard<'_, Vec<(Uuid, String)>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn shut_down(&self) {
        let abandoned: Vec<_> = self.held().drain(..).collect();
        if !abandoned.is_empty()
            && let Err(error) = self.store.release_mail(&abandoned).await
        {
            tracing::warn!(%error, "could not release mail leases; they will expire");
        }
    }

    /// Claims and processes one batch; returns how many mails it claimed.
    async fn send_due(&self) -> usize {
        let _busy = self.busy.start();
        let claimed = match self
            .store
            .claim_mail(self.clock.now(), BATCH, LEASE_MS)
            .await
        {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "could not claim mail");
                return 0;
            }
        };
        let count = claimed.len();
        self.held()
            .extend(claimed.iter().map(|m| (m.id, m.lease.clone())));
        for mail in claimed {
            let fate = self.process(&mail).await;
            match self
                .store
                .finish_mail(mail.id, &mail.lease, &fate, self.clock.now())
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(mail_id = %mail.id, "mail lease lost"),
                Err(error) => tracing::warn!(mail_id = %mail.id, %error, "could not record mail"),
            }
            self.held().retain(|(id, _)| *id != mail.id);
        }
        count
    }

    async fn process(&self, mail: &QueuedMail) -> MailFate {
        if mail.kind.dies_with_interview()
            && let Some(interview) = mail.interview_id
        {
            match self.store.interview_exists(interview).await {
                Ok(true) => {}
                Ok(false) => {
                    return MailFate::Dropped {
                        reason: "the interview was deleted".into(),
                    };
                }
                Err(error) => {
                    return self.retry(mail, format!("could not check the interview: {error}"));
                }
            }
        }
        let outgoing = OutgoingMail {
            from: self.from.clone(),
            to: mail.to.clone(),
            subject: mail.subject.clone(),
            text_body: mail.body.clone(),
            message_id: Some(format!("<{}@interviewd>", mail.id.simple())),
        };
        match self.mailer.send(&outgoing).await {
            Ok(()) => {
                tracing::info!(mail_id = %mail.id, kind = mail.kind.as_str(), "mail sent");
                MailFate::Sent
            }
            Err(error) if error.is_permanent() => {
                tracing::warn!(mail_id = %mail.id, %error, "mail failed for good");
                MailFate::Failed {
                    error: error.to_string(),
                }
            }
            Err(error) => {
                tracing::info!(mail_id = %mail.id, %error, "mail deferred");
                self.retry(mail, error.to_string())
            }
        }
    }

    /// A retry on the schedule, or failure once the attempts are used up.
    fn retry(&self, mail: &QueuedMail, error: String) -> MailFate {
        let number = mail.attempts.saturating_add(1);
        if number >= MAX_ATTEMPTS {
            return MailFate::Failed { error };
        }
        let delay = scaled(
            next_delay(number, None, &mut SeededRandom::from_os()),
            self.retry_scale,
        );
        let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        let now = self.clock.now();
        MailFate::Retry {
            at: now.checked_add_signed(delay).unwrap_or(now),
            error,
        }
    }
}

crate::workers::queue_worker!(MailWorker, "mail", send_due, stop = shut_down);
