//! Leases and fencing at the store level, cancelling a live call in-process, and the blob
//! deletion worker.
//!
//! The store-level test drives the queue with clock values two days ahead, so the server's
//! own engine (which runs on the real clock) never sees the attempts it plays with.

use crate::engine::{WAIT, concurrency, db, eventually, fast, wait_slots_free, wait_status};
use crate::support::{TestServer, company_with_key, fixture, on_db};
use chrono::{Duration, Utc};
use interviewd::core::engine::Settings;
use interviewd::core::engine::policy::{self, EndReason};
use interviewd::store::engine::{AttemptEnd, ClaimRequest, EndResult, Lease, NextStep, Touch};
use interviewd_domain::AttemptStatus;
use interviewd_voice::analysis::{AnalysisInput, analyse};
use interviewd_voice::{Role, Turn};
use serde_json::json;

fn claim(owner: &str, now: chrono::DateTime<Utc>) -> ClaimRequest {
    ClaimRequest {
        owner: owner.into(),
        now,
        lease_until: now + Duration::seconds(1),
        max: 10,
        only_test_interview: None,
    }
}

fn completed(lease: Lease, at: chrono::DateTime<Utc>) -> AttemptEnd {
    AttemptEnd {
        lease,
        at,
        status: AttemptStatus::Completed,
        reason_code: None,
        duration_ms: Some(1_000),
        recording_key: None,
        transcript: vec![
            Turn {
                role: Role::Agent,
                text: "Tell me about Rust.".into(),
                start_ms: 0,
                end_ms: 800,
            },
            Turn {
                role: Role::Participant,
                text: "I use Rust and SQL daily.".into(),
                start_ms: 1_100,
                end_ms: 2_000,
            },
        ],
        next: NextStep::Analyse { worker_after: at },
        only_if_expired_at: None,
    }
}

