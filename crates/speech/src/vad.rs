//! End-of-turn detection: when has the candidate finished answering, and are they trying to
//! interrupt the interviewer?
//!
//! A neural voice-activity detector (the pure-Rust `earshot`, weights compiled in) scores each
//! 16 ms frame (256 samples at 16 kHz); this module turns the scores into turn events:
//!
//! - [`VadEvent::SpeechStarted`] once a segment holds `min_speech` of voiced frames, so a
//!   cough or a click never starts a turn;
//! - [`VadEvent::TurnEnded`] after `end_of_turn_silence` without voice. Interviews are
//!   long-answer conversations where people pause to think, so the default (1 s) is about
//!   twice a support bot's. The audio handed over starts `pre_roll` before the first voiced
//!   frame (onsets are quiet) and stops `tail` after the last one;
//! - [`VadEvent::BargeIn`] while the agent is speaking ([`TurnDetector::set_agent_speaking`]),
//!   only after `barge_in_speech` (default 500 ms) of continuous voice, so the agent's own
//!   echo or a backchannel "uh-huh" does not cut it off. Until then, speech heard during
//!   the agent's turn starts nothing, and when the agent stops without a barge-in, voice
//!   counted during its turn is forgotten, so echo cannot become a turn.
//!
//! Memory is bounded: a turn is cut at `max_turn` (default 3 min, 5.8 MB of samples).

use std::collections::VecDeque;
use std::time::Duration;

use earshot::Detector;

use crate::SAMPLE_RATE;

/// Samples in one detector frame (16 ms at 16 kHz).
pub const FRAME_SAMPLES: usize = 256;
const FRAME_MS: u64 = 16;

/// Tuning of [`TurnDetector`]; durations are rounded up to whole 16 ms frames.
#[derive(Clone, Debug, PartialEq)]
pub struct VadConfig {
    /// A frame whose score is at least this is voiced (0..1; 0.5 is the detector's default).
    pub threshold: f32,
    /// Silence that ends a turn.
    pub end_of_turn_silence: Duration,
    /// Voiced frames a segment needs before it counts as speech.
    pub min_speech: Duration,
    /// Audio kept before the first voiced frame of a turn.
    pub pre_roll: Duration,
    /// Audio kept after the last voiced frame of a turn.
    pub tail: Duration,
    /// Continuous voice needed to interrupt the agent.
    pub barge_in_speech: Duration,
    /// Unvoiced dips shorter than this do not break "continuous" voice (gaps between words).
    pub barge_in_max_gap: Duration,
    /// A turn longer than this is ended where it stands.
    pub max_turn: Duration,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            end_of_turn_silence: Duration::from_millis(1_000),
            min_speech: Duration::from_millis(200),
            pre_roll: Duration::from_millis(300),
            tail: Duration::from_millis(200),
            barge_in_speech: Duration::from_millis(500),
            barge_in_max_gap: Duration::from_millis(100),
            max_turn: Duration::from_secs(180),
        }
    }
}

/// What the detector noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VadEvent {
    /// The candidate started speaking (after `min_speech` of voice; after a barge-in while
    /// the agent speaks).
    SpeechStarted,
    /// The candidate spoke long enough, continuously, to interrupt the agent: stop playback.
    BargeIn,
    /// The candidate finished a turn.
    TurnEnded {
        /// The utterance, 16 kHz mono PCM16, with a little audio before and after.
        audio: Vec<i16>,
    },
}

/// A stretch of audio that began with a voiced frame.
#[derive(Debug)]
struct Segment {
    audio: Vec<i16>,
    voiced_frames: u32,
    silent_run: u32,
    /// `audio.len()` just after the last voiced frame.
    voiced_end: usize,
    started: bool,
}

/// Durations of [`VadConfig`] in frames or samples.
#[derive(Debug)]
struct Limits {
    threshold: f32,
    end_frames: u32,
    min_frames: u32,
    barge_frames: u32,
    gap_frames: u32,
    pre_roll: usize,
    tail: usize,
    max_samples: usize,
}

impl Limits {
    fn new(config: &VadConfig) -> Self {
        let frames = |d: Duration| d.as_millis().div_ceil(u128::from(FRAME_MS)) as u32;
        let samples = |d: Duration| crate::samples_for_ms(d.as_millis() as u64, SAMPLE_RATE);
        Self {
            threshold: config.threshold,
            end_frames: frames(config.end_of_turn_silence).max(1),
            min_frames: frames(config.min_speech).max(1),
            barge_frames: frames(config.barge_in_speech).max(1),
            gap_frames: frames(config.barge_in_max_gap),
            pre_roll: samples(config.pre_roll),
            tail: samples(config.tail),
            max_samples: samples(config.max_turn).max(FRAME_SAMPLES),
        }
    }
}

/// Finds the candidate's turns in a stream of 16 kHz PCM16. One per session.
pub struct TurnDetector {
    detector: Box<Detector>,
    limits: Limits,
    /// Samples of an incomplete frame.
    partial: Vec<i16>,
    /// Recent audio while no segment is open, at most `pre_roll` samples.
    recent: VecDeque<i16>,
    segment: Option<Segment>,
    agent_speaking: bool,
    barge_in_sent: bool,
    /// Continuous voiced frames (dips up to `gap_frames` included), and the current dip.
    voiced_run: u32,
    gap_run: u32,
    frames: u64,
    last_score: f32,
}

