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
        dialogue: None,
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

/// One interview: each question of `questions` answered by the matching answer.
fn interview(skills: &[&str], questions: &[&str], answers: &[&str]) -> AnalysisInput {
    let mut turns = Vec::new();
    for (q, a) in questions.iter().zip(answers) {
        for (role, text) in [(Role::Agent, *q), (Role::Participant, *a)] {
            turns.push(Turn {
                role,
                text: text.to_owned(),
                start_ms: 0,
                end_ms: 0,
            });
        }
    }
    AnalysisInput {
        skills: skills.iter().map(|s| (*s).to_owned()).collect(),
        nice_to_have: vec![],
        questions: questions.iter().map(|q| (*q).to_owned()).collect(),
        turns,
    }
}

const ACME_QUESTIONS: [&str; 2] = [
    "Why do you want to join Acme?",
    "Tell me about your experience with databases and backend services.",
];

#[test]
fn keyword_salad_scores_at_most_two() {
    let salad = "Rust SQL Rust SQL Rust SQL join Acme want";
    let analysis = analyse(&interview(
        &["Rust", "SQL"],
        &ACME_QUESTIONS,
        &[salad, salad],
    ));
    assert!(analysis.score <= 2, "{analysis:#?}");
    assert!(
        analysis.criteria.iter().all(|c| c.score <= 2),
        "{analysis:#?}"
    );
    assert!(!analysis.strengths.iter().any(|s| s.contains("Rust")));
    assert!(
        analysis
            .weaknesses
            .contains(&"Named Rust without showing how it was used".to_owned())
    );
    // Repeating the keywords more often changes nothing.
    let longer = [salad; 5].join(" ");
    let again = analyse(&interview(
        &["Rust", "SQL"],
        &ACME_QUESTIONS,
        &[&longer, &longer],
    ));
    assert!(again.score <= 2, "{again:#?}");
}

#[test]
fn repeating_a_skill_in_one_sentence_adds_nothing() {
    let once = "I wrote our billing service in Rust and kept it running for three years.";
    let again =
        "I wrote our billing service in Rust, Rust, Rust and kept it running for three years.";
    let score = |answer: &str| analyse(&interview(&["Rust"], &ACME_QUESTIONS[1..], &[answer]));
    assert_eq!(
        score(once).criteria[0].score,
        score(again).criteria[0].score
    );
    assert_eq!(score(once).criteria[0].score, 4);
}

#[test]
fn a_skill_named_differently_is_found() {
    let answers = [
        "I chose Acme because your team runs Postgres at scale, and I have tuned slow queries \
         and vacuum settings on big Postgres clusters for years.",
        "Our backend services ran on k8s; I wrote the Node.js services, the deployment charts, \
         and the continuous integration pipeline that tested every merge request.",
    ];
    let skills = ["PostgreSQL", "JavaScript", "Kubernetes", "CI/CD"];
    let analysis = analyse(&interview(&skills, &ACME_QUESTIONS, &answers));
    for skill in skills {
        let c = analysis.criteria.iter().find(|c| c.name == skill).unwrap();
        assert!(c.score >= 4, "{c:#?}");
        assert!(!c.evidence.is_empty(), "{c:#?}");
    }
    assert!(
        !analysis
            .weaknesses
            .iter()
            .any(|w| w.contains("Did not mention"))
    );
    assert!(analysis.score >= 4, "{analysis:#?}");
}

#[test]
fn word_forms_match_after_stemming() {
    let answer = "I designed distributed systems for payments: we migrated the ledger without \
                  downtime and I tested each release against production traffic.";
    let analysis = analyse(&interview(
        &["distributed system", "database migration", "testing"],
        &ACME_QUESTIONS[1..],
        &[answer],
    ));
    let scores: Vec<u8> = analysis.criteria[..3].iter().map(|c| c.score).collect();
    assert_eq!(scores[0], 4, "{analysis:#?}");
    assert_eq!(scores[2], 4, "{analysis:#?}");
}

#[test]
fn thoughtful_answers_without_the_skill_names_score_well_on_the_questions() {
    let answers = [
        "I like that the product is a ledger people trust with their salaries. I have spent \
         six years on payment systems, and I want my next team to care about correctness as \
         much as I do.",
        "I make every schema change backwards compatible first: add the new column, backfill \
         it in small batches, ship code that reads both, and only drop the old column a \
         release later. Slow reports I fix by reading the query plan before adding an index.",
    ];
    let analysis = analyse(&interview(&["SQL", "Rust"], &ACME_QUESTIONS, &answers));
    // Schema changes and query plans show SQL without the word.
    assert!(
        !analysis
            .weaknesses
            .contains(&"Did not mention SQL".to_owned())
    );
    assert!(analysis.criteria[0].score >= 4, "{analysis:#?}");
    assert!(analysis.score >= 4, "{analysis:#?}");
    for question in ACME_QUESTIONS {
        let c = analysis
            .criteria
            .iter()
            .find(|c| c.name == question)
            .unwrap();
        assert!(c.score >= 4, "{c:#?}");
    }
    let salad = "Rust SQL Rust SQL Rust SQL join Acme want";
    let keywords = analyse(&interview(
        &["SQL", "Rust"],
        &ACME_QUESTIONS,
        &[salad, salad],
    ));
    assert!(analysis.score > keywords.score, "{analysis:#?}");
}

