//! What the two kinds of session share: their result, the transcript they build, and the
//! keypad.
//!
//! **Keypad.** A candidate may answer with keys (`dtmf`): digits are collected until `#` or
//! [`KEYPAD_PAUSE`] without a key, then passed to the interviewer as the candidate's answer
//! (`Keypad: 1 2`), like a spoken one.

use interviewd_voice::{Role, Turn};
use std::time::Duration;
use tokio::time::Instant;

/// Silence after the last key that ends a keypad answer.
pub(crate) const KEYPAD_PAUSE: Duration = Duration::from_secs(2);
/// How long speech of one character takes, to estimate when an utterance began or ended
/// where the carrier does not say.
const MS_PER_CHAR: u64 = 60;

/// How a session ended and what it produced.
#[derive(Debug, Default)]
pub(crate) struct SessionResult {
    pub turns: Vec<Turn>,
    /// Media Streams: both voices, 16 kHz stereo WAV (empty otherwise).
    pub recording: Vec<u8>,
    /// The agent said its closing.
    pub closed: bool,
}

/// The transcript of a session, on a clock that starts when the call is answered.
#[derive(Debug)]
pub(crate) struct Transcript {
    started: Instant,
    pub turns: Vec<Turn>,
}

impl Transcript {
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            turns: Vec::new(),
        }
    }

    /// Time since the call was answered.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Appends a turn; an agent turn that would still be playing is cut where the next
    /// one starts.
    pub fn push(&mut self, role: Role, text: &str, start_ms: u64, end_ms: u64) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.turns.last_mut()
            && last.end_ms > start_ms
        {
            last.end_ms = start_ms.max(last.start_ms);
        }
        self.turns.push(Turn {
            role,
            text: text.to_owned(),
            start_ms,
            end_ms: end_ms.max(start_ms),
        });
    }

    /// An agent turn that starts now and lasts as long as its words take to say.
    pub fn agent_now(&mut self, text: &str) {
        let start = self.now_ms();
        self.push(Role::Agent, text, start, start + speaking_ms(text));
    }

    /// A candidate turn that ends now and began as long ago as its words take to say (not
    /// before the agent's last turn ended).
    pub fn candidate_now(&mut self, text: &str) {
        let end = self.now_ms();
        let floor = self.turns.last().map_or(0, |t| t.end_ms.min(end));
        let start = end.saturating_sub(speaking_ms(text)).max(floor);
        self.push(Role::Participant, text, start, end);
    }

    /// Cuts the last agent turn to `heard` (what the candidate heard before interrupting).
    pub fn cut_last_agent(&mut self, heard: &str) {
        let now = self.now_ms();
        if let Some(last) = self.turns.last_mut().filter(|t| t.role == Role::Agent) {
            if !heard.trim().is_empty() {
                last.text = heard.trim().to_owned();
            }
            last.end_ms = last.end_ms.min(now).max(last.start_ms);
        }
    }
}

/// How long `text` takes to say, roughly.
pub(crate) fn speaking_ms(text: &str) -> u64 {
    text.trim().chars().count() as u64 * MS_PER_CHAR
}

/// Keys pressed since the last keypad answer.
#[derive(Debug, Default)]
pub(crate) struct Keypad {
    digits: Vec<String>,
    last: Option<Instant>,
}

impl Keypad {
    /// A key; returns the answer when it was `#`.
    pub fn press(&mut self, digit: &str) -> Option<String> {
        let digit = digit.trim();
        if digit == "#" {
            return self.take();
        }
        if !digit.is_empty() {
            self.digits.push(digit.to_owned());
            self.last = Some(Instant::now());
        }
        None
    }

    /// When the answer ends by itself, if keys are waiting.
    pub fn due(&self) -> Option<Instant> {
        self.last.map(|at| at + KEYPAD_PAUSE)
    }

    /// The answer so far, if any.
    pub fn take(&mut self) -> Option<String> {
        self.last = None;
        if self.digits.is_empty() {
            return None;
        }
        let keys = std::mem::take(&mut self.digits).join(" ");
        Some(format!("Keypad: {keys}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_end_with_hash_or_a_pause() {
        let mut keypad = Keypad::default();
        assert_eq!(keypad.press("1"), None);
        assert_eq!(keypad.press("2"), None);
        assert!(keypad.due().is_some());
        assert_eq!(keypad.press("#").as_deref(), Some("Keypad: 1 2"));
        assert_eq!(keypad.due(), None);
        assert_eq!(keypad.press("#"), None);
        keypad.press("7");
        assert_eq!(keypad.take().as_deref(), Some("Keypad: 7"));
    }

    #[tokio::test(start_paused = true)]
    async fn turns_are_placed_on_the_call_clock() {
        let mut t = Transcript::new(Instant::now());
        t.agent_now("Hello there."); // 12 chars: 720 ms
        tokio::time::advance(Duration::from_millis(3_000)).await;
        t.candidate_now("Five years."); // 11 chars: 660 ms
        assert_eq!(t.turns[0].start_ms, 0);
        assert_eq!(t.turns[0].end_ms, 720);
        assert_eq!((t.turns[1].start_ms, t.turns[1].end_ms), (2_340, 3_000));
        t.agent_now("Tell me more about that project please.");
        tokio::time::advance(Duration::from_millis(500)).await;
        t.cut_last_agent("Tell me more");
        assert_eq!(t.turns[2].text, "Tell me more");
        assert_eq!(t.turns[2].end_ms, 3_500);
    }
}
