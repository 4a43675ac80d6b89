//! The code's check of a model's analysis: shape first (the answer must match the schema the
//! model was given), then the evidence (every quote must be the candidate's own words, and a
//! quote that talks to the grader is no evidence), then the caps (a score above 2 needs a
//! surviving quote; a candidate who barely spoke gets at most 2; the overall score cannot
//! exceed the best-supported criterion).

use interviewd_voice::Role;
use interviewd_voice::analysis::{
    Analysis, AnalysisInput, AnalysisMethod, Criterion, Evidence, background, locate_quote,
    normalise,
};
use serde_json::Value;

use super::prompts::{MAX_LINE_CHARS, MAX_LINES, MAX_QUOTES, MAX_SUMMARY_CHARS};
use crate::llm::prompts::clip;

/// A candidate who said fewer words than this in the whole interview scores at most 2.
pub const MIN_PARTICIPATION_WORDS: usize = 25;
/// A quote shorter than this many words proves nothing.
const MIN_QUOTE_WORDS: usize = 3;

/// Phrases that address whoever scores the interview: a quote containing one is an attempt
/// to steer the score, not evidence of a skill.
const GRADER_MARKERS: &[&str] = &[
    "ignore your",
    "ignore all",
    "ignore previous",
    "ignore the previous",
    "ignore the above",
    "ignore any",
    "disregard",
    "your instructions",
    "new instructions",
    "system prompt",
    "give me a 5",
    "give me 5",
    "give me five",
    "give me a five",
    "give me full",
    "give me the highest",
    "score me",
    "rate me",
    "5/5",
    "5 out of 5",
    "five out of five",
    "full marks",
    "highest score",
    "maximum score",
    "perfect score",
    "as an ai",
    "you are an ai",
    "language model",
];

/// Whether `quote` talks to the grader rather than about the job.
pub fn looks_like_instructions(quote: &str) -> bool {
    let q = normalise(quote);
    GRADER_MARKERS.iter().any(|m| q.contains(m))
}

/// The quote as evidence: where it occurs in the candidate's turns, or `None` when it is too
/// short, talks to the grader, or is not the candidate's words.
pub fn filter_quote(turns: &[interviewd_voice::Turn], quote: &str) -> Option<Evidence> {
    let quote = quote
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '“' | '”' | '\'' | '…'))
        .trim_end_matches("...")
        .trim();
    if quote.split_whitespace().count() < MIN_QUOTE_WORDS || looks_like_instructions(quote) {
        return None;
    }
    let turn = locate_quote(turns, quote)?;
    Some(Evidence {
        quote: quote.to_owned(),
        turn,
    })
}

