use super::*;

/// A sine of `hz` at `rate`, `len` samples, amplitude about -6 dBFS.
pub(crate) fn sine(hz: f64, rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (16_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

/// Chunk sizes from a small deterministic generator: 1 to 700 samples.
fn chunk_sizes(seed: u64) -> impl Iterator<Item = usize> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % 700 + 1
    })
}

fn stream(resampler: &mut StreamResampler, input: &[i16], seed: u64) -> Vec<i16> {
    let mut out = Vec::new();
    let mut at = 0;
    for size in chunk_sizes(seed) {
        if at >= input.len() {
            break;
        }
        let end = (at + size).min(input.len());
        resampler.push(&input[at..end], &mut out).unwrap();
        at = end;
    }
    resampler.flush(&mut out).unwrap();
    out
}

fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// Upward zero crossings per second: the frequency of a clean tone.
fn frequency(samples: &[i16], rate: u32) -> f64 {
    let crossings = samples.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    crossings as f64 * f64::from(rate) / samples.len() as f64
}

#[test]
fn a_sine_through_8k_16k_8k_keeps_frequency_length_and_shape() {
    let input = sine(440.0, 8_000, 16_000);
    let mut up = StreamResampler::new(8_000, 16_000).unwrap();
    let mut down = StreamResampler::new(16_000, 8_000).unwrap();
    let wide = stream(&mut up, &input, 1);
    assert_eq!(wide.len(), 32_000);
    assert!((frequency(&wide, 16_000) - 440.0).abs() < 2.0);
    let back = stream(&mut down, &wide, 2);
    assert_eq!(back.len(), input.len());
    assert!((frequency(&back, 8_000) - 440.0).abs() < 2.0);
    // The delay is trimmed, so the two line up sample for sample (edges aside).
    let inner = 200..input.len() - 200;
    let diff: Vec<i16> = inner
        .clone()
        .map(|i| input[i].saturating_sub(back[i]))
        .collect();
    let snr = 20.0 * (rms(&input[inner]) / rms(&diff)).log10();
    assert!(snr > 40.0, "round trip SNR {snr:.1} dB");
}

#[test]
fn output_length_is_input_times_ratio_for_every_rate() {
    for in_rate in [8_000, 22_050, 24_000, 44_100, 48_000, 16_000] {
        for len in [0_usize, 1, 159, 12_345, 48_000] {
            let input = sine(300.0, in_rate, len);
            let mut resampler = StreamResampler::new(in_rate, 16_000).unwrap();
            let out = stream(&mut resampler, &input, len as u64);
            let expected = (len as u64 * 16_000 + u64::from(in_rate) / 2) / u64::from(in_rate);
            assert_eq!(out.len() as u64, expected, "{in_rate} Hz, {len} samples");
        }
    }
}

#[test]
fn chunk_sizes_do_not_change_the_output() {
    let input = sine(1_000.0, 44_100, 30_000);
    let whole = resample(&input, 44_100, 16_000).unwrap();
    let mut resampler = StreamResampler::new(44_100, 16_000).unwrap();
    let chunked = stream(&mut resampler, &input, 7);
    assert_eq!(whole, chunked);
    let mut one_by_one = Vec::new();
    for sample in &input {
        resampler
            .push(std::slice::from_ref(sample), &mut one_by_one)
            .unwrap();
    }
    resampler.flush(&mut one_by_one).unwrap();
    assert_eq!(whole, one_by_one);
}

#[test]
fn downsampling_keeps_the_band_and_removes_what_would_alias() {
    let kept = resample(&sine(3_000.0, 48_000, 48_000), 48_000, 16_000).unwrap();
    assert!((frequency(&kept, 16_000) - 3_000.0).abs() < 5.0);
    assert!(rms(&kept) > 0.9 * 16_000.0 / 2_f64.sqrt());
    // 10 kHz is above the 8 kHz Nyquist limit of 16 kHz audio: decimating by dropping samples
    // would fold it to 6 kHz at full level; the filter must remove it.
    let folded = resample(&sine(10_000.0, 48_000, 48_000), 48_000, 16_000).unwrap();
    assert!(
        rms(&folded[500..47_000 / 3]) < 0.01 * 16_000.0,
        "alias rms {}",
        rms(&folded)
    );
}

#[test]
fn equal_rates_pass_through_and_bad_rates_are_refused() {
    let input = sine(500.0, 16_000, 1_000);
    assert_eq!(resample(&input, 16_000, 16_000).unwrap(), input);
    assert!(StreamResampler::new(0, 16_000).is_err());
    assert!(StreamResampler::new(16_000, 1_000_000).is_err());
}

#[test]
fn latency_is_a_block_plus_the_filter_delay() {
    let resampler = StreamResampler::new(8_000, 16_000).unwrap();
    // 20 ms block (160) + 10 ms delay (80 input samples).
    assert_eq!(resampler.latency_samples(), 240);
    let mut resampler = StreamResampler::new(8_000, 16_000).unwrap();
    let mut out = Vec::new();
    resampler.push(&[1_000; 159], &mut out).unwrap();
    assert!(out.is_empty());
    resampler.push(&[1_000; 1], &mut out).unwrap();
    assert_eq!(
        out.len(),
        160,
        "one block out, less the 160-sample delay at 16 kHz"
    );
}
