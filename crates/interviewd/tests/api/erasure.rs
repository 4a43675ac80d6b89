//! Erasure leaves nothing behind. Four people, each taken out a different way — an InstaView
//! interview deletion, the Alpharun removal, a Xobin revoke with a notice (each followed by
//! the person's erasure), and the retention worker once `gdprExpiryDate` has passed — and
//! a fifth who stays. After a clean stop, every file under the data directory (database,
//! write-ahead log, recordings, outbox) is scanned for each person's e-mail, phone, name and
//! a phrase they said: nothing of the four is found, while the fifth is (so the scan can fail).
//! On PostgreSQL, where the database lives outside the data directory, every table's live
//! rows are searched too.

use crate::engine::{fast, wait_status};
use crate::support::{
    Backend, Client, TestCompany, TestServer, backend, connect_db, files_under, on_db,
};
use crate::xobin::{ai_interview, invite_body, xb};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What identifies one person, each unique to them.
struct Person {
    first: String,
    last: String,
    email: String,
    phone: String,
    phrase: String,
}

impl Person {
    fn new(tag: &str, n: u32) -> Self {
        Self {
            first: format!("Quilla{tag}"),
            last: format!("Zarkov{tag}"),
            email: format!("quilla.{}@erasure.test", tag.to_lowercase()),
            phone: format!("+1415555{:04}", 7100 + n),
            phrase: format!("my favourite crate is zebrafish-{}", tag.to_lowercase()),
        }
    }

    fn needles(&self) -> [String; 5] {
        [
            self.email.clone(),
            self.phone.clone(),
            self.phone[2..].to_owned(),
            format!("{}{}", self.first, self.last).replace(' ', ""),
            self.phrase.clone(),
        ]
    }
}

fn setup(config: &mut interviewd::config::Config) {
    fast(config);
    crate::webhooks_support::fast(config);
}

struct World {
    client: Client,
    company: TestCompany,
    online_agent: String,
    job: String,
}

async fn world(server: &TestServer) -> World {
    world_of(server, server.company("Acme").await).await
}

async fn world_of(server: &TestServer, company: TestCompany) -> World {
    let client = server.client(&company.key);
    let agent = json!({ "name": "Web", "type": "ONLINE", "questions": ["What do you like?"] });
    let online_agent = client.new_agent(agent).await;
    let job = client.new_job(json!({ "title": "Engineer" })).await;
    World {
        client,
        company,
        online_agent,
        job,
    }
}

/// The person as a candidate on the job, with an online interview they complete by saying
/// their phrase; returns `(candidate id, interview id)`.
async fn interviewed(server: &TestServer, w: &World, p: &Person, extra: Value) -> (String, String) {
    let mut body = json!({ "firstName": p.first, "lastName": p.last, "email": p.email,
                           "phoneNumber": p.phone, "jobId": w.job });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let candidate = w.client.new_candidate(body).await;
    let created = w
        .client
        .post(
            "/v1/interviews",
            json!({ "candidateId": candidate, "agentId": w.online_agent, "jobId": w.job }),
        )
        .await
        .expect(201);
    let id = created.str("/id");
    let token = created
        .str("/inviteUrl")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let link = server.anonymous();
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    let answer = json!({ "answer": format!("Well, {}.", p.phrase), "questionIndex": 0 });
    link.post(&format!("/i/{token}/answer"), answer)
        .await
        .expect(200);
    wait_status(&w.client, &id, "COMPLETED").await;
    (candidate, id)
}

async fn erase(w: &World, candidate: &str) {
    w.client
        .delete(&format!("/v1/candidates/{candidate}?erase=true"))
        .await
        .expect(200);
}

