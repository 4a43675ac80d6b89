//! The live interview benchmarks (`interviewd-bench live`): what the server adds to a turn
//! of a live session, and how it holds many voice sessions streaming at once.
//!
//! - `turns` (issue 13): typed answers over `/i/{token}/ws` at 1, 100 and 500 sessions, from
//!   the answer sent to the first agent token read, with the server's model an instant one
//!   (`MockLlm`, in a process of its own, [`mock`]); the same model timed directly at the
//!   same concurrency and pace is the baseline ([`turns`]).
//! - `voice` (issue 14): voice sessions streaming real-time 20 ms frames with instant speech
//!   engines and the instant model; end of turn → first agent audio byte, frames lost or
//!   late, memory per session and CPU ([`voice`]); and what each per-frame step costs alone
//!   ([`costs`]).
//! - `model` (issue 13): the real small model's time to first token, and what a whole
//!   interview costs in model calls, tokens and model time, when a model server is named
//!   ([`real`]).
//!
//! Every cell is bounded (answers per session, a time limit, a wait limit per step), runs a
//! fresh SQLite database and server process, and talks to it on loopback. Results go to
//! `live.json` and `live.md` beside the other parts' results (`--out`).

mod audio;
mod cells;
mod costs;
mod cpu;
mod fixture;
pub mod mock;
mod model;
mod page;
mod real;
mod report;
mod turns;
mod voice;

use clap::Args;
use interviewd::core::engine::models::Speech;
use interviewd_speech::testing::{InstantTts, ScriptedStt};
use report::LiveResults;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The parts of `live`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    Turns,
    Voice,
    Model,
}

/// Options of `live`.
#[derive(Args, Clone, Debug)]
pub struct LiveArgs {
    /// Parts to run (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    part: Vec<Part>,
    /// Concurrent typed sessions per cell.
    #[arg(long, value_delimiter = ',', default_value = "1,100,500")]
    sessions: Vec<usize>,
    /// Concurrent voice sessions per cell.
    #[arg(long, value_delimiter = ',', default_value = "1,100,500")]
    voice_sessions: Vec<usize>,
    /// Answers of each typed session (cells of more than one session).
    #[arg(long, default_value_t = 3)]
    answers: usize,
    /// Answers of the one-session typed cell, back to back.
    #[arg(long, default_value_t = 200)]
    single_answers: usize,
    /// Milliseconds between two answers of one typed session.
    #[arg(long, default_value_t = 5_000)]
    gap_ms: u64,
    /// Spoken answers of each voice session.
    #[arg(long, default_value_t = 2)]
    spoken_answers: usize,
    /// Milliseconds over which the voice sessions open, evenly spread (default: 20 ms a
    /// session, 10 s for 500).
    #[arg(long)]
    voice_spread_ms: Option<u64>,
    /// A real model server's API base (`http://127.0.0.1:PORT/v1`).
    #[arg(long, env = "INTERVIEWD_TEST_LLM_URL")]
    llm_url: Option<String>,
    /// The real model's name.
    #[arg(long, env = "INTERVIEWD_TEST_LLM_MODEL", default_value = "smollm2")]
    llm_model: String,
    /// Whole interviews conducted by the real model (after one warm-up turn).
    #[arg(long, default_value_t = 2)]
    llm_interviews: usize,
    /// Where live.json and live.md go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

impl LiveArgs {
    fn runs(&self, part: Part) -> bool {
        self.part.is_empty() || self.part.contains(&part)
    }

    fn pace(&self, sessions: usize) -> turns::Pace {
        turns::Pace::of(
            sessions,
            self.answers,
            self.single_answers,
            Duration::from_millis(self.gap_ms),
        )
    }

    /// The window over which `sessions` voice sessions open.
    fn voice_spread(&self, sessions: usize) -> Duration {
        Duration::from_millis(self.voice_spread_ms.unwrap_or(20 * sessions as u64))
    }

