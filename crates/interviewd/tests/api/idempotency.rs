//! `Idempotency-Key` on all three dialects: replay, mismatch (422), in flight (409),
//! validation failures not stored, 24-hour expiry, per-company scoping, and erasure.

use crate::engine::db;
use crate::support::{Client, Resp, TestServer, on_db};
use interviewd::store::idempotency::{ClaimOutcome, IdempotencyClaim};
use reqwest::Method;
use serde_json::{Value, json};

const JOB_TYPE_DESCRIPTION: &str = "We are hiring a store manager to lead a team of twelve, own the \
    weekly schedule, keep inventory accurate and make every customer visit a good one.";

async fn with_key(client: &Client, method: Method, path: &str, body: Value, key: &str) -> Resp {
    client
        .send(
            method,
            path,
            Some(body.to_string()),
            &[("Idempotency-Key", key)],
        )
        .await
}

/// A POST with an `Idempotency-Key`.
async fn post_with_key(client: &Client, path: &str, body: Value, key: &str) -> Resp {
    with_key(client, Method::POST, path, body, key).await
}

async fn xobin(server: &TestServer, api_key: &str, path: &str, body: Value, key: &str) -> Resp {
    let headers = [("apiKey", api_key), ("Idempotency-Key", key)];
    server
        .anonymous()
        .send(Method::POST, path, Some(body.to_string()), &headers)
        .await
}

