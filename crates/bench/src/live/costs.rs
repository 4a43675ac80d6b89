//! What one 20 ms microphone frame costs the server's per-frame steps, each timed alone on
//! one thread of this process: decoding the frame's PCM16, the end-of-turn detector (the
//! neural VAD), and the two-party recording written to a file. Multiplied by the frames per
//! second of 500 sessions (25,000), each says how much of a CPU that step needs; what the
//! server process uses beyond their sum is the rest of its path (WebSocket reads and
//! framing, the session's queue and loop, the runtime).

use super::audio::{Answer, FRAME_SAMPLES};
use interviewd_speech::pcm16le_to_samples;
use interviewd_speech::recorder::{Recorder, RecorderConfig};
use interviewd_speech::vad::{TurnDetector, VadConfig};
use serde::Serialize;
use std::hint::black_box;
use std::io::BufWriter;
use std::time::{Duration, Instant};

/// Frames each step is timed over.
const FRAMES: usize = 20_000;
/// Frames per second of 500 sessions.
pub const FRAMES_PER_SECOND_AT_500: f64 = 500.0 * 50.0;

/// One step's cost.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameCost {
    pub step: &'static str,
    pub micros_per_frame: f64,
    /// CPUs the step needs at 25,000 frames a second.
    pub cpus_at_500_sessions: f64,
}

impl FrameCost {
    fn new(step: &'static str, total: Duration) -> Self {
        let micros = total.as_secs_f64() * 1e6 / FRAMES as f64;
        Self {
            step,
            micros_per_frame: (micros * 100.0).round() / 100.0,
            cpus_at_500_sessions: (micros * FRAMES_PER_SECOND_AT_500 / 1e6 * 100.0).round() / 100.0,
        }
    }
}

/// Times each step over the answer's frames, repeated.
pub fn measure(answer: &Answer) -> anyhow::Result<Vec<FrameCost>> {
    let frames: Vec<&[u8]> = answer
        .frames
        .iter()
        .cycle()
        .take(FRAMES)
        .map(|f| f.as_ref())
        .collect();
    let decoded: Vec<Vec<i16>> = frames.iter().map(|f| pcm16le_to_samples(f)).collect();

    let started = Instant::now();
    for frame in &frames {
        black_box(pcm16le_to_samples(black_box(frame)));
    }
    let decode = FrameCost::new("PCM16 decode", started.elapsed());

    let mut detector = TurnDetector::new(&VadConfig::default());
    let started = Instant::now();
    for frame in &decoded {
        black_box(detector.push(black_box(frame)));
    }
    let vad = FrameCost::new("end-of-turn detector (earshot VAD)", started.elapsed());

    let dir = tempfile::tempdir()?;
    let file = BufWriter::new(std::fs::File::create(dir.path().join("segment.wav"))?);
    let mut recorder = Recorder::new(file, &RecorderConfig::default())?;
    let started = Instant::now();
    for frame in &decoded {
        recorder.push_candidate(black_box(frame))?;
    }
    let recording = FrameCost::new("recording (two-party WAV segment)", started.elapsed());
    recorder.finish()?;
    debug_assert_eq!(decoded[0].len(), FRAME_SAMPLES);
    Ok(vec![decode, vad, recording])
}
