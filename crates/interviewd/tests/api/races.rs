//! Removals racing every other write: InstaView deletions of interviews, candidates and jobs,
//! Alpharun removals and Xobin revokes run at the same moment as interview creation, Xobin
//! invites, candidate patches, online answers and the engine's calls on the same objects.
//! Bounded in count ([`ROUNDS`] × [`PER_ROUND`] objects, a fixed set of requests each) and in
//! time ([`LIMIT`]). No request may answer 5xx; afterwards no slot is held, no attempt is live,
//! no recording is orphaned, every removed interview reads 404, and no webhook about a removed
//! interview arrives after its removal's 200 (docs/webhooks.md, "After a removal").

use crate::engine::{WAIT, eventually};
use crate::support::{Client, Resp, TestServer, db, on_db};
use crate::webhooks_support::create_webhook;
use crate::xobin::{ai_interview, invite, invite_body, invited, xb};
use interviewd::config::Config;
use interviewd_domain::{CompanyId, Plan};
use interviewd_notify::testing::TestWebhookReceiver;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Rounds of racing, each on fresh objects.
const ROUNDS: usize = 3;
/// Candidates (each with a job, a phone and an online interview and an invite) per round.
const PER_ROUND: usize = 4;
/// The whole test.
const LIMIT: Duration = Duration::from_secs(120);
/// A webhook request already being sent when the removal committed may reach the receiver
/// after the 200 reached the client (two loopback hops, two tasks); none may start later.
const ON_THE_WIRE: Duration = Duration::from_millis(250);

fn racing(config: &mut Config) {
    crate::engine::fast(config);
    crate::webhooks_support::fast(config);
    // Calls last a few turns, so removals meet live ones.
    config.simulator_turn_ms = 5;
}

/// What the requests answered, and when each removal's 200 arrived.
#[derive(Default)]
struct Record {
    answers: Mutex<Vec<(String, u16, String)>>,
    /// (interviews the removal takes out, when its 200 arrived).
    removals: Mutex<Vec<(Vec<String>, Instant)>>,
}

impl Record {
    fn answer(&self, what: &str, res: &Resp) {
        let mut answers = self.answers.lock().unwrap();
        answers.push((what.to_owned(), res.status, res.text.clone()));
    }
}

/// One candidate's objects, made before the race.
#[derive(Clone)]
struct Subject {
    n: usize,
    email: String,
    job: String,
    candidate: String,
    phone_interview: String,
    online_interview: String,
    token: String,
    response_id: i64,
    invite_interview: String,
}

struct Setup {
    client: Client,
    key: String,
    company: CompanyId,
    phone_agent: String,
    online_agent: String,
    xobin_job: i64,
}

async fn subject(server: &TestServer, s: &Setup, n: usize) -> Subject {
    let c = &s.client;
    let email = format!("racer{n}@example.com");
    let job = c.new_job(json!({ "title": format!("Opening {n}") })).await;
    let candidate = c
        .new_candidate(
            json!({ "firstName": "Rae", "lastName": format!("Cer{n}"), "email": email,
                    "phoneNumber": format!("+1415555{:04}", 2000 + n), "jobId": job }),
        )
        .await;
    let interview =
        |agent: &str| json!({ "candidateId": candidate, "agentId": agent, "jobId": job });
    let phone_interview = c.new_interview(interview(&s.phone_agent)).await;
    let online = c
        .post("/v1/interviews", interview(&s.online_agent))
        .await
        .expect(201);
    let token = online
        .str("/inviteUrl")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let invited = invited(server, &s.key, &email, s.xobin_job).await;
    let response_id = invited.body["response_id"].as_i64().unwrap();
    let detail = server.store.interview_by_number(s.company, response_id);
    let invite_interview = detail.await.unwrap().unwrap().interview.id.to_string();
    Subject {
        n,
        email,
        job,
        candidate,
        phone_interview,
        online_interview: online.str("/id"),
        token,
        response_id,
        invite_interview,
    }
}

