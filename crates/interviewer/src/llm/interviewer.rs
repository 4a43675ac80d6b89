//! The language-model interviewer: the model phrases the turn and chooses follow-up or move
//! on; the code keeps the bounds.
//!
//! The answer is read while it streams. Nothing is forwarded before the `action` is known;
//! once it is known and allowed, the decoded characters of `utterance` go to the sink as
//! they arrive. A follow-up that is not allowed (or an action that is not one of the two) is
//! overridden by the scripted decision, and its words are never forwarded. On `move_on` the
//! model's words are only an acknowledgement: the code appends the next question (or the
//! closing) verbatim. If the model fails before anything was forwarded (error, timeout, a
//! dropped connection, no usable answer), the scripted decision is used instead; if it fails
//! after some words were forwarded, the utterance is ended with the next scripted question.

use interviewd_voice::BoxFuture;
use interviewd_voice::analysis::{ModelUsage, normalise};
use tokio::sync::mpsc::UnboundedSender;

use super::client::{ChatCall, ChatOutcome, Flow, LlmClient};
use super::extract::{FieldEvent, FieldStream};
use super::prompts;
use crate::interviewer::Interviewer;
use crate::plan::{Action, Decision, TurnRequest};

/// Longest utterance forwarded, in characters; the rest is cut.
pub const MAX_UTTERANCE_CHARS: usize = 600;

/// An [`Interviewer`] backed by a model on an OpenAI-compatible server.
#[derive(Clone, Debug)]
pub struct LlmInterviewer {
    client: LlmClient,
}

impl LlmInterviewer {
    /// An interviewer that asks the server of `client`.
    pub fn new(client: LlmClient) -> Self {
        Self { client }
    }

    async fn run(&self, request: &TurnRequest, sink: UnboundedSender<String>) -> Decision {
        if request.out_of_time {
            // The end is the code's: no model is asked.
            let decision = request.scripted();
            let _ = sink.send(decision.utterance.clone());
            return decision;
        }
        let config = self.client.config();
        let model = request
            .context
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(&config.model);
        let call = ChatCall {
            model,
            messages: vec![
                serde_json::json!({"role": "system", "content": prompts::interviewer_system(request)}),
                serde_json::json!({"role": "user", "content": prompts::interviewer_user(request)}),
            ],
            schema: Some((
                "interviewer_turn",
                prompts::interviewer_schema(request.follow_up_allowed, MAX_UTTERANCE_CHARS),
            )),
            max_tokens: config.max_tokens,
            first_token_timeout: config.first_token_timeout,
            total_timeout: config.total_timeout,
        };
        let mut reader = TurnReader::new(request.follow_up_allowed, &sink);
        let outcome = self.client.stream(call, |text| reader.feed(text)).await;
        reader.finish(request, outcome)
    }
}

impl Interviewer for LlmInterviewer {
    fn decide<'a>(
        &'a self,
        request: &'a TurnRequest,
        sink: UnboundedSender<String>,
    ) -> BoxFuture<'a, Decision> {
        Box::pin(self.run(request, sink))
    }

    fn describe(&self) -> String {
        let config = self.client.config();
        format!("language model {} at {}", config.model, config.base_url)
    }
}

/// What the model's `action` turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    /// Allowed, and acted on.
    Accepted(Action),
    /// Not allowed or not understood: the scripted decision stands.
    Overridden(String),
}

/// Reads one streamed answer and forwards what may be said.
struct TurnReader<'s> {
    reader: FieldStream,
    allowed: bool,
    action_text: String,
    verdict: Option<Verdict>,
    /// Utterance text that arrived before the action was known.
    held: String,
    forwarded: String,
    utterance_closed: bool,
    cut: bool,
    sink: &'s UnboundedSender<String>,
}

impl<'s> TurnReader<'s> {
    fn new(allowed: bool, sink: &'s UnboundedSender<String>) -> Self {
        Self {
            reader: FieldStream::new(),
            allowed,
            action_text: String::new(),
            verdict: None,
            held: String::new(),
            forwarded: String::new(),
            utterance_closed: false,
            cut: false,
            sink,
        }
    }

