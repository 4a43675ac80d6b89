//! A streaming resampler for PCM16 mono, fed in chunks of any size.
//!
//! Phone audio is 8 kHz, the browser and the speech engines use 16 kHz, and text-to-speech
//! engines answer at 22.05, 24, 44.1 or 48 kHz. Converting by dropping or repeating samples is
//! heard as aliasing and pitch errors (a known cause of "choppy" phone bots), so this wraps
//! `rubato`'s FFT resampler: a windowed-sinc low-pass (Blackman-Harris) applied in the
//! frequency domain, synchronous, with an exact rational ratio.
//!
//! The resampler works on blocks of about 20 ms of input (rounded up to the smallest block
//! the ratio allows, e.g. 441 samples for 44.1 kHz → 16 kHz). Input is buffered until a block
//! is full, so output lags input by up to one block plus the filter delay (half an output
//! block); the delay is trimmed from the start of the output, so output sample `k` is the
//! signal at time `k / out_rate`. [`StreamResampler::flush`] pushes the tail through and cuts
//! the total output to exactly `round(input × out_rate / in_rate)` samples: nothing is dropped
//! or repeated, whatever the chunk sizes were.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::SpeechError;

/// Target block length: 20 ms of input.
const BLOCK_MS: usize = 20;
/// Rates outside this range are refused (no audio path in interviewd uses them).
const MIN_RATE: u32 = 1_000;
const MAX_RATE: u32 = 384_000;

/// Converts a stream of PCM16 mono samples from one rate to another.
#[derive(Debug)]
pub struct StreamResampler {
    in_rate: u32,
    out_rate: u32,
    /// `None` when both rates are equal: samples pass through untouched.
    engine: Option<Box<Fft<f32>>>,
    block_in: usize,
    /// Input not yet resampled, always shorter than `block_in`.
    pending: Vec<f32>,
    /// Scratch output of one block.
    block_out: Vec<f32>,
    /// Output samples still to drop at the start: the filter delay.
    to_trim: usize,
    consumed: u64,
    produced: u64,
}

