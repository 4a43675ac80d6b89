//! Known-answer vectors, all with auth token `12345`. Rows from the official libraries
//! (twilio-python `tests/unit/test_request_validator.py`, twilio-node
//! `spec/validation.spec.js`) and the worked example of
//! <https://www.twilio.com/docs/usage/security>; the WebSocket and callback rows are computed
//! with the same algorithm (Python `hmac`) and labelled so.

use super::*;

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn signer() -> Signer {
    Signer::new("12345")
}

const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

fn default_params() -> Vec<(String, String)> {
    params(&[
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ])
}

#[test]
fn the_libraries_vector() {
    // twilio-python `expected`; twilio-node `defaultSignature`.
    let sig = signer().sign(URL, &default_params());
    assert_eq!(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    assert!(signer().verify(URL, &default_params(), b"", &sig));
}

#[test]
fn the_default_port_is_tried_both_ways() {
    // twilio-python `test_validation_adds_port_on_https`.
    let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    assert_eq!(
        signer().sign(with_port, &default_params()),
        "kvajT1Ptam85bY51eRf/AJRuM3w="
    );
    assert!(signer().verify(URL, &default_params(), b"", "kvajT1Ptam85bY51eRf/AJRuM3w="));
    assert!(signer().verify(
        with_port,
        &default_params(),
        b"",
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
}

#[test]
fn a_json_body_is_covered_by_its_hash() {
    // twilio-python `test_validation_of_body_succeeds`.
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    let body = br#"{"property": "value", "boolean": true}"#;
    assert!(signer().verify(url, &[], body, "a9nBmqA0ju/hNViExpshrM61xv4="));
    assert!(!signer().verify(url, &[], b"{}", "a9nBmqA0ju/hNViExpshrM61xv4="));
}

#[test]
fn repeated_names_count_each_distinct_value_once() {
    // twilio-python `duplicate_expected`.
    let repeated = params(&[
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]);
    assert_eq!(
        signer().sign(URL, &repeated),
        "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    );
}

#[test]
fn the_security_pages_worked_example() {
    let p = params(&[
        ("Digits", "1234"),
        ("To", "+18005551212"),
        ("From", "+14158675310"),
        ("Caller", "+14158675310"),
        ("CallSid", "CA1234567890ABCDE"),
    ]);
    assert_eq!(
        signer().sign("https://example.com/myapp.php?foo=1&bar=2", &p),
        "L/OH5YylLD5NRKLltdqwSvS0BnU="
    );
}

#[test]
fn websocket_upgrades_are_signed_over_the_wss_url() {
    // Computed with the same algorithm.
    assert_eq!(
        signer().sign("wss://mycompany.com/phone/cr", &[]),
        "4lFVLp5wkgETG+kq0XvGn6AeWHY="
    );
    let s = signer();
    assert!(s.verify_upgrade(
        "wss://mycompany.com/phone/cr",
        "4lFVLp5wkgETG+kq0XvGn6AeWHY="
    ));
    // The trailing-slash variant the security page suggests.
    assert!(s.verify_upgrade(
        "wss://mycompany.com/phone/cr",
        "hj+ORM9X9f5gq+uwzbnerYiTxc4="
    ));
    // The same host and path signed as https is another URL.
    assert!(!s.verify_upgrade(
        "wss://mycompany.com/phone/cr",
        "+Uq/Za2AoFtFVRP0Ivu9fKp2PHI="
    ));
    assert!(!s.verify_upgrade("wss://mycompany.com/phone/cr", ""));
}

#[test]
fn a_status_callback_sorts_case_sensitively() {
    // Computed with the same algorithm: `CallStatus < CallbackSource < Called < Caller`.
    let p = params(&[
        ("AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", "CA00000000000000000000000000000000"),
        ("CallStatus", "busy"),
        ("CallbackSource", "call-progress-events"),
        ("Called", "+18005550101"),
        ("Caller", "+18005550100"),
        ("Direction", "outbound-api"),
        ("From", "+18005550100"),
        ("SequenceNumber", "0"),
        ("Timestamp", "Tue, 01 Sep 2026 10:00:05 +0000"),
        ("To", "+18005550101"),
    ]);
    let url = "https://interviewd.example.com/phone/twilio/status?attempt=att_123";
    assert_eq!(signer().sign(url, &p), "/Ol4UeZdupm4uf+wu1lOdftvj6w=");
}

#[test]
fn anything_changed_fails() {
    let s = signer();
    let sig = s.sign(URL, &default_params());
    let mut changed = default_params();
    changed[2].1 = "1235".into();
    assert!(!s.verify(URL, &changed, b"", &sig));
    assert!(!s.verify(
        "https://mycompany.com/myapp.php?foo=1&bar=3",
        &default_params(),
        b"",
        &sig
    ));
    assert!(!Signer::new("54321").verify(URL, &default_params(), b"", &sig));
    assert!(!s.verify(URL, &default_params(), b"", ""));
}
