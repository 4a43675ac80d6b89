//! Against a real model, when one is running: `INTERVIEWD_TEST_LLM_URL` (for example
//! `http://127.0.0.1:18080/v1`, llama-cpp-python serving SmolLM2-135M-Instruct) and optionally
//! `INTERVIEWD_TEST_LLM_MODEL` (default `smollm2`) and `INTERVIEWD_TEST_LLM_STRUCTURED_OUTPUT`
//! (default `json_object`). Without the variable the test says so and passes: the fast tests
//! use the in-process server.
//!
//! Only the plumbing is asserted (a 135M model is for plumbing, not judgement): the interview
//! follows the plan and ends, every question is asked verbatim, the follow-up limit holds,
//! and the analysis passes the code's validation.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::time::Duration;

use interviewd_interviewer::planner::{PlanBrief, draft_plan};
use interviewd_interviewer::{
    Action, Analyst, Context, Conversation, Interviewer, LlmAnalyst, LlmClient, LlmConfig,
    LlmInterviewer, Plan,
};
use interviewd_voice::analysis::{AnalysisInput, AnalysisMethod};
use interviewd_voice::{Role, Turn};
use tokio::sync::mpsc;

const QUESTIONS: [&str; 2] = [
    "Tell me about a backend service you built.",
    "How do you make a database migration safe?",
];
const ANSWERS: [&str; 4] = [
    "I built a payment ledger in Rust that records each payout twice and reconciles nightly.",
    "I owned the reconciliation job and the alerting around it.",
    "I add the new column first, backfill it in batches, and only drop the old one later.",
    "We test every migration against a copy of production before it runs.",
];

fn config() -> Option<LlmConfig> {
    let url = std::env::var("INTERVIEWD_TEST_LLM_URL").ok()?;
    let model = std::env::var("INTERVIEWD_TEST_LLM_MODEL").unwrap_or_else(|_| "smollm2".into());
    let mode = std::env::var("INTERVIEWD_TEST_LLM_STRUCTURED_OUTPUT")
        .unwrap_or_else(|_| "json_object".into());
    Some(LlmConfig {
        // A CPU model on a busy 2-core machine: generous, still bounded.
        first_token_timeout: Duration::from_secs(30),
        total_timeout: Duration::from_secs(60),
        analysis_timeout: Duration::from_secs(180),
        structured_output: mode.parse().unwrap(),
        ..LlmConfig::new(url, model)
    })
}

fn context() -> Context {
    Context {
        job_title: "Backend Engineer".into(),
        job_description: "Build and run payment APIs in Rust on PostgreSQL.".into(),
        guidance: "Be brief. Ask about what the candidate did personally.".into(),
        skills: vec!["Rust".into(), "PostgreSQL".into()],
        ..Context::default()
    }
}

#[tokio::test]
async fn a_short_interview_and_its_analysis_with_a_real_model() {
    let Some(config) = config() else {
        println!("skipped: INTERVIEWD_TEST_LLM_URL is not set (no real model server)");
        return;
    };
    let probe = config.probe().await;
    assert!(
        probe.ok,
        "the model server at {} could not be reached: {}",
        config.base_url, probe.detail
    );
    let client = LlmClient::new(config).unwrap();
    let interviewer = LlmInterviewer::new(client.clone());
    let plan = Plan::new(QUESTIONS.iter().map(|q| (*q).to_owned()).collect());
    let mut conversation = Conversation::new(plan, context());
    let mut turns = vec![agent(&conversation.opening().text)];
    let mut answers = ANSWERS.iter();
    while !conversation.is_finished() {
        let answer = answers.next().copied().unwrap_or("That is all I can say.");
        let request = conversation
            .next_request(answer, Duration::from_secs(60))
            .unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let decision = interviewer.decide(&request, tx).await;
        let mut pieces = 0;
        while rx.try_recv().is_ok() {
            pieces += 1;
        }
        let usage = decision.usage.clone().unwrap();
        println!(
            "{:?} in {pieces} pieces, first token {:?} ms, total {} ms, fell back: {} {:?}\n  {:?}",
            decision.action,
            usage.first_token_ms,
            usage.total_ms,
            usage.fell_back,
            usage.failure,
            decision.utterance
        );
        conversation.apply(&request, &decision).unwrap();
        turns.push(participant(answer));
        turns.push(agent(&decision.utterance));
        assert!(
            turns.len() <= 2 * (2 * QUESTIONS.len() + 1),
            "the plan must end"
        );
        if decision.action != Action::FollowUp {
            assert!(decision.utterance.ends_with(request.next.text()));
        }
    }
    for question in QUESTIONS {
        assert!(
            turns.iter().any(|t| t.text.contains(question)),
            "{question} not asked"
        );
    }

    let input = AnalysisInput {
        skills: context().skills,
        nice_to_have: vec![],
        questions: QUESTIONS.iter().map(|q| (*q).to_owned()).collect(),
        turns,
    };
    let analyst = LlmAnalyst::new(client.clone());
    let analysis = analyst.try_analyse(&context(), &input).await;
    println!("analysis: {analysis:#?}");
    let analysis = analysis.unwrap();
    assert_eq!(analysis.method, AnalysisMethod::Llm);
    assert!((1..=5).contains(&analysis.score));
    assert_eq!(analysis.criteria.len(), 4);
    for evidence in analysis.criteria.iter().flat_map(|c| &c.evidence) {
        assert_eq!(input.turns[evidence.turn].role, Role::Participant);
    }
    // The trait's path gives the same kind of result.
    let again = analyst.analyse(&context(), &input).await;
    assert!((1..=5).contains(&again.score));

    // A plan drafted by the model: validated or refused, never unchecked.
    let brief = PlanBrief {
        job_title: "Backend Engineer".into(),
        job_description: context().job_description,
        skills: context().skills,
        language: "en".into(),
    };
    match draft_plan(&client, &brief, 3).await {
        Ok(plan) => {
            println!("plan: {:?} / {:?}", plan.questions, plan.skills);
            assert_eq!(plan.questions.len(), 3);
        }
        Err(e) => println!("plan refused (the caller would use its generator): {e}"),
    }
}

fn agent(text: &str) -> Turn {
    Turn {
        role: Role::Agent,
        text: text.to_owned(),
        start_ms: 0,
        end_ms: 0,
    }
}

fn participant(text: &str) -> Turn {
    Turn {
        role: Role::Participant,
        ..agent(text)
    }
}
