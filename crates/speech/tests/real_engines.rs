//! The whole speech path against real engines, when they are there.
//!
//! Runs only with `INTERVIEWD_TEST_STT_URL` and `INTERVIEWD_TEST_TTS_URL` set to the base URLs
//! of OpenAI-compatible servers (e.g. `http://127.0.0.1:8000/v1`; the project's speech
//! sidecar serves both). Optional: `INTERVIEWD_TEST_STT_MODEL`, `INTERVIEWD_TEST_TTS_MODEL`,
//! `INTERVIEWD_TEST_TTS_VOICE`. Without them the test says so and passes.
//!
//! The round trip: text → TTS → 16 kHz (resampled) → the candidate's line (directly, or
//! through the phone path: μ-law 8 kHz and back) with silence around it → turn detection finds
//! exactly one turn → STT recovers the key words.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::time::{Duration, Instant};

use interviewd_speech::codec::{PhoneDecoder, PhoneEncoder};
use interviewd_speech::sentences::SentenceSplitter;
use interviewd_speech::stt::{OpenAiStt, SpeechToText};
use interviewd_speech::tts::{AudioFormat, OpenAiTts, TextToSpeech};
use interviewd_speech::vad::{TurnDetector, VadConfig, VadEvent};
use interviewd_speech::{EngineConfig, SAMPLE_RATE};

const ANSWER: &str = "I have five years of experience with Rust and PostgreSQL. I led a team that built a payment service.";

struct Engines {
    stt: OpenAiStt,
    tts: OpenAiTts,
}

fn engines() -> Option<Engines> {
    let (Ok(stt_url), Ok(tts_url)) = (
        std::env::var("INTERVIEWD_TEST_STT_URL"),
        std::env::var("INTERVIEWD_TEST_TTS_URL"),
    ) else {
        eprintln!(
            "skipped: set INTERVIEWD_TEST_STT_URL and INTERVIEWD_TEST_TTS_URL to run against real engines"
        );
        return None;
    };
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let stt = OpenAiStt::new(EngineConfig::new(
        stt_url,
        var("INTERVIEWD_TEST_STT_MODEL", "whisper-1"),
    ))
    .unwrap()
    .with_default_language(Some("en".into()));
    let tts_config = EngineConfig::new(tts_url, var("INTERVIEWD_TEST_TTS_MODEL", "tts-1"));
    let tts = OpenAiTts::new(tts_config, var("INTERVIEWD_TEST_TTS_VOICE", "alloy")).unwrap();
    Some(Engines { stt, tts })
}

/// Speaks the answer sentence by sentence, as the engine would stream a model's reply.
async fn speak(tts: &OpenAiTts) -> Vec<i16> {
    let mut splitter = SentenceSplitter::new();
    let mut sentences = splitter.push(ANSWER);
    sentences.extend(splitter.finish());
    assert_eq!(sentences.len(), 2);
    let mut pcm = Vec::new();
    for sentence in &sentences {
        let started = Instant::now();
        let speech = tts.synthesize(sentence, None).await.unwrap();
        eprintln!(
            "tts: {:.2} s of audio at {} Hz in {} ms",
            speech.pcm.len() as f64 / f64::from(SAMPLE_RATE),
            speech.engine_rate,
            started.elapsed().as_millis()
        );
        pcm.extend(speech.pcm);
        pcm.extend(vec![0; 4_000]); // 250 ms between sentences
    }
    pcm
}

/// The candidate's line: silence, the answer, silence; returns the turns found.
fn detect(answer: &[i16]) -> Vec<Vec<i16>> {
    let mut line = vec![0_i16; SAMPLE_RATE as usize / 2];
    line.extend_from_slice(answer);
    line.extend(vec![0; 2 * SAMPLE_RATE as usize]);
    let mut detector = TurnDetector::new(&VadConfig::default());
    let started = Instant::now();
    let mut turns = Vec::new();
    for frame in line.chunks(320) {
        for event in detector.push(frame) {
            if let VadEvent::TurnEnded { audio } = event {
                turns.push(audio);
            }
        }
    }
    let took = started.elapsed();
    eprintln!(
        "vad: {} frames in {:.1} ms ({:.0} frames/s)",
        detector.frames(),
        took.as_secs_f64() * 1e3,
        detector.frames() as f64 / took.as_secs_f64()
    );
    turns
}

async fn transcribe(stt: &OpenAiStt, turn: &[i16]) -> String {
    let started = Instant::now();
    let transcript = stt.transcribe(turn, None).await.unwrap();
    eprintln!(
        "stt: {:.2} s of audio in {} ms: {:?}",
        turn.len() as f64 / f64::from(SAMPLE_RATE),
        started.elapsed().as_millis(),
        transcript.text
    );
    transcript.text.to_lowercase()
}

/// The recogniser heard the answer: at least four of its five key phrases. The voice speaks
/// with random variation (the TTS engine samples its prosody), so a tiny recogniser now and
/// then mishears one word of a run ("a team" as "18"); two misheard phrases fail the test.
fn assert_key_words(text: &str) {
    let phrases: [&[&str]; 5] = [
        &["five years", "5 years"],
        &["experience"],
        &["rust"],
        &["team"],
        &["payment service"],
    ];
    let missing: Vec<&str> = phrases
        .iter()
        .filter(|forms| !forms.iter().any(|form| text.contains(form)))
        .map(|forms| forms[0])
        .collect();
    assert!(missing.len() <= 1, "{missing:?} missing from {text:?}");
}

#[tokio::test]
async fn spoken_answer_round_trips_through_vad_and_stt() {
    let Some(engines) = engines() else { return };
    let answer = speak(&engines.tts).await;
    let turns = detect(&answer);
    assert_eq!(turns.len(), 1, "one answer, one turn");
    assert!(turns[0].len() >= answer.len() - SAMPLE_RATE as usize / 2);
    assert_key_words(&transcribe(&engines.stt, &turns[0]).await);
}

#[tokio::test]
async fn spoken_answer_round_trips_over_the_phone_path() {
    let Some(engines) = engines() else { return };
    let answer = speak(&engines.tts).await;
    // What a carrier carries: μ-law at 8 kHz, in 160-byte frames.
    let ulaw = PhoneEncoder::new()
        .unwrap()
        .encode_utterance(&answer)
        .unwrap();
    let mut decoder = PhoneDecoder::new().unwrap();
    let mut heard = Vec::new();
    for frame in ulaw.chunks(160) {
        decoder.push(frame, &mut heard).unwrap();
    }
    decoder.finish(&mut heard).unwrap();
    assert!(
        heard.len().abs_diff(answer.len()) <= 1,
        "8 kHz halves, then doubles, the length"
    );
    let turns = detect(&heard);
    assert_eq!(turns.len(), 1);
    assert_key_words(&transcribe(&engines.stt, &turns[0]).await);
}

#[tokio::test]
async fn the_engines_answer_a_probe_and_raw_pcm() {
    let Some(engines) = engines() else { return };
    for probe in [
        engines.stt.probe().await.unwrap(),
        engines.tts.probe().await.unwrap(),
    ] {
        eprintln!(
            "probe {} -> {} in {} ms",
            probe.url,
            probe.status,
            probe.elapsed.as_millis()
        );
        assert!(probe.elapsed < Duration::from_secs(5));
    }
    let pcm = engines.tts.clone().with_format(AudioFormat::Pcm);
    let speech = pcm
        .synthesize("Thank you for your time.", None)
        .await
        .unwrap();
    assert!(
        speech.pcm.len() > SAMPLE_RATE as usize / 2,
        "{} samples",
        speech.pcm.len()
    );
}
