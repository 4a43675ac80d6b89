//! The individual judgements behind an [`Analysis`](super::Analysis): one per skill and one
//! per question, each kept with the facts (and the sentences) it was scored on so that the
//! summary, strengths, weaknesses and evidence all tell the same story.

use super::reading::Sentence;
use super::skills::SkillTerms;
use super::{Criterion, Evidence};
use crate::provider::{Role, Turn};

/// Most quotes kept per criterion.
const MAX_EVIDENCE: usize = 3;
/// A sentence shows a skill when, besides the skill's own name, it has at least this many
/// meaningful words (and reads as prose).
const CONTEXT_WORDS: usize = 3;

/// An agent prompt and the participant turns (by index) that answered it.
pub(super) struct Exchange {
    pub(super) prompt: String,
    pub(super) answers: Vec<usize>,
}

impl Exchange {
    /// Groups a transcript into exchanges. Anything the participant says before the agent's
    /// first turn answers no question; it still counts towards the skills.
    pub(super) fn from_turns(turns: &[Turn]) -> Vec<Self> {
        let mut exchanges: Vec<Self> = Vec::new();
        for (i, turn) in turns.iter().enumerate() {
            match (turn.role, exchanges.last_mut()) {
                (Role::Agent, _) => exchanges.push(Self {
                    prompt: turn.text.clone(),
                    answers: Vec::new(),
                }),
                (Role::Participant, Some(last)) => last.answers.push(i),
                (Role::Participant, None) => {}
            }
        }
        exchanges
    }

    pub(super) fn answered(&self, turns: &[Turn]) -> bool {
        self.answers
            .iter()
            .any(|&i| !turns[i].text.trim().is_empty())
    }
}

/// Every sentence the participant said, in order.
pub(super) fn participant_sentences(turns: &[Turn]) -> Vec<Sentence<'_>> {
    turns
        .iter()
        .enumerate()
        .filter(|(_, t)| t.role == Role::Participant)
        .flat_map(|(i, t)| Sentence::split(i, &t.text))
        .collect()
}

/// The trimmed, non-empty entries of `list`, each once (ignoring case) and none in `exclude`.
pub(super) fn distinct(list: &[String], exclude: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = exclude.iter().map(|s| s.to_lowercase()).collect();
    let mut out = Vec::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let key = item.to_lowercase();
        if !seen.contains(&key) {
            seen.push(key);
            out.push(item.to_owned());
        }
    }
    out
}

pub(super) fn quote(sentence: &Sentence<'_>) -> Evidence {
    Evidence {
        quote: sentence.text.to_owned(),
        turn: sentence.turn,
    }
}

/// What the candidate said about one skill, sentence by sentence.
pub(super) struct SkillCriterion {
    skill: String,
    required: bool,
    /// Sentences of prose that use the skill with context.
    shown: Vec<Evidence>,
    /// Sentences that only name it (a keyword list, or no context).
    named: Vec<Evidence>,
    /// Sentences where every mention is negated ("no Kafka yet").
    denied: Vec<Evidence>,
    pub(super) score: u8,
}

impl SkillCriterion {
    pub(super) fn judge(skill: &str, sentences: &[Sentence<'_>], required: bool) -> Self {
        let terms = SkillTerms::of(skill);
        let (mut shown, mut named, mut denied) = (Vec::new(), Vec::new(), Vec::new());
        for sentence in sentences {
            let hits = terms.find(&sentence.tokens);
            if hits.is_empty() {
                continue;
            }
            let negated =
                |&(at, len): &(usize, usize)| super::reading::is_negated(&sentence.tokens, at, len);
            if hits.iter().all(negated) {
                denied.push(quote(sentence));
            } else if shows_context(sentence, &hits) {
                shown.push(quote(sentence));
            } else {
                named.push(quote(sentence));
            }
        }
        // Coming back to a skill with context shows depth; naming it again does not.
        let score = match (shown.len(), named.len()) {
            (2.., _) => 5,
            (1, _) => 4,
            (0, 1..) => 2,
            (0, 0) => 1,
        };
        Self {
            skill: skill.to_owned(),
            required,
            shown,
            named,
            denied,
            score,
        }
    }

    /// Whether a sentence of prose used the skill with context.
    pub(super) fn is_shown(&self) -> bool {
        !self.shown.is_empty()
    }

    /// Sentences with a mention that is not negated.
    pub(super) fn positive(&self) -> usize {
        self.shown.len() + self.named.len()
    }

    pub(super) fn remark(&self, strengths: &mut Vec<String>, weaknesses: &mut Vec<String>) {
        let skill = &self.skill;
        match (self.required, self.is_shown(), self.positive() > 0) {
            (true, true, _) => strengths.push(format!("Mentioned {skill}")),
            (false, true, _) => strengths.push(format!("Mentioned {skill} (nice to have)")),
            (true, false, true) => {
                weaknesses.push(format!("Named {skill} without showing how it was used"));
            }
            (true, false, false) if !self.denied.is_empty() => {
                weaknesses.push(format!("Said they have not used {skill}"));
            }
            (true, false, false) => weaknesses.push(format!("Did not mention {skill}")),
            (false, false, _) => {}
        }
    }

    pub(super) fn into_criterion(self) -> Criterion {
        let n = self.positive();
        let (value, commentary) = if self.is_shown() {
            (
                format!("mentioned {n} {}", plural(n, "time")),
                format!(
                    "Used with context in {} {}.",
                    self.shown.len(),
                    plural(self.shown.len(), "sentence")
                ),
            )
        } else if n > 0 {
            (
                format!("mentioned {n} {}", plural(n, "time")),
                "Named, but never in a sentence that says how it was used.".to_owned(),
            )
        } else if !self.denied.is_empty() {
            (
                "said not used".to_owned(),
                "The candidate said they have not used it.".to_owned(),
            )
        } else if self.required {
            (
                "not mentioned".to_owned(),
                "Not mentioned in any answer.".to_owned(),
            )
        } else {
            (
                "not mentioned".to_owned(),
                "Not mentioned; a missing nice-to-have skill does not lower the score.".to_owned(),
            )
        };
        let name = if self.required {
            self.skill
        } else {
            format!("{} (nice to have)", self.skill)
        };
        let mut evidence: Vec<Evidence> = self.shown.into_iter().chain(self.named).collect();
        if evidence.is_empty() {
            evidence = self.denied;
        }
        evidence.truncate(MAX_EVIDENCE);
        Criterion {
            name,
            value,
            score: self.score,
            commentary,
            evidence,
        }
    }
}

/// Prose with enough meaningful words besides the skill's own.
fn shows_context(sentence: &Sentence<'_>, hits: &[(usize, usize)]) -> bool {
    if !sentence.is_prose() {
        return false;
    }
    let own: Vec<&str> = hits
        .iter()
        .flat_map(|&(at, len)| {
            sentence.tokens[at..at + len]
                .iter()
                .map(|t| t.stem.as_str())
        })
        .collect();
    let others = sentence
        .content_stems()
        .into_iter()
        .filter(|s| !own.contains(s))
        .count();
    others >= CONTEXT_WORDS
}

pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
