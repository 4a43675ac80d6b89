//! Scorer behaviour: range, determinism, and that evidence in the answers moves the score.

use std::time::Duration;

use super::*;
use crate::provider::{CallRequest, Role};
use crate::simulator::Simulator;

const QUESTIONS: [&str; 2] = [
    "Tell me about a distributed system you built.",
    "How do you approach database migrations?",
];

fn skills() -> Vec<String> {
    vec!["Rust".into(), "PostgreSQL".into(), "Kubernetes".into()]
}

/// A transcript where the agent asks `QUESTIONS` and the candidate gives `answers`.
fn transcript(answers: &[&str]) -> Vec<Turn> {
    let mut turns = Vec::new();
    let mut at = 0;
    let mut say = |role, text: &str| {
        turns.push(Turn {
            role,
            text: text.to_owned(),
            start_ms: at,
            end_ms: at + 1_000,
        });
        at += 1_300;
    };
    say(Role::Agent, "Hello, thank you for joining.");
    for (question, answer) in QUESTIONS.iter().zip(answers) {
        say(Role::Agent, question);
        say(Role::Participant, answer);
    }
    say(Role::Agent, "Thank you, goodbye.");
    turns
}

fn input(answers: &[&str]) -> AnalysisInput {
    AnalysisInput {
        skills: skills(),
        nice_to_have: vec!["Terraform".into()],
        questions: QUESTIONS.iter().map(|q| (*q).to_owned()).collect(),
        turns: transcript(answers),
    }
}

const STRONG: [&str; 2] = [
    "I built a distributed system in Rust that ran on Kubernetes, with PostgreSQL as the \
     source of truth; Rust kept it fast and Kubernetes made it easy to scale out.",
    "For database migrations on PostgreSQL I write them forward-only, test them against a \
     copy of production, and roll them out from Kubernetes jobs written in Rust.",
];

const VAGUE: [&str; 2] = [
    "I worked with a lot of different things over the years and it went fine overall.",
    "I usually just ask a colleague and we figure it out together somehow.",
];

#[test]
fn mentioning_the_skills_scores_higher() {
    let strong = analyse(&input(&STRONG));
    let vague = analyse(&input(&VAGUE));
    assert!(strong.score > vague.score, "{strong:#?}\n{vague:#?}");
    assert_eq!(strong.score, 5);
    assert!(vague.score <= 3);
    assert!(
        strong
            .strengths
            .contains(&"Mentioned PostgreSQL".to_owned())
    );
    assert!(
        vague
            .weaknesses
            .contains(&"Did not mention Rust".to_owned())
    );
}

#[test]
fn one_criterion_per_skill_and_per_question() {
    let analysis = analyse(&input(&STRONG));
    let names: Vec<&str> = analysis.criteria.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Rust",
            "PostgreSQL",
            "Kubernetes",
            "Terraform (nice to have)",
            QUESTIONS[0],
            QUESTIONS[1],
        ]
    );
    let rust = &analysis.criteria[0];
    assert_eq!(rust.value, "mentioned 3 times");
    assert_eq!(rust.score, 5);
    let terraform = &analysis.criteria[3];
    assert_eq!(
        (terraform.value.as_str(), terraform.score),
        ("not mentioned", 1)
    );
    let migrations = &analysis.criteria[5];
    assert!(
        migrations.value.ends_with("2/3 key terms"),
        "{}",
        migrations.value
    );
    assert_eq!(migrations.score, 5);
}

#[test]
fn same_input_same_analysis_and_score_in_range() {
    for answers in [&STRONG[..], &VAGUE[..], &[][..], &["yes"][..]] {
        let first = analyse(&input(answers));
        assert_eq!(first, analyse(&input(answers)));
        assert!((1..=5).contains(&first.score), "{first:?}");
        assert!(first.criteria.iter().all(|c| (1..=5).contains(&c.score)));
    }
}

#[test]
fn empty_interview_scores_lowest() {
    let analysis = analyse(&AnalysisInput {
        skills: vec![],
        nice_to_have: vec![],
        questions: vec![],
        turns: vec![],
    });
    assert_eq!(analysis.score, 1);
    assert!(analysis.criteria.is_empty());
    assert_eq!(analysis.summary, "Overall 1/5. No questions were answered.");

    let silent = analyse(&input(&[]));
    assert_eq!(silent.score, 1);
    assert!(
        silent
            .weaknesses
            .contains(&format!("No answer to \"{}\"", QUESTIONS[0]))
    );
}

#[test]
fn nice_to_have_only_raises_the_score() {
    let mut without = input(&VAGUE);
    without.nice_to_have.clear();
    let mut with = input(&[
        "I worked with a lot of different things over the years, mostly Terraform.",
        VAGUE[1],
    ]);
    with.nice_to_have = vec!["Terraform".into(), "Go".into()];
    assert!(analyse(&with).score >= analyse(&without).score);
    assert!(
        analyse(&with)
            .strengths
            .contains(&"Mentioned Terraform (nice to have)".to_owned())
    );
}

#[test]
fn rephrased_questions_are_still_matched() {
    let mut rephrased = input(&STRONG);
    rephrased.turns[1].text = "Could you tell me about a distributed system that you built?".into();
    let analysis = analyse(&rephrased);
    assert_eq!(analysis.criteria[4].score, 5, "{:?}", analysis.criteria[4]);
}

#[test]
fn without_a_question_list_answered_agent_turns_count() {
    let mut open = input(&STRONG);
    open.questions.clear();
    let analysis = analyse(&open);
    let questions: Vec<&str> = analysis.criteria[4..]
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(questions, QUESTIONS.to_vec());
}

#[test]
fn analysis_round_trips_through_json() {
    let analysis = analyse(&input(&STRONG));
    let json = serde_json::to_string(&analysis).unwrap();
    assert_eq!(serde_json::from_str::<Analysis>(&json).unwrap(), analysis);
}

#[test]
fn simulated_interview_rewards_the_job_skills() {
    let request = |skills: Vec<String>| CallRequest {
        attempt_id: "attempt-1".into(),
        phone_e164: "+14155550100".into(),
        language: "en-US".into(),
        candidate_name: None,
        questions: QUESTIONS.iter().map(|q| (*q).to_owned()).collect(),
        skills,
        max_duration: Duration::from_secs(600),
        answered: None,
    };
    let score_for = |spoken_skills: Vec<String>| {
        let conversation = Simulator::conversation(&request(spoken_skills));
        analyse(&AnalysisInput {
            skills: skills(),
            nice_to_have: vec![],
            questions: QUESTIONS.iter().map(|q| (*q).to_owned()).collect(),
            turns: conversation.turns,
        })
        .score
    };
    let matching = score_for(skills());
    let unrelated = score_for(vec!["Excel".into(), "Sales".into()]);
    assert!(matching > unrelated, "{matching} vs {unrelated}");
}
