//! The mail worker: claims due candidate e-mail with a lease, sends it, records the outcome.
//!
//! Mail is queued in the transaction of its cause (`core::notices`). It goes out over SMTP
//! when `smtp_host` is configured, otherwise as `.eml` files in `<data_dir>/outbox`.
//! Transient failures (no connection, a 4xx reply, an unwritable outbox) are retried on the
//! webhook schedule; permanent ones (a bad address, a 5xx reply) mark the mail FAILED. A
//! pending invite whose interview was deleted is dropped; a revocation notice still goes
//! out. A claim is a short lease ([`LEASE`]) the worker renews every [`RENEW_EVERY`] while
//! it works on the batch, so the mail a killed process held is free again within [`LEASE`]
//! and a restarted process (or another node) sends it then. A crash between sending and
//! recording re-sends (at least once; the stable `Message-ID` lets mail systems recognise
//! the duplicate). On a graceful shutdown the round under way gets a short grace; the
//! leases of mail it did not finish are released, so a restart sends them at once.
//!
//! The outbox holds one file per mail, named by its id. An erasure queues the copies of mail
//! sent to the person (`outbox_erasures`); each round deletes them, and a mail erased while
//! it was being written has its copy deleted as soon as its outcome cannot be recorded.
//! Temporary files a killed process left are overwritten when the mail is sent again, and
//! swept when older than [`TEMPORARY_AGE`] (at start, then every [`SWEEP_EVERY`]).

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
/// How long a claim lasts without renewal: what a killed process's mail waits at most.
pub const LEASE: Duration = Duration::from_secs(20);
/// How often the leases of the batch under way are renewed (a quarter of [`LEASE`]).
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

/// Timeout of each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Outbox erasures carried out per round.
const ERASURES: u32 = 100;
/// A temporary outbox file older than this belongs to no live write.
pub const TEMPORARY_AGE: Duration = Duration::from_secs(60);
/// How often the outbox is swept for temporary files.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

fn lease_ms() -> i64 {
    i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX)
}

/// The `Message-ID` of a queued mail (also its outbox file name).
fn message_id(mail: Uuid) -> String {
    format!("<{}@interviewd>", mail.simple())
}

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
    /// When the outbox was last swept for temporary files (`None`: not yet).
    swept: Mutex<Option<tokio::time::Instant>>,
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
                tracing::error!(
                    %error,
                    "mail is not configured correctly (settings smtp_host, smtp_port, smtp_tls, \
                     smtp_username, smtp_password); queued mail is kept"
                );
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
            swept: Mutex::default(),
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

    /// One round: outbox erasures, the temporary-file sweep when due, then a batch of due
    /// mail. Returns how many mails and erasures it took.
    async fn round(&self) -> usize {
        let _busy = self.busy.start();
        let erased = self.erase_copies().await;
        self.sweep_if_due().await;
        erased + self.send_due().await
    }

    /// Deletes the outbox copies erasures queued.
    async fn erase_copies(&self) -> usize {
        let queued = match self.store.outbox_erasures(ERASURES).await {
            Ok(queued) => queued,
            Err(error) => {
                tracing::warn!(%error, "could not read the outbox erasures");
                return 0;
            }
        };
        let mut done = Vec::with_capacity(queued.len());
        for id in queued {
            match self.mailer.forget(&message_id(id)).await {
                Ok(_) => done.push(id),
                Err(error) => {
                    tracing::warn!(mail_id = %id, %error, "could not erase an outbox copy")
                }
            }
        }
        if let Err(error) = self.store.finish_outbox_erasures(&done).await {
            tracing::warn!(%error, "could not record outbox erasures; they run again");
        }
        done.len()
    }

    async fn sweep_if_due(&self) {
        let now = tokio::time::Instant::now();
        {
            let mut swept = self.swept.lock().unwrap_or_else(PoisonError::into_inner);
            if swept.is_some_and(|at| now.duration_since(at) < SWEEP_EVERY) {
                return;
            }
            *swept = Some(now);
        }
        match self.mailer.sweep_temporary(TEMPORARY_AGE).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "temporary outbox files removed"),
            Err(error) => tracing::warn!(%error, "could not sweep the outbox"),
        }
    }

    /// Claims and processes one batch; returns how many mails it claimed.
    async fn send_due(&self) -> usize {
        let claimed = match self
            .store
            .claim_mail(self.clock.now(), BATCH, lease_ms())
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
        let start = tokio::time::Instant::now() + RENEW_EVERY;
        let mut renewal = tokio::time::interval_at(start, RENEW_EVERY);
        renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for mail in claimed {
            let fate = self.renewing(&mut renewal, self.process(&mail)).await;
            match self
                .store
                .finish_mail(mail.id, &mail.lease, &fate, self.clock.now())
                .await
            {
                Ok(true) => {}
                Ok(false) => self.lost(&mail).await,
                Err(error) => tracing::warn!(mail_id = %mail.id, %error, "could not record mail"),
            }
            self.held().retain(|(id, _)| *id != mail.id);
        }
        count
    }

    /// Runs `work`, renewing the leases held whenever `renewal` ticks.
    async fn renewing<T>(
        &self,
        renewal: &mut tokio::time::Interval,
        work: impl Future<Output = T>,
    ) -> T {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = renewal.tick() => self.renew().await,
            }
        }
    }

    async fn renew(&self) {
        let held = self.held().clone();
        let until = self.clock.after(LEASE);
        if let Err(error) = self.store.renew_mail(&held, until).await {
            tracing::warn!(%error, "could not renew mail leases");
        }
    }

    /// The outcome of `mail` could not be recorded: its lease was taken over (it is sent
    /// again elsewhere), or the mail was erased while it was being sent — then its outbox
    /// copy goes at once.
    async fn lost(&self, mail: &QueuedMail) {
        match self.store.mail_status(mail.id).await {
            Ok(None) => {
                if let Err(error) = self.mailer.forget(&message_id(mail.id)).await {
                    tracing::warn!(mail_id = %mail.id, %error, "could not erase an outbox copy");
                }
                tracing::info!(mail_id = %mail.id, "mail erased while it was sent");
            }
            Ok(Some(_)) => tracing::warn!(mail_id = %mail.id, "mail lease lost"),
            Err(error) => tracing::warn!(mail_id = %mail.id, %error, "could not check a lost mail"),
        }
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
            message_id: Some(message_id(mail.id)),
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

crate::workers::queue_worker!(MailWorker, "mail", round, stop = shut_down);
