//! The built-in, deterministic interview scorer.
//!
//! It reads only the words of the transcript: no tone of voice, no emotion, nothing a
//! candidate cannot see in their own transcript. Each required skill and each question gets a
//! [`Criterion`] scored 1–5; the overall score is the average of the skill group and the
//! question group, plus a small bonus for nice-to-have skills that came up. The same input
//! always gives the same [`Analysis`].

mod criteria;

use serde::{Deserialize, Serialize};

use crate::provider::Turn;
use criteria::{Exchange, QuestionCriterion, SkillCriterion};

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

/// The scorer's verdict on one interview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Each nice-to-have skill mentioned adds this much to the average...
const NICE_TO_HAVE_BONUS: f64 = 0.25;
/// ...up to this much in total, so they cannot outweigh the required skills.
const MAX_NICE_TO_HAVE_BONUS: f64 = 0.5;

/// Scores an interview from its transcript.
pub fn analyse(input: &AnalysisInput) -> Analysis {
    let exchanges = Exchange::from_turns(&input.turns);
    let spoken = criteria::participant_text(&input.turns);
    let required = criteria::distinct(&input.skills, &[]);
    let nice = criteria::distinct(&input.nice_to_have, &required);

    let skills: Vec<SkillCriterion> = required
        .iter()
        .map(|s| SkillCriterion::judge(s, &spoken, true))
        .collect();
    let extras: Vec<SkillCriterion> = nice
        .iter()
        .map(|s| SkillCriterion::judge(s, &spoken, false))
        .collect();
    let questions = QuestionCriterion::judge_all(&input.questions, &exchanges);

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
    Analysis {
        score,
        summary,
        strengths,
        weaknesses,
        criteria,
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
    let mentioned = extras.iter().filter(|e| e.mentions > 0).count() as f64;
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
        let mentioned = skills.iter().filter(|s| s.mentions > 0).count();
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
