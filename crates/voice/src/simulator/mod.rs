//! The built-in voice provider: a deterministic simulated phone call.
//!
//! It rings, answers (or not, see [`TestNumber`]), holds the conversation with a
//! configurable pause per turn, and returns the transcript with a synthesized recording.
//! The candidate's side always comes from [`script`]; the agent's side comes from the
//! request's [`Dialogue`] when it has one (the engine's interviewer: scripted or a language
//! model), else from the script's fixed lines. With `turn_ms = 0` it never sleeps, so engine
//! tests run in milliseconds.

mod script;

use tokio_util::sync::CancellationToken;

use crate::provider::{
    BoxFuture, CallOutcome, CallRequest, Conversation, Dialogue, Role, VoiceProvider,
};
use crate::wav;

pub use script::{DEFAULT_QUESTIONS, TURN_GAP_MS};

/// The numbers that make the simulator take a path other than a completed call.
///
/// A number is a test number when the last four digits of its E.164 form equal
/// [`TestNumber::suffix`]; see the table in the crate documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TestNumber {
    /// `…9990`: rings out, [`CallOutcome::NoAnswer`].
    NoAnswer,
    /// `…9991`: [`CallOutcome::Busy`].
    Busy,
    /// `…9992`: [`CallOutcome::Failed`] with reason `provider_error`.
    Failed,
    /// `…9993`: answers, then stays on the line until canceled ([`CallOutcome::Canceled`]).
    Hang,
}

/// Every test number, in the order of the table in the crate documentation.
pub const TEST_NUMBERS: [TestNumber; 4] = [
    TestNumber::NoAnswer,
    TestNumber::Busy,
    TestNumber::Failed,
    TestNumber::Hang,
];

impl TestNumber {
    /// The last four digits that select this behaviour.
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::NoAnswer => "9990",
            Self::Busy => "9991",
            Self::Failed => "9992",
            Self::Hang => "9993",
        }
    }

    /// One line saying what the simulator does for this number, for documentation pages.
    pub const fn description(self) -> &'static str {
        match self {
            Self::NoAnswer => "does not answer",
            Self::Busy => "is busy",
            Self::Failed => "fails with reason provider_error",
            Self::Hang => "answers and stays on the line until the call is canceled",
        }
    }

    /// Which test number `phone_e164` is, judged by its last four digits; `None` for an
    /// ordinary number, which answers and completes.
    pub fn classify(phone_e164: &str) -> Option<Self> {
        let digits: Vec<char> = phone_e164.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits.get(digits.len().checked_sub(4)?..)?.iter().collect();
        TEST_NUMBERS.into_iter().find(|t| t.suffix() == tail)
    }
}

/// The simulated voice provider.
///
/// It speaks English whatever [`CallRequest::language`] says, and ignores
/// [`CallRequest::attempt_id`]; its output depends only on the number, the candidate's name,
/// the questions, the skills and the maximum duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulator {
    turn_ms: u64,
}

impl Default for Simulator {
    /// A pace that feels like a call in a demo: one second per turn.
    fn default() -> Self {
        Self::new(1_000)
    }
}

impl Simulator {
    /// A simulator that waits `turn_ms` of real time while ringing and for every turn.
    /// `0` means it never sleeps (tests).
    pub const fn new(turn_ms: u64) -> Self {
        Self { turn_ms }
    }

    /// The configured real-time pause per turn, in milliseconds.
    pub const fn turn_ms(&self) -> u64 {
        self.turn_ms
    }

    /// The conversation an answered, uncanceled call for `req` produces, without placing it.
    ///
    /// This is exactly what [`VoiceProvider::call`] returns in [`CallOutcome::Completed`] for
    /// an ordinary number, so tests can predict a transcript and recording.
    pub fn conversation(req: &CallRequest) -> Conversation {
        finish(script::turns(req))
    }