#[tokio::test]
async fn erased_people_leave_nothing_in_any_file() {
    let server = TestServer::start_with(setup).await;
    let w = world(&server).await;
    let receiver = interviewd_notify::testing::TestWebhookReceiver::start()
        .await
        .unwrap();
    let events = json!([
        "interview.completed",
        "analysis.completed",
        "interview.scheduled"
    ]);
    for format in ["instaview", "alpharun", "xobin"] {
        let hook = json!({ "format": format });
        crate::webhooks_support::create_webhook(
            &w.client,
            &receiver.url("/h"),
            events.clone(),
            hook,
        )
        .await;
    }
    let people: Vec<Person> = ["Ivy", "Alf", "Xeb", "Ret", "Kept"]
        .iter()
        .zip(0..)
        .map(|(tag, n)| Person::new(tag, n))
        .collect();

    // 1. InstaView: the interview is deleted, then the person erased.
    let (a, a_interview) = interviewed(&server, &w, &people[0], json!({})).await;
    w.client
        .delete(&format!("/v1/interviews/{a_interview}"))
        .await
        .expect(200);
    erase(&w, &a).await;

    // 2. Alpharun: removed from the opening, then erased.
    let (b, _) = interviewed(&server, &w, &people[1], json!({})).await;
    w.client
        .delete_json(
            &format!("/api/v1/job-openings/{}/interviews", w.job),
            json!({ "email": people[1].email }),
        )
        .await
        .expect(200);
    erase(&w, &b).await;

    // 3. Xobin: an e-mailed invite (kept for replays under an Idempotency-Key), revoked with
    //    a notice, both mails written to the outbox; then erased.
    let (c, _) = interviewed(&server, &w, &people[2], json!({})).await;
    xobin_invite_and_revoke(&server, &w.company, &people[2]).await;
    server.run_pending_background_jobs().await;
    assert!(
        outbox_mentions(&server, &people[2].email),
        "the mails were written"
    );
    erase(&w, &c).await;

    // 4. Retention: the expiry date passes and the worker erases the person.
    let tomorrow = (server.clock().now() + chrono::Duration::days(1)).date_naive();
    let expiry = json!({ "gdprExpiryDate": tomorrow.format("%Y-%m-%d").to_string() });
    let (d, _) = interviewed(&server, &w, &people[3], expiry).await;
    server.clock().advance(Duration::from_secs(3 * 86_400));
    server.run_pending_background_jobs().await;
    w.client
        .get(&format!("/v1/candidates/{d}"))
        .await
        .expect(404);

    // 5. Kept: the control.
    interviewed(&server, &w, &people[4], json!({})).await;
    server.run_pending_background_jobs().await;
    let (config, dir) = server.stop().await;

    let data_dir = config.data_dir.clone();
    for person in &people[..4] {
        let hits = scan(&data_dir, &person.needles());
        assert!(hits.is_empty(), "{} left behind: {hits:#?}", person.email);
    }
    if backend() == Backend::Sqlite {
        assert!(
            !scan(&data_dir, &people[4].needles()).is_empty(),
            "the scan finds a person who was not erased"
        );
        assert!(
            !data_dir.join("interviewd.db-wal").exists(),
            "the log was checkpointed away"
        );
    } else {
        let db = connect_db(&config.database_url()).await;
        for person in &people[..4] {
            for needle in person.needles() {
                assert_eq!(
                    rows_mentioning(&db, &needle).await,
                    Vec::<String>::new(),
                    "{needle}"
                );
            }
        }
        assert!(!rows_mentioning(&db, &people[4].email).await.is_empty());
    }
    drop(dir);
}

async fn xobin_invite_and_revoke(server: &TestServer, company: &TestCompany, p: &Person) {
    let job = ai_interview(server, &company.key, "Backend Engineer").await;
    let mut body = invite_body(&p.email, job);
    body["candidate_name"] = json!(format!("{} {}", p.first, p.last));
    body["invite_format"] = json!("sendlink");
    let headers = [
        ("apiKey", company.key.as_str()),
        ("Idempotency-Key", "invite-xeb"),
    ];
    let invited = server
        .anonymous()
        .send(
            Method::POST,
            "/api/v2/ai-interviews/invite",
            Some(body.to_string()),
            &headers,
        )
        .await
        .expect(200);
    server.run_pending_background_jobs().await;
    let revoke = json!({ "response_id": invited.body["response_id"], "notify_candidate": true });
    let revoked = xb(
        server,
        &company.key,
        Method::PATCH,
        "/ai-interviews/invite/revoke",
        Some(revoke),
    );
    assert_eq!(revoked.await.expect(200).body["status"], "REVOKED");
}

