//! G.711 μ-law, the phone network's audio: 8 000 Hz, mono, one byte per sample.
//!
//! Carriers' media streams (Twilio and Telnyx) carry `audio/x-mulaw` at 8 kHz in 20 ms frames
//! of 160 bytes. A wrong encoder is heard as static, so this is a small, exhaustively tested
//! implementation of the classic (Sun, CCITT) algorithm, bit-exact with `sox` on all 65 536
//! sample values (see `tests/codec_sox.rs`): the 16-bit sample is rounded to G.711's 14 bits,
//! biased by 33, and coded as a sign, a 3-bit segment and a 4-bit step, all bits inverted.
//! (The `audio-codec-algorithms` crate truncates to 14 bits instead, G.191 style, and differs
//! from sox on 510 values that sit exactly between two steps; the decoders agree.)
//!
//! [`PhoneDecoder`] and [`PhoneEncoder`] pair the codec with the resampler, for the two
//! directions of a call: μ-law 8 kHz ↔ the crate's 16 kHz PCM16.

use crate::SpeechError;
use crate::resample::StreamResampler;

/// Sample rate of phone audio.
pub const PHONE_RATE: u32 = 8_000;
/// Length of one phone frame.
pub const FRAME_MS: u64 = 20;
/// Bytes (= samples) in one 20 ms μ-law frame at 8 kHz.
pub const FRAME_BYTES: usize = 160;
/// The μ-law byte for a zero sample (positive zero), used to pad a partial frame.
pub const ULAW_SILENCE: u8 = 0xFF;

/// Added to the 14-bit magnitude so that every segment starts at a power of two.
const BIAS: i32 = 33;
/// The largest 14-bit magnitude that is coded without clipping.
const CLIP: i32 = 8_159;

/// Encodes PCM16 samples (of any rate; the codec does not care) as μ-law bytes.
pub fn encode(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| encode_sample(s)).collect()
}

/// Decodes μ-law bytes to PCM16 samples.
pub fn decode(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|&b| decode_sample(b)).collect()
}

/// Encodes one sample.
pub fn encode_sample(sample: i16) -> u8 {
    // 16 → 14 bits, rounding half up as sox does, within the 14-bit range.
    let pcm14 = ((i32::from(sample) + 2) >> 2).min(8_191);
    let (magnitude, mask) = if pcm14 < 0 {
        (-pcm14, 0x7F)
    } else {
        (pcm14, 0xFF)
    };
    let biased = magnitude.min(CLIP) + BIAS; // 33..=8192
    // The segment is the position of the highest set bit, counted from bit 5.
    let segment = 31 - biased.leading_zeros() as i32 - 5;
    if segment >= 8 {
        return 0x7F ^ mask;
    }
    let step = (biased >> (segment + 1)) & 0x0F;
    // Both operands fit in 7 bits.
    ((segment << 4) | step) as u8 ^ mask
}

/// Decodes one byte.
pub fn decode_sample(byte: u8) -> i16 {
    let code = !byte;
    let segment = (code >> 4) & 0x07;
    let step = i32::from(code & 0x0F);
    // Four times (the middle of the step, biased) less the bias: the 16-bit value.
    let magnitude = (((step << 3) + 4 * BIAS) << segment) - 4 * BIAS;
    // |magnitude| <= 32 124.
    (if code & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    }) as i16
}

/// A call's inbound direction: μ-law 8 kHz bytes from the carrier → 16 kHz PCM16.
#[derive(Debug)]
pub struct PhoneDecoder {
    resampler: StreamResampler,
}

impl PhoneDecoder {
    /// A decoder for one call.
    pub fn new() -> Result<Self, SpeechError> {
        Ok(Self {
            resampler: StreamResampler::new(PHONE_RATE, crate::SAMPLE_RATE)?,
        })
    }

    /// Decodes a media payload (any length) and appends the 16 kHz samples it completes to
    /// `out`. The resampler holds back a few milliseconds until [`Self::finish`].
    pub fn push(&mut self, ulaw: &[u8], out: &mut Vec<i16>) -> Result<(), SpeechError> {
        self.resampler.push(&decode(ulaw), out)
    }

    /// Appends the held-back tail at the end of the call.
    pub fn finish(&mut self, out: &mut Vec<i16>) -> Result<(), SpeechError> {
        self.resampler.flush(out)
    }
}

/// A call's outbound direction: 16 kHz PCM16 (text-to-speech output) → μ-law 8 kHz bytes.
#[derive(Debug)]
pub struct PhoneEncoder {
    resampler: StreamResampler,
    scratch: Vec<i16>,
}

impl PhoneEncoder {
    /// An encoder for one call.
    pub fn new() -> Result<Self, SpeechError> {
        Ok(Self {
            resampler: StreamResampler::new(crate::SAMPLE_RATE, PHONE_RATE)?,
            scratch: Vec::new(),
        })
    }

    /// Encodes a whole utterance (one sentence of speech) to μ-law 8 kHz, exactly half as many
    /// bytes as samples (rounded), with no delay and no tail carried into the next utterance.
    pub fn encode_utterance(&mut self, pcm16k: &[i16]) -> Result<Vec<u8>, SpeechError> {
        self.scratch.clear();
        self.resampler.push(pcm16k, &mut self.scratch)?;
        self.resampler.flush(&mut self.scratch)?;
        Ok(encode(&self.scratch))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn every_code_survives_decode_then_encode() {
        for byte in 0..=255_u8 {
            let back = encode_sample(decode_sample(byte));
            // 0x7F is negative zero: it decodes to 0, which encodes as positive zero.
            let expected = if byte == 0x7F { 0xFF } else { byte };
            assert_eq!(back, expected, "code {byte:#04x}");
        }
    }

    #[test]
    fn encoding_error_stays_within_the_segment_step() {
        for sample in (i16::MIN..=i16::MAX).step_by(7) {
            let back = decode_sample(encode_sample(sample));
            let error = (i32::from(sample) - i32::from(back)).abs();
            // The step doubles with each segment: about |sample| / 16, so the error of a
            // value at the middle of a step is at most half of that; beyond the top step
            // (32 124 ± 512) the coder clips.
            let magnitude = i32::from(sample).abs();
            let bound = if magnitude > 32_124 + 512 {
                magnitude - 32_124
            } else {
                (magnitude + 132) / 32 + 2
            };
            assert!(error <= bound, "{sample} -> {back}");
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(encode_sample(0), 0xFF);
        assert_eq!(decode_sample(0xFF), 0);
        assert_eq!(decode_sample(0x00), -32_124);
        assert_eq!(decode_sample(0x80), 32_124);
        assert_eq!(encode_sample(i16::MAX), 0x80);
        assert_eq!(encode_sample(i16::MIN), 0x00);
        assert_eq!(ULAW_SILENCE, encode_sample(0));
    }

    #[test]
    fn phone_directions_keep_the_length() {
        let mut decoder = PhoneDecoder::new().unwrap();
        let mut pcm = Vec::new();
        for _ in 0..50 {
            decoder
                .push(&[ULAW_SILENCE; FRAME_BYTES], &mut pcm)
                .unwrap();
        }
        decoder.finish(&mut pcm).unwrap();
        assert_eq!(pcm.len(), 50 * FRAME_BYTES * 2);

        let mut encoder = PhoneEncoder::new().unwrap();
        let bytes = encoder.encode_utterance(&pcm).unwrap();
        assert_eq!(bytes.len(), 50 * FRAME_BYTES);
        assert!(bytes.iter().all(|&b| b == ULAW_SILENCE || b == 0x7F));
    }
}
