//! Speech-to-text: one finished utterance in, its text out.
//!
//! The seam is the OpenAI transcription endpoint, which local servers (faster-whisper
//! servers, speaches, the project's sidecar) and hosted providers all speak:
//! `POST {base}/audio/transcriptions`, multipart form with `file` (here a WAV: PCM16
//! little-endian, 16 kHz, mono), `model`, `language` (ISO-639-1, optional) and
//! `response_format=json`; the answer is `{"text": "..."}` (other fields are ignored).

use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use crate::http::{Engine, transport_error};
use crate::{BoxFuture, EngineConfig, Probe, SAMPLE_RATE, SpeechError, wav};

/// What a transcription returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// The recognised text, trimmed.
    pub text: String,
    /// How long the engine took, for latency metrics.
    pub elapsed: Duration,
}

/// Turns one utterance (16 kHz mono PCM16) into text. Object-safe: hold it as
/// `Arc<dyn SpeechToText>`.
pub trait SpeechToText: Send + Sync {
    /// Transcribes `pcm` (16 kHz mono; no audio is no text, without a request). `language` is an ISO-639-1 hint such as `"en"`; `None`
    /// uses the engine's configured language, or lets it detect.
    fn transcribe<'a>(
        &'a self,
        pcm: &'a [i16],
        language: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Transcript, SpeechError>>;

    /// Checks that the engine is reachable, for `interviewd doctor`.
    fn probe(&self) -> BoxFuture<'_, Result<Probe, SpeechError>>;
}

/// An OpenAI-compatible `/audio/transcriptions` client.
#[derive(Clone, Debug)]
pub struct OpenAiStt {
    engine: Engine,
    language: Option<String>,
}

#[derive(Deserialize)]
struct TranscriptionBody {
    text: String,
}

impl OpenAiStt {
    /// A client for the engine in `config`; fails only on a malformed base URL.
    pub fn new(config: EngineConfig) -> Result<Self, SpeechError> {
        Ok(Self {
            engine: Engine::new(config)?,
            language: None,
        })
    }

    /// The language sent when a call names none (e.g. `"en"`).
    pub fn with_default_language(mut self, language: Option<String>) -> Self {
        self.language = language.filter(|l| !l.trim().is_empty());
        self
    }

    async fn run(&self, pcm: &[i16], language: Option<&str>) -> Result<Transcript, SpeechError> {
        if pcm.is_empty() {
            return Ok(Transcript {
                text: String::new(),
                elapsed: Duration::ZERO,
            });
        }
        let url = self.engine.url("audio/transcriptions");
        let file = Part::bytes(wav::encode(pcm, SAMPLE_RATE, 1))
            .file_name("utterance.wav")
            .mime_str("audio/wav")
            .map_err(|e| SpeechError::Config(e.to_string()))?;
        let mut form = Form::new()
            .part("file", file)
            .text("model", self.engine.config.model.clone())
            .text("response_format", "json");
        if let Some(language) = language.or(self.language.as_deref()) {
            form = form.text("language", language.to_owned());
        }
        let started = Instant::now();
        let request = self
            .engine
            .request(reqwest::Method::POST, &url)
            .multipart(form);
        let response = self.engine.send(&url, request).await?;
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        let parsed: TranscriptionBody =
            serde_json::from_slice(&body).map_err(|e| SpeechError::BadResponse {
                url: url.clone(),
                reason: format!("expected JSON with \"text\": {e}"),
            })?;
        Ok(Transcript {
            text: parsed.text.trim().to_owned(),
            elapsed: started.elapsed(),
        })
    }
}

impl SpeechToText for OpenAiStt {
    fn transcribe<'a>(
        &'a self,
        pcm: &'a [i16],
        language: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Transcript, SpeechError>> {
        Box::pin(self.run(pcm, language))
    }

    fn probe(&self) -> BoxFuture<'_, Result<Probe, SpeechError>> {
        Box::pin(self.engine.probe())
    }
}
