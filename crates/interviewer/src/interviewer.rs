//! The interviewer seam: given a [`TurnRequest`], decide follow-up or move on and phrase it.
//!
//! The trait returns a boxed future (like the voice provider seam) so that it stays
//! object-safe and the server can hold any interviewer as `Arc<dyn Interviewer>`. The
//! decision is infallible by contract: an implementation that talks to something that can
//! fail falls back to [`TurnRequest::scripted`] itself, so a candidate is never left waiting.

use interviewd_voice::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;

use crate::plan::{Decision, TurnRequest};

/// Something that conducts the conversational part of an interview.
pub trait Interviewer: Send + Sync {
    /// Decides what the agent says after the candidate's answer in `request`.
    ///
    /// The text of the returned [`Decision::utterance`] is also sent to `sink` in pieces as
    /// it becomes known (for live captions and speech synthesis); the pieces concatenated
    /// equal the utterance. A closed sink is ignored.
    fn decide<'a>(
        &'a self,
        request: &'a TurnRequest,
        sink: UnboundedSender<String>,
    ) -> BoxFuture<'a, Decision>;

    /// One line for logs and `interviewd doctor`: which interviewer this is.
    fn describe(&self) -> String;
}

/// The built-in interviewer: today's deterministic behaviour. It never asks a follow-up,
/// moves on with the next question verbatim and closes after the last; it is instant and
/// streams the utterance as one piece.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scripted;

impl Interviewer for Scripted {
    fn decide<'a>(
        &'a self,
        request: &'a TurnRequest,
        sink: UnboundedSender<String>,
    ) -> BoxFuture<'a, Decision> {
        let decision = request.scripted();
        let _ = sink.send(decision.utterance.clone());
        Box::pin(std::future::ready(decision))
    }

    fn describe(&self) -> String {
        "scripted (built-in)".to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::plan::{Action, Context, Conversation, Plan};

    #[tokio::test]
    async fn scripted_moves_on_verbatim_in_one_piece() {
        let mut c = Conversation::new(
            Plan::new(vec!["One?".into(), "Two?".into()]),
            Context::default(),
        );
        c.opening();
        let req = c.next_request("answer", Duration::ZERO).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let decision = Scripted.decide(&req, tx).await;
        assert_eq!(decision.action, Action::MoveOn);
        assert_eq!(decision.utterance, "Two?");
        assert_eq!(rx.recv().await.unwrap(), "Two?");
        assert!(rx.recv().await.is_none());
        assert!(decision.usage.is_none());
    }
}
