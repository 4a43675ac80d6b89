//! Recordings as WAV files: writing the simulator's synthetic audio and checking a header.
//!
//! Audio is PCM 16-bit mono at 8000 Hz (telephone quality): cheap to produce and to store,
//! and every millisecond is exactly [`SAMPLES_PER_MS`] samples, so a recording's length
//! matches the transcript's `duration_ms` to the sample. The tone is an integer triangle wave
//! rather than a sine so the bytes cannot vary with the platform's floating-point library.

use thiserror::Error;

use crate::provider::{Role, Turn};

/// Samples per second of every recording this crate writes.
pub const SAMPLE_RATE: u32 = 8_000;
/// Samples per millisecond at [`SAMPLE_RATE`].
pub const SAMPLES_PER_MS: u64 = 8;
/// Mono.
pub const CHANNELS: u16 = 1;
/// Signed 16-bit little-endian samples.
pub const BITS_PER_SAMPLE: u16 = 16;
/// Length of the canonical header [`synthesize`] writes before the samples.
pub const HEADER_LEN: usize = 44;

const BYTES_PER_SAMPLE: u16 = BITS_PER_SAMPLE / 8;
/// The largest sample count whose RIFF size still fits in 32 bits (about 74 hours).
const MAX_SAMPLES: u64 = (u32::MAX as u64 - 36) / BYTES_PER_SAMPLE as u64;
/// Roughly -15 dBFS: clearly audible, far from clipping.
const PEAK: i64 = 6_000;
/// 10 ms fade in and out of each word, which avoids clicks.
const RAMP_SAMPLES: i64 = 80;
/// Distinct pitches so the two speakers can be told apart by ear.
const AGENT_HZ: u64 = 220;
const PARTICIPANT_HZ: u64 = 330;

/// What [`parse_header`] learned about a WAV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavInfo {
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of interleaved channels.
    pub channels: u16,
    /// Bits per sample.
    pub bits: u16,
    /// Size of the `data` chunk in bytes.
    pub data_len: u32,
    /// Where the `data` chunk's samples begin in the file.
    pub data_offset: usize,
    /// Length of the audio in whole milliseconds.
    pub duration_ms: u64,
}

/// Why a byte string is not a PCM WAV file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum WavError {
    /// Shorter than the 12-byte RIFF/WAVE preamble.
    #[error("too short to be a WAV file")]
    TooShort,
    /// The preamble is not `RIFF....WAVE`.
    #[error("not a RIFF/WAVE file")]
    NotWave,
    /// The RIFF size field disagrees with the file's length.
    #[error("RIFF size {declared} does not match the {actual} bytes that follow it")]
    RiffSize {
        /// The size the header declares.
        declared: u32,
        /// The number of bytes after the size field.
        actual: usize,
    },
    /// A chunk claims more bytes than the file has.
    #[error("the {0:?} chunk runs past the end of the file")]
    Truncated(String),
    /// A required chunk (`fmt ` or `data`) is absent.
    #[error("no {0:?} chunk")]
    MissingChunk(&'static str),
    /// The `fmt ` chunk is malformed (too short, zero rate or zero sample size).
    #[error("malformed fmt chunk")]
    BadFormat,
    /// The audio is not plain PCM.
    #[error("audio format {0} is not PCM (1)")]
    NotPcm(u16),
}

/// Writes a WAV file exactly `duration_ms` long with a tone for every word of every turn.
///
/// Agent turns sound at a lower pitch than participant turns; each word is a short tone with
/// a fade in and out, followed by a short silence. Parts of turns beyond `duration_ms` are
/// left out. The same input always gives the same bytes.
pub fn synthesize(turns: &[Turn], duration_ms: u64) -> Vec<u8> {
    let total = duration_ms.saturating_mul(SAMPLES_PER_MS).min(MAX_SAMPLES);
    let mut samples = vec![0_i16; usize::try_from(total).unwrap_or(0)];
    for turn in turns {
        render_turn(&mut samples, turn);
    }
    encode(&samples)
}

