//! The recording of a voice interview: both parties, at 16 kHz, in one WAV file.
//!
//! The candidate's audio is appended as it arrives (it is the session's clock: 20 ms frames
//! in real time). The agent's audio is placed at the offset where it started playing, and
//! cut at a barge-in, so the file holds what the candidate actually heard, not what was
//! synthesised.
//!
//! **Layout.** [`Layout::Stereo`] (the default): left = candidate, right = agent. Each voice
//! stays separable for review or a later transcription, and overlapping speech (a barge-in)
//! cannot clip. [`Layout::MonoMix`] sums both into one channel, for half the size.
//!
//! **Size.** PCM16 at 16 kHz: stereo 64 000 bytes/s = **3.84 MB per minute** of file (a
//! 30-minute interview is 115 MB); mono 1.92 MB per minute.
//!
//! **Memory is bounded.** Samples are written to the writer (a file, normally) once they are
//! `settle` (default 2 s) behind the candidate's cursor, in blocks of 1 s. Only that window
//! and agent audio scheduled ahead of the cursor stay in memory: 64 KB per second held, so
//! about 200 KB in steady state plus the agent's pending sentence. Agent audio more than
//! `max_ahead` (default 2 min) ahead of the candidate, or behind the written part, is dropped
//! and counted.
//!
//! The file has the canonical 44-byte header of [`crate::wav::header`]; its sizes are patched
//! by [`Recorder::finish`], which therefore needs `Seek`.

use std::collections::VecDeque;
use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use crate::{SAMPLE_RATE, SpeechError, wav};

/// Samples written per block.
const BLOCK: usize = SAMPLE_RATE as usize;

/// How the two parties share the file's channels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// Two channels: left = candidate, right = agent.
    #[default]
    Stereo,
    /// One channel: the sum of both, saturated.
    MonoMix,
}

impl Layout {
    /// Channels in the file.
    pub fn channels(self) -> u16 {
        match self {
            Self::Stereo => 2,
            Self::MonoMix => 1,
        }
    }
}

/// Tuning of a [`Recorder`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecorderConfig {
    /// Channel layout.
    pub layout: Layout,
    /// How far behind the candidate's cursor audio is kept in memory (agent audio reported
    /// late still lands if it is within this).
    pub settle: Duration,
    /// How far ahead of the candidate's cursor agent audio may be placed.
    pub max_ahead: Duration,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            layout: Layout::Stereo,
            settle: Duration::from_secs(2),
            max_ahead: Duration::from_secs(120),
        }
    }
}

/// What a finished recording holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingInfo {
    /// Length of the audio.
    pub duration: Duration,
    /// Size of the file, header included.
    pub bytes: u64,
    /// Agent samples dropped because they fell outside the window.
    pub dropped_samples: u64,
}

/// Records a two-party conversation into `W` (a file, or a `Cursor<Vec<u8>>`).
#[derive(Debug)]
pub struct Recorder<W: Write + Seek> {
    out: W,
    layout: Layout,
    settle: usize,
    max_ahead: usize,
    /// Samples (per channel) already written.
    written: u64,
    /// The window after `written`; both tracks have the same length.
    candidate: VecDeque<i16>,
    agent: VecDeque<i16>,
    /// Where the next candidate sample goes (absolute sample index).
    cursor: u64,
    dropped: u64,
    scratch: Vec<u8>,
}

impl<W: Write + Seek> Recorder<W> {
    /// Starts a recording; writes a provisional header.
    pub fn new(mut out: W, config: &RecorderConfig) -> Result<Self, SpeechError> {
        out.write_all(&wav::header(SAMPLE_RATE, config.layout.channels(), 0))?;
        Ok(Self {
            out,
            layout: config.layout,
            settle: samples(config.settle),
            max_ahead: samples(config.max_ahead),
            written: 0,
            candidate: VecDeque::new(),
            agent: VecDeque::new(),
            cursor: 0,
            dropped: 0,
            scratch: Vec::new(),
        })
    }

    /// Appends the candidate's next audio (16 kHz mono).
    pub fn push_candidate(&mut self, pcm: &[i16]) -> Result<(), SpeechError> {
        let start = self.index(self.cursor);
        self.grow(start);
        // The window may already reach past the cursor (agent audio queued ahead): those
        // places are overwritten, the rest appended.
        let overlap = (self.candidate.len() - start).min(pcm.len());
        for (slot, &sample) in self.candidate.range_mut(start..).zip(&pcm[..overlap]) {
            *slot = sample;
        }
        self.candidate.extend(pcm[overlap..].iter().copied());
        self.agent.resize(self.candidate.len(), 0);
        self.cursor += pcm.len() as u64;
        self.write_settled()
    }

