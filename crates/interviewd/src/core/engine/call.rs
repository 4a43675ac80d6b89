//! One claimed call attempt, from dial to the write that ends it.
//!
//! The attempt is IN_PROGRESS and holds a slot from the claim on: a ringing line occupies the
//! provider as much as a conversation does. When the candidate answers, the interview becomes
//! IN_PROGRESS (`interview.started`); if the attempt is gone by then (the interview was
//! deleted while it rang) or the interview was closed, the call is hung up at once. After the
//! answer, a deletion does not stop the call: it runs to its natural end, and then only its
//! slot is released. The watchdog hangs up at the call's maximum duration.

use super::conversation::{CallDialogue, Owner};
use super::policy::{self, EndReason};
use super::recording::Conversation;
use super::{Cause, Engine, LiveCall};
use crate::store::engine::{CallDetails, ClaimedAttempt, EndResult, Touch};
use interviewd_voice::{CallOutcome, CallRequest, Simulator};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// Holds the call of `claimed` and records how it ended.
pub async fn run(engine: Arc<Engine>, claimed: ClaimedAttempt, shutdown: CancellationToken) {
    let lease = claimed.lease;
    let (details, _) = super::until_available("loading a call", || {
        engine.store.call_details(lease.attempt_id)
    })
    .await;
    let details = match details {
        Ok(Some(details)) => details,
        Ok(None) => return release(&engine, &claimed).await,
        Err(e) => {
            // The lease runs out and the reaper retries the attempt.
            tracing::warn!(error = %e, attempt = %lease.attempt_id, "loading a call failed");
            return;
        }
    };
    if claimed.is_test {
        return run_test(&engine, &claimed, &details).await;
    }
    let Some(phone) = details.phone.clone() else {
        return fail(&engine, &claimed, &EndReason::NoPhoneNumber).await;
    };
    let max = engine.settings.call_limit(details.brief.duration_minutes);
    let (answered_tx, answered_rx) = oneshot::channel();
    let req = request(&engine, &claimed, &details, phone, max, Some(answered_tx));
    let live = engine.register(lease.attempt_id, true);
    let (outcome, gone) = drive(&engine, &claimed, req, &live, max, answered_rx, &shutdown).await;
    engine.unregister(lease.attempt_id);
    finish(&engine, &claimed, outcome, live.cause(), gone).await;
    engine.wake();
}

fn request(
    engine: &Arc<Engine>,
    claimed: &ClaimedAttempt,
    details: &CallDetails,
    phone: String,
    max: std::time::Duration,
    answered: Option<oneshot::Sender<()>>,
) -> CallRequest {
    let brief = &details.brief;
    let owner = Owner {
        interview: claimed.interview_id,
        company: claimed.company_id,
    };
    CallRequest {
        attempt_id: claimed.lease.attempt_id.to_string(),
        phone_e164: phone,
        language: brief.language.clone(),
        candidate_name: brief.candidate_name.clone(),
        questions: brief.questions.clone(),
        skills: brief.skills.clone(),
        max_duration: max,
        answered,
        dialogue: Some(Box::new(CallDialogue::new(
            Arc::clone(engine),
            brief,
            max,
            owner,
        ))),
    }
}

/// Runs the provider call with the answer hook and the watchdog; returns the outcome and
/// whether the attempt was found gone.
async fn drive(
    engine: &Engine,
    claimed: &ClaimedAttempt,
    req: CallRequest,
    live: &LiveCall,
    max: std::time::Duration,
    mut answered_rx: oneshot::Receiver<()>,
    shutdown: &CancellationToken,
) -> (CallOutcome, bool) {
    let call = engine.provider.call(req, live.token.clone());
    tokio::pin!(call);
    let watchdog = tokio::time::sleep(max);
    tokio::pin!(watchdog);
    let mut answered = false;
    let mut gone = false;
    loop {
        tokio::select! {
            outcome = &mut call => {
                // A fast provider can answer and finish within one poll.
                if !answered && answered_rx.try_recv().is_ok() {
                    gone |= mark_answered(engine, claimed, live).await;
                }
                return (outcome, gone);
            }
            picked_up = &mut answered_rx, if !answered => {
                answered = true;
                if picked_up.is_ok() {
                    gone |= mark_answered(engine, claimed, live).await;
                }
            }
            () = &mut watchdog, if !live.token.is_cancelled() => live.stop(Cause::Watchdog),
            () = shutdown.cancelled(), if !live.token.is_cancelled() => live.stop(Cause::Shutdown),
        }
    }
}

