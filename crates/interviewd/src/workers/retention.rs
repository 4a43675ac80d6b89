//! The retention worker: what must not be kept any longer goes, on its own.
//!
//! - **Expired candidates.** A candidate whose `gdprExpiryDate` has passed (the date is
//!   before today, UTC) is erased through the one deletion path
//!   ([`crate::store::Store::remove_interviews`], scope `Candidate`), exactly as an InstaView
//!   `DELETE /candidates/{id}` would erase them, with the audit action
//!   `candidate.retention_expiry` and no key.
//! - **Recordings and transcripts.** An interview that finished more than its company's
//!   retention period ago (`interviewd companies set-retention`, or the deployment's
//!   `media_retention_days`) loses its recordings (queued for deletion) and its transcript;
//!   the interview, its status and its analysis stay (audit action
//!   `interview.media_retention`).
//! - **Compaction.** After erasures, the database's files are rid of what they left
//!   ([`crate::store::Store::compact`]).
//!
//! Rounds run every [`POLL`]; each takes at most [`BATCH`] of each kind.

use super::Busy;
use crate::app::Wakers;
use crate::clock::Clock;
use crate::store::DynStore;
use crate::store::removal::{RemovalRequest, RemovalScope};
use std::time::Duration;

/// How often the worker looks.
pub const POLL: Duration = Duration::from_secs(60);
/// Candidates erased, and interviews whose media are erased, per round at most.
const BATCH: u32 = 50;

pub struct Retention {
    store: DynStore,
    clock: Clock,
    wakers: Wakers,
    default_days: Option<u32>,
    busy: Busy,
}

impl Retention {
    pub fn new(store: DynStore, clock: Clock, wakers: Wakers, default_days: Option<u32>) -> Self {
        Self {
            store,
            clock,
            wakers,
            default_days,
            busy: Busy::default(),
        }
    }

    async fn round(&self) -> usize {
        let _busy = self.busy.start();
        let erased = self.erase_expired().await + self.expire_media().await;
        if let Err(error) = self.store.compact(false).await {
            tracing::warn!(%error, "compacting after erasures failed; tried again next round");
        }
        erased
    }

    /// Erases the candidates whose `gdprExpiryDate` has passed; returns how many.
    async fn erase_expired(&self) -> usize {
        let today = self.clock.now().date_naive();
        let expired = match self.store.expired_candidates(today, BATCH).await {
            Ok(expired) => expired,
            Err(error) => {
                tracing::warn!(%error, "could not look for expired candidates");
                return 0;
            }
        };
        let mut erased = 0;
        for (company, candidate) in expired {
            let request = RemovalRequest {
                company,
                actor: None,
                action: "candidate.retention_expiry",
                scope: RemovalScope::Candidate(candidate),
                now: self.clock.now(),
            };
            match self.store.remove_interviews(&request).await {
                Ok(report) => {
                    tracing::info!(
                        %candidate,
                        interviews = report.interviews.len(),
                        "candidate erased: gdprExpiryDate passed"
                    );
                    self.wakers.removed(&report.interviews);
                    erased += 1;
                }
                Err(error) => {
                    tracing::warn!(%candidate, %error, "erasing an expired candidate failed")
                }
            }
        }
        erased
    }

    /// Erases recordings and transcripts past their retention period; returns for how many
    /// interviews.
    async fn expire_media(&self) -> usize {
        match self
            .store
            .expire_media(self.clock.now(), self.default_days, BATCH)
            .await
        {
            Ok(count) => {
                if count > 0 {
                    tracing::info!(
                        interviews = count,
                        "recordings and transcripts past retention erased"
                    );
                }
                count
            }
            Err(error) => {
                tracing::warn!(%error, "the retention sweep failed");
                0
            }
        }
    }
}

crate::workers::queue_worker!(Retention, "retention", round);
