//! Simulator behaviour: determinism, the test numbers, cancellation and the recording.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::provider::Role;

fn request(phone: &str) -> CallRequest {
    CallRequest {
        attempt_id: "attempt-1".into(),
        phone_e164: phone.into(),
        language: "en-US".into(),
        candidate_name: Some("Grace Hopper".into()),
        questions: vec![
            "Tell me about a distributed system you built.".into(),
            "How do you approach database migrations?".into(),
        ],
        skills: vec!["Rust".into(), "PostgreSQL".into()],
        max_duration: Duration::from_secs(600),
        answered: None,
        dialogue: None,
    }
}

/// Places a call with an answer notification and reports both the outcome and whether the
/// call was answered.
async fn call_with_hook(
    sim: &dyn VoiceProvider,
    mut req: CallRequest,
    cancel: CancellationToken,
) -> (CallOutcome, bool) {
    let (tx, rx) = oneshot::channel();
    req.answered = Some(tx);
    let outcome = sim.call(req, cancel).await;
    (outcome, rx.await.is_ok())
}

#[tokio::test]
async fn same_request_gives_identical_conversation() {
    let sim = Simulator::new(0);
    let first = sim
        .call(request("+14155550100"), CancellationToken::new())
        .await;
    let second = sim
        .call(request("+14155550100"), CancellationToken::new())
        .await;
    let CallOutcome::Completed(conversation) = &first else {
        panic!("expected a completed call, got {first:?}");
    };
    assert_eq!(first, second);
    assert_eq!(
        conversation,
        &Simulator::conversation(&request("+14155550100"))
    );
}

#[tokio::test]
async fn ordinary_number_completes_with_a_matching_recording() {
    let sim = Simulator::new(0);
    let (outcome, answered) =
        call_with_hook(&sim, request("+14155550100"), CancellationToken::new()).await;
    assert!(answered);
    let CallOutcome::Completed(conversation) = outcome else {
        panic!("expected a completed call, got {outcome:?}");
    };
    assert!(conversation.turns[0].text.contains("Grace Hopper"));
    assert_eq!(conversation.turns.len(), 2 + 2 * 2);
    let last = conversation.turns.last().unwrap();
    assert_eq!(last.role, Role::Agent);
    assert_eq!(conversation.duration_ms, last.end_ms);
    let info = wav::parse_header(&conversation.recording_wav).unwrap();
    assert_eq!(info.duration_ms, conversation.duration_ms);
    assert_eq!(info.sample_rate, wav::SAMPLE_RATE);
}

#[tokio::test]
async fn different_numbers_give_different_answers() {
    let a = Simulator::conversation(&request("+14155550100"));
    let b = Simulator::conversation(&request("+14155550101"));
    assert_ne!(a.turns, b.turns);
}

#[tokio::test]
async fn test_numbers_take_their_documented_path() {
    let sim = Simulator::new(0);
    let cases = [
        ("+14155559990", CallOutcome::NoAnswer),
        ("+14155559991", CallOutcome::Busy),
        (
            "+14155559992",
            CallOutcome::Failed {
                reason: "provider_error".into(),
            },
        ),
    ];
    for (phone, expected) in cases {
        let (outcome, answered) =
            call_with_hook(&sim, request(phone), CancellationToken::new()).await;
        assert_eq!(outcome, expected, "{phone}");
        assert!(!answered, "{phone} must not report an answer");
    }
}

#[tokio::test]
async fn hanging_number_answers_and_returns_canceled_once_canceled() {
    let sim: Arc<dyn VoiceProvider> = Arc::new(Simulator::new(0));
    let cancel = CancellationToken::new();
    let (tx, rx) = oneshot::channel();
    let mut req = request("+14155559993");
    req.answered = Some(tx);
    let call = tokio::spawn({
        let sim = Arc::clone(&sim);
        let cancel = cancel.clone();
        async move { sim.call(req, cancel).await }
    });
    // It answers, then keeps the line open.
    rx.await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(
        !call.is_finished(),
        "the hanging number must not end by itself"
    );
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome, CallOutcome::Canceled);
}

#[tokio::test]
async fn cancel_during_a_paced_call_returns_canceled() {
    let sim = Simulator::new(50);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(120)).await;
        trigger.cancel();
    });
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        sim.call(request("+14155550100"), cancel),
    )
    .await
    .unwrap();
    assert_eq!(outcome, CallOutcome::Canceled);
}