    /// Moves the candidate's cursor forward to `offset` (silence in between), e.g. after a
    /// reconnect; an offset behind the cursor changes nothing.
    pub fn sync_candidate(&mut self, offset: Duration) -> Result<(), SpeechError> {
        let target = samples(offset) as u64;
        if target > self.cursor {
            self.cursor = target;
            self.grow(self.index(target));
        }
        self.write_settled()
    }

    /// Places agent audio (16 kHz mono) that started playing at `offset` from the start.
    pub fn push_agent(&mut self, offset: Duration, pcm: &[i16]) {
        let start = samples(offset) as u64;
        let limit = self.cursor + self.max_ahead as u64;
        // The part of `pcm` inside the window: not yet written, not too far ahead.
        let first = start.max(self.written);
        let end = (start + pcm.len() as u64).min(limit);
        let mut kept = 0_u64;
        if first < end {
            let (from, to) = (self.index(first), self.index(end));
            self.grow(to);
            let skip = usize::try_from(first - start).unwrap_or(usize::MAX);
            for (slot, &sample) in self.agent.range_mut(from..to).zip(&pcm[skip..]) {
                *slot = slot.saturating_add(sample);
            }
            kept = end - first;
        }
        self.dropped += pcm.len() as u64 - kept;
    }

    /// Silences the agent from `offset` on: playback was cut there (barge-in).
    pub fn truncate_agent(&mut self, offset: Duration) {
        let from = (samples(offset) as u64).max(self.written);
        let start = self.index(from).min(self.agent.len());
        for slot in self.agent.range_mut(start..) {
            *slot = 0;
        }
        // Past the candidate's cursor the window held only this agent audio: let it go, so
        // the file does not end with the silence of words never played.
        let keep = start.max(self.index(self.cursor));
        self.candidate.truncate(keep);
        self.agent.truncate(keep);
    }

    /// The candidate's cursor: how much of the session has been recorded.
    pub fn elapsed(&self) -> Duration {
        duration(self.cursor)
    }

    /// Samples per channel held in memory now.
    pub fn buffered_samples(&self) -> usize {
        self.candidate.len()
    }

    /// Writes everything (up to the later of the candidate's cursor and the end of the
    /// agent's audio), patches the header, and returns the writer.
    pub fn finish(mut self) -> Result<(W, RecordingInfo), SpeechError> {
        let end = self.candidate.len().max(self.index(self.cursor));
        self.grow(end);
        self.write_front(end)?;
        let channels = self.layout.channels();
        let data_len = self.written * u64::from(channels) * 2;
        self.out.seek(SeekFrom::Start(0))?;
        self.out
            .write_all(&wav::header(SAMPLE_RATE, channels, data_len))?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        let info = RecordingInfo {
            duration: duration(self.written),
            bytes: wav::HEADER_LEN as u64 + data_len,
            dropped_samples: self.dropped,
        };
        Ok((self.out, info))
    }

    /// Position of absolute sample `at` in the window (`at >= written`).
    fn index(&self, at: u64) -> usize {
        usize::try_from(at.saturating_sub(self.written)).unwrap_or(usize::MAX)
    }

    fn grow(&mut self, len: usize) {
        if self.candidate.len() < len {
            self.candidate.resize(len, 0);
            self.agent.resize(len, 0);
        }
    }

    /// Writes whole blocks that are more than `settle` behind the cursor.
    fn write_settled(&mut self) -> Result<(), SpeechError> {
        let settled = self.index(self.cursor).saturating_sub(self.settle);
        if settled >= BLOCK {
            self.write_front(settled / BLOCK * BLOCK)?;
        }
        Ok(())
    }

    /// Writes and forgets the first `count` samples of the window.
    fn write_front(&mut self, count: usize) -> Result<(), SpeechError> {
        let width = usize::from(self.layout.channels()) * 2;
        self.scratch.clear();
        self.scratch.resize(count * width, 0);
        let pairs = self.candidate.range(..count).zip(self.agent.range(..count));
        let frames = self.scratch.chunks_exact_mut(width);
        match self.layout {
            Layout::Stereo => {
                for (out, (c, a)) in frames.zip(pairs) {
                    out[..2].copy_from_slice(&c.to_le_bytes());
                    out[2..].copy_from_slice(&a.to_le_bytes());
                }
            }
            Layout::MonoMix => {
                for (out, (c, a)) in frames.zip(pairs) {
                    out.copy_from_slice(&c.saturating_add(*a).to_le_bytes());
                }
            }
        }
        self.candidate.drain(..count);
        self.agent.drain(..count);
        self.out.write_all(&self.scratch)?;
        self.written += count as u64;
        Ok(())
    }
}

fn samples(d: Duration) -> usize {
    usize::try_from(d.as_micros() * u128::from(SAMPLE_RATE) / 1_000_000).unwrap_or(usize::MAX)
}

fn duration(samples: u64) -> Duration {
    Duration::from_micros(samples * 1_000_000 / u64::from(SAMPLE_RATE))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
