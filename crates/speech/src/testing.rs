//! Instant, deterministic speech engines for tests and benchmarks (feature `testing`).
//!
//! They let the server run whole voice sessions, hundreds at once, with no Python and no
//! model: [`ScriptedStt`] answers each utterance with the next scripted text (or, once the
//! script runs out, a sentence derived from the audio's length), and [`InstantTts`] answers
//! each sentence with a tone, or silence, whose length grows with the text, like speech.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::stt::{SpeechToText, Transcript};
use crate::tts::{Speech, TextToSpeech};
use crate::{BoxFuture, Probe, SAMPLE_RATE, SpeechError};

fn probe_ok(name: &str) -> Probe {
    Probe {
        url: format!("testing:{name}"),
        status: 200,
        elapsed: Duration::ZERO,
    }
}

fn unreachable(name: &str) -> SpeechError {
    SpeechError::Unreachable {
        url: format!("testing:{name}"),
        reason: "scripted outage".into(),
    }
}

/// Speech-to-text that answers from a script, at once.
#[derive(Debug, Default)]
pub struct ScriptedStt {
    replies: Mutex<VecDeque<String>>,
    heard: Mutex<Vec<usize>>,
    down: bool,
}

impl ScriptedStt {
    /// Answers the n-th utterance with the n-th reply; after the last, with
    /// [`Self::describe`] of the audio.
    pub fn new<I, S>(replies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            replies: Mutex::new(replies.into_iter().map(Into::into).collect()),
            ..Self::default()
        }
    }

    /// Answers every utterance with [`Self::describe`] of its audio.
    pub fn from_length() -> Self {
        Self::default()
    }

    /// An engine that is down: every call fails as unreachable (transient).
    pub fn unreachable() -> Self {
        Self {
            down: true,
            ..Self::default()
        }
    }

    /// The text derived from `samples` of 16 kHz audio: "I spoke for 2.4 seconds."
    pub fn describe(samples: usize) -> String {
        let tenths = samples as u64 * 10 / u64::from(SAMPLE_RATE);
        format!("I spoke for {}.{} seconds.", tenths / 10, tenths % 10)
    }

    /// The length, in samples, of each utterance transcribed so far.
    pub fn heard(&self) -> Vec<usize> {
        lock(&self.heard).clone()
    }

    fn answer(&self, pcm: &[i16]) -> Result<Transcript, SpeechError> {
        lock(&self.heard).push(pcm.len());
        if self.down {
            return Err(unreachable("stt"));
        }
        let text = lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| Self::describe(pcm.len()));
        Ok(Transcript {
            text,
            elapsed: Duration::ZERO,
        })
    }
}

impl SpeechToText for ScriptedStt {
    fn transcribe<'a>(
        &'a self,
        pcm: &'a [i16],
        _language: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Transcript, SpeechError>> {
        Box::pin(std::future::ready(self.answer(pcm)))
    }

    fn probe(&self) -> BoxFuture<'_, Result<Probe, SpeechError>> {
        let result = if self.down {
            Err(unreachable("stt"))
        } else {
            Ok(probe_ok("stt"))
        };
        Box::pin(std::future::ready(result))
    }
}

/// Text-to-speech that answers at once with a tone (or silence) as long as the text would
/// take to say.
#[derive(Debug)]
pub struct InstantTts {
    ms_per_char: u64,
    tone_hz: Option<u32>,
    spoken: Mutex<Vec<String>>,
    down: bool,
}

impl Default for InstantTts {
    fn default() -> Self {
        Self {
            ms_per_char: 60,
            tone_hz: Some(220),
            spoken: Mutex::new(Vec::new()),
            down: false,
        }
    }
}

impl InstantTts {
    /// A 220 Hz tone, 60 ms per character (about the pace of speech).
    pub fn new() -> Self {
        Self::default()
    }

    /// The same with `ms_per_char` milliseconds per character.
    pub fn with_pace(mut self, ms_per_char: u64) -> Self {
        self.ms_per_char = ms_per_char;
        self
    }

    /// Silence instead of a tone.
    pub fn silent(mut self) -> Self {
        self.tone_hz = None;
        self
    }

    /// An engine that is down: every call fails as unreachable (transient).
    pub fn unreachable() -> Self {
        Self {
            down: true,
            ..Self::default()
        }
    }