fn replayed(res: &Resp) -> bool {
    res.headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

async fn job_count(client: &Client) -> i64 {
    client.get("/v1/jobs").await.expect(200).body["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_retry_replays_the_first_response_on_every_dialect() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);

    // InstaView: the same status and bytes, the replay header, exactly one job.
    let job = json!({ "title": "Backend Engineer" });
    let first = post_with_key(&c, "/v1/jobs", job.clone(), "iv-1")
        .await
        .expect(201);
    assert!(!replayed(&first));
    let again = post_with_key(&c, "/v1/jobs", job, "iv-1").await.expect(201);
    assert!(replayed(&again));
    assert_eq!(again.text, first.text);
    assert_eq!(again.headers["content-type"], first.headers["content-type"]);
    assert!(again.headers.contains_key("x-request-id"));
    assert_ne!(again.headers["x-request-id"], first.headers["x-request-id"]);
    assert_eq!(job_count(&c).await, 1);

    // Alpharun: key order and whitespace of the body do not matter.
    let a = r#"{"name":"Store Manager","job_description":"D"}"#.replace('D', JOB_TYPE_DESCRIPTION);
    let b =
        r#"{ "job_description": "D", "name": "Store Manager" }"#.replace('D', JOB_TYPE_DESCRIPTION);
    let h = [("Idempotency-Key", "ar-1")];
    let first = c
        .send(Method::POST, "/api/v1/job-types", Some(a), &h)
        .await
        .expect(200);
    let again = c
        .send(Method::POST, "/api/v1/job-types", Some(b), &h)
        .await
        .expect(200);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);

    // Xobin: the queued generation is not queued twice.
    let gen_body =
        json!({ "job_role": "Data Analyst", "job_description": "- SQL and dashboards." });
    let path = "/api/v2/ai-interviews/generate-interview";
    let first = xobin(&server, &acme.key, path, gen_body.clone(), "xb-1")
        .await
        .expect(202);
    let again = xobin(&server, &acme.key, path, gen_body, "xb-1")
        .await
        .expect(202);
    assert!(replayed(&again));
    assert_eq!(again.str("/job_id"), first.str("/job_id"));

    // Without a key, or on a GET, nothing is replayed.
    let plain = c
        .post("/v1/jobs", json!({ "title": "Backend Engineer" }))
        .await
        .expect(201);
    assert!(!replayed(&plain));
    let get = c
        .send(
            Method::GET,
            "/v1/jobs",
            None,
            &[("Idempotency-Key", "iv-1")],
        )
        .await
        .expect(200);
    assert!(!replayed(&get));
    let generations: i64 = on_db!(&db(&server).await, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM xobin_generations"
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(generations, 1);
}

#[tokio::test]
async fn the_same_key_for_a_different_request_is_422_in_the_dialects_shape() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    post_with_key(&c, "/v1/jobs", json!({ "title": "Alpha job" }), "k")
        .await
        .expect(201);
    let other_body = post_with_key(&c, "/v1/jobs", json!({ "title": "Bravo job" }), "k")
        .await
        .expect(422);
    assert_eq!(other_body.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(other_body.body["success"], false);
    assert_eq!(other_body.body["statusCode"], 422);
    let other_path = post_with_key(&c, "/v1/agents", json!({ "title": "Alpha job" }), "k")
        .await
        .expect(422);
    assert_eq!(other_path.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(job_count(&c).await, 1, "no side effect");

    let ar = post_with_key(&c, "/api/v1/job-openings", json!({ "name": "X" }), "k")
        .await
        .expect(422);
    assert_eq!(ar.body["error"], 422);
    assert!(
        ar.body["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{}",
        ar.text
    );
    let xb = xobin(
        &server,
        &acme.key,
        "/api/v2/ai-interviews/invite",
        json!({}),
        "k",
    )
    .await
    .expect(422);
    assert!(
        xb.body["error"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{}",
        xb.text
    );
}

#[tokio::test]
async fn a_duplicate_while_the_first_is_in_flight_is_409() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    // Hold the key as a running request would.
    let now = chrono::Utc::now();
    let claim = IdempotencyClaim {
        scope: format!("company:{}", acme.id),
        key: "busy".into(),
        token: "someone-else".into(),
        method: "POST".into(),
        path: "/v1/jobs".into(),
        fingerprint: "running".into(),
        now,
        locked_until: now + chrono::Duration::minutes(5),
        expires_at: now + chrono::Duration::hours(24),
    };
    assert_eq!(
        server.store.claim_idempotency_key(&claim).await.unwrap(),
        ClaimOutcome::Claimed
    );
    let iv = post_with_key(&c, "/v1/jobs", json!({ "title": "Alpha job" }), "busy")
        .await
        .expect(409);
    assert_eq!(iv.code(), "IDEMPOTENCY_KEY_IN_USE");
    let ar = post_with_key(&c, "/api/v1/job-types", json!({}), "busy")
        .await
        .expect(409);
    assert_eq!(ar.body["error"], 409);
    let xb = xobin(
        &server,
        &acme.key,
        "/api/v2/ai-interviews/invite",
        json!({}),
        "busy",
    )
    .await
    .expect(409);
    assert!(xb.body["error"].is_string(), "{}", xb.text);
    assert_eq!(job_count(&c).await, 0);

    // A burst of identical requests: one runs; the others get 409 or its replay.
    let sends = (0..6).map(|_| {
        let c = c.clone();
        async move { post_with_key(&c, "/v1/jobs", json!({ "title": "Burst" }), "burst").await }
    });
    let answers = futures_join(sends).await;
    let ids: Vec<String> = answers
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.str("/data/id"))
        .collect();
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(
        answers
            .iter()
            .all(|r| r.status == 201 || r.code() == "IDEMPOTENCY_KEY_IN_USE")
    );
    assert_eq!(job_count(&c).await, 1);
}

/// Runs the requests concurrently on the test's runtime.
async fn futures_join<F: std::future::Future<Output = Resp> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<Resp> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_request_rejected_by_validation_is_not_stored() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    post_with_key(
        &c,
        "/v1/jobs",
        json!({ "description": "no title" }),
        "fix-me",
    )
    .await
    .expect(400);
    let fixed = post_with_key(&c, "/v1/jobs", json!({ "title": "Fixed" }), "fix-me")
        .await
        .expect(201);
    assert!(!replayed(&fixed));
    assert_eq!(fixed.body["data"]["title"], "Fixed");

    post_with_key(
        &c,
        "/api/v1/job-types",
        json!({ "name": "Only a name" }),
        "ar-fix",
    )
    .await
    .expect(400);
    let body = json!({ "name": "Store Manager", "job_description": JOB_TYPE_DESCRIPTION });
    post_with_key(&c, "/api/v1/job-types", body, "ar-fix")
        .await
        .expect(200);

    // A 404 is the outcome of running the request: it is kept and replayed.
    let missing = format!("/v1/jobs/{}", uuid::Uuid::now_v7());
    with_key(
        &c,
        Method::PATCH,
        &missing,
        json!({ "title": "X-ray job" }),
        "gone",
    )
    .await
    .expect(404);
    let again = with_key(
        &c,
        Method::PATCH,
        &missing,
        json!({ "title": "X-ray job" }),
        "gone",
    )
    .await
    .expect(404);
    assert!(replayed(&again));

    // A malformed key is a 400; an unauthenticated request is a 401 whatever its key.
    let long = "k".repeat(256);
    let bad = post_with_key(&c, "/v1/jobs", json!({ "title": "Alpha job" }), &long)
        .await
        .expect(400);
    assert_eq!(bad.body["error"]["details"]["field"], "Idempotency-Key");
    let anon = server.anonymous();
    post_with_key(&anon, "/v1/jobs", json!({ "title": "Alpha job" }), &long)
        .await
        .expect(401);
}

#[tokio::test]
async fn records_expire_after_24_hours() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let job = json!({ "title": "Backend Engineer" });
    let first = post_with_key(&c, "/v1/jobs", job.clone(), "daily")
        .await
        .expect(201);
    // 23 hours later it still replays.
    let db = db(&server).await;
    let age = |hours: i64| {
        let created = chrono::Utc::now() - chrono::Duration::hours(hours);
        (
            created.timestamp_millis(),
            (created + chrono::Duration::hours(24)).timestamp_millis(),
        )
    };
    let set_age = |hours: i64| {
        let (created, expires) = age(hours);
        let db = &db;
        async move {
            on_db!(db, |s| sqlx::query(
                "UPDATE idempotency_keys SET created_at = $1, expires_at = $2"
            )
            .bind(created)
            .bind(expires)
            .execute(s.pool())
            .await
            .map(|_| ()))
        }
    };
    set_age(23).await.unwrap();
    let again = post_with_key(&c, "/v1/jobs", job.clone(), "daily")
        .await
        .expect(201);
    assert!(replayed(&again));
    // After 24 hours the key starts a new request.
    set_age(24).await.unwrap();
    let fresh = post_with_key(&c, "/v1/jobs", job, "daily")
        .await
        .expect(201);
    assert!(!replayed(&fresh));
    assert_ne!(fresh.str("/data/id"), first.str("/data/id"));
    assert_eq!(job_count(&c).await, 2);
    // The sweep deletes expired records and only those.
    set_age(25).await.unwrap();
    post_with_key(&c, "/v1/jobs", json!({ "title": "Other" }), "young")
        .await
        .expect(201);
    assert_eq!(
        server
            .store
            .sweep_idempotency_keys(chrono::Utc::now())
            .await
            .unwrap(),
        1
    );
    let left: Vec<String> = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT idem_key FROM idempotency_keys"
    )
    .fetch_all(s.pool())
    .await
    .unwrap());
    assert_eq!(left, ["young"]);
}

