//! The InstaView core API: resources, validation, pagination, keys and ATS tenancy.

use crate::support::{TestServer, fixture};
use serde_json::json;

#[tokio::test]
async fn health_and_request_id() {
    let server = TestServer::start().await;
    let res = server.anonymous().get("/healthz").await.expect(200);
    assert_eq!(res.body["status"], "ok");
    assert!(res.headers.get("x-request-id").is_some());
    let res = server.anonymous().get("/v1/jobs").await.expect(401);
    assert!(
        res.headers.get("x-request-id").is_some(),
        "errors carry a request id too"
    );
}

#[tokio::test]
async fn full_flow_with_both_mounts() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+1 (415) 555-0100", "Ann@Example.com").await;

    let job = c.get(&format!("/jobs/{}", f.job)).await.expect(200);
    assert_eq!(job.body["title"], "Backend Engineer");
    assert_eq!(job.body["companyId"], acme.id.as_str());
    let cand = c
        .get(&format!("/v1/candidates/{}", f.candidate))
        .await
        .expect(200);
    assert_eq!(cand.body["phoneNumber"], "+14155550100");
    assert_eq!(cand.body["email"], "ann@example.com");
    assert_eq!(cand.body["jobIds"], json!([f.job]));
    assert_eq!(cand.body["interviewCount"], 1);

    // A future interview stays SCHEDULED (the fixture's own interview is due now, so the
    // engine may already be calling).
    let agent = c.new_agent(json!({ "name": "Later" })).await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let later = c
        .post(
            "/interviews",
            json!({ "candidateId": f.candidate, "agentId": agent, "scheduledAt": at }),
        )
        .await
        .expect(201)
        .str("/id");
    let iv = c.get(&format!("/interviews/{later}")).await.expect(200);
    assert_eq!(iv.body["status"], "SCHEDULED");
    assert_eq!(iv.body["type"], "PHONE");
    assert_eq!(iv.body["jobId"], f.job.as_str());
    let attempts = iv.body["callAttempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["status"], "SCHEDULED");
    assert_eq!(attempts[0]["retryNumber"], 0);

    let list = c
        .get(&format!("/v1/interviews?candidateId={}", f.candidate))
        .await
        .expect(200);
    assert_eq!(list.body["total"], 2);
    let list = c
        .get(&format!("/interviews?agentId={agent}&status=SCHEDULED"))
        .await
        .expect(200);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["page"], 1);
    assert_eq!(list.body["limit"], 20);
    assert_eq!(list.body["totalPages"], 1);
    assert_eq!(list.body["data"][0]["id"], later.as_str());
    let none = c
        .get(&format!("/interviews?agentId={agent}&status=COMPLETED"))
        .await
        .expect(200);
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["data"], json!([]));
}

#[tokio::test]
async fn pagination_bounds_and_pages() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    for i in 0..5 {
        c.post(
            "/v1/jobs",
            json!({ "title": format!("Engineer number {i}") }),
        )
        .await
        .expect(201);
    }
    let page = c.get("/v1/jobs?page=2&limit=2").await.expect(200);
    assert_eq!(page.body["total"], 5);
    assert_eq!(page.body["totalPages"], 3);
    assert_eq!(page.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["data"][0]["title"], "Engineer number 2");
    for bad in [
        "limit=0",
        "limit=101",
        "page=0",
        "page=x",
        "limit=-1",
        "page=10001",
    ] {
        let res = c.get(&format!("/v1/jobs?{bad}")).await.expect(400);
        assert_eq!(res.code(), "VALIDATION_ERROR", "{bad}");
    }
    c.get("/v1/jobs?limit=100").await.expect(200);
}

