//! Finding a skill in a sentence under any of its names (see [`super::lexicon::VARIANTS`]),
//! compared word by word after stemming, so `distributed systems` is found in "a distributed
//! system" and `k8s` counts for Kubernetes.

use super::lexicon::{Alias, VARIANTS};
use super::reading::{Token, tokens};

/// One way a skill can be written, as the words to look for.
#[derive(Debug)]
struct Term {
    stems: Vec<String>,
    /// For case-sensitive names (`Go`): the words exactly as written.
    exact: Option<Vec<String>>,
}

impl Term {
    fn new(text: &str, exact_case: bool) -> Option<Self> {
        let words = tokens(text);
        if words.is_empty() {
            return None;
        }
        Some(Self {
            stems: words.iter().map(|t| t.stem.clone()).collect(),
            exact: exact_case.then(|| words.iter().map(|t| t.raw.to_owned()).collect()),
        })
    }

    fn matches_at(&self, sentence: &[Token<'_>], at: usize) -> bool {
        let Some(window) = sentence.get(at..at + self.stems.len()) else {
            return false;
        };
        match &self.exact {
            Some(raw) => window.iter().zip(raw).all(|(t, r)| t.raw == r),
            None => window.iter().zip(&self.stems).all(|(t, s)| t.stem == *s),
        }
    }
}

/// Every way one skill can be written.
#[derive(Debug)]
pub(super) struct SkillTerms {
    terms: Vec<Term>,
}

impl SkillTerms {
    /// The names of `skill`: those of its entry in the variants table when it has one (so a
    /// job asking for `go` still only finds `Go` and `golang`), otherwise the skill as written.
    pub(super) fn of(skill: &str) -> Self {
        let wanted = stems_of(skill);
        let entry = VARIANTS.iter().find(|v| {
            v.names
                .iter()
                .any(|n| stems_of(n.text) == wanted || n.text.eq_ignore_ascii_case(skill.trim()))
        });
        let terms = match entry {
            Some(v) => v
                .names
                .iter()
                .chain(v.shows)
                .filter_map(|a: &Alias| Term::new(a.text, a.exact_case))
                .collect(),
            None => Term::new(skill, false).into_iter().collect(),
        };
        Self { terms }
    }

    /// Where the skill occurs in `sentence`: `(first word, number of words)` for each match,
    /// longest name first, without overlaps.
    pub(super) fn find(&self, sentence: &[Token<'_>]) -> Vec<(usize, usize)> {
        let mut hits = Vec::new();
        let mut at = 0;
        while at < sentence.len() {
            let longest = self
                .terms
                .iter()
                .filter(|t| t.matches_at(sentence, at))
                .map(|t| t.stems.len())
                .max();
            match longest {
                Some(len) => {
                    hits.push((at, len));
                    at += len;
                }
                None => at += 1,
            }
        }
        hits
    }
}

fn stems_of(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.stem).collect()
}