#[tokio::test]
async fn an_erasure_forgets_the_stored_responses_that_mention_it() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let ann = json!({ "email": "ann@example.com", "firstName": "Ann" });
    let created = post_with_key(&c, "/v1/candidates", ann.clone(), "ann")
        .await
        .expect(201);
    let candidate = created.str("/id");
    let bob = json!({ "email": "bob@example.com" });
    post_with_key(&c, "/v1/candidates", bob.clone(), "bob")
        .await
        .expect(201);
    let db = db(&server).await;
    let refs = |key: &'static str| {
        let db = &db;
        async move {
            on_db!(db, |s| sqlx::query_scalar::<_, String>(
                "SELECT ref_id FROM idempotency_refs WHERE idem_key = $1"
            )
            .bind(key)
            .fetch_all(s.pool())
            .await
            .unwrap())
        }
    };
    // The stored response is indexed by every id it mentions.
    assert!(refs("ann").await.contains(&candidate));
    c.delete(&format!("/v1/candidates/{candidate}?erase=true"))
        .await
        .expect(200);
    // Ann's stored response went with her: the same request runs again, as new, and the
    // erased details are not replayed. Bob's is untouched.
    assert!(refs("ann").await.is_empty());
    let again = post_with_key(&c, "/v1/candidates", ann, "ann")
        .await
        .expect(201);
    assert!(!replayed(&again));
    assert_ne!(again.str("/id"), candidate);
    let bob_again = post_with_key(&c, "/v1/candidates", bob, "bob")
        .await
        .expect(201);
    assert!(replayed(&bob_again));
    // Expired records take their index rows with them.
    on_db!(&db, |s| sqlx::query(
        "UPDATE idempotency_keys SET expires_at = 0"
    )
    .execute(s.pool())
    .await
    .map(|_| ()))
    .unwrap();
    server
        .store
        .sweep_idempotency_keys(chrono::Utc::now())
        .await
        .unwrap();
    let left: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM idempotency_refs"
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(left, 0);
}

