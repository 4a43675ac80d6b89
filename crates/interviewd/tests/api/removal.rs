//! The removal operations through the InstaView and Alpharun dialects: the one deletion path,
//! its errors, and what remains afterwards (nothing but an audit record without personal data).

use crate::support::{Client, TestServer, on_db};
use serde_json::{Value, json};

/// A future-scheduled phone interview (so the engine does not dial it during the test).
async fn scheduled(c: &Client, phone: &str, email: &str) -> (String, String, String) {
    let job = c.new_job(json!({ "title": "Backend Engineer" })).await;
    let agent = c.new_agent(json!({ "name": "Screener" })).await;
    let candidate = c
        .new_candidate(
            json!({ "firstName": "Ann", "email": email, "phoneNumber": phone, "jobId": job }),
        )
        .await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let interview = c
        .new_interview(json!({ "candidateId": candidate, "agentId": agent, "scheduledAt": at }))
        .await;
    (job, candidate, interview)
}

async fn audit_rows(server: &TestServer) -> Vec<(String, String, String)> {
    let db = crate::support::db(server).await;
    on_db!(&db, |s| sqlx::query_as(
        "SELECT action, target, counts FROM audit_log ORDER BY created_at, id"
    )
    .fetch_all(s.pool())
    .await
    .unwrap())
}

#[tokio::test]
async fn delete_scheduled_interview_then_everything_is_404() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let (_, candidate, interview) = scheduled(&c, "+14155550140", "ann@example.com").await;
    let res = c
        .delete(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    assert_eq!(res.body, json!(true));
    for path in [
        format!("/v1/interviews/{interview}"),
        format!("/interviews/{interview}"),
    ] {
        assert_eq!(c.get(&path).await.expect(404).code(), "RESOURCE_NOT_FOUND");
    }
    c.delete(&format!("/interviews/{interview}"))
        .await
        .expect(404);
    assert_eq!(
        c.get(&format!("/v1/interviews?candidateId={candidate}"))
            .await
            .body["total"],
        0
    );
    // The candidate stays; only the interview went.
    c.get(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(200);
    let audit = audit_rows(&server).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "interview.delete");
    assert!(audit[0].1.contains(&interview));
    let counts: Value = serde_json::from_str(&audit[0].2).unwrap();
    assert_eq!(counts["interviews"], 1);
    assert_eq!(counts["cancelledAttempts"], 1);
    for row in &audit {
        let text = format!("{} {} {}", row.0, row.1, row.2);
        assert!(
            !text.contains("ann@example.com")
                && !text.contains("4155550140")
                && !text.contains("Ann"),
            "personal data in audit: {text}"
        );
    }
}

