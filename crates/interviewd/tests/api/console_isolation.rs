//! Tenant isolation through the console: a signed-in administrator of one company tries every
//! kind of id of another company — job, interviewer (agent), candidate, interview, attempt
//! recording, webhook endpoint, API key — on every page and action that takes one, and gets
//! a 404 page each time; nothing of the other company changes.

use crate::console_support::{Browser, signed_in};
use crate::engine::{fast, wait_status};
use crate::support::{TestServer, fixture};
use interviewd::core::users::Role;
use serde_json::json;

/// Another company's ids, one of each kind.
struct Theirs {
    job: String,
    agent: String,
    candidate: String,
    interview: String,
    attempt: String,
    webhook: String,
    key: String,
}

async fn their_ids(server: &TestServer) -> (Theirs, crate::support::Client) {
    let other = server.company("Other Co").await;
    let client = server.client(&other.key);
    let f = fixture(&client, "+14155550100", "zoe@example.com").await;
    let done = wait_status(&client, &f.interview, "COMPLETED").await;
    let attempt = done["callAttempts"][0]["id"].as_str().unwrap().to_owned();
    let webhook = client
        .post(
            "/v1/webhooks",
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["interview.completed"] }),
        )
        .await
        .expect(201)
        .str("/id");
    let company: uuid::Uuid = other.id.parse().unwrap();
    let keys = interviewd::core::company_keys::list(&server.server.state, company.into())
        .await
        .unwrap();
    let theirs = Theirs {
        job: f.job,
        agent: f.agent,
        candidate: f.candidate,
        interview: f.interview,
        attempt,
        webhook,
        key: keys[0].id.to_string(),
    };
    (theirs, client)
}

#[tokio::test]
async fn another_companys_ids_are_not_found_on_every_page_and_action() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.webhook_allow_private = true;
    })
    .await;
    let (t, their_client) = their_ids(&server).await;
    let (_, b) = signed_in(&server, "Acme", Role::Admin).await;
    let csrf = b.get("/app").await.expect(200).csrf();

    let (i, c, j) = (&t.interview, &t.candidate, &t.job);
    let gets = [
        format!("/app/jobs/{j}"),
        format!("/app/agents/{}", t.agent),
        format!("/app/candidates/{c}"),
        format!("/app/candidates/{c}/invite"),
        format!("/app/candidates/{c}/call"),
        format!("/app/candidates/{c}/jobs/{j}/remove"),
        format!("/app/interviews/{i}"),
        format!("/app/interviews/{i}/revoke"),
        format!("/app/interviews/{i}/delete"),
        format!("/app/interviews/{i}/decision?decision=ADVANCED"),
        format!("/app/interviews/{i}/attempts/{}/recording", t.attempt),
        format!("/app/settings/webhooks/{}", t.webhook),
        format!("/app/settings/webhooks/{}/delete", t.webhook),
        format!("/app/settings/keys/{}/revoke", t.key),
    ];
    for path in &gets {
        let page = b.get(path).await;
        assert_eq!(page.status, 404, "GET {path}: {}", page.text);
        assert!(
            page.is_html() && page.text.contains("Not found"),
            "GET {path}"
        );
    }
    let live = b
        .get_fragment(&format!("/app/interviews/{i}/live?was=COMPLETED"))
        .await;
    assert_eq!(live.status, 404, "the live fragment");

    let posts = [
        (
            format!("/app/jobs/{j}"),
            vec![("title", "Taken"), ("status", "OPEN")],
        ),
        (
            format!("/app/agents/{}", t.agent),
            vec![("agent_name", "Taken")],
        ),
        (
            format!("/app/candidates/{c}/invite"),
            vec![("job", j.as_str())],
        ),
        (
            format!("/app/candidates/{c}/call"),
            vec![("job", j.as_str())],
        ),
        (format!("/app/candidates/{c}/jobs/{j}/remove"), vec![]),
        (format!("/app/interviews/{i}/revoke"), vec![("notify", "1")]),
        (format!("/app/interviews/{i}/delete"), vec![]),
        (
            format!("/app/interviews/{i}/decision"),
            vec![("decision", "REJECTED")],
        ),
        (format!("/app/settings/webhooks/{}/test", t.webhook), vec![]),
        (
            format!("/app/settings/webhooks/{}/reset", t.webhook),
            vec![],
        ),
        (
            format!("/app/settings/webhooks/{}/delete", t.webhook),
            vec![],
        ),
        (format!("/app/settings/keys/{}/revoke", t.key), vec![]),
    ];
    for (path, fields) in &posts {
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let page = b.post(path, &all).await;
        assert_eq!(page.status, 404, "POST {path}: {}", page.text);
    }

    // Their ids in a filter find nothing of theirs.
    let list = b.get(&format!("/app/interviews?job={j}")).await.expect(200);
    assert!(list.text.contains("No interview matches"));
    let list = b.get(&format!("/app/candidates?job={j}")).await.expect(200);
    assert!(list.text.contains("No candidate matches"));

    // Nothing of theirs changed: the interview, the candidate's job, the key, the endpoint.
    let interview = their_client
        .get(&format!("/v1/interviews/{i}"))
        .await
        .expect(200);
    assert_eq!(interview.body["status"], "COMPLETED");
    let theirs: uuid::Uuid = interview.body["companyId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let decided = interviewd::core::interviews::decision(
        &server.server.state,
        theirs.into(),
        i.parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(decided, None, "no decision on their interview");
    their_client.get(&format!("/v1/jobs/{j}")).await.expect(200);
    let hook = their_client
        .get(&format!("/v1/webhooks/{}", t.webhook))
        .await
        .expect(200);
    assert_eq!(hook.body["isActive"], true);
    assert_eq!(
        their_client
            .get(&format!("/v1/agents/{}", t.agent))
            .await
            .expect(200)
            .body["name"],
        "Screener"
    );
}

#[tokio::test]
async fn a_session_of_one_company_never_lists_anothers_rows() {
    let server = TestServer::start_with(fast).await;
    let (_, their) = their_ids_light(&server).await;
    let (_, b) = signed_in(&server, "Acme", Role::Admin).await;
    for path in [
        "/app",
        "/app/interviews",
        "/app/candidates",
        "/app/jobs",
        "/app/agents",
    ] {
        let page = b.get(path).await.expect(200);
        for marker in ["Backend Engineer", "Screener", "Lee", "zoe@example.com"] {
            assert!(!page.text.contains(marker), "{path} shows {marker}");
        }
    }
    let other_browser = Browser::new(&server);
    assert!(other_browser.get("/app").await.status == 303);
    assert!(!their.is_empty());
}

/// Another company with a job, an agent, a candidate and an interview (not waited for).
async fn their_ids_light(server: &TestServer) -> (String, String) {
    let other = server.company("Other Co").await;
    let client = server.client(&other.key);
    let f = fixture(&client, "+14155550100", "zoe@example.com").await;
    (other.id, f.interview)
}