/// The removal this subject gets, by its number, and the interviews it takes out.
async fn remove(server: &TestServer, s: &Setup, x: &Subject, record: &Record) {
    let c = &s.client;
    let (what, res, gone) = match x.n % 4 {
        0 => (
            "delete candidate",
            c.delete(&format!("/v1/candidates/{}?erase=true", x.candidate))
                .await,
            vec![&x.phone_interview, &x.online_interview, &x.invite_interview],
        ),
        1 => (
            "alpharun remove",
            c.delete_json(
                &format!("/api/v1/job-openings/{}/interviews", x.job),
                json!({ "contact_id": x.candidate }),
            )
            .await,
            vec![&x.phone_interview, &x.online_interview],
        ),
        2 => (
            // InstaView's job delete keeps the interviews (docs/removal.md): nothing is gone.
            "delete job",
            c.delete(&format!("/v1/jobs/{}", x.job)).await,
            vec![],
        ),
        _ => (
            "delete interview",
            c.delete(&format!("/v1/interviews/{}", x.phone_interview))
                .await,
            vec![&x.phone_interview],
        ),
    };
    let at = Instant::now();
    record.answer(what, &res);
    assert_eq!(res.status, 200, "{what} must complete: {}", res.text);
    let gone = gone.into_iter().cloned().collect();
    record.removals.lock().unwrap().push((gone, at));
    let _ = server;
}

/// Every write that races the removal of `x`.
async fn race_writes(server: Arc<TestServer>, s: Arc<Setup>, x: Subject, record: Arc<Record>) {
    let mut writes = JoinSet::new();
    for round in 0..2 {
        let (s, x, record) = (s.clone(), x.clone(), record.clone());
        writes.spawn(async move {
            let body =
                json!({ "candidateId": x.candidate, "agentId": s.phone_agent, "jobId": x.job });
            let res = s.client.post("/v1/interviews", body).await;
            record.answer(&format!("create interview {round}"), &res);
        });
    }
    {
        let (s, x, record) = (s.clone(), x.clone(), record.clone());
        writes.spawn(async move {
            let body = json!({ "firstName": "Renamed", "jobIds": [x.job] });
            let res = s
                .client
                .patch(&format!("/v1/candidates/{}", x.candidate), body)
                .await;
            record.answer("patch candidate", &res);
        });
    }
    {
        let (server, s, x, record) = (server.clone(), s.clone(), x.clone(), record.clone());
        writes.spawn(async move {
            let res = invite(&server, &s.key, invite_body(&x.email, s.xobin_job)).await;
            record.answer("xobin invite", &res);
        });
    }
    {
        let (server, s, x, record) = (server.clone(), s.clone(), x.clone(), record.clone());
        writes.spawn(async move {
            let body = json!({ "response_id": x.response_id, "notify_candidate": true });
            let res = xb(
                &server,
                &s.key,
                Method::PATCH,
                "/ai-interviews/invite/revoke",
                Some(body),
            );
            record.answer("xobin revoke", &res.await);
        });
    }
    {
        let (server, x, record) = (server.clone(), x.clone(), record.clone());
        writes.spawn(async move {
            let link = server.anonymous();
            let started = link.post(&format!("/i/{}/start", x.token), json!({})).await;
            record.answer("online start", &started);
            let answer = json!({ "answer": "I test Rust code with cargo test and proptest." });
            let res = link.post(&format!("/i/{}/answer", x.token), answer).await;
            record.answer("online answer", &res);
        });
    }
    let (server2, s2, x2, record2) = (server.clone(), s.clone(), x.clone(), record.clone());
    writes.spawn(async move { remove(&server2, &s2, &x2, &record2).await });
    while let Some(done) = writes.join_next().await {
        done.expect("a racing request panicked");
    }
}