    /// Every text synthesised so far, in order.
    pub fn spoken(&self) -> Vec<String> {
        lock(&self.spoken).clone()
    }

    /// The number of samples [`TextToSpeech::synthesize`] returns for `text`.
    pub fn samples_for(&self, text: &str) -> usize {
        let chars = text.trim().chars().count() as u64;
        crate::samples_for_ms(chars * self.ms_per_char, SAMPLE_RATE)
    }

    fn speak(&self, text: &str) -> Result<Speech, SpeechError> {
        if self.down {
            return Err(unreachable("tts"));
        }
        lock(&self.spoken).push(text.to_owned());
        let len = self.samples_for(text);
        let pcm = match self.tone_hz {
            Some(hz) => (0..len).map(|i| triangle(i, hz, len)).collect(),
            None => vec![0; len],
        };
        Ok(Speech {
            pcm,
            engine_rate: SAMPLE_RATE,
            elapsed: Duration::ZERO,
        })
    }
}

impl TextToSpeech for InstantTts {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        _voice: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Speech, SpeechError>> {
        Box::pin(std::future::ready(self.speak(text)))
    }

    fn probe(&self) -> BoxFuture<'_, Result<Probe, SpeechError>> {
        let result = if self.down {
            Err(unreachable("tts"))
        } else {
            Ok(probe_ok("tts"))
        };
        Box::pin(std::future::ready(result))
    }
}

/// Sample `i` of a `len`-sample integer triangle wave at `hz` with 5 ms fades: the same bytes
/// on every platform.
fn triangle(i: usize, hz: u32, len: usize) -> i16 {
    const PEAK: i64 = 6_000;
    const RAMP: i64 = 80;
    let phase = (i as u64 * u64::from(hz) * 65_536 / u64::from(SAMPLE_RATE)) % 65_536;
    let phase = phase as i64;
    let wave = if phase < 32_768 {
        -PEAK + 2 * PEAK * phase / 32_768
    } else {
        PEAK - 2 * PEAK * (phase - 32_768) / 32_768
    };
    let edge = (i as i64).min(len as i64 - 1 - i as i64).clamp(0, RAMP);
    // |wave| <= PEAK.
    (wave * edge / RAMP) as i16
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[tokio::test]
    async fn scripted_replies_then_lengths() {
        let stt = ScriptedStt::new(["first answer", "second answer"]);
        let engine: &dyn SpeechToText = &stt;
        let pcm = vec![0; 24_000];
        assert_eq!(
            engine.transcribe(&pcm, None).await.unwrap().text,
            "first answer"
        );
        assert_eq!(
            engine.transcribe(&pcm, None).await.unwrap().text,
            "second answer"
        );
        let third = engine.transcribe(&pcm, Some("en")).await.unwrap();
        assert_eq!(third.text, "I spoke for 1.5 seconds.");
        assert_eq!(stt.heard(), [24_000; 3]);
        assert!(engine.probe().await.is_ok());
    }

    #[tokio::test]
    async fn instant_speech_is_as_long_as_the_text() {
        let tts = InstantTts::new();
        let engine: &dyn TextToSpeech = &tts;
        let speech = engine.synthesize("Hello there.", None).await.unwrap();
        assert_eq!(speech.pcm.len(), 12 * 60 * 16);
        assert_eq!(speech.duration(), Duration::from_millis(720));
        assert!(speech.pcm.iter().any(|&s| s > 5_000));
        assert_eq!((speech.pcm[0], *speech.pcm.last().unwrap()), (0, 0));
        let silent = InstantTts::new().silent().with_pace(10);
        assert!(
            silent
                .synthesize("abc", None)
                .await
                .unwrap()
                .pcm
                .iter()
                .all(|&s| s == 0)
        );
        assert_eq!(tts.spoken(), ["Hello there."]);
    }

    #[tokio::test]
    async fn outages_are_transient_errors() {
        let stt = ScriptedStt::unreachable();
        let error = stt.transcribe(&[0; 10], None).await.unwrap_err();
        assert!(error.is_transient());
        assert!(stt.probe().await.is_err());
        assert!(
            InstantTts::unreachable()
                .synthesize("x", None)
                .await
                .is_err()
        );
    }
}
