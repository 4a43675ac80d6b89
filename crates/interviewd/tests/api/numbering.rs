//! Integer numbers (Xobin `response_id`, `candidate_id`, `ai_interview_id`): counted per
//! company, never issued twice — not after the newest row is deleted, not across a restart —
//! and independent of what other companies do (docs/numbering.md).

use crate::support::{TestCompany, TestServer};
use crate::xobin::{ai_interview, invited, xb};
use interviewd_domain::CompanyId;
use reqwest::Method;
use serde_json::json;

/// Invites `email` and returns `(response_id, candidate_id)`.
async fn invite_one(
    server: &TestServer,
    company: &TestCompany,
    email: &str,
    job: i64,
) -> (i64, i64) {
    let res = invited(server, &company.key, email, job).await;
    let response = res.body["response_id"].as_i64().expect("response_id");
    let id: CompanyId = company.id.parse().unwrap();
    let detail = server.store.interview_by_number(id, response).await;
    let detail = detail.unwrap().expect("the invite's interview");
    let candidate = server
        .store
        .get_candidate(detail.interview.company_id, detail.interview.candidate_id)
        .await
        .unwrap()
        .expect("the invite's candidate");
    (response, candidate.number)
}

#[tokio::test]
async fn numbers_are_per_company_and_never_issued_again_after_delete_and_restart() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let globex = server.company("Globex").await;
    let acme_job = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let mut issued = Vec::new();
    for n in 0..3 {
        issued.push(invite_one(&server, &acme, &format!("a{n}@example.com"), acme_job).await);
    }
    assert_eq!(
        issued.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        [1, 2, 3],
        "each company counts its own invites from 1"
    );
    // Another company's numbers do not move with Acme's: nothing to count across companies.
    let globex_job = ai_interview(&server, &globex.key, "Designer").await;
    assert_eq!(globex_job, 1);
    let (globex_first, globex_candidate) =
        invite_one(&server, &globex, "g@example.com", globex_job).await;
    assert_eq!((globex_first, globex_candidate), (1, 1));

    // Delete the newest interview and erase the newest candidate, then restart.
    let company: CompanyId = acme.id.parse().unwrap();
    let newest = server
        .store
        .interview_by_number(company, 3)
        .await
        .unwrap()
        .unwrap();
    let client = server.client(&acme.key);
    client
        .delete(&format!("/v1/interviews/{}", newest.interview.id))
        .await
        .expect(200);
    client
        .delete(&format!("/v1/candidates/{}", newest.interview.candidate_id))
        .await
        .expect(200);
    let (config, dir) = server.stop().await;
    let server = TestServer::boot(config, dir).await;

    // The stale number names nothing: a revoke of it cannot reach another invite.
    let stale = xb(
        &server,
        &acme.key,
        Method::PATCH,
        "/ai-interviews/invite/revoke",
        Some(json!({ "response_id": 3, "notify_candidate": false })),
    )
    .await;
    stale.expect(404);
    let (next, candidate) = invite_one(&server, &acme, "new@example.com", acme_job).await;
    let most_responses = issued.iter().map(|(r, _)| *r).max().unwrap();
    let most_candidates = issued.iter().map(|(_, c)| *c).max().unwrap();
    assert!(
        next > most_responses,
        "response_id {next} was issued before"
    );
    assert!(
        candidate > most_candidates,
        "candidate_id {candidate} was issued before"
    );
    assert_eq!((next, candidate), (4, 4));
}
