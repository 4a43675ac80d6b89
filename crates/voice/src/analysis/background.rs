//! What the candidate said of their education and of their work experience: for each, the
//! first sentence of their own that states it, quoted verbatim, so that the value is its own
//! evidence. Nothing is inferred: a candidate who did not speak of it gets `None`.
//!
//! - **Education**: a sentence naming a degree or a place of study (`degree`, `bachelor's`,
//!   `master's`, `MSc`, `PhD`, `diploma`, `university`, `college`, `studied`, `graduated`, or
//!   `master` before `in`/`of`/`degree`).
//! - **Experience**: a sentence giving a span of years (`five years`, `12 years`, `3+ years`,
//!   `a decade`), except an age or a time ago (`25 years old`, `two years ago`).

use super::criteria::participant_sentences;
use super::reading::{Sentence, Token};
use crate::provider::Turn;

/// The longest value kept, in characters; a longer sentence is cut at a word.
pub const MAX_CHARS: usize = 200;

/// Words that name a degree or a place of study, lowercased as written.
const EDUCATION: &[&str] = &[
    "degree",
    "degrees",
    "bachelor",
    "bachelor's",
    "bachelors",
    "master's",
    "masters",
    "msc",
    "bsc",
    "mba",
    "phd",
    "doctorate",
    "doctoral",
    "diploma",
    "university",
    "college",
    "studied",
    "graduated",
];

/// Number words up to the spans people give of their careers.
const NUMBERS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "several",
    "many",
    "couple",
];

/// The candidate's education and experience, each in their own words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Background {
    pub education: Option<String>,
    pub experience: Option<String>,
}

/// Reads both from the candidate's turns.
pub fn background(turns: &[Turn]) -> Background {
    let sentences = participant_sentences(turns);
    let first = |test: fn(&[String]) -> bool| {
        sentences
            .iter()
            .find(|s| test(&lower(&s.tokens)))
            .map(|s| clip(s))
    };
    Background {
        education: first(names_education),
        experience: first(gives_years),
    }
}

fn lower(tokens: &[Token<'_>]) -> Vec<String> {
    tokens
        .iter()
        .map(|t| t.raw.to_lowercase().replace('’', "'"))
        .collect()
}

fn names_education(words: &[String]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        EDUCATION.contains(&w.as_str())
            || (w == "master"
                && words
                    .get(i + 1)
                    .is_some_and(|n| matches!(n.as_str(), "in" | "of" | "degree")))
    })
}

fn gives_years(words: &[String]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        let span = match w.as_str() {
            "decade" | "decades" => {
                i > 0 && (is_amount(&words[i - 1]) || matches!(words[i - 1].as_str(), "a" | "over"))
            }
            "year" | "years" | "yrs" => i > 0 && is_amount(&words[i - 1]),
            _ => false,
        };
        let after = words.get(i + 1).map(String::as_str);
        span && !matches!(after, Some("old" | "ago"))
    })
}

/// `5`, `12`, `five`, `several`: what can stand before `years`.
fn is_amount(word: &str) -> bool {
    (!word.is_empty() && word.chars().all(|c| c.is_ascii_digit() || c == '+'))
        || NUMBERS.contains(&word)
}

/// The sentence, cut at a word when longer than [`MAX_CHARS`].
fn clip(sentence: &Sentence<'_>) -> String {
    let text = sentence.text;
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_CHARS - 1).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;
    use crate::provider::Role;

    fn said(lines: &[(&str, Role)]) -> Vec<Turn> {
        lines
            .iter()
            .map(|(text, role)| Turn {
                role: *role,
                text: (*text).to_owned(),
                start_ms: 0,
                end_ms: 0,
            })
            .collect()
    }

    #[test]
    fn the_first_sentence_that_states_each_is_quoted() {
        let turns = said(&[
            (
                "How many years of experience do you have, and what degree?",
                Role::Agent,
            ),
            (
                "Hello. I have built REST APIs in Rust for five years. Before that I did a \
                 master's in computer science at Comenius University.",
                Role::Participant,
            ),
            ("I also spent 3+ years on call.", Role::Participant),
        ]);
        let b = background(&turns);
        assert_eq!(
            b.experience.as_deref(),
            Some("I have built REST APIs in Rust for five years.")
        );
        assert_eq!(
            b.education.as_deref(),
            Some("Before that I did a master's in computer science at Comenius University.")
        );
    }

    #[test]
    fn nothing_is_inferred() {
        let turns = said(&[
            (
                "Tell me about your degree and your years of experience.",
                Role::Agent,
            ),
            (
                "I am 25 years old. I mastered Kafka two years ago. We merge to master daily.",
                Role::Participant,
            ),
        ]);
        assert_eq!(background(&turns), Background::default());
        let decade = said(&[("I have led teams for over a decade.", Role::Participant)]);
        assert_eq!(
            background(&decade).experience.as_deref(),
            Some("I have led teams for over a decade.")
        );
        let spans = said(&[("Twelve years, 12 yrs really, in retail.", Role::Participant)]);
        assert!(background(&spans).experience.is_some());
    }

    #[test]
    fn a_long_sentence_is_cut_at_a_word() {
        let long = format!("I studied {} at the university.", "physics and ".repeat(40));
        let b = background(&said(&[(&long, Role::Participant)]));
        let education = b.education.unwrap();
        assert!(education.chars().count() <= MAX_CHARS, "{education}");
        assert!(education.ends_with('…'));
        assert!(education.starts_with("I studied physics"));
    }
}
