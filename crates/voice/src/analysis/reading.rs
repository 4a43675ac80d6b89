//! How the scorer reads an answer: sentences cut from the candidate's own words (so that a
//! sentence can be quoted verbatim as evidence), tokens with a light stemmer (so that
//! `migrations`, `migrate` and `migrating` are one word), and whether a sentence reads like
//! prose or like a list of keywords.

use super::lexicon::{CLAUSE_BREAKS, FUNCTION_WORDS, NEGATIONS, STOPWORDS};

/// One word of a sentence.
#[derive(Clone, Debug)]
pub(super) struct Token<'a> {
    /// The word as written (`Node`, `C++`, `don't`).
    pub(super) raw: &'a str,
    /// Lowercased and stemmed.
    pub(super) stem: String,
}

/// One sentence of a participant turn.
#[derive(Clone, Debug)]
pub(super) struct Sentence<'a> {
    /// Index of the turn in the transcript.
    pub(super) turn: usize,
    /// The sentence exactly as it occurs in the turn, trimmed.
    pub(super) text: &'a str,
    pub(super) tokens: Vec<Token<'a>>,
}

impl<'a> Sentence<'a> {
    /// The sentences of one turn, cut after `.`, `!`, `?` or `;` followed by a space (so
    /// `Node.js` stays whole) and at line breaks.
    pub(super) fn split(turn: usize, text: &'a str) -> Vec<Self> {
        let mut out = Vec::new();
        let mut start = 0;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        for (i, &(at, c)) in chars.iter().enumerate() {
            let next_is_space = chars.get(i + 1).is_none_or(|(_, n)| n.is_whitespace());
            let ends = matches!(c, '!' | '?' | ';' | '\n') || (c == '.' && next_is_space);
            if ends {
                let end = at + c.len_utf8();
                out.extend(Self::new(turn, &text[start..end]));
                start = end;
            }
        }
        out.extend(Self::new(turn, &text[start..]));
        out
    }

    fn new(turn: usize, text: &'a str) -> Option<Self> {
        let text = text.trim();
        let tokens = tokens(text);
        (!tokens.is_empty()).then_some(Self { turn, text, tokens })
    }

    /// The distinct stems of the words that carry meaning (not stopwords nor function words).
    pub(super) fn content_stems(&self) -> Vec<&str> {
        distinct_content(&self.tokens)
    }

    /// Whether the sentence reads like language rather than a list of keywords: it has
    /// enough function words (`I`, `the`, `with`, …). Sentences of three words or fewer are
    /// too short to tell, and count as prose.
    pub(super) fn is_prose(&self) -> bool {
        is_prose(&self.tokens)
    }
}

