//! Turn detection on real (synthetic, piper-made) speech: tones and noise are not speech to
//! a neural detector, so the fixtures are sentences.

use super::*;

const MS: usize = 16; // samples per millisecond at 16 kHz

fn fixture(name: &str) -> Vec<i16> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let pcm = crate::wav::decode(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(pcm.sample_rate, SAMPLE_RATE);
    pcm.samples
}

fn five_years() -> Vec<i16> {
    fixture("five-years.wav")
}

fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * MS]
}

/// Quiet white noise, about -50 dBFS.
fn noise(ms: usize) -> Vec<i16> {
    let mut state = 1_u32;
    (0..ms * MS)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((state >> 16) as i16) / 256
        })
        .collect()
}

fn concat(parts: &[&[i16]]) -> Vec<i16> {
    parts.concat()
}

/// Feeds `audio` in `chunk`-sample pieces; each event comes with the number of samples fed
/// when it was reported.
fn run(detector: &mut TurnDetector, audio: &[i16], chunk: usize) -> Vec<(usize, VadEvent)> {
    let mut events = Vec::new();
    let mut fed = 0;
    for piece in audio.chunks(chunk) {
        fed += piece.len();
        events.extend(detector.push(piece).into_iter().map(|e| (fed, e)));
    }
    events
}

fn kinds(events: &[(usize, VadEvent)]) -> Vec<&'static str> {
    events
        .iter()
        .map(|(_, e)| match e {
            VadEvent::SpeechStarted => "started",
            VadEvent::BargeIn => "barge-in",
            VadEvent::TurnEnded { .. } => "ended",
        })
        .collect()
}

fn turns(events: &[(usize, VadEvent)]) -> Vec<&Vec<i16>> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            VadEvent::TurnEnded { audio } => Some(audio),
            _ => None,
        })
        .collect()
}

/// Where `part` sits in `whole` as one contiguous run of samples.
fn position(whole: &[i16], part: &[i16]) -> Option<usize> {
    whole.windows(part.len()).position(|w| w == part)
}

#[test]
fn silence_and_quiet_noise_are_not_speech() {
    let mut detector = TurnDetector::new(&VadConfig::default());
    let audio = concat(&[&silence(2_000), &noise(3_000)]);
    assert!(run(&mut detector, &audio, 320).is_empty());
    assert_eq!(detector.frames(), 5_000 * MS as u64 / 256);
    assert_eq!(detector.finish(), None);
}

#[test]
fn one_answer_is_one_turn_with_its_pre_roll_and_no_sample_lost() {
    let speech = five_years();
    let audio = concat(&[&silence(500), &speech, &silence(2_000)]);
    let mut detector = TurnDetector::new(&VadConfig::default());
    let events = run(&mut detector, &audio, 320);
    assert_eq!(kinds(&events), ["started", "ended"]);
    let speech_start = 500 * MS;
    let speech_end = speech_start + speech.len();
    // Started after 200 ms of voice, soon after the onset.
    assert!((speech_start + 200 * MS..speech_start + 500 * MS).contains(&events[0].0));
    // Ended about a second after the last word (the detector's score decays for ~100 ms).
    let after_end = events[1].0 as i64 - speech_end as i64;
    assert!(
        (800 * MS as i64..1_400 * MS as i64).contains(&after_end),
        "{after_end}"
    );
    let turn = turns(&events)[0];
    let at = position(&audio, turn).unwrap();
    assert!(
        at <= speech_start && speech_start - at <= 300 * MS + 256,
        "pre-roll from {at}"
    );
    assert!(
        at + turn.len() >= speech_end - 100 * MS,
        "the last word is in the turn"
    );
    assert!(
        at + turn.len() <= speech_end + 400 * MS,
        "little trailing silence"
    );
}

#[test]
fn chunk_sizes_do_not_change_the_turns() {
    let audio = concat(&[&silence(300), &five_years(), &silence(1_500)]);
    let reference: Vec<VadEvent> = run(&mut TurnDetector::new(&VadConfig::default()), &audio, 320)
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    for chunk in [1, 7, 256, 1_000, 16_000] {
        let events: Vec<VadEvent> =
            run(&mut TurnDetector::new(&VadConfig::default()), &audio, chunk)
                .into_iter()
                .map(|(_, e)| e)
                .collect();
        assert_eq!(events, reference, "chunk {chunk}");
    }
}

