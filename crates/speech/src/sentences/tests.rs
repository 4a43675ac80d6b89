use super::*;

fn whole(text: &str) -> Vec<String> {
    let mut splitter = SentenceSplitter::new();
    let mut out = splitter.push(text);
    out.extend(splitter.finish());
    out
}

/// One character at a time, as a slow model would stream it.
fn trickled(text: &str) -> Vec<String> {
    let mut splitter = SentenceSplitter::new();
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(splitter.push(c.encode_utf8(&mut [0; 4])));
    }
    out.extend(splitter.finish());
    out
}

fn check(text: &str, expected: &[&str]) {
    assert_eq!(whole(text), expected, "whole: {text:?}");
    assert_eq!(trickled(text), expected, "trickled: {text:?}");
}

#[test]
fn plain_sentences() {
    check(
        "Thanks for joining. Tell me about your last project! Ready?",
        &[
            "Thanks for joining.",
            "Tell me about your last project!",
            "Ready?",
        ],
    );
}

#[test]
fn titles_latin_abbreviations_and_initials_do_not_end_a_sentence() {
    check(
        "Dr. Smith will see you. We used tools, e.g. Rust and Go, i.e. compiled ones. J. R. R. Tolkien wrote it.",
        &[
            "Dr. Smith will see you.",
            "We used tools, e.g. Rust and Go, i.e. compiled ones.",
            "J. R. R. Tolkien wrote it.",
        ],
    );
    check(
        "Mr. and Mrs. Lee vs. the rest.",
        &["Mr. and Mrs. Lee vs. the rest."],
    );
}

#[test]
fn decimals_versions_and_addresses_stay_whole() {
    check(
        "Latency fell 3.5 times with v1.2 of example.com. Nice.",
        &["Latency fell 3.5 times with v1.2 of example.com.", "Nice."],
    );
    check(
        "I was born in 1990. Then I moved.",
        &["I was born in 1990.", "Then I moved."],
    );
}

#[test]
fn ellipses_and_maybe_abbreviations_end_only_before_a_capital() {
    check(
        "Well... let me think. Hmm… That is hard. We used Go, Rust, etc. for services, etc. Then we shipped.",
        &[
            "Well... let me think.",
            "Hmm…",
            "That is hard.",
            "We used Go, Rust, etc. for services, etc.",
            "Then we shipped.",
        ],
    );
    check(
        "I worked at Acme Inc. for years.",
        &["I worked at Acme Inc. for years."],
    );
}

#[test]
fn closing_quotes_and_mixed_marks_stay_with_their_sentence() {
    check(
        "He said \"stop.\" Then he left. Really?! (Yes.) Fine.",
        &[
            "He said \"stop.\"",
            "Then he left.",
            "Really?!",
            "(Yes.)",
            "Fine.",
        ],
    );
}

#[test]
fn line_breaks_and_list_numbers() {
    check(
        "Two questions:\n1. Your role.\n2. Your team.",
        &["Two questions:", "1. Your role.", "2. Your team."],
    );
}

#[test]
fn the_rest_is_flushed_at_the_end_and_blank_text_is_nothing() {
    check("And one more thing", &["And one more thing"]);
    check("   \n  ", &[]);
    check("Done. ", &["Done."]);
    let mut splitter = SentenceSplitter::new();
    assert!(
        splitter.push("Almost.").is_empty(),
        "waits for what follows the period"
    );
    assert_eq!(splitter.finish().as_deref(), Some("Almost."));
    assert_eq!(splitter.finish(), None);
}

#[test]
fn a_run_on_sentence_is_cut_after_a_clause() {
    let clause = "we built the ingestion service, ";
    let text = clause.repeat(12);
    let mut splitter = SentenceSplitter::with_max_chars(100);
    let mut out = splitter.push(&text);
    out.extend(splitter.finish());
    assert!(out.len() >= 3);
    assert!(out.iter().all(|s| s.chars().count() <= 100), "{out:?}");
    assert!(
        out[..out.len() - 1].iter().all(|s| s.ends_with(',')),
        "{out:?}"
    );
    assert_eq!(out.join(" "), text.trim());
}

#[test]
fn unicode_text_streams_safely() {
    check(
        "Café près de l’école. Très bien ! ¿Sí? 你好。",
        &["Café près de l’école.", "Très bien !", "¿Sí?", "你好。"],
    );
}