#[tokio::test]
async fn validation_errors_are_400_in_the_dialect_shape() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let res = c
        .raw(reqwest::Method::POST, "/v1/jobs", "{not json")
        .await
        .expect(400);
    assert_eq!(res.body["success"], false);
    assert_eq!(res.code(), "VALIDATION_ERROR");
    assert!(
        res.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );
    c.raw(reqwest::Method::POST, "/v1/jobs", "")
        .await
        .expect(400);
    c.raw(reqwest::Method::POST, "/v1/jobs", "[1,2]")
        .await
        .expect(400);
    c.post("/v1/jobs", json!({ "title": "abc" }))
        .await
        .expect(400);
    c.post("/v1/jobs", json!({ "title": 5 })).await.expect(400);
    c.post(
        "/v1/jobs",
        json!({ "title": "Valid title", "status": "WHATEVER" }),
    )
    .await
    .expect(400);
    c.post(
        "/v1/jobs",
        json!({ "title": "Valid title", "requiredSkills": vec!["x"; 11] }),
    )
    .await
    .expect(400);
    c.post(
        "/v1/jobs",
        json!({ "title": "Valid title", "salary": { "min": 10, "max": 5 } }),
    )
    .await
    .expect(400);
    c.post(
        "/v1/agents",
        json!({ "name": "A", "type": "CARRIER_PIGEON" }),
    )
    .await
    .expect(400);
    c.post("/v1/agents", json!({ "name": "A", "duration": 0 }))
        .await
        .expect(400);
    for phone in ["12", "abc", "+1 415 555", "++14155550100"] {
        let res = c
            .post("/v1/candidates", json!({ "phoneNumber": phone }))
            .await
            .expect(400);
        assert_eq!(res.body["error"]["details"]["field"], "phoneNumber");
    }
    for email in ["ann", "ann@", "@x.com", "a b@x.com"] {
        c.post("/v1/candidates", json!({ "email": email }))
            .await
            .expect(400);
    }
    for id in ["not-a-uuid", "123", "01a2037c-072c-7151-973c"] {
        let res = c.get(&format!("/v1/jobs/{id}")).await.expect(400);
        assert_eq!(res.code(), "VALIDATION_ERROR");
        c.get(&format!("/v1/interviews/{id}")).await.expect(400);
        c.patch(&format!("/v1/candidates/{id}"), json!({}))
            .await
            .expect(400);
        c.delete(&format!("/v1/agents/{id}")).await.expect(400);
    }
    let missing = uuid::Uuid::now_v7();
    let res = c.get(&format!("/v1/jobs/{missing}")).await.expect(404);
    assert_eq!(res.code(), "RESOURCE_NOT_FOUND");
    assert_eq!(res.body["error"]["details"]["resourceType"], "job");
    c.get("/v1/no-such-route").await.expect(404);
}

#[tokio::test]
async fn candidate_identifiers_are_unique_per_company_after_normalisation() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let a = server.client(&acme.key);
    a.new_candidate(json!({ "email": "ann@example.com", "phoneNumber": "+14155550100", "metadata": { "externalId": "ext-1" } })).await;
    let dup = a
        .post("/v1/candidates", json!({ "email": "ANN@example.com" }))
        .await
        .expect(409);
    assert_eq!(dup.body["error"]["details"]["field"], "email");
    let dup = a
        .post(
            "/v1/candidates",
            json!({ "phoneNumber": "+1 (415) 555-0100" }),
        )
        .await
        .expect(409);
    assert_eq!(dup.body["error"]["details"]["field"], "phoneNumber");
    let dup = a
        .post(
            "/v1/candidates",
            json!({ "metadata": { "externalId": "ext-1" } }),
        )
        .await
        .expect(409);
    assert_eq!(dup.body["error"]["details"]["field"], "externalId");
    // Another company may hold the same person.
    server
        .client(&beta.key)
        .new_candidate(json!({ "email": "ann@example.com", "phoneNumber": "+14155550100" }))
        .await;
    let other = a
        .post("/v1/candidates", json!({ "email": "bob@example.com" }))
        .await
        .expect(201);
    let patch = a
        .patch(
            &format!("/v1/candidates/{}", other.str("/id")),
            json!({ "email": "ann@example.com" }),
        )
        .await;
    patch.expect(409);
}