    fn feed(&mut self, text: &str) -> Flow {
        for event in self.reader.feed(text) {
            match event {
                FieldEvent::Text { key, text } if key == "action" => {
                    self.action_text.push_str(&text);
                }
                FieldEvent::End { key } if key == "action" && self.verdict.is_none() => {
                    let verdict = self.judge();
                    self.verdict = Some(verdict);
                    let held = std::mem::take(&mut self.held);
                    self.forward(&held);
                }
                FieldEvent::Text { key, text } if key == "utterance" => match self.verdict {
                    None => self.held.push_str(&text),
                    Some(_) => self.forward(&text),
                },
                FieldEvent::End { key } if key == "utterance" => self.utterance_closed = true,
                _ => {}
            }
        }
        if self.reader.is_complete() || self.cut {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn judge(&self) -> Verdict {
        let said = self
            .action_text
            .trim()
            .to_lowercase()
            .replace(['-', ' '], "_");
        match said.as_str() {
            "follow_up" if self.allowed => Verdict::Accepted(Action::FollowUp),
            "follow_up" => Verdict::Overridden("follow-up not allowed".to_owned()),
            "move_on" => Verdict::Accepted(Action::MoveOn),
            _ => Verdict::Overridden("unknown action".to_owned()),
        }
    }

    /// Sends text of an accepted verdict to the sink, within the length limit.
    fn forward(&mut self, text: &str) {
        if !matches!(self.verdict, Some(Verdict::Accepted(_))) || self.cut {
            return;
        }
        let text = if self.forwarded.is_empty() {
            text.trim_start()
        } else {
            text
        };
        let room = MAX_UTTERANCE_CHARS.saturating_sub(self.forwarded.chars().count());
        let piece = prompts::clip(text, room);
        if piece.len() < text.len() {
            self.cut = true;
        }
        if !piece.is_empty() {
            self.forwarded.push_str(piece);
            let _ = self.sink.send(piece.to_owned());
        }
    }

    fn finish(self, request: &TurnRequest, outcome: ChatOutcome) -> Decision {
        let mut usage = outcome.usage;
        let failure = outcome.error.as_ref().map(ToString::to_string);
        let incomplete = !self.utterance_closed && !self.reader.is_complete();
        let broken = failure.is_some() || incomplete || self.cut;
        match self.verdict {
            Some(Verdict::Accepted(Action::FollowUp)) if !broken => {
                if self.forwarded.trim().is_empty() {
                    return fallback(request, usage, "empty follow-up", self.sink);
                }
                Decision {
                    action: Action::FollowUp,
                    utterance: self.forwarded,
                    usage: Some(usage),
                }
            }
            Some(Verdict::Accepted(action)) => {
                if self.forwarded.trim().is_empty() && action == Action::FollowUp {
                    let reason = failure.unwrap_or_else(|| "incomplete answer".to_owned());
                    return fallback(request, usage, &reason, self.sink);
                }
                if broken {
                    usage.fell_back = true;
                    usage.failure = Some(failure.unwrap_or_else(|| "incomplete answer".into()));
                }
                move_on(request, self.forwarded, usage, self.sink)
            }
            Some(Verdict::Overridden(reason)) => fallback(request, usage, &reason, self.sink),
            None => {
                let reason = failure.unwrap_or_else(|| "no action in the answer".to_owned());
                fallback(request, usage, &reason, self.sink)
            }
        }
    }
}

/// The acknowledgement said so far, then the next question (or the closing) verbatim,
/// unless the model already said it.
fn move_on(
    request: &TurnRequest,
    said: String,
    usage: ModelUsage,
    sink: &UnboundedSender<String>,
) -> Decision {
    let next = request.next.text();
    let mut utterance = said;
    if !normalise(&utterance).contains(&normalise(next)) {
        let gap = if utterance.is_empty() || utterance.ends_with(char::is_whitespace) {
            ""
        } else {
            " "
        };
        let piece = format!("{gap}{next}");
        let _ = sink.send(piece.clone());
        utterance.push_str(&piece);
    }
    Decision {
        action: request.next.action(),
        utterance,
        usage: Some(usage),
    }
}

/// The scripted decision, in place of a model answer that could not be used.
fn fallback(
    request: &TurnRequest,
    mut usage: ModelUsage,
    reason: &str,
    sink: &UnboundedSender<String>,
) -> Decision {
    tracing::warn!(
        reason,
        model = usage.model,
        "interviewer model not used; scripted turn"
    );
    usage.fell_back = true;
    usage.failure = Some(reason.to_owned());
    let decision = request.scripted();
    let _ = sink.send(decision.utterance.clone());
    Decision {
        usage: Some(usage),
        ..decision
    }
}