#[tokio::test]
async fn delete_interview_errors() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let c = server.client(&acme.key);
    let (_, _, interview) = scheduled(&c, "+14155550141", "ann@example.com").await;
    c.delete("/v1/interviews/not-a-uuid").await.expect(400);
    server
        .anonymous()
        .delete(&format!("/v1/interviews/{interview}"))
        .await
        .expect(401);
    server
        .client("sk_notakey0000000000000000000000000000000000000")
        .delete(&format!("/v1/interviews/{interview}"))
        .await
        .expect(401);
    let no_scope = server
        .key(&acme.id, "read:interviews,write:interviews")
        .await;
    let res = server
        .client(&no_scope)
        .delete(&format!("/v1/interviews/{interview}"))
        .await
        .expect(403);
    assert_eq!(res.code(), "INSUFFICIENT_PERMISSIONS");
    let res = server
        .client(&beta.key)
        .delete(&format!("/v1/interviews/{interview}"))
        .await
        .expect(403);
    assert_eq!(res.code(), "COMPANY_MISMATCH");
    c.delete(&format!("/v1/interviews/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    // ATS keys name the company.
    let ats = server.ats_key(&[&acme.id], "delete:interviews").await;
    let a = server.client(&ats);
    a.delete(&format!("/v1/interviews/{interview}"))
        .await
        .expect(400);
    a.delete(&format!("/v1/interviews/{interview}?companyId={}", beta.id))
        .await
        .expect(403);
    a.delete(&format!("/v1/interviews/{interview}?companyId={}", acme.id))
        .await
        .expect(200);
    c.get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(404);
}

#[tokio::test]
async fn delete_candidate_keeps_interviews_and_erase_removes_everything() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let (job, candidate, interview) = scheduled(&c, "+14155550142", "ann@example.com").await;
    let beta = server.company("Beta").await;
    server
        .client(&beta.key)
        .delete(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(403);
    let weak = server.key(&acme.id, "delete:interviews").await;
    server
        .client(&weak)
        .delete(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(403);
    assert_eq!(
        c.delete(&format!("/v1/candidates/{candidate}"))
            .await
            .expect(200)
            .body,
        json!(true)
    );
    c.get(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(404);
    // The interview stays, with its candidateId; not started yet, it was canceled.
    let kept = c
        .get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    assert_eq!(kept.body["candidateId"], candidate.as_str());
    assert_eq!(kept.body["status"], "CANCELLED");
    assert_eq!(
        kept.body["callAttempts"][0]["reasonCode"],
        "CANDIDATE_DELETED"
    );
    c.delete(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(404);
    // The identifiers were erased with the profile: the same person can be added again.
    c.new_candidate(
        json!({ "email": "ann@example.com", "phoneNumber": "+14155550142", "jobId": job }),
    )
    .await;
    // Erasure, also after the delete, takes the interviews and the tombstone.
    c.delete(&format!("/v1/candidates/{candidate}?erase=maybe"))
        .await
        .expect(400);
    c.delete(&format!("/v1/candidates/{candidate}?erase=true"))
        .await
        .expect(200);
    c.get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(404);
    c.delete(&format!("/v1/candidates/{candidate}?erase=true"))
        .await
        .expect(404);
    let actions: Vec<String> = audit_rows(&server).await.into_iter().map(|r| r.0).collect();
    assert_eq!(actions, ["candidate.delete", "candidate.erase"]);
}

#[tokio::test]
async fn delete_job_keeps_its_interviews() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let (job, candidate, interview) = scheduled(&c, "+14155550143", "ann@example.com").await;
    c.delete(&format!("/v1/jobs/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    assert_eq!(
        c.delete(&format!("/v1/jobs/{job}")).await.expect(200).body,
        json!(true)
    );
    c.get(&format!("/v1/jobs/{job}")).await.expect(404);
    c.delete(&format!("/v1/jobs/{job}")).await.expect(404);
    let kept = c
        .get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    assert_eq!(kept.body["jobId"], job.as_str());
    assert_eq!(kept.body["status"], "SCHEDULED");
    let cand = c
        .get(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(200);
    assert_eq!(
        cand.body["jobIds"],
        json!([]),
        "the candidate stays, unlinked"
    );
    // No new candidate for a deleted job.
    c.post(
        "/v1/candidates",
        json!({ "email": "bo@example.com", "jobId": job }),
    )
    .await
    .expect(404);
}

async fn opening_with_interview(c: &Client, email: &str, phone: &str) -> (String, String) {
    let jt = c
        .post("/api/v1/job-types", json!({ "name": format!("Role for {email}"), "job_description": "A role with real responsibilities." }))
        .await
        .expect(200)
        .str("/data/job_type/id");
    let op = c
        .post(
            "/api/v1/job-openings",
            json!({ "name": "Opening", "job_type_id": jt }),
        )
        .await
        .expect(200)
        .str("/data/job_opening/id");
    let res = c
        .post(
            "/api/v1/contacts",
            json!([{ "job_opening_id": op, "email": email, "phone_number": phone }]),
        )
        .await
        .expect(200);
    assert_eq!(res.body["successful_imports_count"], 1, "{}", res.text);
    let contact = c
        .get(&format!("/api/v1/contacts/alt:email:{email}"))
        .await
        .expect(200)
        .str("/id");
    (op, contact)
}

async fn interviews_of(c: &Client, contact: &str) -> i64 {
    c.get(&format!("/v1/interviews?candidateId={contact}"))
        .await
        .expect(200)
        .body["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn alpharun_removal_by_each_identifier() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let bodies = [
        (
            "a@example.com",
            "+14155550150",
            json!({ "contact_id": "ID" }),
        ),
        (
            "b@example.com",
            "+14155550151",
            json!({ "email": "B@EXAMPLE.COM" }),
        ),
        (
            "c@example.com",
            "+14155550152",
            json!({ "phone_number": "+1 (415) 555-0152" }),
        ),
        (
            "d@example.com",
            "+14155550153",
            json!({ "contact_id": "alt:ext_id:none", "email": "d@example.com" }),
        ),
        (
            "e@example.com",
            "+14155550154",
            json!({ "contact_id": "ID", "email": "e@example.com", "phone_number": 14155550154u64 }),
        ),
    ];
    for (i, (email, phone, body)) in bodies.into_iter().enumerate() {
        let (op, contact) = opening_with_interview(&c, email, phone).await;
        let body: Value = serde_json::from_str(
            &body
                .to_string()
                .replace("\"ID\"", &format!("\"{contact}\"")),
        )
        .unwrap();
        let res = c
            .delete_json(
                &format!("/api/v1/job-openings/{op}/interviews"),
                body.clone(),
            )
            .await;
        if i == 3 {
            // An identifier that names nobody is a 404, even next to one that resolves.
            res.expect(404);
            continue;
        }
        assert_eq!(res.expect(200).body, json!({ "success": true }), "{body}");
        assert_eq!(interviews_of(&c, &contact).await, 0);
        // The contact stays, unlinked from the opening; a second removal finds nothing.
        let cand = c
            .get(&format!("/v1/candidates/{contact}"))
            .await
            .expect(200);
        assert_eq!(cand.body["jobIds"], json!([]));
        c.delete_json(&format!("/api/v1/job-openings/{op}/interviews"), body)
            .await
            .expect(404);
    }
}

#[tokio::test]
async fn alpharun_removal_errors() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let (op, contact) = opening_with_interview(&c, "a@example.com", "+14155550160").await;
    let (_, other_contact) = opening_with_interview(&c, "b@example.com", "+14155550161").await;
    let path = format!("/api/v1/job-openings/{op}/interviews");
    for body in [json!({}), json!({ "contact_id": "", "email": null })] {
        let res = c.delete_json(&path, body).await.expect(400);
        assert_eq!(res.body["error"], 400);
    }
    c.send(reqwest::Method::DELETE, &path, None, &[])
        .await
        .expect(400);
    c.send(reqwest::Method::DELETE, &path, Some("{oops".into()), &[])
        .await
        .expect(400);
    c.delete_json(&path, json!({ "email": "not-an-email" }))
        .await
        .expect(400);
    c.delete_json(&path, json!({ "phone_number": "12" }))
        .await
        .expect(400);
    c.delete_json(&path, json!({ "unknown_field": 1 }))
        .await
        .expect(400);
    // Identifiers that name different contacts.
    let res = c
        .delete_json(
            &path,
            json!({ "contact_id": contact, "email": "b@example.com" }),
        )
        .await
        .expect(400);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .contains("different contacts")
    );
    // Unknown opening, unknown contact, contact without interviews on this opening.
    c.delete_json(
        &format!("/api/v1/job-openings/{}/interviews", uuid::Uuid::now_v7()),
        json!({ "contact_id": contact }),
    )
    .await
    .expect(404);
    c.delete_json(
        "/api/v1/job-openings/not-a-uuid/interviews",
        json!({ "contact_id": contact }),
    )
    .await
    .expect(400);
    c.delete_json(&path, json!({ "email": "nobody@example.com" }))
        .await
        .expect(404);
    let res = c
        .delete_json(&path, json!({ "contact_id": other_contact }))
        .await
        .expect(404);
    assert_eq!(res.body["error"], 404);
    // A contact linked to the opening without an interview on it: 404, and nothing changes,
    // the link included.
    let linked = c
        .new_candidate(json!({ "email": "linked@example.com", "jobId": op }))
        .await;
    c.delete_json(&path, json!({ "contact_id": linked }))
        .await
        .expect(404);
    let kept = c.get(&format!("/v1/candidates/{linked}")).await.expect(200);
    assert_eq!(kept.body["jobIds"], json!([op]));
    // Another company's opening is not found; no key is 401; a key without the scope is 403.
    let beta = server.company("Beta").await;
    server
        .client(&beta.key)
        .delete_json(&path, json!({ "contact_id": contact }))
        .await
        .expect(404);
    server
        .anonymous()
        .delete_json(&path, json!({ "contact_id": contact }))
        .await
        .expect(401);
    let weak = server.key(&acme.id, "read:interviews").await;
    server
        .client(&weak)
        .delete_json(&path, json!({ "contact_id": contact }))
        .await
        .expect(403);
    assert_eq!(
        interviews_of(&c, &contact).await,
        1,
        "nothing was removed by the failed attempts"
    );
}

/// Many removals at once (on SQLite they share COMMITs, each in a savepoint): each is
/// answered for itself — the deleted ones 200 and gone, an unknown id 404, another company's
/// interview 403 and untouched — with one audit record per removal.
/// `n` scheduled interviews of one candidate.
async fn many_interviews(c: &Client, n: usize) -> Vec<String> {
    let (_, candidate, first) = scheduled(c, "+14155550177", "many@example.com").await;
    let agent = c.new_agent(json!({ "name": "Second" })).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let mut ids = vec![first];
    while ids.len() < n {
        let id = c
            .new_interview(json!({ "candidateId": candidate, "agentId": agent, "scheduledAt": at }))
            .await;
        ids.push(id);
    }
    ids
}

/// `n` interviews of one company and one of another's, for the removals asked at once.
struct Crowd {
    server: TestServer,
    /// Our company's id.
    company: String,
    c: Client,
    theirs: Client,
    ids: Vec<String>,
    foreign: String,
}

async fn crowd(n: usize, phone: &str) -> Crowd {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let c = server.client(&acme.key);
    let ids = many_interviews(&c, n).await;
    let theirs = server.client(&other.key);
    let (_, _, foreign) = scheduled(&theirs, phone, "theirs@example.com").await;
    Crowd {
        company: acme.id.clone(),
        server,
        c,
        theirs,
        ids,
        foreign,
    }
}

impl Crowd {
    /// Every one of ours is gone, with one audit record each; theirs is not.
    async fn ours_are_gone(&self) {
        for id in &self.ids {
            self.c
                .get(&format!("/v1/interviews/{id}"))
                .await
                .expect(404);
        }
        self.theirs
            .get(&format!("/v1/interviews/{}", self.foreign))
            .await
            .expect(200);
        let deletes = audit_rows(&self.server)
            .await
            .into_iter()
            .filter(|(action, _, _)| action == "interview.delete")
            .count();
        assert_eq!(deletes, self.ids.len());
    }
}

#[tokio::test]
async fn concurrent_removals_each_answer_for_themselves() {
    let crowd = crowd(20, "+14155550178").await;
    let (c, ids, foreign) = (&crowd.c, &crowd.ids, &crowd.foreign);
    let mut asks: Vec<(String, u16)> = ids.iter().map(|id| (id.clone(), 200)).collect();
    asks.extend((0..4).map(|_| (uuid::Uuid::now_v7().to_string(), 404)));
    asks.extend((0..2).map(|_| (foreign.clone(), 403)));
    let mut running = tokio::task::JoinSet::new();
    for (id, status) in asks {
        let c = c.clone();
        running.spawn(async move {
            let r = c.delete(&format!("/v1/interviews/{id}")).await;
            (id, status, r.status, r.text)
        });
    }
    while let Some(done) = running.join_next().await {
        let (id, want, got, text) = done.unwrap();
        assert_eq!(got, want, "DELETE {id}: {text}");
    }
    crowd.ours_are_gone().await;
}

/// On SQLite, removals queued together share one COMMIT; when one of them fails, the others
/// are written again without it (docs/removal.md, "Group commit on SQLite"). On PostgreSQL
/// deletes are written in batches, and a batch that fails is written again that way. Either
/// way the failing one alone answers with its error and keeps everything.
#[tokio::test]
async fn a_removal_that_fails_among_others_fails_alone() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let ids = many_interviews(&c, 24).await;
    let failing = ids[12].clone();
    server
        .store
        .faults()
        .arm(&format!("remove.interview:{failing}"));
    let mut running = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let c = c.clone();
        running.spawn(async move {
            let r = c.delete(&format!("/v1/interviews/{id}")).await;
            (id, r.status, r.text)
        });
    }
    while let Some(done) = running.join_next().await {
        let (id, got, text) = done.unwrap();
        let want = if id == failing { 503 } else { 200 };
        assert_eq!(got, want, "DELETE {id}: {text}");
    }
    let deletes = || async {
        audit_rows(&server)
            .await
            .into_iter()
            .filter(|(action, _, _)| action == "interview.delete")
            .count()
    };
    assert_eq!(deletes().await, ids.len() - 1);
    c.get(&format!("/v1/interviews/{failing}"))
        .await
        .expect(200);

    server
        .store
        .faults()
        .disarm(&format!("remove.interview:{failing}"));
    c.delete(&format!("/v1/interviews/{failing}"))
        .await
        .expect(200);
    for id in &ids {
        c.get(&format!("/v1/interviews/{id}")).await.expect(404);
    }
    assert_eq!(deletes().await, ids.len());
}

/// A person's erasure while their interviews are being deleted one by one: the erasure locks
/// interview by interview, a batch of deletes all at once, so on PostgreSQL the two can
/// deadlock; the server aborts one and it runs again. Every request still answers for itself
/// (a delete 200, or 404 when the erasure took its interview first), nothing answers 500, and
/// nothing of the person is left.
#[tokio::test]
async fn an_erasure_racing_deletes_of_the_same_interviews_leaves_nothing() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let ids = many_interviews(&c, 12).await;
    let candidate = c
        .get(&format!("/v1/interviews/{}", ids[0]))
        .await
        .expect(200);
    let candidate = candidate.str("/candidateId");
    let mut running = tokio::task::JoinSet::new();
    for (n, id) in ids.iter().enumerate() {
        let client = c.clone();
        let path = format!("/v1/interviews/{id}");
        running.spawn(async move { (path.clone(), client.delete(&path).await.status) });
        if n == ids.len() / 2 {
            let c = c.clone();
            let path = format!("/v1/candidates/{candidate}?erase=true");
            running.spawn(async move { (path.clone(), c.delete(&path).await.status) });
        }
    }
    let mut deleted = 0;
    while let Some(done) = running.join_next().await {
        let (path, status) = done.unwrap();
        match (path.contains("erase"), status) {
            (true, 200) => {}
            (false, 200) => deleted += 1,
            (false, 404) => {}
            _ => panic!("{path}: {status}"),
        }
    }
    for id in &ids {
        c.get(&format!("/v1/interviews/{id}")).await.expect(404);
    }
    c.get(&format!("/v1/candidates/{candidate}"))
        .await
        .expect(404);
    let actions: Vec<String> = audit_rows(&server).await.into_iter().map(|r| r.0).collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "candidate.erase").count(),
        1
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "interview.delete").count(),
        deleted
    );
}

