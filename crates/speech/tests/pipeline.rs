//! The pieces together, the way a voice session uses them, with no speech engine.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::io::Cursor;
use std::process::Command;
use std::time::Duration;

use interviewd_speech::codec::{self, FRAME_BYTES, PhoneDecoder, PhoneEncoder};
use interviewd_speech::pacer::{FRAME_PERIOD, OutboundAudio, Paced, Pacer};
use interviewd_speech::recorder::{Recorder, RecorderConfig};
use interviewd_speech::vad::{TurnDetector, VadConfig, VadEvent};
use interviewd_speech::{SAMPLE_RATE, resample, wav};
use tokio::time::Instant;

fn fixture(name: &str) -> Vec<i16> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    wav::decode(&std::fs::read(path).unwrap()).unwrap().samples
}

fn turns(audio: &[i16]) -> usize {
    let mut detector = TurnDetector::new(&VadConfig::default());
    let mut count = 0;
    for chunk in audio.chunks(320) {
        count += detector
            .push(chunk)
            .iter()
            .filter(|e| matches!(e, VadEvent::TurnEnded { .. }))
            .count();
    }
    count + usize::from(detector.finish().is_some())
}

/// espeak-ng writes a "streaming" WAV (sizes of 2 GiB) at 22.05 kHz to stdout: a real
/// engine's output through the WAV reader, the resampler and the turn detector.
#[test]
fn espeak_speech_is_one_turn_when_espeak_is_installed() {
    let output = match Command::new("espeak-ng")
        .args([
            "-v",
            "en-us",
            "-s",
            "150",
            "--stdout",
            "I have five years of experience with Rust.",
        ])
        .output()
    {
        Ok(output) if output.status.success() => output.stdout,
        _ => {
            eprintln!(
                "espeak-ng is not installed: skipped (the committed piper fixtures cover the detector)"
            );
            return;
        }
    };
    let pcm = wav::decode(&output).unwrap();
    assert_eq!(pcm.sample_rate, 22_050);
    let speech = resample::resample(&pcm.samples, pcm.sample_rate, SAMPLE_RATE).unwrap();
    let mut line = vec![0; 8_000];
    line.extend(&speech);
    line.extend(vec![0; 2 * SAMPLE_RATE as usize]);
    assert_eq!(turns(&line), 1);
}

/// A caller's answer crosses the phone network (μ-law 8 kHz in 20 ms frames) and is still one
/// turn of about the same length.
#[test]
fn a_caller_answer_survives_the_phone_uplink() {
    let answer = fixture("five-years.wav");
    let ulaw = PhoneEncoder::new()
        .unwrap()
        .encode_utterance(&answer)
        .unwrap();
    assert_eq!(ulaw.len(), answer.len().div_ceil(2));
    let mut decoder = PhoneDecoder::new().unwrap();
    let mut detector = TurnDetector::new(&VadConfig::default());
    let mut heard = Vec::new();
    let silence = vec![codec::ULAW_SILENCE; 2 * 8_000];
    let mut ended = None;
    for frame in silence[..4_000]
        .iter()
        .chain(&ulaw)
        .chain(&silence)
        .copied()
        .collect::<Vec<_>>()
        .chunks(FRAME_BYTES)
    {
        let start = heard.len();
        decoder.push(frame, &mut heard).unwrap();
        for event in detector.push(&heard[start..]) {
            if let VadEvent::TurnEnded { audio } = event {
                ended = Some(audio);
            }
        }
    }
    let turn = ended.expect("one turn");
    assert!(
        turn.len() > answer.len() - 3_200 && turn.len() < answer.len() + 12_000,
        "{}",
        turn.len()
    );
}

/// The agent's reply goes out paced, its mark comes back after its last frame, a barge-in
/// clears the rest, and the recording holds only what was played.
#[tokio::test(start_paused = true)]
async fn the_agent_downlink_is_paced_cleared_and_recorded() {
    let reply = fixture("payment-service.wav");
    let audio = OutboundAudio::new();
    let mut pacer = Pacer::new(audio.clone());
    let mut recorder = Recorder::new(Cursor::new(Vec::new()), &RecorderConfig::default()).unwrap();
    let start = Instant::now();

    let ulaw = PhoneEncoder::new()
        .unwrap()
        .encode_utterance(&reply)
        .unwrap();
    let frames = ulaw.len().div_ceil(FRAME_BYTES);
    audio.push_audio(&ulaw);
    audio.push_mark("reply-1");
    recorder.push_agent(start.elapsed(), &reply);

    let mut sent = 0;
    loop {
        match pacer.next().await {
            Paced::Frame(_) => sent += 1,
            Paced::Mark(name) => {
                assert_eq!(name, "reply-1");
                break;
            }
        }
        // The candidate's line keeps the session clock: 20 ms of silence per frame.
        recorder.push_candidate(&[0; 320]).unwrap();
    }
    assert_eq!(sent, frames);
    assert_eq!(start.elapsed(), FRAME_PERIOD * (frames as u32 - 1));

    // A second reply, cut by a barge-in after one second.
    let offset = start.elapsed() + FRAME_PERIOD;
    audio.push_audio(&ulaw);
    audio.push_mark("reply-2");
    recorder.push_agent(offset, &reply);
    for _ in 0..50 {
        assert!(matches!(pacer.next().await, Paced::Frame(_)));
        recorder.push_candidate(&[0; 320]).unwrap();
    }
    let cut = start.elapsed() + FRAME_PERIOD;
    assert_eq!(audio.clear(), ["reply-2"]);
    recorder.truncate_agent(cut);
    recorder
        .sync_candidate(cut + Duration::from_secs(1))
        .unwrap();

    let (file, info) = recorder.finish().unwrap();
    let samples: Vec<i16> = hound::WavReader::new(Cursor::new(file.into_inner()))
        .unwrap()
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let agent: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let second = (offset.as_millis() as usize * 16)..(cut.as_millis() as usize * 16);
    assert_eq!(
        &agent[second.clone()],
        &reply[..second.len()],
        "the second reply up to the cut"
    );
    assert!(
        agent[second.end..].iter().all(|&s| s == 0),
        "nothing after the barge-in"
    );
    assert_eq!(info.duration, cut + Duration::from_secs(1));
}