/// A Xobin invite answers integer ids, an address and a name — no UUID. Erasing the person
/// (or deleting the interview) still forgets it: a replay must not bring them back.
#[tokio::test]
async fn an_erasure_forgets_a_stored_xobin_invite_that_names_the_person() {
    use crate::xobin::{ai_interview, invite_body};
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let job = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let path = "/api/v2/ai-interviews/invite";
    let ann = invite_body("Ann.Lee@Example.com", job);
    let first = xobin(&server, &acme.key, path, ann.clone(), "inv-ann")
        .await
        .expect(200);
    assert_eq!(first.body["email"], "ann.lee@example.com");
    let bob = invite_body("bob@example.com", job);
    let bob_first = xobin(&server, &acme.key, path, bob.clone(), "inv-bob")
        .await
        .expect(200);
    assert!(replayed(
        &xobin(&server, &acme.key, path, ann.clone(), "inv-ann").await
    ));

    // Erase Ann (InstaView), found by the e-mail she was invited with.
    let c = server.client(&acme.key);
    let found = c.get("/v1/candidates?search=ann.lee").await.expect(200);
    let candidate = found.str("/data/0/id");
    c.delete(&format!("/v1/candidates/{candidate}?erase=true"))
        .await
        .expect(200);
    let again = xobin(&server, &acme.key, path, ann, "inv-ann")
        .await
        .expect(200);
    assert!(
        !replayed(&again),
        "the erased person's stored invite is gone"
    );
    assert_ne!(again.body["response_id"], first.body["response_id"]);

    // Deleting Bob's interview forgets his stored invite by its response_id.
    let company: interviewd_domain::CompanyId = acme.id.parse().unwrap();
    let number = bob_first.body["response_id"].as_i64().unwrap();
    let detail = server
        .store
        .interview_by_number(company, number)
        .await
        .unwrap()
        .unwrap();
    c.delete(&format!("/v1/interviews/{}", detail.interview.id))
        .await
        .expect(200);
    let bob_again = xobin(&server, &acme.key, path, bob, "inv-bob")
        .await
        .expect(200);
    assert!(!replayed(&bob_again));
}

#[tokio::test]
async fn keys_are_scoped_per_company() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let globex = server.company("Globex").await;
    let (a, g) = (server.client(&acme.key), server.client(&globex.key));
    let job = json!({ "title": "Backend Engineer" });
    let ra = post_with_key(&a, "/v1/jobs", job.clone(), "shared")
        .await
        .expect(201);
    let rg = post_with_key(&g, "/v1/jobs", job.clone(), "shared")
        .await
        .expect(201);
    assert!(!replayed(&rg));
    assert_ne!(ra.str("/data/id"), rg.str("/data/id"));
    assert_eq!((job_count(&a).await, job_count(&g).await), (1, 1));

    // An ATS key acting for Globex shares Globex's scope, but a record made by another key
    // is not replayed to it (422), so no key reads another key's response.
    let ats = server.ats_key(&[&acme.id, &globex.id], "all").await;
    let ats = server.client(&ats);
    let path = format!("/v1/jobs?companyId={}", globex.id);
    let res = post_with_key(&ats, "/v1/jobs", job.clone(), "shared").await;
    assert_eq!(res.status, 400, "companyId is required: {}", res.text);
    post_with_key(&ats, &path, job.clone(), "ats-1")
        .await
        .expect(201);
    post_with_key(&ats, &path, job, "ats-1").await.expect(201);
    assert_eq!(job_count(&g).await, 2);
    let acme_path = format!("/v1/jobs?companyId={}", acme.id);
    let other = post_with_key(
        &ats,
        &acme_path,
        json!({ "title": "Backend Engineer" }),
        "shared",
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.text);
}
