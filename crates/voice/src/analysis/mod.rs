//! The built-in, deterministic interview scorer, and the [`Analysis`] type every scorer
//! (built-in or language model) produces.
//!
//! It reads only the words of the transcript: no tone of voice, no emotion, nothing a
//! candidate cannot see in their own transcript. Each required skill and each question gets a
//! [`Criterion`] scored 1–5 with [`Evidence`] quoted verbatim from the candidate's turns; the
//! overall score is the average of the skill group and the question group, plus a small bonus
//! for nice-to-have skills that came up. The same input always gives the same [`Analysis`].
//!
//! What it rewards is evidence, not words: a skill counts when a sentence of prose uses it
//! with context ("I moved our billing jobs to Postgres"), under any of its names (`Postgres`
//! for PostgreSQL, `k8s` for Kubernetes) and any word form; naming it again in the same
//! sentence or in a list of keywords adds nothing, and a negated mention ("no Kafka yet")
//! is a weakness, never a strength. Questions are judged by how much an answer says (distinct
//! meaningful words, not length), whether it reads as prose, and whether it picks up the
//! question.
//!
//! Stored analyses are read back, so the JSON shape only grows: every field added later has a
//! `#[serde(default)]`.

mod background;
mod criteria;
mod lexicon;
mod questions;
mod reading;
mod skills;

use serde::{Deserialize, Serialize};

use crate::provider::{Role, Turn};
pub use background::{Background, background};
use criteria::{Exchange, SkillCriterion};
use questions::QuestionCriterion;
pub use reading::{normalise, stem};

/// What the scorer needs to know about one interview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisInput {
    /// The job's required skills.
    pub skills: Vec<String>,
    /// Skills that help but are not required; mentioning one can only raise the score.
    pub nice_to_have: Vec<String>,
    /// The agent's questions. When empty, every agent turn that got an answer counts as one.
    pub questions: Vec<String>,
    /// The transcript.
    pub turns: Vec<Turn>,
}

/// The verdict on one interview.
///
/// `Default` exists so that code building one from stored columns can fill the fields it
/// has and leave the rest (`..Default::default()`); a default analysis is not a valid one
/// (its score is 0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// Overall score, 1 (weak) to 5 (strong).
    pub score: u8,
    /// One or two sentences a recruiter can read at a glance.
    pub summary: String,
    /// What went well, one short line each.
    pub strengths: Vec<String>,
    /// What was missing, one short line each.
    pub weaknesses: Vec<String>,
    /// The individual judgements the score is built from.
    pub criteria: Vec<Criterion>,
    /// What the candidate said of their education, in their own words ([`background`]);
    /// `None` when they did not speak of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<String>,
    /// What the candidate said of their work experience, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience: Option<String>,
    /// Which scorer produced this analysis; analyses stored before this field existed were
    /// all built-in.
    #[serde(default)]
    pub method: AnalysisMethod,
    /// The model that produced it, when [`AnalysisMethod::Llm`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// One entry per model call made for this analysis (a retry is a second call); empty for
    /// the built-in scorer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<ModelUsage>,
}

/// Which scorer produced an [`Analysis`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisMethod {
    /// The deterministic scorer of this module.
    #[default]
    Builtin,
    /// A language model, validated by code (see the `interviewd-interviewer` crate).
    Llm,
}

impl AnalysisMethod {
    /// `builtin` or `llm`, as in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::Llm => "llm",
        }
    }
}

/// One judged aspect of the interview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// What was judged: a skill or a question.
    pub name: String,
    /// The measurement behind the score, such as `mentioned 2 times`.
    pub value: String,
    /// 1 (weak) to 5 (strong).
    pub score: u8,
    /// Why the score is what it is.
    pub commentary: String,
    /// The candidate's own words the judgement rests on, each a verbatim part of one of the
    /// candidate's turns.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// A quote from the candidate that supports a [`Criterion`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The words, exactly as they occur in the turn.
    pub quote: String,
    /// The index of the turn in the transcript the analysis was made from.
    pub turn: usize,
}

/// What one call to a language model cost and how it went; recorded per interview and
/// exported as metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUsage {
    /// The model asked (or the one the server said answered).
    pub model: String,
    /// Prompt tokens, when the server reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u32>,
    /// Completion tokens, when the server reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u32>,
    /// From sending the request to the first token of content, when one arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token_ms: Option<u64>,
    /// From sending the request to the end of the answer (or the give-up).
    pub total_ms: u64,
    /// Whether the caller used its deterministic fallback instead of (part of) this answer.
    #[serde(default)]
    pub fell_back: bool,
    /// Why the call failed or was not used (`timeout`, `http 500`, `invalid json: …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Whether `text` names `skill` under any of its names or word forms (`Postgres` for