impl StreamResampler {
    /// A resampler from `in_rate` to `out_rate` Hz (each between 1 kHz and 384 kHz).
    pub fn new(in_rate: u32, out_rate: u32) -> Result<Self, SpeechError> {
        for rate in [in_rate, out_rate] {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(SpeechError::Config(format!(
                    "sample rate {rate} Hz is outside {MIN_RATE}..={MAX_RATE}"
                )));
            }
        }
        let mut resampler = Self {
            in_rate,
            out_rate,
            engine: None,
            block_in: 0,
            pending: Vec::new(),
            block_out: Vec::new(),
            to_trim: 0,
            consumed: 0,
            produced: 0,
        };
        if in_rate != out_rate {
            let wanted = in_rate as usize * BLOCK_MS / 1_000;
            let fft = Fft::<f32>::new(
                in_rate as usize,
                out_rate as usize,
                wanted,
                1,
                FixedSync::Both,
            )
            .map_err(|e| SpeechError::Config(format!("resampler {in_rate}→{out_rate}: {e}")))?;
            resampler.block_in = fft.input_frames_next();
            resampler.block_out = vec![0.0; fft.output_frames_max()];
            resampler.pending.reserve(resampler.block_in);
            resampler.to_trim = fft.output_delay();
            resampler.engine = Some(Box::new(fft));
        }
        Ok(resampler)
    }

    /// The input rate in Hz.
    pub fn in_rate(&self) -> u32 {
        self.in_rate
    }

    /// The output rate in Hz.
    pub fn out_rate(&self) -> u32 {
        self.out_rate
    }

    /// The most input samples held back before output appears: one block plus the filter
    /// delay, in input samples (0 when the rates are equal).
    pub fn latency_samples(&self) -> usize {
        let Some(engine) = &self.engine else {
            return 0;
        };
        let delay_in =
            engine.output_delay() as u64 * u64::from(self.in_rate) / u64::from(self.out_rate);
        self.block_in + delay_in as usize
    }

    /// Resamples `input` and appends every output sample it completes to `out`.
    pub fn push(&mut self, input: &[i16], out: &mut Vec<i16>) -> Result<(), SpeechError> {
        self.consumed += input.len() as u64;
        if self.engine.is_none() {
            out.extend_from_slice(input);
            self.produced += input.len() as u64;
            return Ok(());
        }
        let mut rest = input;
        while !rest.is_empty() {
            let room = self.block_in - self.pending.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.pending
                .extend(now.iter().map(|&s| f32::from(s) / 32_768.0));
            rest = later;
            if self.pending.len() == self.block_in {
                self.process_block(None, out, u64::MAX)?;
            }
        }
        Ok(())
    }

    /// Ends the stream: appends the held-back tail to `out`, so that the total output since
    /// the start (or the last flush) is `round(input × out_rate / in_rate)` samples. The
    /// resampler is then ready for a new, independent stream.
    pub fn flush(&mut self, out: &mut Vec<i16>) -> Result<(), SpeechError> {
        let expected = (self.consumed * u64::from(self.out_rate) + u64::from(self.in_rate) / 2)
            / u64::from(self.in_rate);
        if self.engine.is_some() && self.consumed > 0 {
            let partial = self.pending.len();
            self.pending.resize(self.block_in, 0.0);
            self.process_block(Some(partial), out, expected)?;
            while self.produced < expected {
                self.pending.resize(self.block_in, 0.0);
                self.process_block(Some(0), out, expected)?;
            }
        }
        self.reset();
        Ok(())
    }

    /// Forgets everything buffered (e.g. after a barge-in), without output.
    pub fn reset(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.reset();
            self.to_trim = engine.output_delay();
        }
        self.pending.clear();
        self.consumed = 0;
        self.produced = 0;
    }

    /// Resamples one block from `pending` (of which `partial` samples are real, or all), and
    /// appends its output after the delay trim, never beyond `limit` samples in total.
    fn process_block(
        &mut self,
        partial: Option<usize>,
        out: &mut Vec<i16>,
        limit: u64,
    ) -> Result<(), SpeechError> {
        let Some(engine) = &mut self.engine else {
            return Ok(());
        };
        let audio = |e: &dyn std::fmt::Display| SpeechError::Audio(format!("resampler: {e}"));
        let input =
            InterleavedSlice::new(&self.pending[..], 1, self.block_in).map_err(|e| audio(&e))?;
        let frames_out = self.block_out.len();
        let mut output = InterleavedSlice::new_mut(&mut self.block_out[..], 1, frames_out)
            .map_err(|e| audio(&e))?;
        let indexing = partial.map(|n| Indexing::new().partial_len(n));
        let (_, written) = engine
            .process_into_buffer(&input, &mut output, indexing.as_ref())
            .map_err(|e| audio(&e))?;
        self.pending.clear();
        let skip = self.to_trim.min(written);
        self.to_trim -= skip;
        let room = usize::try_from(limit.saturating_sub(self.produced)).unwrap_or(usize::MAX);
        let take = (written - skip).min(room);
        out.extend(self.block_out[skip..skip + take].iter().map(|&x| to_i16(x)));
        self.produced += take as u64;
        Ok(())
    }
}

fn to_i16(x: f32) -> i16 {
    // `as` saturates on overflow; rounding keeps silence at exactly zero.
    (x * 32_768.0).round() as i16
}

/// Resamples a whole clip in one call (e.g. a text-to-speech answer).
pub fn resample(input: &[i16], in_rate: u32, out_rate: u32) -> Result<Vec<i16>, SpeechError> {
    let mut resampler = StreamResampler::new(in_rate, out_rate)?;
    let expected = input.len() as u64 * u64::from(out_rate) / u64::from(in_rate);
    let mut out = Vec::with_capacity(usize::try_from(expected).unwrap_or(0) + 1);
    resampler.push(input, &mut out)?;
    resampler.flush(&mut out)?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