    fn settings(&self, answer: &audio::Answer) -> serde_json::Value {
        let frame_ms = audio::FRAME.as_millis() as usize;
        serde_json::json!({
            "answerSpeechMs": answer.speech().as_millis() as u64,
            "answerFrames": answer.frames.len(),
            "turnEndsAtMs": answer.turn_ends.iter().map(|t| t.frame * frame_ms).collect::<Vec<_>>(),
            "endOfTurnSilenceMs": answer.end_of_turn_silence.as_millis() as u64,
            "expectedCaptions": answer.turn_ends.iter().map(|t| t.caption.clone()).collect::<Vec<_>>(),
            "sessions": self.sessions,
            "voiceSessions": self.voice_sessions,
            "answers": self.answers,
            "singleAnswers": self.single_answers,
            "gapMs": self.gap_ms,
            "spokenAnswers": self.spoken_answers,
            "voiceSpreadMs": self.voice_sessions.iter().map(|&n| self.voice_spread(n).as_millis() as u64).collect::<Vec<_>>(),
            "llmInterviews": self.llm_interviews,
            "database": "sqlite",
        })
    }
}

/// The instant speech engines of the benchmarked server: speech-to-text says how long the
/// audio was, text-to-speech answers with a tone as long as the text would take to say.
pub fn instant_speech() -> Speech {
    Speech {
        stt: Arc::new(ScriptedStt::from_length()),
        tts: Arc::new(InstantTts::new()),
        described: ["scripted (length)".into(), "instant tone".into()],
    }
}

/// Runs `live`.
pub async fn run(args: &LiveArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let answer = audio::Answer::load()?;
    let mut results = LiveResults {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        command: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        machine: crate::machine::Machine::probe(),
        settings: args.settings(&answer),
        ..LiveResults::default()
    };
    if args.runs(Part::Turns) || args.runs(Part::Voice) {
        let mock = mock::MockProcess::start().await?;
        let env = cells::Env {
            model_url: mock.base_url.clone(),
            model: crate::memory::Process::Pid(mock.pid),
        };
        let measured = measure(args, &env, &answer, &mut results).await;
        mock.stop().await;
        measured?;
    }
    if args.runs(Part::Voice) {
        results.frame_costs = costs::measure(&answer)?;
    }
    if args.runs(Part::Model) {
        eprintln!("live: the real model");
        let url = args.llm_url.as_deref().filter(|u| !u.trim().is_empty());
        let model = real::measure(url, &args.llm_model, args.llm_interviews).await;
        if let Some(why) = &model.skipped {
            eprintln!("live: the real model was skipped: {why}");
        }
        results.real_model = Some(model);
    }
    results.wall_seconds = started.elapsed().as_secs_f64();
    results.judge();
    results.write(&args.out)?;
    println!("{}", results.markdown());
    eprintln!(
        "wrote {} and {} ({:.0} s)",
        args.out.join("live.json").display(),
        args.out.join("live.md").display(),
        results.wall_seconds
    );
    Ok(if results.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The turn and voice cells, with the instant model running.
async fn measure(
    args: &LiveArgs,
    env: &cells::Env,
    answer: &audio::Answer,
    results: &mut LiveResults,
) -> anyhow::Result<()> {
    let mut baselines = BTreeMap::new();
    if args.runs(Part::Turns) {
        for &sessions in &args.sessions {
            let pace = args.pace(sessions);
            eprintln!("live: typed turns, {sessions} sessions (baseline, then the server)");
            let baseline = cells::baseline(env, &pace).await?;
            baselines.insert(sessions, baseline.clone());
            results
                .turns
                .push(cells::turn_cell(env, &pace, baseline).await?);
        }
    }
    if args.runs(Part::Voice) {
        for &sessions in &args.voice_sessions {
            let baseline = match baselines.get(&sessions) {
                Some(b) => b.clone(),
                None => cells::baseline(env, &args.pace(sessions)).await?,
            };
            eprintln!("live: voice, {sessions} sessions");
            let cell = cells::voice_cell(
                env,
                sessions,
                args.voice_spread(sessions),
                args.spoken_answers,
                answer,
                Some(baseline),
            )
            .await?;
            results.voice.push(cell);
        }
    }
    Ok(())
}
