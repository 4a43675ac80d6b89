//! Issue 13's turn latency: the server's own time per interviewer turn, through the live
//! session's WebSocket, with an instant model; and the same model timed directly (the
//! baseline) at the same concurrency and pace.
//!
//! A typed turn is timed from just before the page sends `{"type":"text",…}` to the moment
//! the first `{"type":"agent","delta":…}` of the reply is read. In between the server reads
//! the frame, loads the session, stores the answer (a write transaction), asks the model
//! (streaming HTTP on loopback), reads its answer until the first character of the
//! utterance, and forwards it. The reply must begin with the model's acknowledgement
//! ([`super::mock::ACK`]): one that does not is the scripted fallback and is counted.
//!
//! **Pace.** With one session it answers again as soon as the reply is complete (a 20 ms
//! pause), spread over as many sessions as needed; with N sessions each answers every
//! `gap` (default 5 s: a brisk interview; real turns are longer), the sessions' answers
//! spread evenly over the gap, after every session has connected.

use super::fixture::{LiveServer, QUESTIONS};
use super::mock::ACK;
use super::page::{Incoming, Page, is};
use crate::stats::Summary;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::time::Instant as Deadline;

/// Pause between the end of a reply and the next answer of the same session.
const PAUSE: Duration = Duration::from_millis(20);
/// Longest wait for any one frame.
const WAIT: Duration = Duration::from_secs(10);
/// The typed answer.
const ANSWER: &str = "I built a payment service in Rust that settles card payments.";

/// How a cell paces its answers.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub sessions: usize,
    /// Answers of each session slot (sessions in sequence when more than a session holds).
    pub answers: usize,
    /// Time between two answers of one session (zero: as soon as the reply is complete).
    pub gap: Duration,
    /// Time to connect every session before the first answer.
    pub ramp: Duration,
    /// No answer starts after this.
    pub limit: Duration,
}

impl Pace {
    /// The pace of a cell of `sessions`: see the module doc.
    pub fn of(sessions: usize, answers: usize, single_answers: usize, gap: Duration) -> Self {
        let single = sessions == 1;
        Self {
            sessions,
            answers: if single { single_answers } else { answers },
            gap: if single { Duration::ZERO } else { gap },
            ramp: Duration::from_millis(5 * sessions as u64 + 500),
            limit: Duration::from_secs(120),
        }
    }

    /// Sessions a slot uses: each answers fewer times than the agent has questions.
    pub fn sessions_per_slot(&self) -> usize {
        self.answers.div_ceil(QUESTIONS - 1)
    }

    /// When slot `i` answers first, from the cell's start.
    fn first_answer(&self, i: usize) -> Duration {
        self.ramp + self.gap.mul_f64(i as f64 / self.sessions as f64)
    }
}

/// What a set of slots measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub latencies: Vec<Duration>,
    pub errors: Vec<String>,
    /// Replies that were the scripted fallback, not the model's.
    pub fallbacks: u64,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.latencies.extend(other.latencies);
        self.errors.extend(other.errors);
        self.fallbacks += other.fallbacks;
    }

    /// The summary of the latencies, over `elapsed`.
    pub fn summary(&self, elapsed: Duration) -> Summary {
        let mut samples: Vec<String> = self.errors.clone();
        samples.sort();
        samples.dedup();
        samples.truncate(3);
        Summary::new(
            self.latencies.clone(),
            self.errors.len() as u64,
            elapsed,
            samples,
        )
    }
}

