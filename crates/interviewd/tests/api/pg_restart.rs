//! PostgreSQL restarting under load (PostgreSQL run only, on a cluster of its own): two
//! `serve` processes keep taking requests in all three dialects while the server restarts
//! (`pg_ctl restart -m fast`), then while it is down for a few seconds. Every answer is a
//! success or a clean 503 in its dialect's shape — never a 500 or a dropped connection — the
//! processes recover by themselves, and every interview whose creation was acknowledged
//! completes: committed work is not lost, and no company goes above its limit.

use crate::multinode_support::{Co, Node, Sampler, Setup, fixture, interview, xobin};
use crate::pg_cluster::{Cluster, admin, with_database};
use crate::support::{Client, Resp};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The dialects' answers while the database is unavailable.
#[derive(Clone, Copy, Debug)]
enum Dialect {
    InstaView,
    Alpharun,
    XobinRevoke,
}

/// Whether `res` is a success or the dialect's 503.
fn clean(dialect: Dialect, res: &Resp) -> bool {
    if (200..300).contains(&res.status) {
        return true;
    }
    res.status == 503
        && match dialect {
            Dialect::InstaView => res.body["error"]["code"] == "SERVICE_UNAVAILABLE",
            Dialect::Alpharun => res.body["error"] == 503 && res.body["message"].is_string(),
            // `FAILED`, whether the revoke's transaction or the key check met the outage.
            Dialect::XobinRevoke => res.body["status"] == "FAILED",
        }
}

/// What the load sends, and the fixtures it uses.
#[derive(Clone)]
struct Load {
    nodes: Vec<String>,
    company: Co,
    agent: String,
    candidate: String,
    job: String,
    response_id: i64,
}

impl Load {
    /// One request of each dialect to `base`, at once; the InstaView one creates an
    /// interview.
    async fn round(&self, base: &str) -> Vec<(Dialect, Resp)> {
        let client = Client::bearer(base, &self.company.key);
        let body = json!({ "candidateId": self.candidate, "agentId": self.agent });
        let opening = format!("/api/v1/job-openings/{}", self.job);
        let (created, opening, revoke) = tokio::join!(
            client.post("/v1/interviews", body),
            client.get(&opening),
            self.revoke(base),
        );
        vec![
            (Dialect::InstaView, created),
            (Dialect::Alpharun, opening),
            (Dialect::XobinRevoke, revoke),
        ]
    }

    /// Revokes the Xobin invite (again).
    async fn revoke(&self, base: &str) -> Resp {
        let body = json!({ "response_id": self.response_id });
        xobin(
            base,
            &self.company.key,
            Method::PATCH,
            "/ai-interviews/invite/revoke",
            Some(body),
        )
        .await
    }

