//! The interviewer's own added latency per turn, with an instant model: from handing the
//! candidate's answer to `LlmInterviewer::decide` to the first piece of the agent's reply on
//! the sink, at p50/p99, for 1, 100 and 500 concurrent sessions. The model is the in-process
//! mock (its replies are ready at once), so what is measured is this crate, async-openai,
//! HTTP on loopback and the mock itself, all on the same runtime. Each session answers every
//! [`GAP`] (a brisk candidate; real turns are several seconds apart), sessions starting
//! staggered over one gap.
//!
//! `cargo run --release -p interviewd-interviewer --features testing --example turn_latency`

use std::sync::Arc;
use std::time::{Duration, Instant};

use interviewd_interviewer::testing::{MockLlm, Reply};
use interviewd_interviewer::{
    Context, Conversation, Interviewer, LlmClient, LlmConfig, LlmInterviewer, Plan,
};
use serde_json::json;

const TURNS_PER_SESSION: usize = 10;
/// Time between two answers of one session.
const GAP: Duration = Duration::from_millis(1_000);

#[tokio::main]
async fn main() {
    let server = MockLlm::start().await;
    server.set_default(Reply::json(
        json!({"action": "follow_up", "utterance": "Which part of that did you do yourself?"}),
    ));
    let config = LlmConfig::new(server.base_url(), "instant");
    let interviewer = Arc::new(LlmInterviewer::new(match LlmClient::new(config) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }));
    for sessions in [1_usize, 100, 500] {
        let started = Instant::now();
        let tasks: Vec<_> = (0..sessions)
            .map(|i| {
                let stagger = GAP.mul_f64(i as f64 / sessions as f64);
                tokio::spawn(session(interviewer.clone(), stagger))
            })
            .collect();
        let mut samples = Vec::new();
        for task in tasks {
            if let Ok(s) = task.await {
                samples.extend(s);
            }
        }
        samples.sort();
        let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
        println!(
            "{sessions:>4} sessions: {} turns in {:?}; first piece p50 {:?}, p99 {:?}",
            samples.len(),
            started.elapsed(),
            at(0.50),
            at(0.99)
        );
    }
}

/// One session answering the first question again and again (follow-ups without limit).
async fn session(interviewer: Arc<LlmInterviewer>, stagger: Duration) -> Vec<Duration> {
    tokio::time::sleep(stagger).await;
    let plan = Plan {
        max_follow_ups: u8::MAX,
        ..Plan::new(vec![
            "Tell me about a system you built.".into(),
            "Why?".into(),
        ])
    };
    let mut conversation = Conversation::new(plan, Context::default());
    conversation.opening();
    let mut samples = Vec::with_capacity(TURNS_PER_SESSION);
    let mut next = tokio::time::Instant::now();
    for _ in 0..TURNS_PER_SESSION {
        tokio::time::sleep_until(next).await;
        next += GAP;
        let Ok(request) = conversation.next_request("I built a ledger.", Duration::ZERO) else {
            break;
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let started = Instant::now();
        let decide = interviewer.decide(&request, tx);
        tokio::pin!(decide);
        let (first, decision) = tokio::select! {
            piece = rx.recv() => (piece.map(|_| started.elapsed()), None),
            decision = &mut decide => (None, Some(decision)),
        };
        let decision = match decision {
            Some(d) => d,
            None => decide.await,
        };
        samples.push(first.unwrap_or_else(|| started.elapsed()));
        if conversation.apply(&request, &decision).is_err() {
            break;
        }
    }
    samples
}