#[test]
fn a_negated_skill_is_never_a_strength() {
    for answer in [
        "No Kafka yet.",
        "I have not used Kafka, but I am keen to learn it on the job.",
        "I never worked with Kafka in production; our queues were simple cron jobs.",
        "I haven't touched Kafka so far.",
    ] {
        let mut input = interview(&["Kafka"], &ACME_QUESTIONS[1..], &[answer]);
        input.nice_to_have = vec!["Kafka Streams".into()];
        let analysis = analyse(&input);
        assert!(
            !analysis.strengths.iter().any(|s| s.contains("Kafka")),
            "{answer}: {analysis:#?}"
        );
        assert!(
            analysis
                .weaknesses
                .contains(&"Said they have not used Kafka".to_owned()),
            "{answer}: {analysis:#?}"
        );
        let kafka = &analysis.criteria[0];
        assert_eq!((kafka.score, kafka.value.as_str()), (1, "said not used"));
    }
    let positive = analyse(&interview(
        &["Kafka"],
        &ACME_QUESTIONS[1..],
        &["I never used Java there, but Kafka carried all our order events for two years."],
    ));
    assert!(positive.strengths.contains(&"Mentioned Kafka".to_owned()));
}

#[test]
fn evidence_quotes_are_the_candidates_own_words() {
    let analysis = analyse(&input(&STRONG));
    let turns = transcript(&STRONG);
    let mut quotes = 0;
    for criterion in &analysis.criteria {
        for evidence in &criterion.evidence {
            let turn = &turns[evidence.turn];
            assert_eq!(turn.role, Role::Participant);
            assert!(turn.text.contains(&evidence.quote), "{evidence:?}");
            assert_eq!(locate_quote(&turns, &evidence.quote), Some(evidence.turn));
            quotes += 1;
        }
    }
    assert!(quotes >= 5, "{analysis:#?}");
    let rust = &analysis.criteria[0];
    assert_eq!(
        rust.evidence[1].quote,
        "Rust kept it fast and Kubernetes made it easy to scale out."
    );
}

#[test]
fn locate_quote_ignores_case_and_spacing_but_not_the_agent() {
    let turns = transcript(&STRONG);
    assert_eq!(
        locate_quote(&turns, "rust KEPT it   fast"),
        Some(2),
        "{turns:#?}"
    );
    assert_eq!(locate_quote(&turns, "Hello, thank you for joining."), None);
    assert_eq!(locate_quote(&turns, "  "), None);
    assert_eq!(locate_quote(&turns, "Rust kept it slow"), None);
}

#[test]
fn follow_up_answers_count_for_their_question() {
    let mut input = interview(&["Rust"], &ACME_QUESTIONS[1..], &["Mostly backend work."]);
    for (role, text) in [
        (
            Role::Agent,
            "Which part of that backend work are you proudest of?",
        ),
        (
            Role::Participant,
            "The settlement service I wrote in Rust: it reconciles every payout overnight and \
             has never lost a cent.",
        ),
    ] {
        input.turns.push(Turn {
            role,
            text: text.to_owned(),
            start_ms: 0,
            end_ms: 0,
        });
    }
    let analysis = analyse(&input);
    assert!(analysis.criteria[1].score >= 4, "{analysis:#?}");
}

#[test]
fn analyses_stored_before_evidence_and_method_still_read() {
    let old = serde_json::json!({
        "score": 3, "summary": "Overall 3/5.", "strengths": [], "weaknesses": [],
        "criteria": [{"name": "Rust", "value": "mentioned 1 time", "score": 3,
                      "commentary": "Mentioned 1 time across the answers."}]
    });
    let analysis: Analysis = serde_json::from_value(old).unwrap();
    assert_eq!(analysis.method, AnalysisMethod::Builtin);
    assert!(analysis.criteria[0].evidence.is_empty());
    assert!(analysis.usage.is_empty());
    let json = serde_json::to_value(&analysis).unwrap();
    assert_eq!(json["method"], "builtin");
    assert!(json.get("usage").is_none() && json.get("model").is_none());
}