    /// Sends rounds to the nodes in turn until `stop`; returns every answer.
    async fn run(self, stop: Arc<AtomicBool>) -> Vec<(Dialect, Resp)> {
        let mut answers = Vec::new();
        for n in 0.. {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            answers.extend(self.round(&self.nodes[n % self.nodes.len()]).await);
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        answers
    }
}

/// A generated AI interview's invite, created through `base`; returns its `response_id`.
async fn xobin_invite(base: &str, key: &str) -> i64 {
    let job = xobin(
        base,
        key,
        Method::POST,
        "/ai-interviews/generate-interview",
        Some(json!({ "job_role": "Backend Engineer", "job_description": "- Build APIs in Rust." })),
    )
    .await
    .expect(202)
    .str("/job_id");
    let deadline = Instant::now() + Duration::from_secs(20);
    let ai = loop {
        let status = xobin(
            base,
            key,
            Method::GET,
            &format!("/ai-interviews/generate-interview/{job}"),
            None,
        )
        .await;
        if let Some(id) = status.body["ai_interview_id"].as_i64() {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "no AI interview: {}",
            status.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let body = json!({ "candidate_name": "Ann Lee", "candidate_email": "ann@example.com", "ai_interview_id": ai, "invite_format": "getlink" });
    xobin(base, key, Method::POST, "/ai-interviews/invite", Some(body))
        .await
        .expect(200)
        .body["response_id"]
        .as_i64()
        .unwrap()
}

/// Runs `f` on a blocking thread (the `pg_ctl` calls wait for the server).
async fn blocking(cluster: &Arc<Cluster>, f: fn(&Cluster)) {
    let cluster = cluster.clone();
    tokio::task::spawn_blocking(move || f(&cluster))
        .await
        .unwrap();
}

fn assert_clean(answers: &[(Dialect, Resp)]) {
    for (dialect, res) in answers {
        assert!(
            clean(*dialect, res),
            "{dialect:?} answered {}: {}",
            res.status,
            res.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_under_load_is_survived() {
    let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    let cluster = Arc::new(cluster.unwrap_or_else(|e| panic!("{e}")));
    admin(&cluster.admin_url(), "CREATE DATABASE interviewd").await;
    let setup = Setup::new(&with_database(&cluster.admin_url(), "interviewd")).await;
    let env = [
        ("INTERVIEWD_SIMULATOR_TURN_MS", "30"),
        ("INTERVIEWD_ENGINE_LEASE_MS", "3000"),
    ];
    let a = Node::serve("a", &setup.url, &setup.data, &env).await;
    let b = Node::serve("b", &setup.url, &setup.data, &env).await;
    let company = setup.company("Acme", 6).await;
    let sampler = Sampler::start(&setup.pool, std::slice::from_ref(&company));
    let client = a.client(&company.key);
    let (agent, candidate) = fixture(&client, 0).await;
    let job = client.new_job(json!({ "title": "Engineer" })).await;
    let base_a = a.base.clone().unwrap();
    let load = Load {
        nodes: vec![base_a.clone(), b.base.clone().unwrap()],
        response_id: xobin_invite(&base_a, &company.key).await,
        company: company.clone(),
        agent: agent.clone(),
        candidate,
        job,
    };

    // 1. A restart while requests (several at a time) and calls are under way.
    let stop = Arc::new(AtomicBool::new(false));
    let running: Vec<_> = (0..4)
        .map(|_| tokio::spawn(load.clone().run(stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    blocking(&cluster, Cluster::restart).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut answers = Vec::new();
    for task in running {
        answers.extend(task.await.unwrap());
    }
    assert_clean(&answers);

    // 2. The database down for longer than a request waits for it: every dialect says so.
    blocking(&cluster, Cluster::stop).await;
    let down = load.round(&base_a).await;
    assert_clean(&down);
    for (dialect, res) in &down {
        assert_eq!(
            res.status, 503,
            "{dialect:?} while the database is down: {}",
            res.text
        );
    }
    let health = Client::bearer(&base_a, "").get("/healthz").await;
    assert_eq!(
        (health.status, health.body["status"].clone()),
        (503, json!("unavailable"))
    );
    blocking(&cluster, Cluster::start_again).await;

    // 3. Recovery without help: both processes answer again and finish every call.
    let mut acknowledged: Vec<String> = answers
        .iter()
        .chain(&down)
        .filter(|(d, r)| matches!(d, Dialect::InstaView) && r.status == 201)
        .map(|(_, r)| r.str("/id"))
        .collect();
    for node in [&a, &b] {
        acknowledged
            .push(interview(&node.client(&company.key), &agent, &load.candidate, None).await);
    }
    assert!(
        acknowledged.len() > 10,
        "too little load: {}",
        acknowledged.len()
    );
    setup.wait_drained().await;
    let samples = sampler.finish().await;
    assert!(
        samples.violations.is_empty(),
        "limits exceeded: {:?}",
        samples.violations
    );
    let stored: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, status FROM interviews WHERE channel = 'PHONE'")
            .fetch_all(&setup.pool)
            .await
            .unwrap();
    let stored: std::collections::HashMap<String, String> = stored
        .into_iter()
        .map(|(id, s)| (id.to_string(), s))
        .collect();
    for id in &acknowledged {
        assert_eq!(
            stored.get(id).map(String::as_str),
            Some("COMPLETED"),
            "interview {id}"
        );
    }
    // A 503 says the outcome is unknown: its interview may exist (the connection was cut
    // after the commit). If it does, it completed like any other.
    let unknown = answers
        .iter()
        .chain(&down)
        .filter(|(d, r)| matches!(d, Dialect::InstaView) && r.status == 503)
        .count();
    assert!(stored.len() <= acknowledged.len() + unknown);
    assert!(stored.values().all(|s| s == "COMPLETED"), "{stored:?}");
    setup.assert_dialled_once().await;
    // The revoke took effect exactly once, whichever of its attempts failed.
    let again = load.revoke(&base_a).await.expect(200);
    assert!(["REVOKED", "ALREADY_REVOKED"].contains(&again.body["status"].as_str().unwrap()));
    let notices = setup
        .count("SELECT COUNT(*) FROM events WHERE event_type = 'invite.revoked'")
        .await;
    assert_eq!(notices, 1);
}
