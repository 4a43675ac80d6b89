//! The individual judgements behind an [`Analysis`](super::Analysis): one per skill and one
//! per question, each kept with the facts it was scored on so that the summary, strengths and
//! weaknesses all tell the same story.

use super::Criterion;
use crate::provider::{Role, Turn};
use crate::text::{count_term, key_terms, words};

/// An agent prompt and everything the participant said before the agent spoke again.
pub(super) struct Exchange {
    prompt: String,
    answer: String,
}

impl Exchange {
    /// Groups a transcript into exchanges. Anything the participant says before the agent's
    /// first turn answers no question; it still counts towards the skills.
    pub(super) fn from_turns(turns: &[Turn]) -> Vec<Self> {
        let mut exchanges: Vec<Self> = Vec::new();
        for turn in turns {
            match (turn.role, exchanges.last_mut()) {
                (Role::Agent, _) => exchanges.push(Self {
                    prompt: turn.text.clone(),
                    answer: String::new(),
                }),
                (Role::Participant, Some(last)) => {
                    last.answer.push(' ');
                    last.answer.push_str(&turn.text);
                }
                (Role::Participant, None) => {}
            }
        }
        exchanges
    }
}

/// Everything the participant said, in one string.
pub(super) fn participant_text(turns: &[Turn]) -> String {
    let spoken: Vec<&str> = turns
        .iter()
        .filter(|t| t.role == Role::Participant)
        .map(|t| t.text.as_str())
        .collect();
    spoken.join(" ")
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

/// How often the candidate mentioned one skill.
pub(super) struct SkillCriterion {
    skill: String,
    required: bool,
    pub(super) mentions: usize,
    pub(super) score: u8,
}

impl SkillCriterion {
    pub(super) fn judge(skill: &str, spoken: &str, required: bool) -> Self {
        let mentions = count_term(spoken, skill);
        // Naming a skill once shows it; coming back to it shows depth.
        let score = match mentions {
            0 => 1,
            1 => 3,
            2 => 4,
            _ => 5,
        };
        Self {
            skill: skill.to_owned(),
            required,
            mentions,
            score,
        }
    }

    pub(super) fn remark(&self, strengths: &mut Vec<String>, weaknesses: &mut Vec<String>) {
        match (self.mentions, self.required) {
            (0, true) => weaknesses.push(format!("Did not mention {}", self.skill)),
            (0, false) => {}
            (_, true) => strengths.push(format!("Mentioned {}", self.skill)),
            (_, false) => strengths.push(format!("Mentioned {} (nice to have)", self.skill)),
        }
    }

    pub(super) fn into_criterion(self) -> Criterion {
        let times = plural(self.mentions, "time");
        let (value, commentary) = match (self.mentions, self.required) {
            (0, true) => (
                "not mentioned".to_owned(),
                "Not mentioned in any answer.".to_owned(),
            ),
            (0, false) => (
                "not mentioned".to_owned(),
                "Not mentioned; a missing nice-to-have skill does not lower the score.".to_owned(),
            ),
            (n, _) => (
                format!("mentioned {n} {times}"),
                format!("Mentioned {n} {times} across the answers."),
            ),
        };
        let name = if self.required {
            self.skill
        } else {
            format!("{} (nice to have)", self.skill)
        };
        Criterion {
            name,
            value,
            score: self.score,
            commentary,
        }
    }
}

/// How fully and how relevantly one question was answered.
pub(super) struct QuestionCriterion {
    question: String,
    /// Words in the answer; 0 when the question was not asked or not answered.
    pub(super) words: usize,
    /// The question's key terms that the answer repeats.
    shared: Vec<String>,
    /// How many key terms the question has.
    terms: usize,
    pub(super) score: u8,
}

impl QuestionCriterion {
    /// Judges each question against the exchange that asked it. Without a question list,
    /// every answered agent turn is taken as a question.
    pub(super) fn judge_all(questions: &[String], exchanges: &[Exchange]) -> Vec<Self> {
        let questions = distinct(questions, &[]);
        if questions.is_empty() {
            return exchanges
                .iter()
                .filter(|e| !e.answer.trim().is_empty())
                .map(|e| Self::judge(&e.prompt, Some(&e.answer)))
                .collect();
        }
        let mut used = vec![false; exchanges.len()];
        let mut judged = Vec::with_capacity(questions.len());
        for question in &questions {
            let found = find_exchange(question, exchanges, &used);
            if let Some(i) = found {
                used[i] = true;
            }
            let answer = found.map(|i| exchanges[i].answer.as_str());
            judged.push(Self::judge(question, answer));
        }
        judged
    }

    fn judge(question: &str, answer: Option<&str>) -> Self {
        let question_terms = key_terms(question);
        let answer = answer.unwrap_or("");
        let answer_terms = key_terms(answer);
        let shared: Vec<String> = question_terms
            .iter()
            .filter(|t| answer_terms.contains(t))
            .cloned()
            .collect();
        let mut judged = Self {
            question: question.trim().to_owned(),
            words: words(answer).count(),
            shared,
            terms: question_terms.len(),
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
        let length = match self.words {
            0 => return 1,
            1..=4 => 2,
            5..=14 => 3,
            _ => 4,
        };
        length + u8::from(self.relevant())
    }

    pub(super) fn remark(&self, strengths: &mut Vec<String>, weaknesses: &mut Vec<String>) {
        let q = &self.question;
        if self.words == 0 {
            weaknesses.push(format!("No answer to \"{q}\""));
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
        }
    }

    fn commentary(&self) -> String {
        let length = match self.words {
            0..=4 => "A very short answer",
            5..=14 => "A brief answer",
            _ => "A detailed answer",
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
    let terms = key_terms(question);
    let mut best: Option<(usize, usize)> = None;
    for i in unused() {
        let prompt_terms = key_terms(&exchanges[i].prompt);
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