/// Whether `tokens` read like language: at least one word in seven is a function word.
pub(super) fn is_prose(tokens: &[Token<'_>]) -> bool {
    if tokens.len() <= 3 {
        return true;
    }
    let function = tokens
        .iter()
        .filter(|t| FUNCTION_WORDS.contains(&t.raw.to_lowercase().as_str()))
        .count();
    function * 7 >= tokens.len()
}

/// The distinct stems of the meaningful words, in order of first appearance.
pub(super) fn distinct_content<'t>(tokens: &'t [Token<'_>]) -> Vec<&'t str> {
    let mut out: Vec<&str> = Vec::new();
    for token in tokens {
        let lower = token.raw.to_lowercase();
        let meaningful = lower.chars().count() >= 3
            && !STOPWORDS.contains(&lower.as_str())
            && !FUNCTION_WORDS.contains(&lower.as_str());
        if meaningful && !out.contains(&token.stem.as_str()) {
            out.push(token.stem.as_str());
        }
    }
    out
}

/// The words of `text`: runs of letters and digits, keeping `+` and `#` (`C++`, `C#`) and an
/// apostrophe between letters (`don't`).
pub(super) fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        let apostrophe = matches!(c, '\'' | '’')
            && start.is_some()
            && chars.get(i + 1).is_some_and(|(_, n)| n.is_alphabetic());
        let part = c.is_alphanumeric() || apostrophe || (matches!(c, '+' | '#') && start.is_some());
        match (part, start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                out.push(token(&text[s..at]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(token(&text[s..]));
    }
    out
}

fn token(raw: &str) -> Token<'_> {
    Token {
        raw,
        stem: stem(&raw.to_lowercase()),
    }
}

/// A light English stemmer: strips inflections (`-s`, `-ing`, `-ed`) and a few derivations
/// (`-ation`, `-ment`, `-er`) so that the forms of one word compare equal. Words with digits
/// or symbols (`k8s`, `c++`) and short words are left alone.
pub fn stem(word: &str) -> String {
    let mut w = word.replace(['’', '\''], "");
    if w.chars().count() <= 3 || !w.chars().all(|c| c.is_ascii_alphabetic()) {
        return w;
    }
    let cut = |w: &mut String, suffix: &str, with: &str, min: usize| -> bool {
        if w.ends_with(suffix) && w.len() - suffix.len() >= min {
            w.truncate(w.len() - suffix.len());
            w.push_str(with);
            return true;
        }
        false
    };
    let _ = cut(&mut w, "ies", "y", 2)
        || cut(&mut w, "sses", "ss", 2)
        || (!w.ends_with("ss")
            && !w.ends_with("us")
            && !w.ends_with("is")
            && cut(&mut w, "s", "", 3));
    if cut(&mut w, "ing", "", 3) || cut(&mut w, "ed", "", 3) {
        undouble(&mut w);
    }
    let _ = cut(&mut w, "ational", "ate", 2)
        || cut(&mut w, "ation", "ate", 2)
        || cut(&mut w, "ator", "ate", 2)
        || cut(&mut w, "ment", "", 4)
        || cut(&mut w, "ness", "", 3)
        || cut(&mut w, "ly", "", 4)
        || cut(&mut w, "er", "", 4);
    let _ = cut(&mut w, "e", "", 4);
    w
}

/// `runn` → `run`, `plann` → `plan`; but `ll`, `ss` and `zz` stay (`install`).
fn undouble(w: &mut String) {
    let bytes = w.as_bytes();
    if let [.., a, b] = bytes
        && a == b
        && !matches!(a, b'l' | b's' | b'z')
        && !b"aeiou".contains(a)
    {
        w.pop();
    }
}

/// Whether the match at `tokens[at..at + len]` is negated: a negation (`no`, `not`,
/// `never`, `without`, `n't`) up to five words before it in the same clause, or `not yet` /
/// `never` right after it (`Kafka, not yet`).
pub(super) fn is_negated(tokens: &[Token<'_>], at: usize, len: usize) -> bool {
    let lower = |t: &Token<'_>| t.raw.to_lowercase().replace('’', "'");
    let negation = |w: &str| NEGATIONS.contains(&w) || w.ends_with("n't");
    for token in tokens[..at].iter().rev().take(5) {
        let w = lower(token);
        if CLAUSE_BREAKS.contains(&w.as_str()) {
            break;
        }
        if negation(&w) {
            return true;
        }
    }
    let after: Vec<String> = tokens[at + len..].iter().take(2).map(lower).collect();
    matches!(
        after
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["not", "yet", ..] | ["never", ..] | ["not", "really", ..]
    )
}

/// Collapses whitespace and lowercases, for comparing a quote with a turn.
pub fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_join_word_forms() {
        for group in [
            &[
                "migrations",
                "migrate",
                "migrating",
                "migrated",
                "migration",
            ][..],
            &["tests", "testing", "tested", "test"],
            &["deploy", "deployed", "deploying", "deployment", "deploys"],
            &["systems", "system"],
            &["scaling", "scale", "scaled"],
            &["running", "run", "runs"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(
                stems.iter().all(|s| *s == stems[0]),
                "{group:?} → {stems:?}"
            );
        }
        assert_eq!(stem("k8s"), "k8s");
        assert_eq!(stem("install"), "install");
        assert_ne!(stem("rust"), stem("trust"));
    }

    #[test]
    fn sentences_are_verbatim_slices() {
        let text = "I use Node.js daily. No Kafka yet!  Why?\nThen Rust; then Go";
        let s: Vec<&str> = Sentence::split(3, text).iter().map(|s| s.text).collect();
        assert_eq!(
            s,
            [
                "I use Node.js daily.",
                "No Kafka yet!",
                "Why?",
                "Then Rust;",
                "then Go"
            ]
        );
        assert!(s.iter().all(|q| text.contains(q)));
    }

    #[test]
    fn tokens_keep_symbols_and_apostrophes() {
        let raw: Vec<&str> = tokens("I don't know C++ or C#, (node.js) k8s.")
            .iter()
            .map(|t| t.raw)
            .collect();
        assert_eq!(
            raw,
            ["I", "don't", "know", "C++", "or", "C#", "node", "js", "k8s"]
        );
    }

    #[test]
    fn keyword_lists_are_not_prose() {
        let salad = Sentence::split(0, "Rust SQL Rust SQL Rust SQL join Acme want");
        assert!(!salad[0].is_prose());
        let prose = Sentence::split(0, "I wrote the billing service in Rust with my team.");
        assert!(prose[0].is_prose());
    }

    #[test]
    fn negations_in_the_same_clause() {
        let check = |text: &str, word: &str| {
            let t = tokens(text);
            let at = t.iter().position(|t| t.raw == word).unwrap_or(0);
            is_negated(&t, at, 1)
        };
        assert!(check("No Kafka yet.", "Kafka"));
        assert!(check("I have not used Kafka", "Kafka"));
        assert!(check("I never worked with Kafka", "Kafka"));
        assert!(check("I haven't touched Kafka", "Kafka"));
        assert!(check("I don’t know Kafka", "Kafka"));
        assert!(check("Kafka, not yet", "Kafka"));
        assert!(!check(
            "I never used Java, but Kafka is my daily tool",
            "Kafka"
        ));
        assert!(!check("We run Kafka in production", "Kafka"));
    }
}
