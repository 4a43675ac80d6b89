//! Text-to-speech: a sentence in, 16 kHz mono PCM16 out.
//!
//! The seam is the OpenAI speech endpoint: `POST {base}/audio/speech` with JSON
//! `{"model", "input", "voice", "response_format"}`. Two answer formats are accepted, both
//! lossless and easy to decode without codecs:
//! - `wav` (the default): a WAV file at the engine's own rate (piper: 22 050 Hz; OpenAI:
//!   24 000 Hz), read with `hound`, downmixed to mono if needed;
//! - `pcm`: raw signed 16-bit little-endian mono samples at 24 000 Hz with no header, as
//!   OpenAI documents it.
//!
//! Either way the audio is resampled to 16 kHz ([`crate::SAMPLE_RATE`]) before it is returned.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::http::{Engine, transport_error};
use crate::{BoxFuture, EngineConfig, Probe, SAMPLE_RATE, SpeechError, resample, wav};

/// The rate of OpenAI's `pcm` response format.
pub const OPENAI_PCM_RATE: u32 = 24_000;

/// Synthesised speech.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Speech {
    /// 16 kHz mono PCM16.
    pub pcm: Vec<i16>,
    /// The rate the engine answered at, before resampling.
    pub engine_rate: u32,
    /// How long the engine took (request to last byte), for latency metrics.
    pub elapsed: Duration,
}

impl Speech {
    /// The length of the audio.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.pcm.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE))
    }
}

/// Speaks text as 16 kHz mono PCM16. Object-safe: hold it as `Arc<dyn TextToSpeech>`.
pub trait TextToSpeech: Send + Sync {
    /// Synthesises `text` (best one sentence at a time, see [`crate::sentences`]) with
    /// `voice`, or the engine's configured voice when `None`.
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        voice: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Speech, SpeechError>>;

    /// Checks that the engine is reachable, for `interviewd doctor`.
    fn probe(&self) -> BoxFuture<'_, Result<Probe, SpeechError>>;
}

/// The `response_format` asked of the engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AudioFormat {
    /// A WAV file at any rate.
    #[default]
    Wav,
    /// Raw s16le mono at 24 kHz.
    Pcm,
}

impl AudioFormat {
    fn as_str(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Pcm => "pcm",
        }
    }
}

/// An OpenAI-compatible `/audio/speech` client.
#[derive(Clone, Debug)]
pub struct OpenAiTts {
    engine: Engine,
    voice: String,
    format: AudioFormat,
}

#[derive(Serialize)]
struct SpeechRequest<'a> {
    model: &'a str,
    input: &'a str,
    voice: &'a str,
    response_format: &'a str,
}

impl OpenAiTts {
    /// A client for the engine in `config`, speaking with `voice` unless a call names another.
    pub fn new(config: EngineConfig, voice: impl Into<String>) -> Result<Self, SpeechError> {
        Ok(Self {
            engine: Engine::new(config)?,
            voice: voice.into(),
            format: AudioFormat::Wav,
        })
    }

    /// The same client asking for another response format.
    pub fn with_format(mut self, format: AudioFormat) -> Self {
        self.format = format;
        self
    }

    async fn run(&self, text: &str, voice: Option<&str>) -> Result<Speech, SpeechError> {
        let started = Instant::now();
        if text.trim().is_empty() {
            return Ok(Speech {
                pcm: Vec::new(),
                engine_rate: SAMPLE_RATE,
                elapsed: started.elapsed(),
            });
        }
        let url = self.engine.url("audio/speech");
        let body = SpeechRequest {
            model: &self.engine.config.model,
            input: text.trim(),
            voice: voice.unwrap_or(&self.voice),
            response_format: self.format.as_str(),
        };
        let request = self.engine.request(reqwest::Method::POST, &url).json(&body);
        let response = self.engine.send(&url, request).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        let audio = self
            .decode(&bytes)
            .map_err(|reason| SpeechError::BadResponse {
                url: url.clone(),
                reason,
            })?;
        let pcm = resample::resample(&audio.samples, audio.sample_rate, SAMPLE_RATE)?;
        Ok(Speech {
            pcm,
            engine_rate: audio.sample_rate,
            elapsed: started.elapsed(),
        })
    }

    /// Reads the body as the asked format; a WAV is recognised whatever was asked, since
    /// some servers ignore `response_format`.
    fn decode(&self, bytes: &[u8]) -> Result<wav::Pcm, String> {
        if bytes.starts_with(b"RIFF") {
            return wav::decode(bytes).map_err(|e| e.to_string());
        }
        // Raw PCM has no header to check, but an encoded file or a JSON error is recognisable.
        let container = [&b"ID3"[..], b"OggS", b"fLaC", b"{"]
            .into_iter()
            .find(|magic| bytes.starts_with(magic));
        match self.format {
            _ if container.is_some() => Err(format!(
                "expected {} audio, got a body starting {:?}",
                self.format.as_str(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(8)])
            )),
            AudioFormat::Pcm => Ok(wav::Pcm {
                sample_rate: OPENAI_PCM_RATE,
                samples: crate::pcm16le_to_samples(bytes),
            }),
            AudioFormat::Wav => Err(format!(
                "expected a WAV file, got {} bytes starting {:02x?}",
                bytes.len(),
                &bytes[..bytes.len().min(8)]
            )),
        }
    }
}

impl TextToSpeech for OpenAiTts {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        voice: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Speech, SpeechError>> {
        Box::pin(self.run(text, voice))
    }

    fn probe(&self) -> BoxFuture<'_, Result<Probe, SpeechError>> {
        Box::pin(self.engine.probe())
    }
}