fn render_turn(samples: &mut [i16], turn: &Turn) {
    let len = samples.len() as u64;
    let start = turn.start_ms.saturating_mul(SAMPLES_PER_MS).min(len);
    let end = turn.end_ms.saturating_mul(SAMPLES_PER_MS).min(len);
    if end <= start {
        return;
    }
    let words = (turn.text.split_whitespace().count() as u64).clamp(1, end - start);
    let slot = (end - start) / words;
    let base_hz = match turn.role {
        Role::Agent => AGENT_HZ,
        Role::Participant => PARTICIPANT_HZ,
    };
    for word in 0..words {
        let from = start + word * slot;
        // The last fifth of each word's slot stays silent, like the gap between words.
        let voiced = slot * 4 / 5;
        // A little rise and fall in pitch from word to word.
        let hz = base_hz + (word % 3) * 20;
        for i in 0..voiced {
            let at = (from + i) as usize;
            if let Some(sample) = samples.get_mut(at) {
                *sample = tone(i, hz, voiced);
            }
        }
    }
}

/// Sample `i` of a word `len` samples long: a triangle wave at `hz` under a fade envelope.
fn tone(i: u64, hz: u64, len: u64) -> i16 {
    // Phase in 1/65536ths of a period.
    let phase = (i * hz * 65_536 / u64::from(SAMPLE_RATE)) % 65_536;
    let phase = phase as i64;
    let wave = if phase < 32_768 {
        -PEAK + 2 * PEAK * phase / 32_768
    } else {
        PEAK - 2 * PEAK * (phase - 32_768) / 32_768
    };
    let edge = (i as i64).min(len as i64 - 1 - i as i64).max(0);
    let envelope = edge.min(RAMP_SAMPLES);
    // |wave| <= PEAK, well inside i16.
    (wave * envelope / RAMP_SAMPLES) as i16
}

/// The canonical 44-byte header followed by the samples, little-endian.
fn encode(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * usize::from(BYTES_PER_SAMPLE)) as u32;
    let block_align = CHANNELS * BYTES_PER_SAMPLE;
    let byte_rate = SAMPLE_RATE * u32::from(block_align);
    let mut out = Vec::with_capacity(HEADER_LEN + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16_u32.to_le_bytes());
    out.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    out.extend_from_slice(&CHANNELS.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&BITS_PER_SAMPLE.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

/// Reads and checks the header of a PCM WAV file, walking its chunks.
///
/// Checks the RIFF/WAVE preamble, that the RIFF size matches the file, that a PCM `fmt `
/// chunk comes before a `data` chunk and that the `data` chunk fits in the file.
pub fn parse_header(bytes: &[u8]) -> Result<WavInfo, WavError> {
    if bytes.len() < 12 {
        return Err(WavError::TooShort);
    }
    if &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let declared = le_u32(bytes, 4);
    if declared as usize != bytes.len() - 8 {
        return Err(WavError::RiffSize {
            declared,
            actual: bytes.len() - 8,
        });
    }
    let mut format: Option<(u32, u16, u16)> = None;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = le_u32(bytes, at + 4) as usize;
        let body = at + 8;
        if body + size > bytes.len() {
            return Err(WavError::Truncated(
                String::from_utf8_lossy(id).into_owned(),
            ));
        }
        match id {
            b"fmt " => format = Some(parse_fmt(&bytes[body..body + size])?),
            b"data" => {
                let (sample_rate, channels, bits) = format.ok_or(WavError::MissingChunk("fmt "))?;
                let block_align = u64::from(channels) * u64::from(bits / 8);
                let frames = size as u64 / block_align;
                return Ok(WavInfo {
                    sample_rate,
                    channels,
                    bits,
                    data_len: size as u32,
                    data_offset: body,
                    duration_ms: frames * 1_000 / u64::from(sample_rate),
                });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = body + size + size % 2;
    }
    Err(WavError::MissingChunk(if format.is_some() {
        "data"
    } else {
        "fmt "
    }))
}

/// Returns `(sample_rate, channels, bits)` from the body of a `fmt ` chunk.
fn parse_fmt(body: &[u8]) -> Result<(u32, u16, u16), WavError> {
    if body.len() < 16 {
        return Err(WavError::BadFormat);
    }
    let audio_format = le_u16(body, 0);
    if audio_format != 1 {
        return Err(WavError::NotPcm(audio_format));
    }
    let channels = le_u16(body, 2);
    let sample_rate = le_u32(body, 4);
    let bits = le_u16(body, 14);
    if channels == 0 || sample_rate == 0 || bits < 8 {
        return Err(WavError::BadFormat);
    }
    Ok((sample_rate, channels, bits))
}

// Callers check lengths first, so these index within bounds.
fn le_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
