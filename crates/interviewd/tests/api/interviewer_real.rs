//! The server with a real small language model (SmolLM2-135M-Instruct served by
//! llama-cpp-python, `tools/llm-server.sh`, started by `.ci/run`): an online interview whose
//! agent turns come from the model, and an analysis by the model that passes the code's
//! validation. Only the plumbing is asserted; a 135M model is not a judge.
//!
//! Runs when `INTERVIEWD_TEST_LLM_URL` names the server (`http://127.0.0.1:PORT/v1`). Without
//! it the test says so and passes, unless `INTERVIEWD_REAL_PARTS=1` (as in `.ci/run`), where a
//! missing model server is a failure.

use crate::engine::fast;
use crate::engine_online::online_interview;
use crate::support::TestServer;
use interviewd_domain::{CompanyId, InterviewId};
use interviewd_voice::Role;
use serde_json::json;
use std::time::{Duration, Instant};

/// The model server's URL, or `None` (with the reason printed) when the test cannot run.
fn model_url() -> Option<String> {
    match std::env::var("INTERVIEWD_TEST_LLM_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("INTERVIEWD_REAL_PARTS").is_ok_and(|v| v == "1") => panic!(
            "INTERVIEWD_REAL_PARTS=1 but INTERVIEWD_TEST_LLM_URL is not set: the model server \
             (tools/llm-server.sh) could not be started; see the .ci/run log above"
        ),
        _ => {
            println!("skipped: INTERVIEWD_TEST_LLM_URL is not set (no real model server)");
            None
        }
    }
}

#[tokio::test]
async fn a_real_small_model_interviews_online_and_analyses_with_checked_evidence() {
    let Some(url) = model_url() else { return };
    let server = TestServer::start_with(|c| {
        fast(c);
        c.llm_base_url = Some(url.clone());
        c.llm_model = Some("smollm2".into());
        c.llm_structured_output = "json_object".into();
        // A CPU model on a busy 2-core machine: generous, still bounded.
        c.llm_first_token_timeout_ms = 30_000;
        c.llm_timeout_ms = 60_000;
        c.llm_analysis_timeout_ms = 180_000;
    })
    .await;
    let probe = server
        .engine()
        .models
        .probe()
        .await
        .expect("a model is configured");
    assert!(
        probe.ok,
        "the model server at {url} does not answer: {}",
        probe.detail
    );

    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "ria@example.com").await;
    let link = server.anonymous();
    let base = format!("/i/{token}");
    let answers = [
        "I test Rust code with unit tests next to the code and integration tests in tests/.",
        "Mostly unit tests first; property tests with proptest for parsers.",
        "An index is a B-tree over a column, so lookups by that column skip the full scan.",
        "I check the query plan with EXPLAIN before and after adding the index.",
        "That is all I can say about it.",
    ];
    let mut step = link
        .post(&format!("{base}/start"), json!({}))
        .await
        .expect(200)
        .body;
    for answer in answers.iter().cycle().take(8) {
        if step["status"] == "FINISHED" {
            break;
        }
        step = link
            .post(
                &format!("{base}/answer"),
                json!({ "answer": answer, "turn": step["turn"] }),
            )
            .await
            .expect(200)
            .body;
    }
    assert_eq!(step["status"], "FINISHED", "{step}");

    let engine = server.engine();
    let company: CompanyId = acme.id.parse().unwrap();
    let interview: InterviewId = id.parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(420);
    let results = loop {
        let results = engine
            .store
            .interview_results(company, interview)
            .await
            .unwrap();
        if results.analysis.is_some() {
            break results;
        }
        assert!(Instant::now() < deadline, "no analysis within 7 minutes");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    // The model spoke: some agent turn is not one of the plan's fixed lines.
    let fixed = ["How do you test Rust code?", "Tell me about SQL indexes."];
    let agent: Vec<&str> = results
        .transcript
        .iter()
        .filter(|t| t.role == Role::Agent)
        .map(|t| t.text.as_str())
        .collect();
    let calls = engine.store.model_calls(interview).await.unwrap();
    println!("agent turns: {agent:#?}");
    println!("model calls: {calls:#?}");
    assert!(
        calls
            .iter()
            .any(|c| c.purpose == "turn" && !c.usage.fell_back),
        "every interviewer turn fell back to the script"
    );
    assert!(
        agent.iter().skip(1).any(|line| !fixed.contains(line)),
        "{agent:?}"
    );

    // The analysis is the model's, and every quote is the candidate's own words.
    let analysis = results.analysis.unwrap().analysis;
    println!("analysis: {analysis:#?}");
    assert_eq!(analysis.method.as_str(), "llm", "{analysis:?}");
    assert!((1..=5).contains(&analysis.score));
    let candidate: Vec<String> = results
        .transcript
        .iter()
        .filter(|t| t.role == Role::Participant)
        .map(|t| t.text.to_lowercase())
        .collect();
    for criterion in &analysis.criteria {
        for quote in &criterion.evidence {
            let quote = quote.quote.to_lowercase();
            assert!(
                candidate.iter().any(|line| line.contains(&quote)),
                "{quote:?} is not in the candidate's turns"
            );
        }
    }
}