async fn setup(server: &TestServer) -> (Setup, TestWebhookReceiver) {
    let acme = server.company_on("Acme", Plan::Business, Some(2)).await;
    let client = server.client(&acme.key);
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let events = json!([
        "interview.scheduled",
        "interview.started",
        "interview.completed",
        "interview.canceled",
        "interview.deleted",
        "analysis.completed"
    ]);
    create_webhook(&client, &receiver.url("/hooks"), events, json!({})).await;
    let agent = |kind: &str| {
        json!({ "name": format!("{kind} screener"), "type": kind,
                                     "questions": ["Tell me about Rust.", "And SQL?"] })
    };
    let phone_agent = client.new_agent(agent("PHONE")).await;
    let online_agent = client.new_agent(agent("ONLINE")).await;
    let xobin_job = ai_interview(server, &acme.key, "Backend Engineer").await;
    let setup = Setup {
        client,
        key: acme.key,
        company: acme.id.parse().unwrap(),
        phone_agent,
        online_agent,
        xobin_job,
    };
    (setup, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removals_win_their_races_and_leave_nothing_behind() {
    tokio::time::timeout(LIMIT, run())
        .await
        .expect("the race test is bounded in time");
}

async fn run() {
    let server = Arc::new(TestServer::start_with(racing).await);
    let (setup, receiver) = setup(&server).await;
    let setup = Arc::new(setup);
    let record = Arc::new(Record::default());
    for round in 0..ROUNDS {
        let mut subjects = Vec::new();
        for i in 0..PER_ROUND {
            subjects.push(subject(&server, &setup, round * PER_ROUND + i).await);
        }
        let mut racers = JoinSet::new();
        for x in subjects {
            racers.spawn(race_writes(
                server.clone(),
                setup.clone(),
                x,
                record.clone(),
            ));
        }
        while let Some(done) = racers.join_next().await {
            done.expect("a racer panicked");
        }
    }
    let failures: Vec<_> = record
        .answers
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, status, _)| *status >= 500)
        .cloned()
        .collect();
    assert!(failures.is_empty(), "requests answered 5xx: {failures:#?}");
    settle(&server, &setup.client).await;
    invariants(&server, &setup, &record).await;
    no_webhook_after_removal(&server, &receiver, &record).await;
}

/// Lets every live call end and every queue drain. Online sessions left half answered end
/// when their idle timeout passes, so the clock is moved past it first.
async fn settle(server: &TestServer, client: &Client) {
    let idle = Duration::from_millis(server.config.online_idle_timeout_ms);
    server.clock().advance(idle + Duration::from_secs(60));
    eventually("every call to end and every slot to be free", || async {
        server.run_pending_background_jobs().await;
        let live = on_db!(&db(server).await, |s| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM call_attempts WHERE status = 'IN_PROGRESS'"
        )
        .fetch_one(s.pool())
        .await
        .unwrap());
        let in_use = client.get("/v1/concurrency").await.expect(200).body["inUse"].clone();
        (live == 0 && in_use == 0).then_some(())
    })
    .await;
    server.run_pending_background_jobs().await;
}

async fn invariants(server: &TestServer, s: &Setup, record: &Record) {
    let db = db(server).await;
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            on_db!(db, |s| sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(s.pool())
                .await
                .unwrap())
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM company_slots WHERE holder_attempt_id IS NOT NULL").await,
        0,
        "no slot is held"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM call_attempts WHERE status IN ('IN_PROGRESS', 'SCHEDULED') \
               AND interview_id NOT IN (SELECT id FROM interviews WHERE status = 'SCHEDULED')"
        )
        .await,
        0,
        "no live or queued attempt outside a scheduled interview"
    );
    // Past the grace of uploads no committed row claimed, every queued deletion has run.
    let grace = interviewd::core::engine::recording::UNCLAIMED_RECORDING_GRACE;
    server.clock().advance(grace + Duration::from_secs(60));
    server.run_pending_background_jobs().await;
    assert_eq!(
        count("SELECT COUNT(*) FROM blob_deletions").await,
        0,
        "blob queue drained"
    );
    let removals = record.removals.lock().unwrap().clone();
    for (gone, _) in &removals {
        for id in gone {
            s.client
                .get(&format!("/v1/interviews/{id}"))
                .await
                .expect(404);
        }
    }
    // Every recording file belongs to an attempt that still exists.
    let keys: Vec<String> = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT recording_key FROM call_attempts WHERE recording_key IS NOT NULL"
    )
    .fetch_all(s.pool())
    .await
    .unwrap());
    for file in crate::support::files_under(&server.config.data_dir.join("recordings")) {
        let name = file.to_string_lossy().replace('\\', "/");
        assert!(
            keys.iter().any(|k| name.ends_with(k.as_str())),
            "orphan recording {name}"
        );
    }
}