fn outbox_mentions(server: &TestServer, needle: &str) -> bool {
    !scan(&server.config.data_dir.join("outbox"), &[needle.to_owned()]).is_empty()
}

/// Every `(file, needle)` where a file under `dir` contains a needle (as bytes, ignoring
/// ASCII case).
fn scan(dir: &Path, needles: &[String]) -> Vec<(PathBuf, String)> {
    let mut hits = Vec::new();
    for path in files_under(dir) {
        let bytes = std::fs::read(&path)
            .unwrap_or_default()
            .to_ascii_lowercase();
        for needle in needles {
            let needle = needle.to_ascii_lowercase();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                hits.push((path.clone(), needle));
            }
        }
    }
    hits
}

/// The tables whose live rows mention `needle` anywhere (PostgreSQL).
async fn rows_mentioning(db: &crate::support::Db, needle: &str) -> Vec<String> {
    let tables: Vec<String> = on_db!(db, |s| sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    .fetch_all(s.pool())
    .await
    .unwrap());
    let mut found = Vec::new();
    for table in tables {
        let sql =
            format!("SELECT COUNT(*) FROM \"{table}\" t WHERE t::text ILIKE '%' || $1 || '%'");
        let count: i64 = on_db!(db, |s| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(needle)
            .fetch_one(s.pool())
            .await
            .unwrap());
        if count > 0 {
            found.push(table);
        }
    }
    found
}

/// A company's retention period: once it has passed since an interview finished, the
/// recording and transcript go; the interview, its status and its analysis stay.
#[tokio::test]
async fn recordings_and_transcripts_go_when_the_retention_period_passes() {
    let server = TestServer::start_with(setup).await;
    let w = world(&server).await;
    let other = server.company("Globex").await;
    let company: interviewd_domain::CompanyId = w.company.id.parse().unwrap();
    assert!(
        server
            .store
            .set_media_retention(company, Some(30))
            .await
            .unwrap()
    );
    assert_eq!(
        server.store.media_retention(company).await.unwrap(),
        Some(30)
    );
    let p = Person::new("Med", 40);
    let (_, interview) = interviewed(&server, &w, &p, json!({})).await;
    // A phone call leaves a recording too.
    let f = crate::support::fixture(&w.client, "+14155557199", "phone@erasure.test").await;
    wait_status(&w.client, &f.interview, "COMPLETED").await;
    let other_w = world_of(&server, other).await;
    let q = Person::new("Oth", 41);
    let (_, kept) = interviewed(&server, &other_w, &q, json!({})).await;
    let recordings = || {
        files_under(&server.config.data_dir.join("recordings"))
            .into_iter()
            .filter(|f| f.to_string_lossy().contains(&w.company.id))
            .collect::<Vec<_>>()
    };
    assert!(!recordings().is_empty());

    server.clock().advance(Duration::from_secs(29 * 86_400));
    server.run_pending_background_jobs().await;
    let before = w
        .client
        .get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    assert!(
        !before.body["transcript"].as_array().unwrap().is_empty(),
        "not yet"
    );

    server.clock().advance(Duration::from_secs(2 * 86_400));
    server.run_pending_background_jobs().await;
    for id in [&interview, &f.interview] {
        let after = w
            .client
            .get(&format!("/v1/interviews/{id}"))
            .await
            .expect(200);
        assert_eq!(after.body["status"], "COMPLETED");
        let transcript = &after.body["transcript"];
        assert!(
            transcript.is_null() || transcript == &json!([]),
            "{}",
            after.text
        );
        assert!(!after.text.contains(&p.phrase));
        assert!(
            after.text.contains("\"overallRating\""),
            "the analysis stays: {}",
            after.text
        );
    }
    assert_eq!(
        recordings(),
        Vec::<PathBuf>::new(),
        "the recording files went"
    );
    // Another company without a period (and no deployment default) keeps everything.
    let kept = other_w
        .client
        .get(&format!("/v1/interviews/{kept}"))
        .await
        .expect(200);
    assert!(kept.text.contains(&q.phrase));
    let db = crate::support::db(&server).await;
    let audited: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'interview.media_retention'"
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(audited, 2);
}