/// PostgreSQL, `k8s` for Kubernetes, `distributed system` for distributed systems), negated or
/// not. The same matching the scorer uses.
pub fn mentions_skill(text: &str, skill: &str) -> bool {
    let terms = skills::SkillTerms::of(skill);
    reading::Sentence::split(0, text)
        .iter()
        .any(|s| !terms.find(&s.tokens).is_empty())
}

/// Where `quote` occurs in the candidate's own turns, comparing with whitespace collapsed and
/// case ignored: the index of the first participant turn containing it. Agent turns never
/// count, so an agent's words cannot be passed off as the candidate's.
pub fn locate_quote(turns: &[Turn], quote: &str) -> Option<usize> {
    let wanted = normalise(quote);
    if wanted.is_empty() {
        return None;
    }
    turns
        .iter()
        .position(|t| t.role == Role::Participant && normalise(&t.text).contains(&wanted))
}

/// Each nice-to-have skill mentioned adds this much to the average...
const NICE_TO_HAVE_BONUS: f64 = 0.25;
/// ...up to this much in total, so they cannot outweigh the required skills.
const MAX_NICE_TO_HAVE_BONUS: f64 = 0.5;

/// Scores an interview from its transcript.
pub fn analyse(input: &AnalysisInput) -> Analysis {
    let exchanges = Exchange::from_turns(&input.turns);
    let sentences = criteria::participant_sentences(&input.turns);
    let required = criteria::distinct(&input.skills, &[]);
    let nice = criteria::distinct(&input.nice_to_have, &required);

    let skills: Vec<SkillCriterion> = required
        .iter()
        .map(|s| SkillCriterion::judge(s, &sentences, true))
        .collect();
    let extras: Vec<SkillCriterion> = nice
        .iter()
        .map(|s| SkillCriterion::judge(s, &sentences, false))
        .collect();
    let questions = QuestionCriterion::judge_all(&input.questions, &exchanges, &input.turns);

    let score = overall_score(&skills, &extras, &questions);
    let mut strengths = Vec::new();
    let mut weaknesses = Vec::new();
    for skill in skills.iter().chain(&extras) {
        skill.remark(&mut strengths, &mut weaknesses);
    }
    for question in &questions {
        question.remark(&mut strengths, &mut weaknesses);
    }
    let summary = summary(score, &skills, &questions);
    let criteria = skills
        .into_iter()
        .chain(extras)
        .map(SkillCriterion::into_criterion)
        .chain(questions.into_iter().map(QuestionCriterion::into_criterion))
        .collect();
    let Background {
        education,
        experience,
    } = background(&input.turns);
    Analysis {
        score,
        summary,
        strengths,
        weaknesses,
        criteria,
        education,
        experience,
        method: AnalysisMethod::Builtin,
        model: None,
        usage: Vec::new(),
    }
}

fn overall_score(
    skills: &[SkillCriterion],
    extras: &[SkillCriterion],
    questions: &[QuestionCriterion],
) -> u8 {
    let groups: Vec<f64> = [
        mean(skills.iter().map(|s| s.score)),
        mean(questions.iter().map(|q| q.score)),
    ]
    .into_iter()
    .flatten()
    .collect();
    // With nothing to judge there is no evidence of anything: the lowest score.
    let base = if groups.is_empty() {
        1.0
    } else {
        groups.iter().sum::<f64>() / groups.len() as f64
    };
    let mentioned = extras.iter().filter(|e| e.is_shown()).count() as f64;
    let bonus = (mentioned * NICE_TO_HAVE_BONUS).min(MAX_NICE_TO_HAVE_BONUS);
    (base + bonus).round().clamp(1.0, 5.0) as u8
}

fn mean(scores: impl Iterator<Item = u8>) -> Option<f64> {
    let (sum, count) = scores.fold((0_u32, 0_u32), |(s, c), x| (s + u32::from(x), c + 1));
    (count > 0).then(|| f64::from(sum) / f64::from(count))
}

fn summary(score: u8, skills: &[SkillCriterion], questions: &[QuestionCriterion]) -> String {
    let mut parts = vec![format!("Overall {score}/5.")];
    if !skills.is_empty() {
        let mentioned = skills.iter().filter(|s| s.positive() > 0).count();
        parts.push(format!(
            "Mentioned {mentioned} of {} required skills.",
            skills.len()
        ));
    }
    if questions.is_empty() {
        parts.push("No questions were answered.".to_owned());
    } else {
        let answered: Vec<&QuestionCriterion> = questions.iter().filter(|q| q.words > 0).collect();
        let words: usize = answered.iter().map(|q| q.words).sum();
        let average = words.checked_div(answered.len()).unwrap_or(0);
        parts.push(format!(
            "Answered {} of {} questions, {average} words per answer on average.",
            answered.len(),
            questions.len()
        ));
    }
    parts.join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
