//! WAV synthesis and header checks.

use super::*;

fn turns() -> Vec<Turn> {
    vec![
        Turn {
            role: Role::Agent,
            text: "Hello, how are you today?".into(),
            start_ms: 0,
            end_ms: 1_750,
        },
        Turn {
            role: Role::Participant,
            text: "Very well, thank you.".into(),
            start_ms: 2_050,
            end_ms: 3_450,
        },
    ]
}

fn samples(wav: &[u8]) -> Vec<i16> {
    let info = parse_header(wav).unwrap();
    wav[info.data_offset..info.data_offset + info.data_len as usize]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
fn header_is_canonical_pcm() {
    let wav = synthesize(&turns(), 3_450);
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(le_u32(&wav, 4) as usize, wav.len() - 8);
    assert_eq!(&wav[8..12], b"WAVE");
    assert_eq!(&wav[12..16], b"fmt ");
    assert_eq!(le_u32(&wav, 16), 16);
    assert_eq!(le_u16(&wav, 20), 1, "PCM");
    assert_eq!(le_u16(&wav, 22), 1, "mono");
    assert_eq!(le_u32(&wav, 24), 8_000);
    assert_eq!(le_u32(&wav, 28), 16_000, "byte rate");
    assert_eq!(le_u16(&wav, 32), 2, "block align");
    assert_eq!(le_u16(&wav, 34), 16);
    assert_eq!(&wav[36..40], b"data");
    assert_eq!(le_u32(&wav, 40) as usize, wav.len() - HEADER_LEN);
}

#[test]
fn length_matches_duration_to_the_sample() {
    for duration_ms in [0, 1, 999, 3_450, 61_001] {
        let wav = synthesize(&turns(), duration_ms);
        let info = parse_header(&wav).unwrap();
        assert_eq!(
            info,
            WavInfo {
                sample_rate: 8_000,
                channels: 1,
                bits: 16,
                data_len: (duration_ms * 16) as u32,
                data_offset: HEADER_LEN,
                duration_ms,
            }
        );
    }
}

#[test]
fn speech_is_audible_and_gaps_are_silent() {
    let pcm = samples(&synthesize(&turns(), 3_450));
    assert!(pcm.iter().any(|s| s.unsigned_abs() > 1_000), "not silent");
    // The gap between the turns (1750..2050 ms) is silence.
    assert!(pcm[1_750 * 8..2_050 * 8].iter().all(|s| *s == 0));
}

#[test]
fn speakers_have_different_pitch() {
    // Count sign changes in the first word of each turn: the higher pitch crosses zero more.
    let pcm = samples(&synthesize(&turns(), 3_450));
    let crossings = |from_ms: usize| {
        let word = &pcm[from_ms * 8..from_ms * 8 + 1_600];
        word.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count()
    };
    assert!(crossings(2_050) > crossings(0));
}

#[test]
fn synthesis_is_deterministic_and_clips_turns_past_the_end() {
    assert_eq!(synthesize(&turns(), 3_450), synthesize(&turns(), 3_450));
    let short = synthesize(&turns(), 1_000);
    assert_eq!(parse_header(&short).unwrap().duration_ms, 1_000);
}

#[test]
fn rejects_what_is_not_a_pcm_wav() {
    let wav = synthesize(&turns(), 100);
    assert_eq!(parse_header(&wav[..10]), Err(WavError::TooShort));

    let mut not_wave = wav.clone();
    not_wave[8..12].copy_from_slice(b"AVI ");
    assert_eq!(parse_header(&not_wave), Err(WavError::NotWave));

    assert!(matches!(
        parse_header(&wav[..wav.len() - 2]),
        Err(WavError::RiffSize { .. })
    ));

    let mut float = wav.clone();
    float[20..22].copy_from_slice(&3_u16.to_le_bytes());
    assert_eq!(parse_header(&float), Err(WavError::NotPcm(3)));

    let mut long_data = wav.clone();
    long_data[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        parse_header(&long_data),
        Err(WavError::Truncated("data".into()))
    );

    let mut header_only = wav[..36].to_vec();
    header_only[4..8].copy_from_slice(&28_u32.to_le_bytes());
    assert_eq!(
        parse_header(&header_only),
        Err(WavError::MissingChunk("data"))
    );
}

#[test]
fn skips_unknown_chunks() {
    let wav = synthesize(&turns(), 100);
    // Insert an odd-sized LIST chunk (padded to even) between fmt and data.
    let mut with_list = wav[..36].to_vec();
    with_list.extend_from_slice(b"LIST");
    with_list.extend_from_slice(&3_u32.to_le_bytes());
    with_list.extend_from_slice(b"abc\0");
    with_list.extend_from_slice(&wav[36..]);
    let riff = (with_list.len() - 8) as u32;
    with_list[4..8].copy_from_slice(&riff.to_le_bytes());
    let info = parse_header(&with_list).unwrap();
    assert_eq!(info.duration_ms, 100);
    assert_eq!(info.data_offset, HEADER_LEN + 12);
}