/// Deletes asked at once are written together: on PostgreSQL a batch's statements cover all
/// its interviews, and its audit records share one transaction (`xmin`); on SQLite they share
/// a COMMIT. Each is still answered for itself: a second delete of the same interview finds
/// nothing, and another company's interview in the batch is left as it is.
#[tokio::test]
async fn deletes_asked_at_once_are_written_together_and_answered_each() {
    use interviewd::store::removal::{RemovalRequest, RemovalScope};
    let crowd = crowd(16, "+14155550179").await;
    let (server, ids, foreign) = (&crowd.server, &crowd.ids, &crowd.foreign);
    let ask = |id: &String| RemovalRequest {
        company: crowd.company.parse().unwrap(),
        actor: None,
        action: "interview.delete",
        scope: RemovalScope::Interview(id.parse().unwrap()),
        now: chrono::Utc::now(),
    };
    let mut asks: Vec<RemovalRequest> = ids.iter().map(ask).collect();
    asks.push(ask(foreign));
    asks.push(ask(&ids[0]));
    // Polled in turn by one task: every request is queued before the first batch ends.
    let reports =
        futures_util::future::join_all(asks.iter().map(|r| server.store.remove_interviews(r)))
            .await;
    let removed: Vec<Vec<String>> = reports
        .into_iter()
        .map(|r| {
            r.unwrap()
                .interviews
                .iter()
                .map(|i| i.to_string())
                .collect()
        })
        .collect();
    for (id, got) in ids.iter().zip(&removed) {
        assert_eq!(got, &vec![id.clone()]);
    }
    assert!(removed[ids.len()].is_empty(), "another company's interview");
    assert!(removed[ids.len() + 1].is_empty(), "deleted twice");
    crowd.ours_are_gone().await;
    if let crate::support::Db::Pg(store) = crate::support::db(server).await {
        let transactions: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT xmin::text) FROM audit_log WHERE action = 'interview.delete'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(
            transactions <= 4,
            "{} deletes in {transactions} transactions",
            ids.len()
        );
    }
}