/// The model's answer parsed and checked against the schema. `names` are the criteria in
/// order (ids `c1`, `c2`, …). Errors say exactly what was wrong, for the retry message.
pub(super) fn parse(content: &str, names: &[String]) -> Result<Parsed, String> {
    let json = object_in(content).ok_or("the answer contains no JSON object")?;
    let value: Value = serde_json::from_str(json).map_err(|e| format!("it is not JSON ({e})"))?;
    let score = score_at(&value, "score")?;
    let summary = value["summary"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("\"summary\" must be a non-empty string")?;
    let strengths = lines(&value, "strengths")?;
    let weaknesses = lines(&value, "weaknesses")?;
    let mut criteria = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let id = format!("c{}", i + 1);
        let c = value["criteria"]
            .get(&id)
            .ok_or_else(|| format!("\"criteria\" has no \"{id}\""))?;
        let quotes = c["evidence"]
            .as_array()
            .ok_or_else(|| format!("\"criteria.{id}.evidence\" must be an array"))?;
        criteria.push(ParsedCriterion {
            name: name.clone(),
            score: score_at(c, "score").map_err(|e| format!("in \"criteria.{id}\": {e}"))?,
            comment: c["comment"].as_str().unwrap_or("").trim().to_owned(),
            quotes: quotes
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(Parsed {
        score,
        summary: clip(summary, MAX_SUMMARY_CHARS).to_owned(),
        strengths,
        weaknesses,
        criteria,
    })
}

/// A schema-valid answer, before the evidence check.
#[derive(Debug)]
pub(super) struct Parsed {
    score: u8,
    summary: String,
    strengths: Vec<String>,
    weaknesses: Vec<String>,
    criteria: Vec<ParsedCriterion>,
}

#[derive(Debug)]
struct ParsedCriterion {
    name: String,
    score: u8,
    comment: String,
    quotes: Vec<String>,
}

/// The analysis the code stands behind: quotes filtered, scores capped.
pub(super) fn judge(parsed: Parsed, input: &AnalysisInput, model: &str) -> Analysis {
    let mut notes: Vec<String> = Vec::new();
    let words = participation(input);
    // Too little said: no criterion can be judged above what the overall score may be.
    let ceiling = match words {
        0 => 1,
        w if w < MIN_PARTICIPATION_WORDS => 2,
        _ => 5,
    };
    let criteria: Vec<Criterion> = parsed
        .criteria
        .into_iter()
        .map(|c| criterion(c, input, ceiling))
        .collect();
    let quotes = criteria.iter().map(|c| c.evidence.len()).sum::<usize>();
    let mut score = parsed.score;
    let mut cap = |limit: u8, why: &str| {
        if score > limit {
            score = limit;
            notes.push(format!("Score capped at {limit}: {why}."));
        }
    };
    if words == 0 {
        cap(1, "the candidate did not answer");
    } else if words < MIN_PARTICIPATION_WORDS {
        cap(2, "the candidate said very little");
    }
    if quotes == 0 {
        cap(2, "no quote from the candidate supports it");
    }
    if let Some(best) = criteria.iter().map(|c| c.score).max() {
        cap(best, "no criterion is scored higher");
    }
    let mut summary = parsed.summary;
    for note in notes {
        summary.push(' ');
        summary.push_str(&note);
    }
    // Education and experience are the candidate's own sentences, read by code, whichever
    // scorer judged: a model cannot put words in the candidate's mouth there.
    let background = background(&input.turns);
    Analysis {
        score,
        summary,
        strengths: parsed.strengths,
        weaknesses: parsed.weaknesses,
        criteria,
        education: background.education,
        experience: background.experience,
        method: AnalysisMethod::Llm,
        model: Some(model.to_owned()),
        usage: Vec::new(),
    }
}

fn criterion(c: ParsedCriterion, input: &AnalysisInput, ceiling: u8) -> Criterion {
    let mut evidence: Vec<Evidence> = Vec::new();
    for quote in &c.quotes {
        if let Some(e) = filter_quote(&input.turns, quote)
            && !evidence
                .iter()
                .any(|k| normalise(&k.quote) == normalise(&e.quote))
        {
            evidence.push(e);
        }
    }
    evidence.truncate(MAX_QUOTES);
    let dropped = c.quotes.len().saturating_sub(evidence.len());
    let mut score = c.score;
    let mut commentary = clip(&c.comment, MAX_LINE_CHARS).to_owned();
    if score > 2 && evidence.is_empty() {
        score = 2;
        commentary.push_str(" (Capped at 2: no quote from the candidate supports more.)");
    }
    if score > ceiling {
        score = ceiling;
        commentary.push_str(&format!(
            " (Capped at {ceiling}: the candidate said too little.)"
        ));
    }
    let n = evidence.len();
    let mut value = format!("{n} {}", if n == 1 { "quote" } else { "quotes" });
    if dropped > 0 {
        value.push_str(&format!(", {dropped} dropped"));
    }
    Criterion {
        name: c.name,
        value,
        score,
        commentary: commentary.trim().to_owned(),
        evidence,
    }
}

/// Words the candidate said in the whole interview.
fn participation(input: &AnalysisInput) -> usize {
    input
        .turns
        .iter()
        .filter(|t| t.role == Role::Participant)
        .map(|t| t.text.split_whitespace().count())
        .sum()
}

/// The outermost `{…}` of `content` (models wrap JSON in fences or prose).
fn object_in(content: &str) -> Option<&str> {
    let start = content.find('{')?;
    let end = content.rfind('}')?;
    (end > start).then(|| &content[start..=end])
}

fn score_at(value: &Value, key: &str) -> Result<u8, String> {
    value[key]
        .as_u64()
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| (1..=5).contains(n))
        .ok_or_else(|| format!("\"{key}\" must be an integer from 1 to 5"))
}

fn lines(value: &Value, key: &str) -> Result<Vec<String>, String> {
    let items = value[key]
        .as_array()
        .ok_or_else(|| format!("\"{key}\" must be an array of strings"))?;
    Ok(items
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_LINES)
        .map(|s| clip(s, MAX_LINE_CHARS).to_owned())
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