async fn no_webhook_after_removal(
    server: &TestServer,
    receiver: &TestWebhookReceiver,
    record: &Record,
) {
    // Whatever is still due goes out now, and the deliveries under way (the background
    // loop's too) end before this returns. Then nothing about a removed interview may be
    // among what arrived after its removal answered.
    server.run_pending_background_jobs().await;
    let removals = record.removals.lock().unwrap().clone();
    let mut late = Vec::new();
    for request in receiver.requests() {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if body["event"] == "interview.deleted" || body["type"] == "interview.deleted" {
            continue;
        }
        let text = String::from_utf8_lossy(&request.body);
        for (gone, answered) in &removals {
            if gone.iter().any(|id| text.contains(id.as_str()))
                && request.received_at > *answered + ON_THE_WIRE
            {
                late.push((
                    text.chars().take(160).collect::<String>(),
                    request.received_at.duration_since(*answered),
                ));
            }
        }
    }
    assert!(
        late.is_empty(),
        "webhooks about removed interviews after the 200: {late:#?}"
    );
    assert!(
        !receiver.requests().is_empty(),
        "the receiver saw the deliveries"
    );
    let _ = WAIT;
}

/// The guarantee itself, step by step: a message claimed (leased) before a removal is never
/// started after the removal committed, while one about an interview still there starts.
#[tokio::test]
async fn a_webhook_claimed_before_a_removal_never_starts_after_it() {
    use interviewd::store::delivery::NewMessage;
    let server = TestServer::start_with(racing).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let hook = create_webhook(
        &client,
        &receiver.url("/h"),
        json!(["analysis.completed"]),
        json!({}),
    )
    .await;
    let (removed, _) = crate::webhooks_support::online_interview(&client, "gone@example.com").await;
    let (kept, _) = crate::webhooks_support::online_interview(&client, "kept@example.com").await;
    // Due tomorrow, so only this test claims them.
    let tomorrow = server.clock().now() + chrono::Duration::days(1);
    let company: CompanyId = acme.id.parse().unwrap();
    let mut ids = Vec::new();
    for interview in [&removed, &kept] {
        let message = NewMessage {
            id: uuid::Uuid::now_v7(),
            webhook_id: hook["id"].as_str().unwrap().parse().unwrap(),
            company_id: company,
            event_id: None,
            interview_id: Some(interview.parse().unwrap()),
            event_type: "interview.scheduled".into(),
            payload: "{}".into(),
            created_at: tomorrow,
        };
        assert!(server.store.enqueue_message(&message).await.unwrap());
        ids.push(message.id);
    }
    let at = tomorrow + chrono::Duration::seconds(1);
    let claimed = server.store.claim_messages(at, 10, 5_000).await.unwrap();
    let lease = |id| claimed.iter().find(|m| m.id == id).unwrap().lease.clone();
    let (gone_lease, kept_lease) = (lease(ids[0]), lease(ids[1]));

    client
        .delete(&format!("/v1/interviews/{removed}"))
        .await
        .expect(200);
    let store = &server.store;
    assert!(
        !store
            .start_webhook_attempt(ids[0], &gone_lease, at)
            .await
            .unwrap()
    );
    assert!(
        store
            .start_webhook_attempt(ids[1], &kept_lease, at)
            .await
            .unwrap()
    );
    let _ = kept;
}