/// In one batch, a delete of another company's interview finds nothing and leaves it to a
/// later delete of its own company, which deletes it.
#[tokio::test]
async fn a_batch_leaves_another_companys_interview_to_its_own_delete() {
    use interviewd::store::removal::{RemovalRequest, RemovalScope};
    let crowd = crowd(2, "+14155550180").await;
    let other: String = on_db!(&crate::support::db(&crowd.server).await, |s| {
        sqlx::query_scalar::<_, uuid::Uuid>("SELECT company_id FROM interviews WHERE id = $1")
            .bind(crowd.foreign.parse::<uuid::Uuid>().unwrap())
            .fetch_one(s.pool())
            .await
            .unwrap()
            .to_string()
    });
    let ask = |company: &String, id: &String| RemovalRequest {
        company: company.parse().unwrap(),
        actor: None,
        action: "interview.delete",
        scope: RemovalScope::Interview(id.parse().unwrap()),
        now: chrono::Utc::now(),
    };
    // The first is written alone; the next three queue behind it and go as one batch.
    let asks = [
        ask(&crowd.company, &crowd.ids[0]),
        ask(&crowd.company, &crowd.foreign),
        ask(&other, &crowd.foreign),
        ask(&crowd.company, &crowd.ids[1]),
    ];
    let reports = futures_util::future::join_all(
        asks.iter().map(|r| crowd.server.store.remove_interviews(r)),
    )
    .await;
    let removed: Vec<usize> = reports
        .into_iter()
        .map(|r| r.unwrap().interviews.len())
        .collect();
    assert_eq!(removed, [1, 0, 1, 1]);
    crowd
        .theirs
        .get(&format!("/v1/interviews/{}", crowd.foreign))
        .await
        .expect(404);
}

