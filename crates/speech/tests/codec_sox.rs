//! The μ-law codec against `sox`, the reference a phone engineer would reach for.
//!
//! The committed fixtures were made with sox 14.4.2 (see `fixtures/README.md`), so the core
//! assertions always run. When `sox` is installed, the tests also run it now on every one of
//! the 65 536 sample values and on all 256 codes.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::path::Path;
use std::process::{Command, Stdio};

use interviewd_speech::codec;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The input the encoding fixture holds: every 61st value from -32768, then every value
/// around zero (the finest steps) and at both ends (the coarsest steps and the clip), where
/// coders that round differently part ways.
fn reference_values() -> Vec<i16> {
    let ramp = (0..1_075_i32).map(|i| (-32_768 + i * 61).clamp(-32_768, 32_767) as i16);
    ramp.chain(-1_024..=1_024)
        .chain(-32_768..=-31_000)
        .chain(31_000..=32_767)
        .collect()
}

fn s16le(bytes: &[u8]) -> Vec<i16> {
    interviewd_speech::pcm16le_to_samples(bytes)
}

#[test]
fn encoding_matches_the_committed_sox_output() {
    assert_eq!(
        codec::encode(&reference_values()),
        fixture("reference-values.sox.ulaw")
    );
}

#[test]
fn decoding_matches_the_committed_sox_output() {
    let codes: Vec<u8> = (0..=255).collect();
    assert_eq!(
        codec::decode(&codes),
        s16le(&fixture("all-codes.sox.s16le"))
    );
}

/// Runs sox with `args`, feeding `input`; `None` when sox is not installed.
fn sox(args: &[&str], input: &[u8]) -> Option<Vec<u8>> {
    let child = Command::new("sox")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "sox is not installed: the live comparison was skipped (the fixtures still ran)"
            );
            return None;
        }
        Err(e) => panic!("sox: {e}"),
    };
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "sox failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(output.stdout)
}

const RAW_S16: [&str; 11] = [
    "-t", "raw", "-e", "signed", "-b", "16", "-L", "-r", "8000", "-c", "1",
];
const RAW_ULAW: [&str; 9] = ["-t", "raw", "-e", "u-law", "-b", "8", "-r", "8000", "-c"];

#[test]
fn encoding_every_sample_value_matches_sox_when_installed() {
    let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let pcm = interviewd_speech::samples_to_pcm16le(&all);
    // -D: no dither, so sox quantises exactly.
    let mut args = vec!["-D"];
    args.extend(RAW_S16);
    args.push("-");
    args.extend(RAW_ULAW);
    args.extend(["1", "-"]);
    let Some(reference) = sox(&args, &pcm) else {
        return;
    };
    let ours = codec::encode(&all);
    let differing: Vec<i16> = all
        .iter()
        .zip(ours.iter().zip(&reference))
        .filter(|(_, (a, b))| a != b)
        .map(|(s, _)| *s)
        .collect();
    assert!(
        differing.is_empty(),
        "{} values differ from sox, e.g. {:?}",
        differing.len(),
        &differing[..differing.len().min(10)]
    );
}

#[test]
fn decoding_every_code_matches_sox_when_installed() {
    let codes: Vec<u8> = (0..=255).collect();
    let mut args = vec!["-D"];
    args.extend(RAW_ULAW);
    args.extend(["1", "-"]);
    args.extend(RAW_S16);
    args.push("-");
    let Some(reference) = sox(&args, &codes) else {
        return;
    };
    assert_eq!(codec::decode(&codes), s16le(&reference));
}