#[tokio::test]
async fn a_stale_worker_can_no_longer_start_complete_or_release() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550166", "fe@example.com").await;
    wait_status(&client, &f.interview, "COMPLETED").await;
    let at = (Utc::now() + Duration::days(1)).to_rfc3339();
    let id = client
        .new_interview(json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduledAt": at }))
        .await;
    let store = &server.store;
    let settings = Settings::from_config(&server.config);
    let t0 = Utc::now() + Duration::days(2);

    // Worker A claims and the candidate answers; then A stalls past its lease.
    let a = store.claim_due_attempts(&claim("A", t0)).await.unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].interview_id.to_string(), id);
    let a = a[0].lease;
    assert_eq!(store.start_attempt(a, t0).await.unwrap(), Touch::Applied);
    assert_eq!(concurrency(&client).await["inUse"], 1);
    let t1 = t0 + Duration::seconds(2);
    let expired = store.expired_attempts(t1, 10).await.unwrap();
    assert_eq!(expired.len(), 1);
    let mut reaped = policy::failure(a, &EndReason::LeaseExpired, 0, &settings, t1);
    reaped.only_if_expired_at = Some(t1);
    assert!(matches!(
        store.end_attempt(&reaped).await.unwrap(),
        EndResult::Applied { .. }
    ));
    assert_eq!(concurrency(&client).await["inUse"], 0);

    // Worker B claims the retry.
    let b = store.claim_due_attempts(&claim("B", t1)).await.unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].retry_number, 1);
    let b = b[0].lease;
    assert_ne!(a.attempt_id, b.attempt_id);

    // A wakes up: every write it tries is refused, and B's slot stays held.
    assert_eq!(store.start_attempt(a, t1).await.unwrap(), Touch::Stale);
    assert_eq!(
        store.end_attempt(&completed(a, t1)).await.unwrap(),
        EndResult::Stale
    );
    assert!(
        store
            .extend_leases("A", t1 + Duration::seconds(5))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!store.release_slot(a).await.unwrap());
    assert_eq!(concurrency(&client).await["inUse"], 1);
    let db = db(&server).await;
    let turns: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM transcript_turns WHERE attempt_id = $1"
    )
    .bind(a.attempt_id.uuid())
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(turns, 0, "the stale completion wrote nothing");
    // A renewal by B keeps its slot; a stale end by the reaper does not free it.
    let held = store
        .extend_leases("B", t1 + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(held, vec![b.attempt_id]);
    let mut late_reap = policy::failure(b, &EndReason::LeaseExpired, 1, &settings, t1);
    late_reap.only_if_expired_at = Some(t1);
    assert_eq!(
        store.end_attempt(&late_reap).await.unwrap(),
        EndResult::Stale
    );
    assert_eq!(concurrency(&client).await["inUse"], 1);

    // B completes once; a second completion with the same lease is stale.
    let EndResult::Applied { job: Some(job) } = store.end_attempt(&completed(b, t1)).await.unwrap()
    else {
        panic!("B's completion must apply and queue the analysis");
    };
    assert_eq!(
        store.end_attempt(&completed(b, t1)).await.unwrap(),
        EndResult::Stale
    );
    assert_eq!(concurrency(&client).await["inUse"], 0);

    // The analysis job is fenced too: a claim whose lease ran out cannot finish it.
    let t2 = t1 + Duration::seconds(1);
    let first = store
        .claim_pipeline_jobs("X", t2, t2 + Duration::seconds(1), 1, Some(job))
        .await
        .unwrap();
    let t3 = t2 + Duration::seconds(2);
    let second = store
        .claim_pipeline_jobs("Y", t3, t3 + Duration::seconds(1), 1, Some(job))
        .await
        .unwrap();
    assert_eq!((first.len(), second.len()), (1, 1));
    let source = store.analysis_source(&second[0]).await.unwrap().unwrap();
    let analysis = analyse(&AnalysisInput {
        skills: source.brief.skills,
        nice_to_have: source.brief.nice_to_have,
        questions: source.brief.questions,
        turns: source.turns,
    });
    assert_eq!(
        store
            .complete_interview(&first[0], &analysis, t3)
            .await
            .unwrap(),
        Touch::Stale
    );
    assert_eq!(
        store
            .complete_interview(&second[0], &analysis, t3)
            .await
            .unwrap(),
        Touch::Applied
    );
    assert_eq!(
        store
            .complete_interview(&second[0], &analysis, t3)
            .await
            .unwrap(),
        Touch::Stale
    );
    let body = client
        .get(&format!("/v1/interviews/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["transcript"].as_array().unwrap().len(), 2);
    let reasons: Vec<&str> = body["callAttempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reasonCode"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(reasons, ["LEASE_EXPIRED", "-"]);
    let completions: i64 = on_db!(&db, |s| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE interview_id = $1 AND event_type = 'interview.completed'",
    )
    .bind(id.parse::<uuid::Uuid>().unwrap())
    .fetch_one(s.pool())
    .await
    .unwrap()
    });
    assert_eq!(completions, 1);
}

#[tokio::test]
async fn a_live_call_can_be_cancelled_in_process() {
    let (_dir, mut config, _database) = crate::support::scratch().await;
    fast(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    config.public_url = Some(base.clone());
    let store = interviewd::open_store(&config).await.unwrap();
    let server = interviewd::Server::new(config, store.clone()).unwrap();
    let state = server.state.clone();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let workers = server
        .workers
        .spawn_groups(&[interviewd::workers::Group::Engine], &shutdown);
    let app = interviewd::http::router(state.clone());
    let stop = shutdown.clone();
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
    });
    let (_, key) =
        company_with_key(&store, "Acme", interviewd_domain::Plan::Business, Some(2)).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let job = post("/v1/jobs", json!({ "title": "Engineer" }))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let agent = post("/v1/agents", json!({ "name": "Screener" }))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let candidate = post(
        "/v1/candidates",
        json!({ "firstName": "Hal", "phoneNumber": "+14155559993", "jobId": job["data"]["id"] }),
    )
    .await
    .unwrap()
    .json::<serde_json::Value>()
    .await
    .unwrap();
    let interview = post(
        "/v1/interviews",
        json!({ "candidateId": candidate["id"], "agentId": agent["id"] }),
    )
    .await
    .unwrap()
    .json::<serde_json::Value>()
    .await
    .unwrap();
    let id = interview["id"].as_str().unwrap().to_owned();
    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(&key).send();
    let attempt = eventually("the call to be live", || async {
        let body: serde_json::Value = get(format!("/v1/interviews/{id}"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (body["status"] == "IN_PROGRESS")
            .then(|| body["callAttempts"][0]["id"].as_str().unwrap().to_owned())
    })
    .await;
    assert_eq!(state.engine.live_count(), 1);
    assert!(state.engine.cancel_live(attempt.parse().unwrap()));
    let body = eventually("the call to end", || async {
        let body: serde_json::Value = get(format!("/v1/interviews/{id}"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (body["status"] == "FAILED").then_some(body)
    })
    .await;
    assert_eq!(body["callAttempts"][0]["reasonCode"], "CANCELED");
    eventually("the slot to be free", || async {
        let c: serde_json::Value = get("/v1/concurrency".into())
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (c["inUse"] == 0).then_some(())
    })
    .await;
    assert!(!state.engine.cancel_live(attempt.parse().unwrap()));
    shutdown.cancel();
    let _ = tokio::time::timeout(WAIT, async {
        for w in workers {
            let _ = w.await;
        }
        let _ = serving.await;
    })
    .await;
}

#[tokio::test]
async fn queued_blob_deletions_remove_files_and_treat_missing_ones_as_done() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let root = server.config.data_dir.join("recordings");
    std::fs::create_dir_all(root.join("x")).unwrap();
    std::fs::write(root.join("x/a.wav"), b"RIFF").unwrap();
    let keys = vec!["x/a.wav".to_owned(), "x/missing.wav".to_owned()];
    server
        .store
        .enqueue_blob_deletions(&keys, Utc::now())
        .await
        .unwrap();
    let db = db(&server).await;
    eventually("the outbox to drain", || async {
        let n: i64 = on_db!(&db, |s| sqlx::query_scalar(
            "SELECT COUNT(*) FROM blob_deletions"
        )
        .fetch_one(s.pool())
        .await
        .unwrap());
        (n == 0).then_some(())
    })
    .await;
    assert!(!root.join("x/a.wav").exists());
    wait_slots_free(&client).await;
}

#[tokio::test]
async fn a_recording_no_committed_attempt_claims_is_deleted_after_the_grace() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let root = server.config.data_dir.join("recordings");
    let db = db(&server).await;
    let queued = || {
        let db = &db;
        async move {
            on_db!(db, |s| sqlx::query_as::<_, (String, i64)>(
                "SELECT key, run_at FROM blob_deletions"
            )
            .fetch_all(s.pool())
            .await
            .unwrap())
        }
    };
    // A call that completes: its attempt claims the recording, which leaves the queue.
    let f = fixture(&client, "+14155550167", "orphan@example.com").await;
    wait_status(&client, &f.interview, "COMPLETED").await;
    assert_eq!(queued().await, []);
    let attempts: Vec<String> = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT recording_key FROM call_attempts WHERE recording_key IS NOT NULL"
    )
    .fetch_all(s.pool())
    .await
    .unwrap());
    assert_eq!(attempts.len(), 1);
    assert!(root.join(&attempts[0]).exists());

    // An upload whose attempt never commits (the process died in between): queued for
    // deletion a day later, and deleted once that day has passed.
    let engine = server.engine();
    let company: interviewd_domain::CompanyId = acme.id.parse().unwrap();
    let key = engine
        .upload_recording(company, b"RIFF orphan".to_vec())
        .await
        .unwrap()
        .unwrap();
    assert!(root.join(&key).exists());
    let waiting = queued().await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].0, key);
    assert!(waiting[0].1 > (Utc::now() + Duration::hours(23)).timestamp_millis());
    on_db!(&db, |s| sqlx::query("UPDATE blob_deletions SET run_at = 0")
        .execute(s.pool())
        .await
        .map(|_| ()))
    .unwrap();
    eventually("the orphan to be deleted", || async {
        queued().await.is_empty().then_some(())
    })
    .await;
    assert!(!root.join(&key).exists());
    assert!(root.join(&attempts[0]).exists());
}
