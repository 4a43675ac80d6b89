//! The provider seam: what the engine hands a voice provider and what it gets back.
//!
//! The trait returns a boxed future rather than using `async fn` so that it stays
//! object-safe and the engine can hold any provider as `Arc<dyn VoiceProvider>`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// A boxed, sendable future borrowing from `'a`: the return type of [`VoiceProvider::call`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that can hold a spoken interview with a candidate.
pub trait VoiceProvider: Send + Sync {
    /// Places the call described by `req` and resolves when the session is over.
    ///
    /// The provider must resolve to [`CallOutcome::Canceled`] soon after `cancel` fires (the
    /// engine fires it for the maximum-duration watchdog, a deletion or shutdown). If the
    /// call is answered, the provider sends `()` on [`CallRequest::answered`] before any
    /// conversation happens.
    fn call(&self, req: CallRequest, cancel: CancellationToken) -> BoxFuture<'_, CallOutcome>;
}

/// The interviewer's side of a call, driven by the provider one turn at a time.
///
/// The engine builds one per call from the interview's plan and its interviewer (scripted or
/// a language model); the provider only carries words between it and the line. Both methods
/// always produce a line: an implementation that can fail falls back on its own.
pub trait Dialogue: Send + Sync {
    /// What the agent says when the call is answered (the greeting and the first question).
    fn opening(&mut self) -> BoxFuture<'_, AgentLine>;

    /// What the agent says after the candidate said `answer`, `elapsed` into the call.
    ///
    /// The line's text is also sent to `sink` in pieces as it becomes known, so a provider
    /// can start speaking before it is complete; the pieces concatenated equal the text.
    fn reply<'a>(
        &'a mut self,
        answer: &'a str,
        elapsed: Duration,
        sink: UnboundedSender<String>,
    ) -> BoxFuture<'a, AgentLine>;
}

/// One thing the agent says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentLine {
    /// The words.
    pub text: String,
    /// Whether this was the closing: the call ends after it is said.
    pub ends: bool,
}

/// Everything a provider needs to hold one interview call.
pub struct CallRequest {
    /// The call attempt this call belongs to; providers use it to label logs and sessions.
    pub attempt_id: String,
    /// The number to call, already normalised to E.164 (`+14155550100`).
    pub phone_e164: String,
    /// The language the agent speaks (a BCP 47 tag such as `en-US`).
    pub language: String,
    /// The candidate's name, used in the greeting when known.
    pub candidate_name: Option<String>,
    /// The agent's questions, in the order they are asked.
    pub questions: Vec<String>,
    /// The job's skills; the simulator's answers mention some of them.
    pub skills: Vec<String>,
    /// The longest the session may last. The engine enforces it by firing the cancel token;
    /// the simulator also ends its scripted conversation before this much simulated time.
    pub max_duration: Duration,
    /// Answer notification: the provider sends `()` the moment the candidate picks up, i.e.
    /// when the session becomes live. If the call ends without being answered the sender is
    /// dropped unsent, so the receiver sees an error. `None` when nobody needs to know.
    pub answered: Option<oneshot::Sender<()>>,
    /// The interviewer that phrases the agent's turns. `None`: the provider follows
    /// [`CallRequest::questions`] with its own fixed lines.
    pub dialogue: Option<Box<dyn Dialogue>>,
}

// By hand: a dialogue is not `Debug`, and its presence is what a log needs.
impl fmt::Debug for CallRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallRequest")
            .field("attempt_id", &self.attempt_id)
            .field("phone_e164", &self.phone_e164)
            .field("language", &self.language)
            .field("candidate_name", &self.candidate_name)
            .field("questions", &self.questions)
            .field("skills", &self.skills)
            .field("max_duration", &self.max_duration)
            .field("answered", &self.answered.is_some())
            .field("dialogue", &self.dialogue.is_some())
            .finish()
    }
}

impl CallRequest {
    /// Sends the answer notification, at most once; a receiver that went away is ignored
    /// because the outcome of the call is still reported through the return value.
    pub fn notify_answered(&mut self) {
        if let Some(tx) = self.answered.take() {
            let _ = tx.send(());
        }
    }
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CallOutcome {
    /// The candidate answered and the interview ran to its end.
    Completed(Conversation),
    /// Nobody picked up.
    NoAnswer,
    /// The line was busy.
    Busy,
    /// The provider could not place or hold the call.
    Failed {
        /// A short machine-readable cause, such as `provider_error`.
        reason: String,
    },
    /// The cancel token fired before the call ended on its own.
    Canceled,
}

/// The result of a completed call: what was said and how it sounded.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// The transcript, in speaking order.
    pub turns: Vec<Turn>,
    /// The recording as a complete WAV file (see [`crate::wav`]).
    pub recording_wav: Vec<u8>,
    /// The length of the call: the end of the last turn, in milliseconds.
    pub duration_ms: u64,
}

// Hand-written so a failing assertion prints the size of the recording instead of every byte.
impl fmt::Debug for Conversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conversation")
            .field("turns", &self.turns)
            .field(
                "recording_wav",
                &format_args!("<{} bytes>", self.recording_wav.len()),
            )
            .field("duration_ms", &self.duration_ms)
            .finish()
    }
}

/// Who is speaking in a [`Turn`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The AI interviewer.
    Agent,
    /// The candidate.
    Participant,
}

/// One utterance of the transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// Who spoke.
    pub role: Role,
    /// What was said.
    pub text: String,
    /// When the utterance began, in milliseconds from the start of the call.
    pub start_ms: u64,
    /// When the utterance ended, in milliseconds from the start of the call.
    pub end_ms: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn role_serializes_lowercase() {
        let turn = Turn {
            role: Role::Participant,
            text: "hi".into(),
            start_ms: 0,
            end_ms: 800,
        };
        let json = serde_json::to_value(&turn).unwrap();
        assert_eq!(json["role"], "participant");
        assert_eq!(serde_json::to_value(Role::Agent).unwrap(), "agent");
    }

    #[test]
    fn outcome_serializes_with_tag() {
        let json = serde_json::to_value(CallOutcome::Failed {
            reason: "provider_error".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "failed", "reason": "provider_error"})
        );
        let back: CallOutcome = serde_json::from_value(json).unwrap();
        assert_eq!(
            back,
            CallOutcome::Failed {
                reason: "provider_error".into()
            }
        );
    }

    #[test]
    fn notify_answered_sends_once() {
        let (tx, mut rx) = oneshot::channel();
        let mut req = CallRequest {
            attempt_id: "a".into(),
            phone_e164: "+14155550100".into(),
            language: "en-US".into(),
            candidate_name: None,
            questions: vec![],
            skills: vec![],
            max_duration: Duration::from_secs(60),
            answered: Some(tx),
            dialogue: None,
        };
        req.notify_answered();
        req.notify_answered();
        assert_eq!(rx.try_recv(), Ok(()));
    }
}