/// The instant model timed directly: each slot sends its streaming requests at the pace of
/// the cell.
pub async fn baseline(model_url: &str, pace: &Pace) -> anyhow::Result<(Outcome, Duration)> {
    let http = super::model::client()?;
    let body = super::model::baseline_body();
    // One unmeasured request opens the pool.
    let _ = super::model::first_utterance(&http, model_url, &body).await;
    let start = Deadline::now();
    let tasks: Vec<_> = (0..pace.sessions)
        .map(|i| {
            let (http, body, url) = (http.clone(), body.clone(), model_url.to_owned());
            let pace = *pace;
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut next = start + pace.first_answer(i) - pace.ramp;
                for _ in 0..pace.answers {
                    if next > start + pace.limit {
                        break;
                    }
                    tokio::time::sleep_until(next).await;
                    match super::model::first_utterance(&http, &url, &body).await {
                        Ok(d) => outcome.latencies.push(d),
                        Err(e) => outcome.errors.push(e),
                    }
                    next = (next + pace.gap).max(Deadline::now() + PAUSE);
                }
                outcome
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    for task in tasks {
        outcome.merge(task.await?);
    }
    Ok((outcome, start.elapsed()))
}

/// The typed turns of a cell through the server.
pub async fn through_server(server: &LiveServer, pace: &Pace) -> anyhow::Result<Outcome> {
    let start = Deadline::now();
    let per_slot = pace.sessions_per_slot();
    let tasks: Vec<_> = (0..pace.sessions)
        .map(|i| {
            let tokens = server.tokens[i * per_slot..(i + 1) * per_slot].to_vec();
            let base = server.base.clone();
            let pace = *pace;
            tokio::spawn(async move {
                let connect = start + pace.ramp.mul_f64(i as f64 / pace.sessions as f64);
                tokio::time::sleep_until(connect).await;
                slot(
                    &base,
                    &tokens,
                    &pace,
                    start + pace.first_answer(i),
                    start + pace.limit,
                )
                .await
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    for task in tasks {
        outcome.merge(task.await?);
    }
    Ok(outcome)
}

/// One slot: its sessions in sequence, `pace.answers` answers in all.
async fn slot(
    base: &str,
    tokens: &[String],
    pace: &Pace,
    first: Deadline,
    limit: Deadline,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut next = first;
    let mut left = pace.answers;
    for token in tokens {
        let answers = left.min(QUESTIONS - 1);
        if answers == 0 || next > limit {
            break;
        }
        left -= answers;
        if let Err(e) = session(base, token, answers, pace.gap, &mut next, &mut outcome).await {
            outcome.errors.push(format!("{e:#}"));
        }
    }
    outcome
}

/// One typed session: opened, its opening awaited, then `answers` answers at the pace.
async fn session(
    base: &str,
    token: &str,
    answers: usize,
    gap: Duration,
    next: &mut Deadline,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let mut page = Page::open(base, token).await?;
    page.send_json(&json!({"type": "hello", "mode": "text"}))
        .await?;
    let listening = Value::from("listening");
    let wait = || Deadline::now() + WAIT;
    page.until(wait(), "the session", |m| m.kind() == Some("session"))
        .await?;
    page.until(wait(), "the opening", |m| {
        is(m, "state", "state", &listening)
    })
    .await?;
    for _ in 0..answers {
        tokio::time::sleep_until(*next).await;
        let sent = Instant::now();
        page.send_json(&json!({"type": "text", "text": ANSWER}))
            .await?;
        let first = page
            .until(wait(), "the reply's first token", |m| match m {
                Incoming::Message(m) => m["type"] == "agent" && m["delta"].is_string(),
                _ => false,
            })
            .await?;
        outcome.latencies.push(first.at.duration_since(sent));
        let said = page
            .until(wait(), "the whole reply", |m| {
                is(m, "agent", "final", &Value::Bool(true))
            })
            .await?;
        if let Incoming::Message(m) = &said.what
            && !m["text"].as_str().is_some_and(|t| t.starts_with(ACK))
        {
            outcome.fallbacks += 1;
        }
        page.until(wait(), "listening", |m| is(m, "state", "state", &listening))
            .await?;
        *next = (*next + gap).max(Deadline::now() + PAUSE);
    }
    page.close().await;
    Ok(())
}