#[tokio::test]
async fn patch_updates_and_clears() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550101", "ann@example.com").await;
    let job = c
        .patch(&format!("/v1/jobs/{}", f.job), json!({ "description": "Build things in Rust", "status": "CLOSED", "location": { "workMode": "REMOTE", "countryCode": "SK" } }))
        .await
        .expect(200);
    assert_eq!(job.body["status"], "CLOSED");
    assert_eq!(job.body["location"]["workMode"], "REMOTE");
    let job = c
        .patch(
            &format!("/v1/jobs/{}", f.job),
            json!({ "description": null, "location": null }),
        )
        .await
        .expect(200);
    assert_eq!(job.body["description"], serde_json::Value::Null);
    assert_eq!(job.body["location"], serde_json::Value::Null);
    assert_eq!(
        c.get(&format!("/v1/jobs/{}", f.job)).await.body["status"],
        "CLOSED"
    );
    let agent = c
        .patch(
            &format!("/v1/agents/{}", f.agent),
            json!({ "type": "ONLINE", "duration": 30 }),
        )
        .await
        .expect(200);
    assert_eq!(agent.body["type"], "ONLINE");
    assert_eq!(agent.body["duration"], 30);
    let cand = c
        .patch(
            &format!("/v1/candidates/{}", f.candidate),
            json!({ "phoneNumber": "+421 905 123 456", "status": "INTERVIEWING" }),
        )
        .await
        .expect(200);
    assert_eq!(cand.body["phoneNumber"], "+421905123456");
    let listed = c
        .get("/v1/candidates?status=INTERVIEWING&search=ann")
        .await
        .expect(200);
    assert_eq!(listed.body["total"], 1);
    let listed = c
        .get(&format!("/v1/candidates?jobId={}&search=nobody", f.job))
        .await
        .expect(200);
    assert_eq!(listed.body["total"], 0);
    // Deleting an agent hides it; its interview keeps working.
    assert_eq!(
        c.delete(&format!("/v1/agents/{}", f.agent))
            .await
            .expect(200)
            .body,
        json!(true)
    );
    c.get(&format!("/v1/agents/{}", f.agent)).await.expect(404);
    c.delete(&format!("/v1/agents/{}", f.agent))
        .await
        .expect(404);
    c.get(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
}

#[tokio::test]
async fn interview_creation_rules() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550102", "ann@example.com").await;
    let job2 = c.new_job(json!({ "title": "Second position" })).await;
    // XOR rules.
    c.post("/v1/interviews", json!({ "agentId": f.agent }))
        .await
        .expect(400);
    c.post("/v1/interviews", json!({ "candidateId": f.candidate }))
        .await
        .expect(400);
    c.post("/v1/interviews", json!({ "candidateId": f.candidate, "candidate": { "firstName": "X" }, "agentId": f.agent })).await.expect(400);
    c.post("/v1/interviews", json!({ "candidateId": f.candidate, "agentId": f.agent, "jobId": f.job, "job": { "title": "Inline job" } })).await.expect(400);
    let res = c
        .post("/v1/interviews", json!({ "candidate": { "firstName": "Bo", "phoneNumber": "+14155550103", "gdprExpiryDate": "2027-01-01", "jobId": f.job }, "agentId": f.agent, "jobId": f.job }))
        .await
        .expect(400);
    assert_eq!(res.body["error"]["details"]["field"], "candidate.jobId");
    // A job that is not the candidate's.
    c.post(
        "/v1/interviews",
        json!({ "candidateId": f.candidate, "agentId": f.agent, "jobId": job2 }),
    )
    .await
    .expect(400);
    // Schedule window.
    let far = (chrono::Utc::now() + chrono::Duration::days(31)).to_rfc3339();
    c.post(
        "/v1/interviews",
        json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduledAt": far }),
    )
    .await
    .expect(400);
    c.post(
        "/v1/interviews",
        json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduleTime": "tomorrow" }),
    )
    .await
    .expect(400);
    let soon = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let later = c
        .post(
            "/v1/interviews",
            json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduleTime": soon }),
        )
        .await
        .expect(201);
    assert_eq!(later.body["callAttempts"][0]["status"], "SCHEDULED");
    // Inline candidate needs gdprExpiryDate; inline everything works and links the job.
    c.post("/v1/interviews", json!({ "candidate": { "phoneNumber": "+14155550104" }, "agentId": f.agent, "jobId": f.job })).await.expect(400);
    let inline = c
        .post(
            "/v1/interviews",
            json!({
                "candidate": { "firstName": "Cy", "phoneNumber": "+14155550105", "gdprExpiryDate": "2027-01-01" },
                "agent": { "name": "Inline agent", "type": "ONLINE" },
                "job": { "title": "Inline position", "requiredSkills": ["Go"] },
                "metadata": { "externalInterviewId": "x-1" }
            }),
        )
        .await
        .expect(201);
    assert_eq!(inline.body["type"], "ONLINE");
    assert_eq!(
        inline.body["callAttempts"],
        json!([]),
        "online interviews have no call attempts"
    );
    assert!(inline.str("/inviteUrl").contains("/i/"));
    assert_eq!(inline.body["metadata"]["externalInterviewId"], "x-1");
    let cand = c
        .get(&format!("/v1/candidates/{}", inline.str("/candidateId")))
        .await
        .expect(200);
    assert_eq!(cand.body["jobIds"][0], inline.body["jobId"]);
    // A phone interview needs a phone number.
    let no_phone = c
        .new_candidate(json!({ "email": "nophone@example.com", "jobId": f.job }))
        .await;
    c.post(
        "/v1/interviews",
        json!({ "candidateId": no_phone, "agentId": f.agent }),
    )
    .await
    .expect(400);
    // Several jobs and none chosen.
    c.patch(
        &format!("/v1/candidates/{}", f.candidate),
        json!({ "jobIds": [f.job, job2] }),
    )
    .await
    .expect(200);
    let res = c
        .post(
            "/v1/interviews",
            json!({ "candidateId": f.candidate, "agentId": f.agent }),
        )
        .await
        .expect(400);
    assert!(
        res.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("several jobs")
    );
    c.new_interview(json!({ "candidateId": f.candidate, "agentId": f.agent, "jobId": job2 }))
        .await;
}

