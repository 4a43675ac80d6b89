//! The simulator's script: the pure function from a [`CallRequest`] to timed turns.
//!
//! Nothing here sleeps or reads a clock, so the transcript of a call can be predicted (and
//! tested) without placing it. Every choice that looks random is taken from a stable hash of
//! the phone number and the question.

use crate::provider::{CallRequest, Role, Turn};
use crate::text::{key_terms, stable_hash};

/// Asked when the agent has no questions of its own.
pub const DEFAULT_QUESTIONS: [&str; 3] = [
    "Can you tell me about yourself and your recent experience?",
    "What is a project you are proud of, and what was your role in it?",
    "Why are you interested in this position?",
];

/// Silence between two turns, in milliseconds of simulated time.
pub const TURN_GAP_MS: u64 = 300;

/// Speaking pace: roughly 170 words a minute.
const MS_PER_WORD: u64 = 350;

/// Even a one-word answer takes a moment to say.
const MIN_TURN_MS: u64 = 800;

/// Stand-ins mentioned when the job lists fewer than two skills.
const FALLBACK_SKILLS: [&str; 2] = ["problem solving", "teamwork"];

const CLOSING: &str = "Thank you, that was my last question. The team will review our \
                       conversation and be in touch about the next steps. Goodbye.";

/// The full, timed script of a call that is answered and runs to its end.
///
/// Turns that would end after `req.max_duration` are left out, as if the line was cut when
/// the time ran out.
pub(crate) fn turns(req: &CallRequest) -> Vec<Turn> {
    let mut lines = vec![(Role::Agent, greeting(req.candidate_name.as_deref()))];
    let questions: Vec<&str> = if req.questions.is_empty() {
        DEFAULT_QUESTIONS.to_vec()
    } else {
        req.questions.iter().map(String::as_str).collect()
    };
    for question in questions {
        lines.push((Role::Agent, question.to_owned()));
        let answer = answer(&req.phone_e164, question, &req.skills);
        lines.push((Role::Participant, answer));
    }
    lines.push((Role::Agent, CLOSING.to_owned()));
    let max_ms = u64::try_from(req.max_duration.as_millis()).unwrap_or(u64::MAX);
    timed(lines, max_ms)
}

/// The question in an agent's line: its last sentence ending in `?`, else its last
/// sentence (a greeting followed by the first question answers the question).
pub(crate) fn last_question(line: &str) -> &str {
    let sentences = line
        .split_inclusive(['.', '!', '?'])
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut last = line;
    let mut question = None;
    for sentence in sentences {
        if sentence.ends_with('?') {
            question = Some(sentence);
        }
        last = sentence;
    }
    question.unwrap_or(last)
}

/// The simulated time at the end of the last of `lines`, laid out as [`timed`] does.
pub(crate) fn elapsed_ms(lines: &[(Role, String)]) -> u64 {
    let spoken: u64 = lines.iter().map(|(_, text)| speaking_ms(text)).sum();
    let gaps = TURN_GAP_MS * (lines.len().saturating_sub(1) as u64);
    spoken + gaps
}

/// Lays the lines out one after another, each as long as its words take to say.
pub(crate) fn timed(lines: Vec<(Role, String)>, max_ms: u64) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::with_capacity(lines.len());
    let mut start_ms = 0;
    for (role, text) in lines {
        let end_ms = start_ms + speaking_ms(&text);
        if end_ms > max_ms {
            break;
        }
        turns.push(Turn {
            role,
            text,
            start_ms,
            end_ms,
        });
        start_ms = end_ms + TURN_GAP_MS;
    }
    turns
}

fn speaking_ms(text: &str) -> u64 {
    let words = text.split_whitespace().count() as u64;
    (words * MS_PER_WORD).max(MIN_TURN_MS)
}

/// The question's topic as a noun the answer can name: its longest key term, passing over
/// words that look like verbs or adjectives (`distributed`, `interested`) when it can, so an
/// answer says "for system" rather than "for distributed".
fn topic(question: &str) -> String {
    let terms = key_terms(question);
    let looks_nominal = |t: &&String| !["ed", "ing", "ly"].iter().any(|s| t.ends_with(s));
    let longest = |candidates: Vec<&String>| {
        // Ties go to the alphabetically first, so the choice never depends on word order.
        candidates
            .into_iter()
            .max_by(|a, b| a.len().cmp(&b.len()).then(b.cmp(a)))
            .cloned()
    };
    longest(terms.iter().filter(looks_nominal).collect())
        .or_else(|| longest(terms.iter().collect()))
        .unwrap_or_else(|| "this".to_owned())
}

fn greeting(candidate_name: Option<&str>) -> String {
    let hello = match candidate_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("Hello {name},"),
        None => "Hello,".to_owned(),
    };
    format!(
        "{hello} thank you for taking the time to speak with me today. \
         I will ask you a few questions about your experience."
    )
}