#[test]
fn a_thinking_pause_does_not_end_the_turn_but_a_long_silence_does() {
    let first = five_years();
    let second = fixture("payment-service.wav");
    let paused = concat(&[&first, &silence(600), &second, &silence(1_500)]);
    let events = run(&mut TurnDetector::new(&VadConfig::default()), &paused, 320);
    assert_eq!(kinds(&events), ["started", "ended"]);
    assert!(turns(&events)[0].len() >= first.len() + second.len());

    let apart = concat(&[&first, &silence(1_500), &second, &silence(1_500)]);
    let events = run(&mut TurnDetector::new(&VadConfig::default()), &apart, 320);
    assert_eq!(kinds(&events), ["started", "ended", "started", "ended"]);

    let eager = VadConfig {
        end_of_turn_silence: Duration::from_millis(400),
        ..VadConfig::default()
    };
    let events = run(&mut TurnDetector::new(&eager), &paused, 320);
    assert_eq!(kinds(&events), ["started", "ended", "started", "ended"]);
}

#[test]
fn barge_in_needs_half_a_second_of_continuous_speech() {
    let speech = five_years();
    let mut detector = TurnDetector::new(&VadConfig::default());
    detector.set_agent_speaking(true);
    // A 300 ms "uh-huh" (a slice of speech) under the agent's voice: nothing happens.
    let blip = concat(&[&silence(500), &speech[500 * MS..800 * MS], &silence(1_500)]);
    assert!(run(&mut detector, &blip, 320).is_empty());

    let onset = 500 * MS;
    let audio = concat(&[&silence(500), &speech, &silence(1_500)]);
    let mut events = Vec::new();
    let mut fed = 0;
    for piece in audio.chunks(320) {
        fed += piece.len();
        for event in detector.push(piece) {
            if event == VadEvent::BargeIn {
                // What the engine does: stop playback.
                detector.set_agent_speaking(false);
            }
            events.push((fed, event));
        }
    }
    assert_eq!(kinds(&events), ["barge-in", "started", "ended"]);
    let waited = events[0].0 - onset;
    assert!(
        (500 * MS..900 * MS).contains(&waited),
        "barge-in after {} ms",
        waited / MS
    );
    let turn = turns(&events)[0];
    assert!(
        position(&audio, turn).unwrap() <= onset,
        "the turn keeps the words said under the agent"
    );
}

#[test]
fn voice_under_the_agent_does_not_become_a_turn_when_it_stops() {
    let speech = five_years();
    let burst = &speech[500 * MS..900 * MS]; // 400 ms: above min_speech, below barge-in
    let audio = concat(&[&silence(300), burst]);

    // Without the agent, 400 ms of voice is a (short) turn.
    let mut detector = TurnDetector::new(&VadConfig::default());
    let mut events = run(&mut detector, &audio, 320);
    events.extend(run(&mut detector, &silence(1_500), 320));
    assert_eq!(kinds(&events), ["started", "ended"]);

    // Under the agent's voice (echo), it is forgotten when the agent stops.
    let mut detector = TurnDetector::new(&VadConfig::default());
    detector.set_agent_speaking(true);
    let mut events = run(&mut detector, &audio, 320);
    detector.set_agent_speaking(false);
    events.extend(run(&mut detector, &silence(1_500), 320));
    assert!(events.is_empty(), "{:?}", kinds(&events));
}

#[test]
fn a_candidate_who_starts_as_the_agent_finishes_is_heard_from_the_first_word() {
    let speech = five_years();
    let audio = concat(&[&silence(300), &speech, &silence(1_500)]);
    let mut detector = TurnDetector::new(&VadConfig::default());
    detector.set_agent_speaking(true);
    // The agent's last 200 ms overlap the candidate's first words.
    let overlap = 300 * MS + 200 * MS;
    let mut events = run(&mut detector, &audio[..overlap], 320);
    detector.set_agent_speaking(false);
    events.extend(run(&mut detector, &audio[overlap..], 320));
    assert_eq!(kinds(&events), ["started", "ended"]);
    assert!(position(&audio, turns(&events)[0]).unwrap() <= 300 * MS);
}

#[test]
fn a_turn_is_cut_at_max_turn_and_the_stream_end_closes_an_open_turn() {
    let config = VadConfig {
        max_turn: Duration::from_secs(1),
        ..VadConfig::default()
    };
    let mut detector = TurnDetector::new(&config);
    let events = run(&mut detector, &five_years(), 320);
    assert!(
        turns(&events)
            .iter()
            .all(|t| t.len() <= SAMPLE_RATE as usize)
    );
    assert!(!turns(&events).is_empty());

    let mut detector = TurnDetector::new(&VadConfig::default());
    let events = run(&mut detector, &concat(&[&silence(200), &five_years()]), 320);
    assert_eq!(kinds(&events), ["started"]);
    assert!(detector.in_turn());
    assert!(
        matches!(detector.finish(), Some(VadEvent::TurnEnded { audio }) if audio.len() > 2 * SAMPLE_RATE as usize)
    );
    assert!(!detector.in_turn());
}