#[tokio::test]
async fn already_canceled_call_is_not_placed() {
    let sim = Simulator::new(0);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let (outcome, answered) = call_with_hook(&sim, request("+14155550100"), cancel).await;
    assert_eq!(outcome, CallOutcome::Canceled);
    assert!(!answered);
}

#[test]
fn classify_reads_the_last_four_digits() {
    assert_eq!(
        TestNumber::classify("+14155559990"),
        Some(TestNumber::NoAnswer)
    );
    assert_eq!(
        TestNumber::classify("+44 20 7946 9991"),
        Some(TestNumber::Busy)
    );
    assert_eq!(
        TestNumber::classify("+4930129992"),
        Some(TestNumber::Failed)
    );
    assert_eq!(TestNumber::classify("+14155559993"), Some(TestNumber::Hang));
    assert_eq!(TestNumber::classify("+14155599900"), None);
    assert_eq!(TestNumber::classify("+14155550100"), None);
    assert_eq!(TestNumber::classify("993"), None);
    for number in TEST_NUMBERS {
        let phone = format!("+1415555{}", number.suffix());
        assert_eq!(TestNumber::classify(&phone), Some(number));
    }
}

/// A dialogue that asks about "caching" twice, then closes.
struct TwoQuestions {
    asked: usize,
}

impl crate::provider::Dialogue for TwoQuestions {
    fn opening(&mut self) -> BoxFuture<'_, crate::provider::AgentLine> {
        Box::pin(async {
            crate::provider::AgentLine {
                text: "Hello. How do you approach caching?".into(),
                ends: false,
            }
        })
    }

    fn reply<'a>(
        &'a mut self,
        answer: &'a str,
        _elapsed: Duration,
        sink: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> BoxFuture<'a, crate::provider::AgentLine> {
        assert!(!answer.is_empty());
        self.asked += 1;
        let line = if self.asked == 1 {
            crate::provider::AgentLine {
                text: "Can you give an example of a caching bug?".into(),
                ends: false,
            }
        } else {
            crate::provider::AgentLine {
                text: "Thank you, goodbye.".into(),
                ends: true,
            }
        };
        let _ = sink.send(line.text.clone());
        Box::pin(async move { line })
    }
}

#[tokio::test]
async fn a_dialogue_speaks_the_agent_side() {
    let sim = Simulator::new(0);
    let mut req = request("+14155550100");
    req.dialogue = Some(Box::new(TwoQuestions { asked: 0 }));
    let outcome = sim.call(req, CancellationToken::new()).await;
    let CallOutcome::Completed(conversation) = outcome else {
        panic!("expected a completed call, got {outcome:?}");
    };
    let roles: Vec<Role> = conversation.turns.iter().map(|t| t.role).collect();
    use Role::{Agent as A, Participant as P};
    assert_eq!(roles, vec![A, P, A, P, A]);
    let answer = &conversation.turns[1].text;
    assert!(
        answer.contains("Rust") || answer.contains("PostgreSQL"),
        "{answer}"
    );
    assert_eq!(conversation.turns[4].text, "Thank you, goodbye.");
    assert_eq!(
        conversation.duration_ms,
        conversation.turns.last().unwrap().end_ms
    );
}

/// A dialogue that never closes.
struct Endless;

impl crate::provider::Dialogue for Endless {
    fn opening(&mut self) -> BoxFuture<'_, crate::provider::AgentLine> {
        Box::pin(async {
            crate::provider::AgentLine {
                text: "Tell me more?".into(),
                ends: false,
            }
        })
    }

    fn reply<'a>(
        &'a mut self,
        _answer: &'a str,
        _elapsed: Duration,
        _sink: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> BoxFuture<'a, crate::provider::AgentLine> {
        Box::pin(async {
            crate::provider::AgentLine {
                text: "And more?".into(),
                ends: false,
            }
        })
    }
}

#[tokio::test]
async fn an_endless_dialogue_is_cut_at_the_maximum_duration() {
    let sim = Simulator::new(0);
    let mut req = request("+14155550100");
    req.max_duration = Duration::from_secs(60);
    req.dialogue = Some(Box::new(Endless));
    let CallOutcome::Completed(conversation) = sim.call(req, CancellationToken::new()).await else {
        panic!("expected a completed call");
    };
    assert!(conversation.duration_ms <= 60_000);
    assert!(conversation.turns.len() > 3);
}
