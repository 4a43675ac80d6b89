//! WAV in and out: the container at the speech engines' boundary.
//!
//! Writing uses the canonical 44-byte header (`RIFF`, a 16-byte `fmt ` chunk, `data`), the
//! layout of `interviewd-voice`'s recordings, with little-endian PCM16 samples. Reading uses
//! `hound` and accepts what engines actually send: any rate, 8/16/24/32-bit integer or 32-bit
//! float samples, several channels (averaged to mono), and the "streaming" WAV some servers
//! write with a data size of `0xFFFFFFFF` or 0, whose samples simply run to the end of the body.

use std::io::Cursor;

use crate::SpeechError;

/// Length of the header [`encode`] writes.
pub const HEADER_LEN: usize = 44;

/// Mono PCM16 audio with its sample rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcm {
    /// Samples per second.
    pub sample_rate: u32,
    /// The samples, one channel.
    pub samples: Vec<i16>,
}

/// Writes interleaved PCM16 `samples` of `channels` channels at `sample_rate` as a WAV file.
pub fn encode(samples: &[i16], sample_rate: u32, channels: u16) -> Vec<u8> {
    let data_len = samples.len() * 2;
    let mut out = Vec::with_capacity(HEADER_LEN + data_len);
    out.extend_from_slice(&header(sample_rate, channels, data_len as u64));
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

/// The canonical 44-byte header for `data_len` bytes of PCM16 (sizes saturate at 4 GiB).
pub fn header(sample_rate: u32, channels: u16, data_len: u64) -> [u8; HEADER_LEN] {
    let data_len = u32::try_from(data_len).unwrap_or(u32::MAX - 36);
    let block_align = channels * 2;
    let byte_rate = sample_rate * u32::from(block_align);
    let mut h = [0_u8; HEADER_LEN];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16_u32.to_le_bytes());
    h[20..22].copy_from_slice(&1_u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16_u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// Reads a WAV file as mono PCM16 at its own sample rate.
pub fn decode(bytes: &[u8]) -> Result<Pcm, SpeechError> {
    let bytes = fix_streaming_sizes(bytes);
    let reader = hound::WavReader::new(Cursor::new(&bytes[..]))
        .map_err(|e| SpeechError::Audio(format!("not a readable WAV file: {e}")))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved = read_samples(reader, spec)?;
    let samples = if channels == 1 {
        interleaved
    } else {
        interleaved
            .chunks_exact(channels)
            .map(|frame| {
                let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
                (sum / channels as i32) as i16
            })
            .collect()
    };
    Ok(Pcm {
        sample_rate: spec.sample_rate,
        samples,
    })
}

fn read_samples(
    mut reader: hound::WavReader<Cursor<&[u8]>>,
    spec: hound::WavSpec,
) -> Result<Vec<i16>, SpeechError> {
    let bad = |e: hound::Error| SpeechError::Audio(format!("WAV samples: {e}"));
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => reader
            .samples::<f32>()
            .map(|s| s.map(|x| (x * 32_768.0).round() as i16).map_err(bad))
            .collect(),
        (hound::SampleFormat::Int, bits @ 1..=16) => reader
            .samples::<i16>()
            .map(|s| s.map(|x| x << (16 - bits)).map_err(bad))
            .collect(),
        (hound::SampleFormat::Int, bits @ 17..=32) => reader
            .samples::<i32>()
            .map(|s| s.map(|x| (x >> (bits - 16)) as i16).map_err(bad))
            .collect(),
        (format, bits) => Err(SpeechError::Audio(format!(
            "unsupported WAV sample format {format:?} with {bits} bits"
        ))),
    }
}

/// Streaming encoders cannot know the length up front and write `0xFFFFFFFF` (or 0) as the
/// RIFF and data sizes. Rewrites both to what the body holds so a strict reader accepts it.
fn fix_streaming_sizes(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let (Some(data_at), Some(fmt_at)) = (find_chunk(bytes, b"data"), find_chunk(bytes, b"fmt "))
    else {
        return bytes.into();
    };
    let declared = le_u32(bytes, data_at + 4);
    let available = bytes.len() - (data_at + 8);
    if declared as usize <= available && declared != 0 {
        return bytes.into();
    }
    // A torn last frame (all channels of one sample time) is dropped.
    let block_align = match bytes.get(fmt_at + 20..fmt_at + 22) {
        Some(b) => usize::from(u16::from_le_bytes([b[0], b[1]]).max(1)),
        None => return bytes.into(),
    };
    let mut fixed = bytes.to_vec();
    let body = (available - available % block_align) as u32;
    fixed.truncate(data_at + 8 + body as usize);
    fixed[data_at + 4..data_at + 8].copy_from_slice(&body.to_le_bytes());
    let riff = (fixed.len() - 8) as u32;
    fixed[4..8].copy_from_slice(&riff.to_le_bytes());
    fixed.into()
}

/// Where the chunk `id` starts, walking the chunks after the 12-byte preamble.
fn find_chunk(bytes: &[u8], id: &[u8; 4]) -> Option<usize> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut at = 12;
    while at + 8 <= bytes.len() {
        if &bytes[at..at + 4] == id {
            return Some(at);
        }
        let size = le_u32(bytes, at + 4) as usize;
        at = at.checked_add(8 + size + size % 2)?;
    }
    None
}

// Callers check lengths first.
fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let samples: Vec<i16> = (0..1_000)
            .map(|i| (i * 37 % 2_000 - 1_000) as i16)
            .collect();
        let bytes = encode(&samples, 16_000, 1);
        assert_eq!(bytes.len(), HEADER_LEN + 2_000);
        let pcm = decode(&bytes).unwrap();
        assert_eq!(pcm.sample_rate, 16_000);
        assert_eq!(pcm.samples, samples);
    }

    #[test]
    fn stereo_is_averaged_to_mono() {
        let bytes = encode(&[100, 300, -50, -150], 8_000, 2);
        assert_eq!(decode(&bytes).unwrap().samples, vec![200, -100]);
    }

    #[test]
    fn a_streaming_header_with_unknown_sizes_is_read_to_the_end() {
        let mut bytes = encode(&[1, 2, 3, 4, 5], 24_000, 1);
        bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        bytes[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&bytes).unwrap().samples, vec![1, 2, 3, 4, 5]);
        // A torn last sample is dropped.
        bytes.push(7);
        assert_eq!(decode(&bytes).unwrap().samples, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn float_and_24_bit_samples_are_converted() {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut cursor = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        writer.write_sample(0.5_f32).unwrap();
        writer.write_sample(-1.0_f32).unwrap();
        writer.finalize().unwrap();
        let pcm = decode(cursor.get_ref()).unwrap();
        assert_eq!(
            (pcm.sample_rate, pcm.samples),
            (22_050, vec![16_384, -32_768])
        );

        let spec = hound::WavSpec {
            bits_per_sample: 24,
            sample_format: hound::SampleFormat::Int,
            ..spec
        };
        let mut cursor = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        writer.write_sample(0x12_3456_i32).unwrap();
        writer.finalize().unwrap();
        assert_eq!(decode(cursor.get_ref()).unwrap().samples, vec![0x1234]);
    }

    #[test]
    fn garbage_is_an_audio_error() {
        assert!(matches!(decode(b"not a wav"), Err(SpeechError::Audio(_))));
        assert!(matches!(decode(b""), Err(SpeechError::Audio(_))));
    }
}