/// The candidate's answer: a template picked by the hash, naming a key term of the question
/// (so answers look relevant) and one or two of the job's skills (so the scorer finds them).
pub(crate) fn answer(phone: &str, question: &str, skills: &[String]) -> String {
    let hash = stable_hash(&[phone, question]);
    let topic = topic(question);
    let skills: Vec<&str> = skills
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    // Reduced in u64 before indexing so the choice is the same on 32- and 64-bit targets.
    let pick = |n: usize| ((hash >> 8) % n as u64) as usize;
    let (first, second) = match skills.len() {
        0 => (FALLBACK_SKILLS[0], FALLBACK_SKILLS[1]),
        1 => (skills[0], FALLBACK_SKILLS[pick(2)]),
        n => (skills[pick(n)], skills[(pick(n) + 1) % n]),
    };
    let years = 2 + (hash >> 16) % 8;
    match hash % 4 {
        0 => format!(
            "When it comes to {topic}, I rely on {first} every day. \
             In my last role I also used {second} to ship features on time."
        ),
        1 => format!(
            "Good question about {topic}. I would start with {first}, measure the result, \
             and then improve it with {second}."
        ),
        2 => format!(
            "I have about {years} years of experience with {first}, and {topic} is a big part \
             of that. A project I am proud of combined {first} and {second}."
        ),
        _ => format!(
            "For {topic}, {first} is where I am strongest, \
             and {second} is something I keep learning and practising."
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn request(questions: &[&str], max_secs: u64) -> CallRequest {
        CallRequest {
            attempt_id: "attempt-1".into(),
            phone_e164: "+14155550100".into(),
            language: "en-US".into(),
            candidate_name: Some("Ada".into()),
            questions: questions.iter().map(|q| (*q).to_owned()).collect(),
            skills: vec!["Rust".into(), "PostgreSQL".into(), "Kubernetes".into()],
            max_duration: Duration::from_secs(max_secs),
            answered: None,
            dialogue: None,
        }
    }

    #[test]
    fn script_shape_greeting_questions_answers_closing() {
        let turns = turns(&request(&["What about caching?", "How do you test?"], 600));
        let roles: Vec<Role> = turns.iter().map(|t| t.role).collect();
        use Role::{Agent as A, Participant as P};
        assert_eq!(roles, vec![A, A, P, A, P, A]);
        assert!(turns[0].text.starts_with("Hello Ada,"));
        assert_eq!(turns[1].text, "What about caching?");
        assert_eq!(turns[3].text, "How do you test?");
        assert_eq!(turns[5].text, CLOSING);
        assert!(turns[2].text.contains("caching"), "{}", turns[2].text);
    }

    #[test]
    fn last_question_is_the_asked_sentence() {
        assert_eq!(
            last_question("Hello Ada, welcome. How do you test Rust code? Take your time."),
            "How do you test Rust code?"
        );
        assert_eq!(
            last_question("Hello. Tell me about SQL indexes."),
            "Tell me about SQL indexes."
        );
        assert_eq!(last_question("Why"), "Why");
    }

    #[test]
    fn topic_prefers_nouns() {
        assert_eq!(
            topic("Why are you interested in this position?"),
            "position"
        );
        assert_eq!(
            topic("Tell me about a distributed system you built."),
            "system"
        );
        assert_eq!(topic("Interested?"), "interested");
        assert_eq!(topic("Why?"), "this");
    }

    #[test]
    fn answers_mention_job_skills() {
        let req = request(&[], 600);
        let turns = turns(&req);
        let answers: Vec<&Turn> = turns
            .iter()
            .filter(|t| t.role == Role::Participant)
            .collect();
        assert_eq!(answers.len(), DEFAULT_QUESTIONS.len());
        for answer in answers {
            assert!(
                req.skills.iter().any(|s| answer.text.contains(s.as_str())),
                "{}",
                answer.text
            );
        }
    }

    #[test]
    fn timing_is_cumulative_and_word_based() {
        let turns = turns(&request(&["Why?"], 600));
        assert_eq!(turns[0].start_ms, 0);
        for pair in turns.windows(2) {
            assert_eq!(pair[1].start_ms, pair[0].end_ms + TURN_GAP_MS);
        }
        // "Why?" is one word, so it takes the minimum turn length.
        assert_eq!(turns[1].end_ms - turns[1].start_ms, MIN_TURN_MS);
    }

    #[test]
    fn max_duration_cuts_the_script() {
        let full = turns(&request(&[], 600));
        let cut = turns(&request(&[], 10));
        assert!(cut.len() < full.len());
        assert!(cut.iter().all(|t| t.end_ms <= 10_000));
        assert_eq!(cut[..], full[..cut.len()]);
    }
}
