//! The individual judgements behind an [`Analysis`](super::Analysis): one per skill and one
//! per question, each kept with the facts (and the sentences) it was scored on so that the
//! summary, strengths, weaknesses and evidence all tell the same story.

use super::reading::{Sentence, Token, distinct_content, is_prose};
use super::skills::SkillTerms;
use super::{Criterion, Evidence};
use crate::provider::{Role, Turn};
use crate::text::words;

/// Most quotes kept per criterion.
const MAX_EVIDENCE: usize = 3;
/// A sentence shows a skill when, besides the skill's own name, it has at least this many
/// meaningful words (and reads as prose).
const CONTEXT_WORDS: usize = 3;

/// An agent prompt and the participant turns (by index) that answered it.
pub(super) struct Exchange {
    prompt: String,
    answers: Vec<usize>,
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

    fn answered(&self, turns: &[Turn]) -> bool {
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

fn quote(sentence: &Sentence<'_>) -> Evidence {
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

/// How fully and how relevantly one question was answered.
pub(super) struct QuestionCriterion {
    question: String,
    /// Words in the answer; 0 when the question was not asked or not answered.
    pub(super) words: usize,
    /// Distinct meaningful words of the answer: what it says, not how long it is.
    substance: usize,
    /// Whether the answer reads as prose rather than a list of keywords.
    prose: bool,
    /// The question's key terms that the answer picks up (compared after stemming).
    shared: Vec<String>,
    /// How many key terms the question has.
    terms: usize,
    evidence: Option<Evidence>,
    pub(super) score: u8,
}

impl QuestionCriterion {
    /// Judges each question against the exchange that asked it, together with the
    /// exchanges after it that asked no listed question (the follow-ups). Without a question
    /// list, every answered agent turn is taken as a question.
    pub(super) fn judge_all(
        questions: &[String],
        exchanges: &[Exchange],
        turns: &[Turn],
    ) -> Vec<Self> {
        let questions = distinct(questions, &[]);
        if questions.is_empty() {
            return exchanges
                .iter()
                .filter(|e| e.answered(turns))
                .map(|e| Self::judge(&e.prompt, &e.answers, turns))
                .collect();
        }
        let mut used = vec![false; exchanges.len()];
        let mut found = Vec::with_capacity(questions.len());
        for question in &questions {
            let at = find_exchange(question, exchanges, &used);
            if let Some(i) = at {
                used[i] = true;
            }
            found.push(at);
        }
        let answers_from = |i: usize| -> Vec<usize> {
            let end = (i + 1..exchanges.len())
                .find(|j| used[*j])
                .unwrap_or(exchanges.len());
            exchanges[i..end]
                .iter()
                .flat_map(|e| e.answers.iter().copied())
                .collect()
        };
        questions
            .iter()
            .zip(found)
            .map(|(q, at)| Self::judge(q, &at.map(answers_from).unwrap_or_default(), turns))
            .collect()
    }

    fn judge(question: &str, answers: &[usize], turns: &[Turn]) -> Self {
        let answer: Vec<Sentence<'_>> = answers
            .iter()
            .flat_map(|&i| Sentence::split(i, &turns[i].text))
            .collect();
        let tokens: Vec<Token<'_>> = answer.iter().flat_map(|s| s.tokens.clone()).collect();
        let question_tokens = super::reading::tokens(question);
        let question_terms = distinct_content(&question_tokens);
        let answer_terms = distinct_content(&tokens);
        let shared: Vec<String> = question_terms
            .iter()
            .filter(|t| answer_terms.contains(t))
            .map(|t| (*t).to_owned())
            .collect();
        // The sentence that says the most; the first of equals.
        let best = answer
            .iter()
            .rev()
            .max_by_key(|s| s.content_stems().len())
            .map(quote);
        let mut judged = Self {
            question: question.trim().to_owned(),
            words: tokens.len(),
            substance: answer_terms.len(),
            prose: is_prose(&tokens),
            shared,
            terms: question_terms.len(),
            evidence: best,
            score: 1,
        };
        judged.score = judged.compute_score();
        judged
    }

    /// Whether the answer picks up the question (a question with no key terms cannot be
    /// checked, so any answer counts).
    fn relevant(&self) -> bool {
        !self.shared.is_empty() || self.terms == 0
    }

    fn compute_score(&self) -> u8 {
        if self.words == 0 {
            return 1;
        }
        let said = match self.substance {
            0..=3 => 2,
            4..=7 => 3,
            8..=11 => 4,
            _ => 5,
        };
        if !self.prose {
            return 2;
        }
        if self.relevant() || said <= 2 {
            said
        } else {
            said - 1
        }
    }

    pub(super) fn remark(&self, strengths: &mut Vec<String>, weaknesses: &mut Vec<String>) {
        let q = &self.question;
        if self.words == 0 {
            weaknesses.push(format!("No answer to \"{q}\""));
        } else if !self.prose {
            weaknesses.push(format!("The answer to \"{q}\" was a list of keywords"));
        } else if self.score >= 4 {
            strengths.push(format!("Detailed answer to \"{q}\""));
        } else if self.score <= 2 {
            weaknesses.push(format!("Very short answer to \"{q}\""));
        } else if !self.relevant() {
            weaknesses.push(format!("The answer to \"{q}\" strayed from the question"));
        }
    }

    pub(super) fn into_criterion(self) -> Criterion {
        let (value, commentary) = if self.words > 0 {
            let value = format!(
                "{} {}, {}/{} key terms",
                self.words,
                plural(self.words, "word"),
                self.shared.len(),
                self.terms
            );
            (value, self.commentary())
        } else {
            (
                "no answer".to_owned(),
                "The question was not answered in the transcript.".to_owned(),
            )
        };
        Criterion {
            name: self.question,
            value,
            score: self.score,
            commentary,
            evidence: self.evidence.into_iter().collect(),
        }
    }

    fn commentary(&self) -> String {
        let length = match (self.prose, self.substance) {
            (false, _) => "A list of keywords rather than an answer",
            (true, 0..=3) => "A very short answer",
            (true, 4..=11) => "A brief answer",
            (true, _) => "A detailed answer",
        };
        if self.terms == 0 {
            format!("{length}.")
        } else if self.shared.is_empty() {
            format!("{length} that does not pick up the question's key terms.")
        } else {
            format!(
                "{length} that picks up the question's key terms ({}).",
                self.shared.join(", ")
            )
        }
    }
}

/// The unused exchange that asked `question`: the same words, or failing that the one sharing
/// most (at least half) of its key terms, since an agent may rephrase a question.
fn find_exchange(question: &str, exchanges: &[Exchange], used: &[bool]) -> Option<usize> {
    let wanted: Vec<String> = words(question).collect();
    let unused = || (0..exchanges.len()).filter(|i| !used[*i]);
    if let Some(i) = unused().find(|i| words(&exchanges[*i].prompt).eq(wanted.iter().cloned())) {
        return Some(i);
    }
    // An agent turn that ends with the question verbatim (an acknowledgement, then the
    // question) asked it too.
    let lower = super::normalise(question);
    if let Some(i) = unused().find(|i| super::normalise(&exchanges[*i].prompt).ends_with(&lower)) {
        return Some(i);
    }
    let terms = crate::text::key_terms(question);
    let mut best: Option<(usize, usize)> = None;
    for i in unused() {
        let prompt_terms = crate::text::key_terms(&exchanges[i].prompt);
        let shared = terms.iter().filter(|t| prompt_terms.contains(t)).count();
        if shared > 0 && shared * 2 >= terms.len() && best.is_none_or(|(_, b)| shared > b) {
            best = Some((i, shared));
        }
    }
    best.map(|(i, _)| i)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
