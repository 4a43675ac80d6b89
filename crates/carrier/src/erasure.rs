//! Deleting what the carrier keeps about a call: its recordings, then its log.
//!
//! Twilio keeps a call's log (numbers, times, status, and the call events, which include the
//! TwiML interviewd sent) for 13 months and a recording until it is deleted
//! (<https://www.twilio.com/docs/voice/api/call-resource#delete-a-call-resource>,
//! <https://www.twilio.com/docs/voice/api/recording#delete-a-recording-resource>). Deleting
//! the call does not delete its recordings, and fails while the call is live; only
//! `completed` recordings can be deleted. So an erasure lists the call's recordings, deletes
//! each, then deletes the call, and is retried (by the server's outbox) until every step
//! succeeds; something already gone counts as deleted. ConversationRelay keeps no transcript
//! unless `intelligenceService` is set, which interviewd never does.

use crate::rest::{Rest, RestError};

/// What an erasure deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// Recordings deleted now.
    pub recordings: usize,
    /// Whether the call's log was deleted now (false: it was already gone).
    pub call_log: bool,
}

/// Deletes a call's recordings and then its log.
pub async fn erase_call(rest: &Rest, call_sid: &str) -> Result<Erased, RestError> {
    let recordings = match rest.call_recordings(call_sid).await {
        Ok(list) => list,
        Err(RestError::NotFound) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut erased = Erased::default();
    for recording in recordings.iter().filter(|r| r.status != "deleted") {
        if rest.delete_recording(&recording.sid).await? {
            erased.recordings += 1;
        }
    }
    erased.call_log = rest.delete_call(call_sid).await?;
    Ok(erased)
}

/// Deletes one recording; `Ok(false)` when it was already gone.
pub async fn erase_recording(rest: &Rest, recording_sid: &str) -> Result<bool, RestError> {
    rest.delete_recording(recording_sid).await
}
