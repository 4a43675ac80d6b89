//! The tenant every scenario acts for, and the two template interviews the seeding copies.
//!
//! The company and its key are made as the tests and `interviewd companies/keys create` make
//! them (the admin layer on the store); the job, the agent and the candidates through the
//! API. The templates are real: the COMPLETED one is created through `POST /v1/interviews`
//! and completed by the engine with the built-in simulator — a phone call whose nine
//! questions give exactly nineteen transcript fragments, then its recording, transcript,
//! analysis and events as the pipeline writes them; the SCHEDULED one is created for
//! tomorrow, as an invite that can still be revoked.

use crate::client::{Api, string_at};
use crate::server::Server;
use anyhow::{Context, bail};
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Transcript fragments of the COMPLETED template (the delete scenario's shape).
pub const TRANSCRIPT_TURNS: usize = 19;

/// The agent's questions: the greeting with the first question, its answer, eight more
/// question/answer pairs and the closing = 19 turns.
const QUESTIONS: [&str; 9] = [
    "Tell me about a Rust service you shipped to production.",
    "How do you design a database schema for multi-tenant data?",
    "Describe how you would debug a slow SQL query.",
    "How do you make a background job idempotent?",
    "What is your approach to testing an HTTP API?",
    "How do you handle a partial failure in a distributed system?",
    "Tell me about a time you improved performance.",
    "How do you review code from a teammate?",
    "Why are you interested in this position?",
];

/// The acting company, its all-scopes key and its catalogue.
pub struct Tenant {
    pub company: Uuid,
    pub key: String,
    /// The key's id (the audit records' actor).
    pub key_id: Uuid,
    pub job: Uuid,
    pub agent: Uuid,
}

/// The interviews the seeding copies, with the rows that identify them.
pub struct Templates {
    pub completed: Template,
    pub scheduled: Template,
}

/// One template interview.
pub struct Template {
    pub interview: Uuid,
    pub candidate: Uuid,
    pub email: String,
    pub phone: String,
}

/// Creates the company (Business plan), its key with every scope, a job and an agent.
pub async fn tenant(server: &Server) -> anyhow::Result<Tenant> {
    let company =
        interviewd::admin::create_company(server.store(), "Bench Corp", Plan::Business, None)
            .await?;
    let args = interviewd::admin::NewKeyArgs {
        company: vec![company.id.to_string()],
        ats: false,
        scopes: "all".into(),
        name: Some("bench".into()),
        expires_at: None,
    };
    let (key_row, key) = interviewd::admin::create_key(server.store(), args).await?;
    let api = Api::new(&server.base, &key)?;
    let job = json!({
        "title": "Backend Engineer",
        "description": "Builds the interview platform's API and storage.",
        "requiredSkills": ["Rust", "SQL", "PostgreSQL"],
        "niceToHaveSkills": ["Kubernetes"],
    });
    let job = api.call(Method::POST, "/v1/jobs", Some(&job), 201).await?;
    let agent = json!({ "name": "Screener", "type": "PHONE", "questions": QUESTIONS });
    let agent = api
        .call(Method::POST, "/v1/agents", Some(&agent), 201)
        .await?;
    Ok(Tenant {
        company: company.id.uuid(),
        key,
        key_id: key_row.id.uuid(),
        job: string_at(&job, "/data/id")?.parse()?,
        agent: string_at(&agent, "/id")?.parse()?,
    })
}

/// Creates both templates; the COMPLETED one by running the engine until it completes.
pub async fn templates(server: &Server, tenant: &Tenant) -> anyhow::Result<Templates> {
    let api = Api::new(&server.base, &tenant.key)?;
    let completed = template(
        &api,
        tenant,
        "template.completed@example.com",
        "+14155550100",
        None,
    )
    .await?;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let scheduled = template(
        &api,
        tenant,
        "template.scheduled@example.com",
        "+14155550101",
        Some(tomorrow),
    )
    .await?;
    let workers = server.engine_workers()?;
    let done = wait_completed(&api, completed.interview)
        .await
        .context("completing the template interview");
    workers.stop().await;
    let detail = done?;
    let turns = detail["transcript"].as_array().map_or(0, Vec::len);
    if turns != TRANSCRIPT_TURNS || detail["analysis"].is_null() {
        bail!(
            "the template interview has {turns} transcript fragments and analysis {}; expected {TRANSCRIPT_TURNS} and one",
            detail["analysis"]
        );
    }
    Ok(Templates {
        completed,
        scheduled,
    })
}

/// A candidate on the tenant's job and an interview of theirs.
async fn template(
    api: &Api,
    tenant: &Tenant,
    email: &str,
    phone: &str,
    scheduled_at: Option<String>,
) -> anyhow::Result<Template> {
    let candidate = json!({
        "firstName": "Ann", "lastName": "Lee", "email": email, "phoneNumber": phone,
        "jobId": tenant.job.to_string(),
    });
    let candidate = api
        .call(Method::POST, "/v1/candidates", Some(&candidate), 201)
        .await?;
    let candidate: Uuid = string_at(&candidate, "/id")?.parse()?;
    let mut body =
        json!({ "candidateId": candidate.to_string(), "agentId": tenant.agent.to_string() });
    if let Some(at) = scheduled_at {
        body["scheduledAt"] = Value::String(at);
    }
    let interview = api
        .call(Method::POST, "/v1/interviews", Some(&body), 201)
        .await?;
    Ok(Template {
        interview: string_at(&interview, "/id")?.parse()?,
        candidate,
        email: email.to_owned(),
        phone: phone.to_owned(),
    })
}

/// Polls the interview until the engine completed it (at most a minute).
async fn wait_completed(api: &Api, id: Uuid) -> anyhow::Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let detail = api
            .call(Method::GET, &format!("/v1/interviews/{id}"), None, 200)
            .await?;
        match detail["status"].as_str() {
            Some("COMPLETED") => return Ok(detail),
            Some("FAILED" | "CANCELED") => bail!("the template interview ended {detail}"),
            _ if Instant::now() > deadline => {
                bail!("the template interview did not complete within a minute: {detail}")
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
