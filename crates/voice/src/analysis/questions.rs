//! The judgement of one question: how much the answer says (distinct meaningful words, not
//! length), whether it reads as prose rather than a list of keywords, and whether it picks up
//! the question. The answers to follow-ups count for the question they followed.

use super::criteria::{Exchange, distinct, plural, quote};
use super::reading::{Sentence, Token, distinct_content, is_prose};
use super::{Criterion, Evidence};
use crate::provider::Turn;
use crate::text::words;

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
