//! Small text helpers shared by the simulator's script and the scorer, so that both agree on
//! what a "word" and a "key term" are.

/// Words too common to say anything about what a question is about.
const STOPWORDS: &[&str] = &[
    "about", "after", "also", "been", "before", "being", "could", "describe", "does", "doing",
    "from", "have", "into", "just", "more", "most", "other", "over", "should", "some", "such",
    "tell", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those",
    "time", "very", "want", "were", "what", "when", "where", "which", "while", "with", "would",
    "your", "yourself",
];

/// Splits `text` into lowercase words, dropping punctuation at either end of each word.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
}

/// The words of `text` that carry meaning: at least four letters and not a stopword,
/// deduplicated, in order of first appearance.
pub(crate) fn key_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in words(text) {
        if word.chars().count() >= 4
            && !STOPWORDS.contains(&word.as_str())
            && !terms.contains(&word)
        {
            terms.push(word);
        }
    }
    terms
}

/// FNV-1a over the parts, with a separator so that `("ab", "c")` and `("a", "bc")` differ.
///
/// Hand-written because the standard library's hasher is not promised to be stable across
/// releases, and the simulator's output must not change when the toolchain does.
pub(crate) fn stable_hash(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_terms_drop_stopwords_and_short_words() {
        assert_eq!(
            key_terms("Tell me about your Kubernetes experience, and your kubernetes work?"),
            vec!["kubernetes", "experience", "work"]
        );
    }

    #[test]
    fn stable_hash_separates_parts() {
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        assert_eq!(stable_hash(&["x"]), stable_hash(&["x"]));
    }
}
