//! The mail queue worker: claims due mail with a lease, sends it, records the outcome.
//! A crash between sending and recording re-sends after the lease expires (at least once;
//! the stable `Message-ID` lets mail systems recognise the duplicate). On a graceful
//! shutdown the round under way gets a short grace; the leases of mail it did not finish
//! are released, so a restart sends them at once.

use super::WAKE;
use crate::store::DynStore;
use crate::store::delivery::{MailFate, QueuedMail};
use crate::webhooks::circuit::scaled;
use chrono::Utc;
use interviewd_notify::schedule::{MAX_ATTEMPTS, SeededRandom, next_delay};
use interviewd_notify::{Mailer, OutgoingMail};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Mails claimed per round.
const BATCH: u32 = 8;
/// How long a claim lasts: several SMTP command timeouts.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// How long a graceful shutdown waits for the round under way.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

pub struct MailWorker {
    pub store: DynStore,
    pub mailer: Mailer,
    pub from: String,
    pub retry_scale: f64,
    pub poll: Duration,
    /// Leases of claimed mail not yet finished.
    pub held: Mutex<Vec<(Uuid, String)>>,
}

impl MailWorker {
    fn held(&self) -> MutexGuard<'_, Vec<(Uuid, String)>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let round = self.round();
            tokio::pin!(round);
            let claimed = tokio::select! {
                claimed = &mut round => claimed,
                _ = shutdown.cancelled() => {
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut round).await;
                    let abandoned: Vec<_> = self.held().drain(..).collect();
                    if !abandoned.is_empty()
                        && let Err(error) = self.store.release_mail(&abandoned).await
                    {
                        tracing::warn!(%error, "could not release mail leases; they will expire");
                    }
                    return;
                }
            };
            if claimed >= BATCH as usize {
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = WAKE.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Claims and processes one batch; returns how many mails it claimed.
    async fn round(&self) -> usize {
        let claimed = match self.store.claim_mail(Utc::now(), BATCH, LEASE_MS).await {
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
                .finish_mail(mail.id, &mail.lease, &fate, Utc::now())
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
        let now = Utc::now();
        MailFate::Retry {
            at: now.checked_add_signed(delay).unwrap_or(now),
            error,
        }
    }
}
