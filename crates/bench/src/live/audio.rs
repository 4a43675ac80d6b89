//! The spoken answer every voice session sends, and where in it the server's end-of-turn
//! detector fires.
//!
//! The answer is `crates/speech/tests/fixtures/five-years.wav` (2.5 s of speech, 16 kHz) and
//! then 1.5 s of silence, cut into 20 ms frames of 640 bytes (PCM16, little-endian), as a
//! page's AudioWorklet sends them; the samples are kept too, for the replay of the server's
//! detector over what each session sent ([`super::voice::Log`]).
//!
//! [`Answer::turn_end`] replays the same detector ([`TurnDetector`] with the server's
//! [`VadConfig::default`]) over the answer from a fresh state, after 0.8 s of silence, for
//! each of the four offsets at which the answer can start within the detector's 256-sample
//! frames (a page's frames hold 320): where a session would end the turn if the detector
//! kept no history. The replay of each session's log is compared with it, and how often
//! it was wrong is reported; the settings of a run list it. Speech-to-text in the benchmarked server is
//! `ScriptedStt::from_length`, whose text says how long the audio handed to it was, so each
//! caption also shows whether the server heard every frame.

use anyhow::{Context, bail};
use interviewd_speech::testing::ScriptedStt;
use interviewd_speech::vad::{
    FRAME_SAMPLES as FRAME_SAMPLES_OF_DETECTOR, TurnDetector, VadConfig, VadEvent,
};
use interviewd_speech::{SAMPLE_RATE, samples_to_pcm16le, wav};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Bytes;

/// The spoken answer.
const FIVE_YEARS: &[u8] = include_bytes!("../../../speech/tests/fixtures/five-years.wav");
/// Samples in one 20 ms frame.
pub const FRAME_SAMPLES: usize = SAMPLE_RATE as usize / 50;
/// One frame's length.
pub const FRAME: Duration = Duration::from_millis(20);
/// Silence after the speech: more than the detector's end-of-turn silence (1 s).
const TRAILING_SILENCE: Duration = Duration::from_millis(1_500);

/// The answer's frames and what the server's detector makes of them.
#[derive(Clone, Debug)]
pub struct Answer {
    /// 20 ms frames: speech, then silence.
    pub frames: Vec<Bytes>,
    /// The same frames as samples.
    pub samples: Vec<Vec<i16>>,
    /// Where the turn ends, by the answer's offset in the detector's frame (64 samples a
    /// step).
    pub turn_ends: [TurnEnd; 4],
    /// The detector's end-of-turn silence.
    pub end_of_turn_silence: Duration,
}

/// Where the detector ends the turn of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnEnd {
    /// The frame during which the detector ends the turn (0-based).
    pub frame: usize,
    /// The caption the server's speech-to-text gives the turn when every frame was heard.
    pub caption: String,
}

impl Answer {
    /// Decodes the fixture and replays the detector over it.
    pub fn load() -> anyhow::Result<Self> {
        let mut pcm = wav::decode(FIVE_YEARS)
            .context("decoding five-years.wav")?
            .samples;
        let silence = SAMPLE_RATE as usize * TRAILING_SILENCE.as_millis() as usize / 1_000;
        pcm.extend(std::iter::repeat_n(0, silence));
        let padded = pcm.len().div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES;
        pcm.resize(padded, 0);
        let frames: Vec<Vec<i16>> = pcm.chunks(FRAME_SAMPLES).map(<[i16]>::to_vec).collect();
        let config = VadConfig::default();
        let turn_end = |offset: usize| {
            replay(&config, &frames, offset).map(|(frame, heard)| TurnEnd {
                frame,
                caption: ScriptedStt::describe(heard),
            })
        };
        let turn_ends = [turn_end(0)?, turn_end(64)?, turn_end(128)?, turn_end(192)?];
        Ok(Self {
            frames: frames
                .iter()
                .map(|f| Bytes::from(samples_to_pcm16le(f)))
                .collect(),
            samples: frames,
            turn_ends,
            end_of_turn_silence: config.end_of_turn_silence,
        })
    }

    /// Where the turn ends for an answer sent after `frames_before` frames of the session.
    pub fn turn_end(&self, frames_before: u64) -> &TurnEnd {
        let offset = (frames_before * FRAME_SAMPLES as u64) % FRAME_SAMPLES_OF_DETECTOR as u64;
        &self.turn_ends[(offset / 64) as usize % 4]
    }

    /// The answer's speech before the trailing silence.
    pub fn speech(&self) -> Duration {
        FRAME * self.frames.len() as u32 - TRAILING_SILENCE
    }
}

/// A frame of silence.
pub fn silence() -> Bytes {
    Bytes::from(vec![0_u8; FRAME_SAMPLES * 2])
}

/// The frame during which the turn ends, and the samples handed over, after 0.8 s and
/// `offset` samples of silence (a session hears silence while the agent's question plays).
fn replay(
    config: &VadConfig,
    frames: &[Vec<i16>],
    offset: usize,
) -> anyhow::Result<(usize, usize)> {
    let mut detector = TurnDetector::new(config);
    let silence = vec![0; 50 * FRAME_SAMPLES_OF_DETECTOR + offset];
    if !detector.push(&silence).is_empty() {
        bail!("the detector heard something in silence");
    }
    for (i, frame) in frames.iter().enumerate() {
        for event in detector.push(frame) {
            if let VadEvent::TurnEnded { audio } = event {
                return Ok((i, audio.len()));
            }
        }
    }
    bail!("the detector did not end the turn within the answer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_turn_ends_about_a_second_after_the_speech() {
        let answer = Answer::load().unwrap();
        assert_eq!(answer.frames[0].len(), 640);
        let speech = answer.speech();
        for turn_end in &answer.turn_ends {
            let end = FRAME * turn_end.frame as u32;
            assert!(
                end > speech + Duration::from_millis(800),
                "{end:?} {speech:?}"
            );
            assert!(
                end < speech + Duration::from_millis(1_500),
                "{end:?} {speech:?}"
            );
            assert!(
                turn_end.caption.starts_with("I spoke for 2."),
                "{turn_end:?}"
            );
        }
        // Four frames of 320 samples make five of the detector's 256: the offsets cycle.
        assert_eq!(answer.turn_end(0), &answer.turn_ends[0]);
        assert_eq!(answer.turn_end(1), &answer.turn_ends[1]);
        assert_eq!(answer.turn_end(6), &answer.turn_ends[2]);
        assert_eq!(answer.turn_end(7), &answer.turn_ends[3]);
    }
}
