use std::io::Cursor;

use super::*;

const SECOND: usize = SAMPLE_RATE as usize;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn recorder(layout: Layout) -> Recorder<Cursor<Vec<u8>>> {
    let config = RecorderConfig {
        layout,
        ..RecorderConfig::default()
    };
    Recorder::new(Cursor::new(Vec::new()), &config).unwrap()
}

/// Feeds `seconds` of a constant candidate level in 20 ms frames.
fn candidate(recorder: &mut Recorder<Cursor<Vec<u8>>>, seconds: usize, level: i16) {
    for _ in 0..seconds * 50 {
        recorder.push_candidate(&[level; 320]).unwrap();
    }
}

/// The finished file as (left, right) tracks, checking its header on the way.
fn tracks(recorder: Recorder<Cursor<Vec<u8>>>) -> (Vec<i16>, Vec<i16>, RecordingInfo) {
    let (cursor, info) = recorder.finish().unwrap();
    let bytes = cursor.into_inner();
    assert_eq!(bytes.len() as u64, info.bytes);
    let reader = hound::WavReader::new(Cursor::new(&bytes)).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.sample_rate, spec.bits_per_sample), (16_000, 16));
    let channels = usize::from(spec.channels);
    let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
    let left = samples.iter().step_by(channels).copied().collect();
    let right = samples.iter().skip(1).step_by(channels).copied().collect();
    (left, right, info)
}

#[test]
fn the_candidate_is_left_and_the_agent_right_at_its_offset() {
    let mut rec = recorder(Layout::Stereo);
    candidate(&mut rec, 1, 1_000);
    rec.push_agent(ms(1_000), &[2_000; SECOND / 2]);
    candidate(&mut rec, 2, 1_000);
    let (left, right, info) = tracks(rec);
    assert_eq!(info.duration, Duration::from_secs(3));
    assert_eq!(info.bytes, 44 + 3 * 16_000 * 4);
    assert!(left.iter().all(|&s| s == 1_000));
    assert!(right[..SECOND].iter().all(|&s| s == 0));
    assert!(right[SECOND..SECOND * 3 / 2].iter().all(|&s| s == 2_000));
    assert!(right[SECOND * 3 / 2..].iter().all(|&s| s == 0));
}

#[test]
fn a_barge_in_cuts_the_agent_where_playback_stopped() {
    let mut rec = recorder(Layout::Stereo);
    candidate(&mut rec, 1, 0);
    rec.push_agent(ms(1_000), &[3_000; 2 * SECOND]);
    candidate(&mut rec, 1, 0);
    rec.truncate_agent(ms(1_500));
    candidate(&mut rec, 2, 0);
    let (_, right, _) = tracks(rec);
    let heard = right.iter().filter(|&&s| s == 3_000).count();
    assert_eq!(heard, SECOND / 2);
    assert!(right[SECOND..SECOND * 3 / 2].iter().all(|&s| s == 3_000));
}

#[test]
fn memory_stays_bounded_over_a_long_session() {
    let mut rec = recorder(Layout::Stereo);
    let mut most = 0;
    for minute in 0..5 {
        rec.push_agent(rec.elapsed(), &[5; 320]);
        for _ in 0..60 * 50 {
            rec.push_candidate(&[minute; 320]).unwrap();
            most = most.max(rec.buffered_samples());
        }
    }
    // settle (2 s) + one 1 s block.
    assert!(most <= 3 * SECOND, "{most} samples held");
    assert_eq!(rec.elapsed(), Duration::from_secs(300));
    let (left, right, info) = tracks(rec);
    assert_eq!(left.len(), 300 * SECOND);
    assert_eq!(info.bytes, 44 + 300 * 64_000);
    assert_eq!(left[60 * SECOND * 3 + 5], 3);
    assert_eq!(right.iter().filter(|&&s| s == 5).count(), 5 * 320);
}

#[test]
fn agent_audio_outside_the_window_is_dropped_and_counted() {
    let mut rec = recorder(Layout::Stereo);
    candidate(&mut rec, 10, 0);
    // Already written to the file (more than `settle` behind the cursor).
    rec.push_agent(ms(1_000), &[1; 100]);
    // Within `settle`: still lands.
    rec.push_agent(ms(9_000), &[2; 100]);
    // Too far ahead.
    rec.push_agent(Duration::from_secs(10 + 121), &[3; 100]);
    let (_, right, info) = tracks(rec);
    assert_eq!(info.dropped_samples, 200);
    assert_eq!(right.iter().filter(|&&s| s == 2).count(), 100);
    assert_eq!(right.len(), 10 * SECOND);
}

#[test]
fn agent_audio_across_the_window_s_edges_keeps_the_part_inside() {
    let mut rec = recorder(Layout::Stereo);
    candidate(&mut rec, 10, 0);
    let written = rec.written;
    assert!(written > 0);
    // Starts 50 samples before what is already written: those 50 are dropped.
    let before = Duration::from_micros((written - 50) * 1_000_000 / u64::from(SAMPLE_RATE));
    rec.push_agent(before, &[6; 150]);
    // Ends 30 samples past the limit ahead of the cursor: those 30 are dropped.
    let limit = 10 * SECOND + 120 * SECOND;
    let near_limit =
        Duration::from_micros((limit as u64 - 70) * 1_000_000 / u64::from(SAMPLE_RATE));
    rec.push_agent(near_limit, &[8; 100]);
    let (_, right, info) = tracks(rec);
    assert_eq!(info.dropped_samples, 80);
    assert_eq!(right.iter().filter(|&&s| s == 6).count(), 100);
    assert_eq!(right[written as usize], 6);
    assert_eq!(right.iter().filter(|&&s| s == 8).count(), 70);
    assert_eq!(right.len(), limit);
}

#[test]
fn the_closing_words_after_the_candidate_stopped_extend_the_file() {
    let mut rec = recorder(Layout::Stereo);
    candidate(&mut rec, 1, 0);
    rec.push_agent(ms(800), &[4; SECOND]);
    let (left, right, info) = tracks(rec);
    assert_eq!(info.duration, ms(1_800));
    assert_eq!(left.len(), right.len());
    assert_eq!(right.iter().filter(|&&s| s == 4).count(), SECOND);
}

#[test]
fn mono_mix_sums_both_parties_and_sync_fills_silence() {
    let mut rec = recorder(Layout::MonoMix);
    rec.push_candidate(&[30_000; 160]).unwrap();
    rec.push_agent(Duration::ZERO, &[10_000; 160]);
    rec.sync_candidate(ms(100)).unwrap();
    rec.push_candidate(&[7; 160]).unwrap();
    let (cursor, info) = rec.finish().unwrap();
    let bytes = cursor.into_inner();
    assert_eq!(&bytes[..44], &wav::header(16_000, 1, (1_600 + 160) * 2));
    let pcm = wav::decode(&bytes).unwrap();
    assert_eq!(pcm.samples.len(), 1_760);
    assert_eq!(pcm.samples[0], i16::MAX, "saturated, not wrapped");
    assert!(pcm.samples[160..1_600].iter().all(|&s| s == 0));
    assert_eq!(pcm.samples[1_600], 7);
    assert_eq!(info.duration, ms(110));
}