impl std::fmt::Debug for TurnDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnDetector")
            .field("limits", &self.limits)
            .field("segment", &self.segment.as_ref().map(|s| s.audio.len()))
            .field("agent_speaking", &self.agent_speaking)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl TurnDetector {
    /// A detector with `config`.
    pub fn new(config: &VadConfig) -> Self {
        let limits = Limits::new(config);
        Self {
            detector: Detector::default_boxed(),
            recent: VecDeque::with_capacity(limits.pre_roll + FRAME_SAMPLES),
            limits,
            partial: Vec::with_capacity(FRAME_SAMPLES),
            segment: None,
            agent_speaking: false,
            barge_in_sent: false,
            voiced_run: 0,
            gap_run: 0,
            frames: 0,
            last_score: 0.0,
        }
    }

    /// Feeds 16 kHz mono PCM16 of any length; returns what happened, in order.
    pub fn push(&mut self, pcm: &[i16]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        let mut rest = pcm;
        while !rest.is_empty() {
            let take = (FRAME_SAMPLES - self.partial.len()).min(rest.len());
            self.partial.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.partial.len() == FRAME_SAMPLES {
                let frame = std::mem::take(&mut self.partial);
                self.frame(&frame, &mut events);
                self.partial = frame;
                self.partial.clear();
            }
        }
        events
    }

    /// Tells the detector whether the agent's audio is playing now. While it is, only a
    /// barge-in can start a turn.
    pub fn set_agent_speaking(&mut self, speaking: bool) {
        if speaking == self.agent_speaking {
            return;
        }
        self.agent_speaking = speaking;
        self.barge_in_sent = false;
        if !speaking {
            // Voice heard under the agent (echo, a backchannel) must not make a turn by
            // itself: count again from here.
            if let Some(segment) = self.segment.as_mut().filter(|s| !s.started) {
                segment.voiced_frames = 0;
            }
        }
    }

    /// Whether the candidate is in the middle of a turn (speech started, not yet ended): a
    /// reply prepared meanwhile is stale.
    pub fn in_turn(&self) -> bool {
        self.segment.as_ref().is_some_and(|s| s.started)
    }

    /// Ends the stream: the turn in progress, if any, ends now.
    pub fn finish(&mut self) -> Option<VadEvent> {
        self.partial.clear();
        let segment = self.segment.take()?;
        segment.started.then(|| self.turn_audio(segment))
    }

    /// Frames analysed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The score of the last frame (0..1), for a level meter or logs.
    pub fn last_score(&self) -> f32 {
        self.last_score
    }

    fn frame(&mut self, frame: &[i16], events: &mut Vec<VadEvent>) {
        let score = self.detector.predict_i16(frame);
        self.frames += 1;
        self.last_score = score;
        let voiced = score >= self.limits.threshold;
        self.track_barge_in(voiced, events);
        match self.segment.as_mut() {
            None if voiced => self.open_segment(frame),
            None => self.remember(frame),
            Some(segment) => {
                segment.audio.extend_from_slice(frame);
                if voiced {
                    segment.voiced_frames += 1;
                    segment.silent_run = 0;
                    segment.voiced_end = segment.audio.len();
                } else {
                    segment.silent_run += 1;
                }
            }
        }
        self.advance_segment(events);
    }

    fn track_barge_in(&mut self, voiced: bool, events: &mut Vec<VadEvent>) {
        if voiced {
            self.voiced_run += 1 + self.gap_run;
            self.gap_run = 0;
        } else {
            self.gap_run += 1;
            if self.gap_run > self.limits.gap_frames {
                self.voiced_run = 0;
                self.gap_run = 0;
            }
        }
        if self.agent_speaking && !self.barge_in_sent && self.voiced_run >= self.limits.barge_frames
        {
            self.barge_in_sent = true;
            events.push(VadEvent::BargeIn);
        }
    }

    fn open_segment(&mut self, frame: &[i16]) {
        let mut audio = Vec::with_capacity(self.recent.len() + 16 * FRAME_SAMPLES);
        audio.extend(self.recent.drain(..));
        audio.extend_from_slice(frame);
        self.segment = Some(Segment {
            voiced_end: audio.len(),
            audio,
            voiced_frames: 1,
            silent_run: 0,
            started: false,
        });
    }

    fn remember(&mut self, frame: &[i16]) {
        self.recent.extend(frame);
        let excess = self.recent.len().saturating_sub(self.limits.pre_roll);
        self.recent.drain(..excess);
    }

    fn advance_segment(&mut self, events: &mut Vec<VadEvent>) {
        let may_start = !self.agent_speaking || self.barge_in_sent;
        let Some(segment) = self.segment.as_mut() else {
            return;
        };
        if !segment.started && may_start && segment.voiced_frames >= self.limits.min_frames {
            segment.started = true;
            events.push(VadEvent::SpeechStarted);
        }
        let silent = segment.silent_run >= self.limits.end_frames;
        // Another frame would not fit.
        let too_long = segment.audio.len() + FRAME_SAMPLES > self.limits.max_samples;
        if !(silent || too_long) {
            return;
        }
        if let Some(segment) = self.segment.take() {
            // The trailing silence is the next turn's pre-roll.
            let keep = segment.audio.len().saturating_sub(self.limits.pre_roll);
            self.remember(&segment.audio[keep..]);
            if segment.started {
                events.push(self.turn_audio(segment));
            }
        }
    }

    fn turn_audio(&self, segment: Segment) -> VadEvent {
        let mut audio = segment.audio;
        audio.truncate((segment.voiced_end + self.limits.tail).min(audio.len()));
        VadEvent::TurnEnded { audio }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
