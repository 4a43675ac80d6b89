//! One cell of each kind: a fresh server, the sessions, and the readings of the processes
//! while they run (see [`super::cpu`]).

use super::audio::{Answer, FRAME};
use super::cpu::{self, CpuUse, Reading};
use super::fixture::{LiveServer, Options};
use super::report::{Added, TurnCell, VoiceCell};
use super::turns::{self, Pace};
use super::voice::{self, Outcome, Shared};
use crate::memory::{Process, mib};
use crate::stats::{Summary, ms};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A probe later than this counts as late.
const LATE_PROBE: Duration = Duration::from_millis(100);

/// What every cell needs: the instant model and how servers run.
pub struct Env {
    pub model_url: String,
    pub model: Process,
}

impl Env {
    fn options(&self, speech: bool, interviews: usize) -> Options {
        Options {
            llm_url: self.model_url.clone(),
            speech,
            interviews,
        }
    }
}

/// The baseline at a pace: the instant model timed directly.
pub async fn baseline(env: &Env, pace: &Pace) -> anyhow::Result<Summary> {
    let (outcome, elapsed) = turns::baseline(&env.model_url, pace).await?;
    Ok(outcome.summary(elapsed))
}

/// Typed turns through a fresh server, against `baseline` at the same pace.
pub async fn turn_cell(env: &Env, pace: &Pace, baseline: Summary) -> anyhow::Result<TurnCell> {
    let interviews = pace.sessions * pace.sessions_per_slot();
    let server = LiveServer::start(&env.options(false, interviews)).await?;
    let process = server.process();
    process.reset_peak();
    let before = Reading::take(process, env.model);
    let started = Instant::now();
    let outcome = turns::through_server(&server, pace).await?;
    let cpu = CpuUse::between(&before, &Reading::take(process, env.model));
    let elapsed = started.elapsed().saturating_sub(pace.ramp);
    let peak = process.peak_kib().map(mib);
    server.stop().await?;
    let summary = outcome.summary(elapsed);
    Ok(TurnCell {
        sessions: pace.sessions,
        answers_per_slot: pace.answers,
        gap_ms: pace.gap.as_millis() as u64,
        added: Added::of(&summary, Some(&baseline)),
        server: summary,
        baseline,
        fallbacks: outcome.fallbacks,
        cpu,
        server_peak_mib: peak,
    })
}

/// Voice sessions through a fresh server.
pub async fn voice_cell(
    env: &Env,
    sessions: usize,
    ramp: Duration,
    answers: usize,
    answer: &Answer,
    baseline: Option<Summary>,
) -> anyhow::Result<VoiceCell> {
    let server = LiveServer::start(&env.options(true, sessions)).await?;
    let process = server.process();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kib = process.rss_kib().unwrap_or(0);
    process.reset_peak();
    let shared = Arc::new(Shared {
        answer: answer.clone(),
        streaming: AtomicUsize::new(0),
        answering: AtomicUsize::new(sessions),
    });
    let stop = CancellationToken::new();
    let counted = Arc::clone(&shared);
    let sampler = tokio::spawn(cpu::sample(
        process,
        env.model,
        Duration::from_millis(250),
        move || counted.streaming.load(Ordering::Relaxed),
        stop.clone(),
    ));
    let started = Instant::now();
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = server
        .tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let at = start + ramp.mul_f64(i as f64 / sessions as f64);
            let (base, token) = (server.base.clone(), token.clone());
            tokio::spawn(voice::session(
                base,
                token,
                Arc::clone(&shared),
                answers,
                at,
                ramp,
            ))
        })
        .collect();
    let mut outcome = Outcome::default();
    let mut logs = Vec::with_capacity(tasks.len());
    for task in tasks {
        let (measured, log) = task.await?;
        outcome.merge(measured);
        logs.push(log);
    }
    let elapsed = started.elapsed();
    stop.cancel();
    let readings = sampler.await?;
    for log in logs {
        outcome.merge(log.replay(answer));
    }
    let peak = process.peak_kib().map(mib);
    server.stop().await?;
    let window = Window::of(&readings);
    let to_audio = summary(&outcome, outcome.to_audio.clone(), elapsed, true);
    Ok(VoiceCell {
        sessions,
        answers_per_session: answers,
        added: Added::of(&to_audio, baseline.as_ref()),
        to_audio,
        to_caption: summary(&outcome, outcome.to_caption.clone(), elapsed, false),
        to_text: summary(&outcome, outcome.to_text.clone(), elapsed, false),
        baseline,
        fewest_streaming_at_a_turn: outcome
            .streaming_at_turns
            .iter()
            .copied()
            .min()
            .unwrap_or(0),
        frames_sent: outcome.frames_sent,
        frames_late_at_page: outcome.frames_late,
        max_page_lateness_ms: ms(outcome.max_lateness),
        lag: Summary::new(outcome.probes.clone(), 0, elapsed, vec![]),
        probes_over_100ms: outcome.probes.iter().filter(|p| **p > LATE_PROBE).count() as u64,
        captions_wrong: outcome.captions_wrong,
        caption_samples: outcome.caption_samples.clone(),
        fallbacks: outcome.fallbacks,
        silent_replies: outcome.silent_replies,
        played_unanswered: outcome.played_unanswered,
        replay_differs: outcome.replay_differs,
        server_idle_mib: mib(idle_kib),
        server_streaming_mib: mib(window.rss_kib),
        kib_per_session: (window.rss_kib.saturating_sub(idle_kib) as f64
            / window.streaming.max(1) as f64)
            .round(),
        server_peak_mib: peak,
        server_micros_per_frame: window.micros_per_frame(),
        cpu: window.cpu,
    })
}

/// A latency summary of the voice cell; the session errors go with the main one.
fn summary(outcome: &Outcome, samples: Vec<Duration>, elapsed: Duration, errors: bool) -> Summary {
    if !errors {
        return Summary::new(samples, 0, elapsed, vec![]);
    }
    let mut sample_errors = outcome.errors.clone();
    sample_errors.sort();
    sample_errors.dedup();
    sample_errors.truncate(3);
    Summary::new(samples, outcome.errors.len() as u64, elapsed, sample_errors)
}

/// The stretch of a voice cell during which the most sessions streamed at once.
struct Window {
    streaming: usize,
    cpu: CpuUse,
    rss_kib: u64,
}

impl Window {
    fn of(readings: &[(Reading, usize)]) -> Self {
        let most = readings.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let full: Vec<&Reading> = readings
            .iter()
            .filter(|(_, n)| *n == most)
            .map(|(r, _)| r)
            .collect();
        let cpu = match (full.first(), full.last()) {
            (Some(a), Some(b)) => CpuUse::between(a, b),
            _ => CpuUse::default(),
        };
        Self {
            streaming: most,
            cpu,
            rss_kib: full.iter().map(|r| r.server_rss_kib).max().unwrap_or(0),
        }
    }

    /// Server CPU time per frame received: each streaming session sends one a frame period.
    fn micros_per_frame(&self) -> Option<f64> {
        let frames_per_second = self.streaming as f64 / FRAME.as_secs_f64();
        (frames_per_second > 0.0 && self.cpu.seconds > 0.0)
            .then(|| (self.cpu.server_cpus * 1e6 / frames_per_second * 100.0).round() / 100.0)
    }
}
