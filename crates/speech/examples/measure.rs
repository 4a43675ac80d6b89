//! Throughput of the audio path, and latency of real engines when configured.
//!
//! `cargo run --release -p interviewd-speech --example measure`; with
//! `INTERVIEWD_TEST_STT_URL` / `INTERVIEWD_TEST_TTS_URL` set it also times the engines.

use std::time::Instant;

use interviewd_speech::codec;
use interviewd_speech::resample::StreamResampler;
use interviewd_speech::stt::{OpenAiStt, SpeechToText};
use interviewd_speech::tts::{OpenAiTts, TextToSpeech};
use interviewd_speech::vad::{TurnDetector, VadConfig};
use interviewd_speech::{EngineConfig, SAMPLE_RATE, SpeechError, wav};

const FIXTURE: &[u8] = include_bytes!("../tests/fixtures/five-years.wav");
const SECONDS: usize = 600;

fn main() -> Result<(), SpeechError> {
    let speech = wav::decode(FIXTURE)?.samples;
    let mut audio = Vec::with_capacity(SECONDS * SAMPLE_RATE as usize);
    while audio.len() < SECONDS * SAMPLE_RATE as usize {
        audio.extend_from_slice(&speech);
        audio.extend(std::iter::repeat_n(0, SAMPLE_RATE as usize));
    }
    audio.truncate(SECONDS * SAMPLE_RATE as usize);
    println!("{SECONDS} s of 16 kHz speech and pauses, fed in 20 ms chunks");
    vad(&audio);
    for (from, to) in [
        (8_000, 16_000),
        (16_000, 8_000),
        (22_050, 16_000),
        (24_000, 16_000),
        (48_000, 16_000),
    ] {
        resample(&audio, from, to)?;
    }
    ulaw(&audio);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(engines(&speech))
}

fn vad(audio: &[i16]) {
    let mut detector = TurnDetector::new(&VadConfig::default());
    let started = Instant::now();
    let mut turns = 0;
    for chunk in audio.chunks(320) {
        turns += detector.push(chunk).len();
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "vad: {} frames in {:.1} ms = {:.0} frames/s ({:.0}x real time), {} events",
        detector.frames(),
        took * 1e3,
        detector.frames() as f64 / took,
        SECONDS as f64 / took,
        turns
    );
}

fn resample(audio: &[i16], from: u32, to: u32) -> Result<(), SpeechError> {
    // Treat the samples as audio at `from`: only the count matters here.
    let mut resampler = StreamResampler::new(from, to)?;
    let chunk = from as usize / 50;
    let mut out = Vec::with_capacity(audio.len() * to as usize / from as usize + 1);
    let started = Instant::now();
    for piece in audio.chunks(chunk) {
        resampler.push(piece, &mut out)?;
    }
    resampler.flush(&mut out)?;
    let took = started.elapsed().as_secs_f64();
    let seconds = audio.len() as f64 / f64::from(from);
    println!(
        "resample {from} -> {to}: {:.1} M samples/s ({:.0}x real time), latency {} samples",
        audio.len() as f64 / took / 1e6,
        seconds / took,
        resampler.latency_samples()
    );
    Ok(())
}

fn ulaw(audio: &[i16]) {
    let started = Instant::now();
    let bytes = codec::encode(audio);
    let encoded = started.elapsed().as_secs_f64();
    let back = codec::decode(&bytes);
    let decoded = started.elapsed().as_secs_f64() - encoded;
    println!(
        "mu-law: encode {:.0} M samples/s, decode {:.0} M samples/s ({} samples)",
        audio.len() as f64 / encoded / 1e6,
        back.len() as f64 / decoded / 1e6,
        back.len()
    );
}

async fn engines(speech: &[i16]) -> Result<(), SpeechError> {
    let (Ok(stt_url), Ok(tts_url)) = (
        std::env::var("INTERVIEWD_TEST_STT_URL"),
        std::env::var("INTERVIEWD_TEST_TTS_URL"),
    ) else {
        println!("engines: not configured (INTERVIEWD_TEST_STT_URL, INTERVIEWD_TEST_TTS_URL)");
        return Ok(());
    };
    let stt = OpenAiStt::new(EngineConfig::new(stt_url, "whisper-1"))?;
    let tts = OpenAiTts::new(EngineConfig::new(tts_url, "tts-1"), "alloy")?;
    let sentences = [
        "Thanks for joining today.",
        "Tell me about a project you are proud of.",
        "What was the hardest technical problem in it, and how did you solve it?",
    ];
    for round in 0..2 {
        for sentence in sentences {
            let started = Instant::now();
            let spoken = tts.synthesize(sentence, None).await?;
            let tts_ms = started.elapsed().as_millis();
            let started = Instant::now();
            let heard = stt.transcribe(&spoken.pcm, Some("en")).await?;
            println!(
                "round {round}: tts {tts_ms} ms for {:.2} s of audio; stt {} ms: {:?}",
                spoken.pcm.len() as f64 / f64::from(SAMPLE_RATE),
                started.elapsed().as_millis(),
                heard.text
            );
        }
    }
    let started = Instant::now();
    let text = stt.transcribe(speech, Some("en")).await?.text;
    println!(
        "stt fixture (2.5 s): {} ms: {text:?}",
        started.elapsed().as_millis()
    );
    Ok(())
}