/// The candidate answered: starts the interview. Hangs up when the attempt is gone (the
/// interview was deleted while the line rang) or the interview was closed; returns whether
/// the attempt is gone.
async fn mark_answered(engine: &Engine, claimed: &ClaimedAttempt, live: &LiveCall) -> bool {
    match engine
        .store
        .start_attempt(claimed.lease, engine.now())
        .await
    {
        Ok(Touch::Applied) => false,
        Ok(Touch::Gone) => {
            live.stop(Cause::Closed);
            true
        }
        Ok(Touch::Stale) => {
            live.stop(Cause::Closed);
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "marking a call answered failed");
            false
        }
    }
}

/// Records the outcome of a call.
async fn finish(
    engine: &Arc<Engine>,
    claimed: &ClaimedAttempt,
    outcome: CallOutcome,
    cause: Cause,
    gone: bool,
) {
    if gone || cause == Cause::LostLease {
        // Deleted, or another worker owns the attempt now: give back our slot, nothing else.
        return release(engine, claimed).await;
    }
    match EndReason::of_outcome(&outcome, cause) {
        None => {
            if let CallOutcome::Completed(conversation) = outcome {
                record(engine, claimed, conversation, true).await;
            }
        }
        Some(reason) => fail(engine, claimed, &reason).await,
    }
}

/// Records a conversation unless the interview is gone meanwhile.
async fn record(
    engine: &Arc<Engine>,
    claimed: &ClaimedAttempt,
    conversation: interviewd_voice::Conversation,
    billed: bool,
) {
    match engine.store.call_details(claimed.lease.attempt_id).await {
        Ok(None) => return release(engine, claimed).await,
        Ok(Some(_)) => {}
        // Go on: the end transaction checks again.
        Err(e) => tracing::warn!(error = %e, "checking the interview before recording failed"),
    }
    engine
        .record_conversation(Conversation {
            lease: claimed.lease,
            company: claimed.company_id,
            turns: conversation.turns,
            recording_wav: conversation.recording_wav,
            duration_ms: billed
                .then(|| i64::try_from(conversation.duration_ms).unwrap_or(i64::MAX)),
        })
        .await;
}

async fn fail(engine: &Engine, claimed: &ClaimedAttempt, reason: &EndReason) {
    let end = policy::failure(
        claimed.lease,
        reason,
        claimed.retry_number,
        &engine.settings,
        engine.now(),
    );
    let (ended, _) =
        super::until_available("ending an attempt", || engine.store.end_attempt(&end)).await;
    match ended {
        Ok(EndResult::Applied { .. }) => {
            tracing::info!(attempt = %claimed.lease.attempt_id, reason = reason.code(), "call ended")
        }
        Ok(other) => {
            tracing::info!(attempt = %claimed.lease.attempt_id, ?other, "call end not applied")
        }
        Err(e) => tracing::error!(error = %e, "ending an attempt failed; its lease will expire"),
    }
    engine.wake();
}

async fn release(engine: &Engine, claimed: &ClaimedAttempt) {
    let (released, _) = super::until_available("releasing a slot", || {
        engine.store.release_slot(claimed.lease)
    })
    .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "releasing a slot failed; its lease will expire");
    }
    engine.wake();
}

/// A test interview: the simulator's conversation for this candidate with the engine's
/// interviewer, at once, no slot and no billed minutes.
async fn run_test(engine: &Arc<Engine>, claimed: &ClaimedAttempt, details: &CallDetails) {
    let phone = details.phone.clone().unwrap_or_default();
    let max = engine.settings.call_limit(details.brief.duration_minutes);
    let mut req = request(engine, claimed, details, phone, max, None);
    let Some(mut dialogue) = req.dialogue.take() else {
        return;
    };
    let cancel = CancellationToken::new();
    let Some(conversation) = Simulator::new(0)
        .converse(&req, dialogue.as_mut(), &cancel)
        .await
    else {
        return;
    };
    let (started, _) = super::until_available("starting a test interview", || {
        engine.store.start_attempt(claimed.lease, engine.now())
    })
    .await;
    match started {
        Ok(Touch::Applied) => record(engine, claimed, conversation, false).await,
        Ok(Touch::Gone) => release(engine, claimed).await,
        Ok(Touch::Stale) => fail(engine, claimed, &EndReason::InterviewClosed).await,
        Err(e) => tracing::warn!(error = %e, "starting a test interview failed; it is retried"),
    }
}
