//! Xobin AI-interview plan generation: the queued job, its status (an extension), the job
//! and agent it creates, the `notification_url` callback, and resuming after a restart.

use crate::support::TestServer;
use crate::xobin::{generate, wait_generation, xb, xb_get};
use interviewd::store::xobin::{Generation, GenerationStatus};
use interviewd_domain::{AgentChannel, AgentId, CompanyId};
use interviewd_notify::testing::TestWebhookReceiver;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const DESCRIPTION: &str = "We build payroll software.\n\
    Responsibilities:\n\
    - Design and build REST APIs in Rust.\n\
    - Own the PostgreSQL schema and its migrations.\n\
    Requirements:\n\
    - 3+ years of experience with Rust and PostgreSQL.\n\
    Nice to have:\n\
    - Familiarity with Kafka.";

fn generate_body(role: &str) -> Value {
    json!({ "job_role": role, "job_description": DESCRIPTION })
}

#[tokio::test]
async fn generation_is_queued_then_completes_with_a_job_and_an_online_agent() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let queued = generate(&server, &acme.key, generate_body("Backend Engineer"))
        .await
        .expect(202);
    assert_eq!(queued.body["status"], "pending");
    assert_eq!(
        queued.body["message"],
        "AI interview plan generation job has been queued successfully"
    );
    let job_id = queued.str("/job_id");
    assert!(uuid::Uuid::parse_str(&job_id).is_ok(), "{job_id}");

    let done = wait_generation(&server, &acme.key, &job_id).await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    assert_eq!(done.body["job_id"], job_id);
    assert_eq!(done.body["ai_interview_name"], "Backend Engineer");
    let number = done.body["ai_interview_id"].as_i64().unwrap();

    // The AI interview is a job with the description and skills, linked to its agent.
    let company: CompanyId = acme.id.parse().unwrap();
    let job = server
        .store
        .job_by_number(company, number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.title, "Backend Engineer");
    assert_eq!(job.description.as_deref(), Some(DESCRIPTION));
    assert_eq!(job.required_skills, ["Rust", "PostgreSQL"]);
    assert_eq!(job.nice_to_have_skills, ["Kafka"]);
    let agent_id: AgentId = job.agent_id.unwrap();
    let agent = server
        .store
        .get_agent(company, agent_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agent.channel, AgentChannel::Online);
    assert!(
        (3..=8).contains(&agent.questions.len()),
        "{:?}",
        agent.questions
    );
    assert!(
        agent
            .questions
            .iter()
            .any(|q| q.contains("REST APIs in Rust")),
        "{:?}",
        agent.questions
    );

    // Generating again from the same input gives the same questions (deterministic).
    let again = generate(&server, &acme.key, generate_body("Backend Engineer"))
        .await
        .expect(202);
    let again = wait_generation(&server, &acme.key, &again.str("/job_id")).await;
    let number2 = again.body["ai_interview_id"].as_i64().unwrap();
    assert_ne!(number, number2);
    let job2 = server
        .store
        .job_by_number(company, number2)
        .await
        .unwrap()
        .unwrap();
    let agent2: AgentId = job2.agent_id.unwrap();
    let agent2 = server
        .store
        .get_agent(company, agent2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agent2.questions, agent.questions);
}

#[tokio::test]
async fn generation_input_is_validated() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let required = json!({ "error": "Job role and job description are required" });
    for body in [
        json!({ "job_description": DESCRIPTION }),
        json!({ "job_role": "QA" }),
        json!({ "job_role": "  ", "job_description": DESCRIPTION }),
        json!({}),
    ] {
        let res = generate(&server, &acme.key, body.clone()).await;
        assert_eq!(res.status, 400, "{body}: {}", res.text);
        assert_eq!(res.body, required, "{body}");
    }
    let res = server
        .anonymous()
        .send(
            Method::POST,
            "/api/v2/ai-interviews/generate-interview",
            None,
            &[("apiKey", &acme.key)],
        )
        .await
        .expect(400);
    assert_eq!(res.body, required);
    let mut bad_url = generate_body("QA");
    bad_url["notification_url"] = json!("ftp://example.com/hook");
    let res = generate(&server, &acme.key, bad_url).await.expect(400);
    assert!(
        res.body["error"]
            .as_str()
            .unwrap()
            .starts_with("notification_url"),
        "{}",
        res.text
    );
    // Loopback receivers are refused unless the deployment allows private addresses.
    let mut private = generate_body("QA");
    private["notification_url"] = json!("http://127.0.0.1:9/hook");
    generate(&server, &acme.key, private).await.expect(400);
    let res = server
        .anonymous()
        .send(
            Method::POST,
            "/api/v2/ai-interviews/generate-interview",
            Some(generate_body("QA").to_string()),
            &[],
        )
        .await
        .expect(401);
    assert_eq!(res.body, json!({ "error": "Invalid API key" }));

    // Status: a malformed id is 400, an unknown or another company's one 404.
    let path = "/ai-interviews/generate-interview";
    xb_get(&server, &acme.key, &format!("{path}/not-a-uuid"))
        .await
        .expect(400);
    let res = xb_get(
        &server,
        &acme.key,
        &format!("{path}/{}", uuid::Uuid::now_v7()),
    )
    .await
    .expect(404);
    assert_eq!(res.body, json!({ "error": "Generation job not found" }));
    let queued = xb(
        &server,
        &acme.key,
        Method::POST,
        path,
        Some(generate_body("QA")),
    )
    .await
    .expect(202);
    let beta = server.company("Beta").await;
    xb_get(
        &server,
        &beta.key,
        &format!("{path}/{}", queued.str("/job_id")),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn the_notification_url_receives_the_completed_status() {
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let server = TestServer::start_with(|c| c.webhook_allow_private = true).await;
    let acme = server.company("Acme").await;
    let mut body = generate_body("Backend Engineer");
    body["notification_url"] = json!(receiver.url("/xobin"));
    let queued = generate(&server, &acme.key, body).await.expect(202);
    let job_id = queued.str("/job_id");
    let requests = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(requests.len(), 1, "no callback");
    assert_eq!(requests[0].path, "/xobin");
    let payload: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let status = wait_generation(&server, &acme.key, &job_id).await;
    assert_eq!(payload["job_id"], job_id);
    assert_eq!(payload["status"], "completed");
    assert_eq!(payload["ai_interview_id"], status.body["ai_interview_id"]);
    assert_eq!(payload["ai_interview_name"], "Backend Engineer");
    // Delivered once: no repeat.
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn pending_generations_resume_after_a_restart() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let company: CompanyId = acme.id.parse().unwrap();
    let (config, dir) = server.stop().await;
    // Queued while no worker ran (as if the process died right after the 202).
    let store = interviewd::open_store(&config).await.unwrap();
    let now = chrono::Utc::now();
    let id = uuid::Uuid::now_v7();
    store
        .insert_generation(&Generation {
            id,
            company_id: company,
            job_role: "Night Nurse".into(),
            job_description: DESCRIPTION.into(),
            notification_url: None,
            status: GenerationStatus::Pending,
            attempts: 0,
            ai_interview_id: None,
            ai_interview_name: None,
            error: None,
            notify_attempts: 0,
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    drop(store);
    let server = TestServer::boot(config, dir).await;
    let done = wait_generation(&server, &acme.key, &id.to_string()).await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    assert_eq!(done.body["ai_interview_name"], "Night Nurse");
}