/// Alpharun removals asked at once are written together, with a delete asked among them: on
/// PostgreSQL one batch's statements cover them all, the contacts' keys resolved by one of
/// them (their audit records share a transaction, `xmin`); on SQLite they share a COMMIT.
/// Each is still answered for itself, in the order asked: a removal after a delete of the
/// contact's one interview finds nothing (and leaves the contact on the opening), another
/// company's removal naming our contact by e-mail or id finds no contact, as does an e-mail
/// nobody has, and a second removal of the same contact finds no interview.
#[tokio::test]
async fn removals_from_openings_asked_at_once_are_written_together_and_answered_each() {
    use interviewd::store::ContactKey;
    use interviewd::store::removal::{OpeningRemoval, RemovalRequest, RemovalScope};
    use interviewd_domain::{Email, PhoneNumber};
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let c = server.client(&acme.key);
    let mut pairs = Vec::new();
    for n in 0..6 {
        let email = format!("r{n}@example.com");
        pairs.push(opening_with_interview(&c, &email, &format!("+1415555019{n}")).await);
    }
    let interview_of_2 = c
        .get(&format!("/v1/interviews?candidateId={}", pairs[2].1))
        .await
        .expect(200)
        .str("/data/0/id");
    let email = |n: usize| ContactKey::Email(Email::parse(&format!("R{n}@example.com")).unwrap());
    let phone =
        |n: usize| ContactKey::Phone(PhoneNumber::parse(&format!("+1 415 555 019{n}")).unwrap());
    let id = |n: usize| ContactKey::Id(pairs[n].1.parse().unwrap());
    let from = |company: &str, n: usize, contact: ContactKey| OpeningRemoval {
        company: company.parse().unwrap(),
        actor: None,
        contact,
        job: pairs[n].0.parse().unwrap(),
        now: chrono::Utc::now(),
    };
    let delete = RemovalRequest {
        company: acme.id.parse().unwrap(),
        actor: None,
        action: "interview.delete",
        scope: RemovalScope::Interview(interview_of_2.parse().unwrap()),
        now: chrono::Utc::now(),
    };
    let store = &server.store;
    // What each found: `None`, no contact; else how many interviews it removed.
    let opening = |req: OpeningRemoval| {
        Box::pin(async move {
            let found = store.remove_from_opening(&req).await.unwrap();
            found.map(|(_, report)| report.interviews.len())
        })
            as std::pin::Pin<Box<dyn std::future::Future<Output = Option<usize>> + Send + '_>>
    };
    // The first is written alone; the rest queue behind it and go as one batch.
    let asks = vec![
        opening(from(&acme.id, 0, email(0))),
        opening(from(&acme.id, 1, phone(1))),
        Box::pin(async {
            Some(
                store
                    .remove_interviews(&delete)
                    .await
                    .unwrap()
                    .interviews
                    .len(),
            )
        }),
        opening(from(&acme.id, 2, id(2))),
        opening(from(&other.id, 3, email(3))),
        opening(from(&other.id, 3, id(3))),
        opening(from(&acme.id, 3, email(3))),
        opening(from(&acme.id, 4, id(4))),
        opening(from(&acme.id, 4, email(4))),
        opening(from(
            &acme.id,
            5,
            ContactKey::Email(Email::parse("nobody@example.com").unwrap()),
        )),
        opening(from(&acme.id, 5, phone(5))),
    ];
    let removed = futures_util::future::join_all(asks).await;
    assert_eq!(
        removed,
        [
            Some(1),
            Some(1),
            Some(1),
            Some(0),
            None,
            None,
            Some(1),
            Some(1),
            Some(0),
            None,
            Some(1)
        ]
    );
    for (n, (op, contact)) in pairs.iter().enumerate() {
        assert_eq!(interviews_of(&c, contact).await, 0, "contact {n}");
        let links = c
            .get(&format!("/v1/candidates/{contact}"))
            .await
            .expect(200)
            .body["jobIds"]
            .clone();
        let kept = if n == 2 { json!([op]) } else { json!([]) };
        assert_eq!(links, kept, "contact {n}'s openings");
    }
    let actions: Vec<String> = audit_rows(&server)
        .await
        .into_iter()
        .map(|(action, _, _)| action)
        .collect();
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("candidate.remove_from_job"), 5);
    assert_eq!(count("interview.delete"), 1);
    let db = crate::support::db(&server).await;
    let announced: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'candidate.removed_from_job'"
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(announced, 5);
    if let crate::support::Db::Pg(store) = db {
        let transactions: i64 =
            sqlx::query_scalar("SELECT count(DISTINCT xmin::text) FROM audit_log")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert!(
            transactions <= 3,
            "6 removals in {transactions} transactions"
        );
    }
}
