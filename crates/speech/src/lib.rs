//! The audio and speech layer of interviewd: everything between a candidate's microphone or
//! phone line and the conversation engine's text.
//!
//! Audio is the first source of user complaints in voice agents (choppy phone audio, WAV sent
//! where μ-law was expected, 24 kHz decimated to 8 kHz by dropping samples, frames sent faster
//! than real time). So this crate fixes one internal format and converts at every boundary
//! with a real filter, a tested codec and a paced clock.
//!
//! # Formats at every boundary
//!
//! | boundary | format |
//! |---|---|
//! | inside the crate, and every `&[i16]`/`Vec<i16>` in its API unless named otherwise | PCM signed 16-bit, mono, **16 000 Hz** ([`SAMPLE_RATE`]); samples are native `i16` values |
//! | browser uplink (issue 14) | 20 ms binary WebSocket frames of PCM16 little-endian, 16 kHz mono = 320 samples = 640 bytes; decode with [`pcm16le_to_samples`] |
//! | phone (Twilio/Telnyx Media Streams) | G.711 μ-law, 8 000 Hz, mono, one byte per sample; 20 ms frames of 160 bytes ([`codec`], [`pacer`]) |
//! | phone ↔ internal | [`resample::StreamResampler`] 8 000 ↔ 16 000 Hz |
//! | end-of-turn detection ([`vad`]) | 16 kHz PCM16 in any chunk size, analysed in 256-sample (16 ms) frames |
//! | speech-to-text ([`stt`]) | a WAV file (RIFF, PCM16 little-endian, 16 kHz, mono) posted as multipart `file` to `{base}/audio/transcriptions`; JSON `{"text": ...}` back |
//! | text-to-speech ([`tts`]) | JSON to `{base}/audio/speech`; back a WAV (any rate, 8/16/24/32-bit or float, mono or multi-channel, downmixed) or `pcm` (raw s16le, 24 000 Hz, mono, as OpenAI documents); returned as 16 kHz PCM16 |
//! | recording ([`recorder`]) | WAV, PCM16 little-endian, 16 kHz, stereo (left = candidate, right = agent) or a mono mix; files written off the runtime through [`spool`] |
//! | text to speak ([`sentences`]) | UTF-8 pieces of a streamed model reply in, whole sentences out |
//!
//! WAV files this crate writes have the canonical 44-byte header (`RIFF`, `fmt ` of 16 bytes,
//! `data`), the same layout as the simulator's recordings in `interviewd-voice`.
//!
//! # How a voice session uses it
//!
//! - **Uplink.** Browser frames ([`pcm16le_to_samples`]) or phone payloads
//!   ([`codec::PhoneDecoder`]) become 16 kHz samples, which go to the recorder
//!   ([`recorder::Recorder::push_candidate`]) and the turn detector
//!   ([`vad::TurnDetector::push`]). `TurnEnded` hands the utterance to
//!   [`stt::SpeechToText::transcribe`]; `BargeIn` stops the agent.
//! - **Downlink.** The model's streamed reply goes through [`sentences::SentenceSplitter`];
//!   each sentence through [`tts::TextToSpeech::synthesize`] (16 kHz). For the browser, send it
//!   as PCM16 ([`samples_to_pcm16le`]) or a WAV ([`wav::encode`]); for the phone, encode it
//!   with [`codec::PhoneEncoder`], queue it in [`pacer::OutboundAudio`] followed by a mark, and
//!   send what [`pacer::Pacer::next`] hands out. Tell the detector the agent is speaking
//!   ([`vad::TurnDetector::set_agent_speaking`]) and place the audio in the recording at the
//!   offset it starts playing ([`recorder::Recorder::push_agent`]).
//! - **Barge-in.** [`pacer::OutboundAudio::clear`] (phone) or a `clear` message (browser),
//!   [`recorder::Recorder::truncate_agent`] at that offset, and `set_agent_speaking(false)`.
//!
//! # Test doubles
//!
//! With the `testing` feature, the `testing` module has an instant scripted speech-to-text and an
//! instant text-to-speech, so voice sessions run in tests and benchmarks with no engine.

pub mod codec;
mod error;
mod http;
pub mod pacer;
pub mod recorder;
pub mod resample;
pub mod sentences;
pub mod spool;
pub mod stt;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tts;
pub mod vad;
pub mod wav;

pub use error::SpeechError;
pub use http::{ApiKey, EngineConfig, Probe};

/// The internal sample rate: every PCM buffer in this crate's API is 16 kHz mono PCM16.
pub const SAMPLE_RATE: u32 = 16_000;

/// A boxed, sendable future: what the object-safe speech traits return.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Reads little-endian PCM16 bytes (a browser uplink frame) as samples; a trailing odd byte is
/// ignored.
pub fn pcm16le_to_samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
        .collect()
}

/// Writes samples as little-endian PCM16 bytes (a browser downlink frame).
pub fn samples_to_pcm16le(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// The number of samples in `ms` milliseconds at `rate` Hz, rounded down.
pub const fn samples_for_ms(ms: u64, rate: u32) -> usize {
    (ms * rate as u64 / 1_000) as usize
}