#[tokio::test]
async fn keys_revoked_expired_and_malformed_are_401() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    server.client(&acme.key).get("/v1/jobs").await.expect(200);
    for bad in [
        "",
        "sk_",
        "sk_short",
        "Bearer",
        "sk_0000000000000000000000000000000000000000000",
    ] {
        let res = server.client(bad).get("/v1/jobs").await.expect(401);
        assert_eq!(res.code(), "INVALID_API_KEY");
    }
    let client = server
        .anonymous()
        .with_header_auth(Some(format!("Basic {}", acme.key)));
    client.get("/v1/jobs").await.expect(401);
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let expired = server
        .key_with(vec![acme.id.clone()], false, "all", Some(past))
        .await;
    let res = server.client(&expired).get("/v1/jobs").await.expect(401);
    assert!(res.body["message"].as_str().unwrap().contains("expired"));
    let keys = server.store.list_keys().await.unwrap();
    let id = keys[0].id.to_string();
    interviewd::admin::revoke_key(&server.store, &id)
        .await
        .unwrap();
    let res = server.client(&acme.key).get("/v1/jobs").await.expect(401);
    assert!(res.body["message"].as_str().unwrap().contains("revoked"));
}

#[tokio::test]
async fn ats_keys_create_and_manage_companies() {
    let server = TestServer::start().await;
    let own = server.company("Own").await;
    let ats = server.ats_key(&[], "all").await;
    let a = server.client(&ats);
    let created = a.post("/v1/company", json!({ "name": "Client Co", "description": "A client", "ownerEmail": "Owner@Client.co" })).await.expect(201);
    let cid = created.str("/id");
    assert_eq!(created.body["ownerEmail"], "owner@client.co");
    a.post("/company", json!({ "name": "X" })).await.expect(400);
    let listed = a.get("/v1/companies").await.expect(200);
    assert_eq!(listed.body["total"], 1);
    // companyId is required on company-scoped routes, and must be a managed company.
    let res = a.get("/v1/jobs").await.expect(400);
    assert_eq!(res.body["error"]["details"]["field"], "companyId");
    a.get(&format!("/v1/jobs?companyId={}", own.id))
        .await
        .expect(403);
    a.get("/v1/jobs?companyId=nope").await.expect(400);
    let job = a
        .post(
            &format!("/v1/jobs?companyId={cid}"),
            json!({ "title": "ATS-created job" }),
        )
        .await
        .expect(201);
    assert_eq!(job.body["data"]["companyId"], cid.as_str());
    a.get(&format!("/v1/company/{cid}")).await.expect(200);
    a.get(&format!("/v1/company/{}", own.id)).await.expect(403);
    let patched = a
        .patch(
            &format!("/v1/company/{cid}"),
            json!({ "plan": "SCALE", "name": "Client Company" }),
        )
        .await
        .expect(200);
    assert_eq!(patched.body["plan"], "SCALE");
    assert!(patched.body["planChangedAt"].is_string());
    // Company keys cannot create companies and ignore companyId.
    let o = server.client(&own.key);
    o.post("/v1/company", json!({ "name": "Sneaky" }))
        .await
        .expect(403);
    let jobs = o
        .get(&format!("/v1/jobs?companyId={cid}"))
        .await
        .expect(200);
    assert_eq!(
        jobs.body["total"], 0,
        "a company key sees only its own company"
    );
    let mine = o.get("/v1/company").await.expect(200);
    assert_eq!(mine.body["data"][0]["id"], own.id.as_str());
    o.get(&format!("/v1/company/{cid}")).await.expect(403);
    o.get(&format!("/v1/company/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
}

#[tokio::test]
async fn list_filters_combine_and_search_matches_literally() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let job = |title: &str| c.new_job(json!({ "title": title }));
    let first = job("First").await;
    let second = job("Second").await;
    let agent = c.new_agent(json!({ "name": "Screener" })).await;
    let candidate = |body: serde_json::Value| c.new_candidate(body);
    let ann = candidate(json!({ "firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "phoneNumber": "+14155550181", "jobIds": [first, second] })).await;
    let bob = candidate(json!({ "firstName": "Bob", "lastName": "50%_off", "email": "bob@example.com", "phoneNumber": "+14155550182", "jobId": second })).await;
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    for (who, on) in [(&ann, &first), (&ann, &second), (&bob, &second)] {
        c.new_interview(
            json!({ "candidateId": who, "agentId": agent, "jobId": on, "scheduledAt": later }),
        )
        .await;
    }
    let total = |path: String| {
        let c = &c;
        async move {
            c.get(&path).await.expect(200).body["total"]
                .as_i64()
                .unwrap()
        }
    };
    // Candidates: by job, by search over first, last and full name and e-mail; `%` and `_`
    // are literal.
    assert_eq!(total(format!("/v1/candidates?jobId={first}")).await, 1);
    assert_eq!(total(format!("/v1/candidates?jobId={second}")).await, 2);
    assert_eq!(total("/v1/candidates?search=ANN%20LEE".into()).await, 1);
    assert_eq!(total("/v1/candidates?search=lee".into()).await, 1);
    assert_eq!(total("/v1/candidates?search=bob@example".into()).await, 1);
    assert_eq!(total("/v1/candidates?search=50%25_".into()).await, 1);
    assert_eq!(total("/v1/candidates?search=5%25".into()).await, 0);
    assert_eq!(total("/v1/candidates?search=_".into()).await, 1);
    assert_eq!(
        total(format!("/v1/candidates?jobId={first}&search=bob")).await,
        0
    );
    // Interviews: each filter alone and together.
    assert_eq!(total("/v1/interviews".into()).await, 3);
    assert_eq!(total(format!("/v1/interviews?candidateId={ann}")).await, 2);
    assert_eq!(total(format!("/v1/interviews?jobId={second}")).await, 2);
    assert_eq!(
        total(format!("/v1/interviews?candidateId={ann}&jobId={second}")).await,
        1
    );
    assert_eq!(
        total(format!(
            "/v1/interviews?candidateId={bob}&agentId={agent}&status=SCHEDULED"
        ))
        .await,
        1
    );
    assert_eq!(
        total(format!("/v1/interviews?candidateId={bob}&status=COMPLETED")).await,
        0
    );
    let page = c
        .get(&format!("/v1/interviews?candidateId={ann}&limit=1&page=2"))
        .await
        .expect(200);
    assert_eq!(page.body["total"], 2);
    assert_eq!(page.body["data"].as_array().unwrap().len(), 1);
}