    /// The conversation an answered call for `req` produces, the agent's side spoken by
    /// `dialogue` and the candidate's from the script. `None` when `cancel` fired meanwhile.
    ///
    /// Each candidate answer is the script's answer to the agent's last line, and
    /// `elapsed` is the simulated time at its end, so the dialogue's time budget works as on a
    /// real call. The line is cut at [`CallRequest::max_duration`]; a dialogue that never
    /// closes is cut after [`MAX_EXCHANGES`] answers.
    pub async fn converse(
        &self,
        req: &CallRequest,
        dialogue: &mut dyn Dialogue,
        cancel: &CancellationToken,
    ) -> Option<Conversation> {
        let max_ms = u64::try_from(req.max_duration.as_millis()).unwrap_or(u64::MAX);
        let opening = dialogue.opening().await;
        let mut lines = vec![(Role::Agent, opening.text)];
        let mut ends = opening.ends;
        let mut exchanges = 0;
        while !ends && exchanges < MAX_EXCHANGES {
            if !self.pause(cancel).await {
                return None;
            }
            let asked = lines.last().map_or("", |(_, text)| text.as_str());
            let answer = script::answer(&req.phone_e164, script::last_question(asked), &req.skills);
            lines.push((Role::Participant, answer));
            let elapsed = script::elapsed_ms(&lines);
            if elapsed > max_ms {
                break;
            }
            let (sink, _pieces) = tokio::sync::mpsc::unbounded_channel();
            let said = lines
                .last()
                .map_or("", |(_, text)| text.as_str())
                .to_owned();
            let line = dialogue
                .reply(&said, std::time::Duration::from_millis(elapsed), sink)
                .await;
            lines.push((Role::Agent, line.text));
            ends = line.ends;
            exchanges += 1;
        }
        Some(finish(script::timed(lines, max_ms)))
    }

    async fn run(&self, mut req: CallRequest, cancel: CancellationToken) -> CallOutcome {
        // Ringing.
        if !self.pause(&cancel).await {
            return CallOutcome::Canceled;
        }
        match TestNumber::classify(&req.phone_e164) {
            Some(TestNumber::NoAnswer) => return CallOutcome::NoAnswer,
            Some(TestNumber::Busy) => return CallOutcome::Busy,
            Some(TestNumber::Failed) => {
                return CallOutcome::Failed {
                    reason: "provider_error".to_owned(),
                };
            }
            Some(TestNumber::Hang) => {
                req.notify_answered();
                cancel.cancelled().await;
                return CallOutcome::Canceled;
            }
            None => {}
        }
        req.notify_answered();
        if let Some(mut dialogue) = req.dialogue.take() {
            return match self.converse(&req, dialogue.as_mut(), &cancel).await {
                Some(conversation) if self.pause(&cancel).await => {
                    CallOutcome::Completed(conversation)
                }
                _ => CallOutcome::Canceled,
            };
        }
        let conversation = Self::conversation(&req);
        for _ in &conversation.turns {
            if !self.pause(&cancel).await {
                return CallOutcome::Canceled;
            }
        }
        CallOutcome::Completed(conversation)
    }

    /// Waits one turn of real time; `false` if the call was canceled before or during it.
    async fn pause(&self, cancel: &CancellationToken) -> bool {
        if self.turn_ms == 0 {
            return !cancel.is_cancelled();
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => false,
            () = tokio::time::sleep(std::time::Duration::from_millis(self.turn_ms)) => true,
        }
    }
}

/// The most candidate answers a simulated call holds before it is cut: a guard against a
/// dialogue that never closes (the engine's always does, within its plan's bounds).
pub const MAX_EXCHANGES: usize = 200;

fn finish(turns: Vec<crate::provider::Turn>) -> Conversation {
    let duration_ms = turns.last().map_or(0, |t| t.end_ms);
    let recording_wav = wav::synthesize(&turns, duration_ms);
    Conversation {
        turns,
        recording_wav,
        duration_ms,
    }
}

impl VoiceProvider for Simulator {
    fn call(&self, req: CallRequest, cancel: CancellationToken) -> BoxFuture<'_, CallOutcome> {
        Box::pin(self.run(req, cancel))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
