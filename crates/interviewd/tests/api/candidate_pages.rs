//! The invite link as a browser and as a script see it: pages with their status codes and
//! headers for `Accept: text/html`, JSON otherwise; the WebSocket refused for a link that
//! cannot be joined; reconnects, ending early, a delete during a live session and bad frames.
//! (Chromium drives the same pages in `candidate_browser.rs`.)

use crate::candidate_live::Page;
use crate::engine::{db, fast, wait_status};
use crate::engine_online::{online_interview, online_interview_asking};
use crate::support::{Db, TestServer, on_db};
use interviewd_domain::Plan;
use serde_json::json;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// `GET {path}` as a browser: status, headers and the page.
async fn browse(server: &TestServer, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .header("accept", BROWSER)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

async fn set(server: &TestServer, sql: &'static str, token: &str) {
    on_db!(&db(server).await, |s| sqlx::query(sql)
        .bind(token)
        .execute(s.pool())
        .await
        .map(|_| ()))
    .unwrap();
}

#[tokio::test]
async fn a_browser_gets_the_start_page_and_a_script_gets_json() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (_, token) = online_interview(&client, "pia@example.com").await;
    let (status, headers, html) = browse(&server, &format!("/i/{token}")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("data-page=\"start\""), "{html}");
    assert!(html.contains("Acme"));
    assert!(html.contains("Engineer"), "the job title");
    assert!(
        html.contains("data-voice=\"false\""),
        "no speech engine configured"
    );
    assert!(
        !html.contains(&token),
        "the token is not repeated in the page"
    );
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    // The page's assets are the server's own.
    for asset in ["/assets/interview.js", "/assets/interview.css"] {
        assert!(html.contains(asset), "{asset}");
    }
    let json = server
        .anonymous()
        .get(&format!("/i/{token}"))
        .await
        .expect(200);
    assert_eq!(json.body["status"], "SCHEDULED");
}

#[tokio::test]
async fn every_state_of_a_link_is_a_page_with_its_status() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company_on("Acme", Plan::Business, Some(1)).await;
    let client = server.client(&acme.key);
    let page = |token: String| {
        let server = &server;
        async move { browse(server, &format!("/i/{token}")).await }
    };
    let kind = |html: &str| {
        html.split("data-kind=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("start")
            .to_owned()
    };

    let (status, _, html) = page("no-such-token".into()).await;
    assert_eq!((status, kind(&html).as_str()), (404, "not_found"));

    let (_, revoked) = online_interview(&client, "r@example.com").await;
    set(
        &server,
        "UPDATE interviews SET invite_revoked_at = 1 WHERE invite_token = $1",
        &revoked,
    )
    .await;
    let (status, _, html) = page(revoked.clone()).await;
    assert_eq!((status, kind(&html).as_str()), (410, "revoked"));

    let (_, expired) = online_interview(&client, "e@example.com").await;
    set(
        &server,
        "UPDATE interviews SET invite_expires_at = 1 WHERE invite_token = $1",
        &expired,
    )
    .await;
    let (status, _, html) = page(expired).await;
    assert_eq!((status, kind(&html).as_str()), (410, "expired"));

    let (_, later) = online_interview(&client, "l@example.com").await;
    set(
        &server,
        "UPDATE interviews SET invite_starts_at = 99999999999999 WHERE invite_token = $1",
        &later,
    )
    .await;
    let (status, _, html) = page(later).await;
    assert_eq!((status, kind(&html).as_str()), (200, "not_open"));
    assert!(html.contains("<time datetime="), "{html}");

    let (_, done) = online_interview(&client, "d@example.com").await;
    set(
        &server,
        "UPDATE interviews SET status = 'COMPLETED' WHERE invite_token = $1",
        &done,
    )
    .await;
    let (status, _, html) = page(done).await;
    assert_eq!((status, kind(&html).as_str()), (200, "finished"));

    // Busy: the company's only slot is taken by another candidate's live session.
    let (_, first) = online_interview(&client, "f@example.com").await;
    let (_, second) = online_interview(&client, "s@example.com").await;
    server
        .anonymous()
        .post(&format!("/i/{first}/start"), json!({}))
        .await
        .expect(200);
    let (status, headers, html) = page(second).await;
    assert_eq!((status, kind(&html).as_str()), (503, "busy"));
    assert_eq!(headers["retry-after"], "5");

    // A phone interview: the number, masked.
    let f = crate::support::fixture(&client, "+14155559993", "p@example.com").await;
    let token: String = on_db!(&db(&server).await, |s| sqlx::query_scalar(
        "SELECT invite_token FROM interviews WHERE id = $1"
    )
    .bind(f.interview.parse::<uuid::Uuid>().unwrap())
    .fetch_one(s.pool())
    .await
    .unwrap());
    let (status, _, html) = page(token).await;
    assert_eq!((status, kind(&html).as_str()), (200, "phone"));
    assert!(!html.contains("4155559993"), "the number is masked");
    assert!(html.contains("9993"));

    // Every page came without JSON and with the page headers.
    let (_, headers, _) = page(revoked).await;
    assert_eq!(headers["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn the_socket_is_refused_for_a_link_that_cannot_be_joined() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (_, revoked) = online_interview(&client, "q@example.com").await;
    set(
        &server,
        "UPDATE interviews SET invite_revoked_at = 1 WHERE invite_token = $1",
        &revoked,
    )
    .await;
    let ws = server.base.replacen("http", "ws", 1);
    for (token, status) in [(revoked.as_str(), 410), ("unknown", 404)] {
        let err = tokio_tungstenite::connect_async(format!("{ws}/i/{token}/ws"))
            .await
            .expect_err("refused");
        match err {
            tokio_tungstenite::tungstenite::Error::Http(res) => {
                assert_eq!(res.status().as_u16(), status, "{token}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_reconnect_resumes_and_ending_early_keeps_what_was_said() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "u@example.com").await;
    let mut page = Page::open(&server, &token).await;
    page.send(json!({ "type": "hello", "mode": "text" })).await;
    page.until_listening().await;
    page.send(json!({ "type": "text", "text": "With unit tests." }))
        .await;
    page.until_listening().await;
    drop(page);

    let mut again = Page::open(&server, &token).await;
    again
        .send(json!({ "type": "hello", "mode": "text", "resume": true }))
        .await;
    let session = again.until_type("session").await;
    assert_eq!(session["resumed"], true);
    let transcript = session["transcript"].as_array().unwrap();
    assert_eq!(transcript.len(), 3, "{transcript:?}");
    assert_eq!(transcript[1]["text"], "With unit tests.");
    assert_eq!(transcript[2]["text"], "Tell me about SQL indexes.");
    // A bad frame is answered and the session goes on.
    again.send(json!({ "type": "shout" })).await;
    let error = again.until_type("error").await;
    assert_eq!(error["code"], "BAD_MESSAGE");
    again.send(json!({ "type": "end" })).await;
    let ended = again.until_type("ended").await;
    assert_eq!(ended["reason"], "ended_by_candidate");
    let body = wait_status(&client, &id, "COMPLETED").await;
    assert_eq!(body["transcript"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn deleting_an_interview_during_a_live_session_ends_it_and_stores_nothing() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "w@example.com").await;
    let mut page = Page::open(&server, &token).await;
    page.send(json!({ "type": "hello", "mode": "text" })).await;
    page.until_listening().await;
    client
        .delete(&format!("/v1/interviews/{id}"))
        .await
        .expect(200);
    page.send(json!({ "type": "text", "text": "Still here?" }))
        .await;
    let ended = page.until_type("ended").await;
    assert_eq!(ended["reason"], "deleted");
    client
        .get(&format!("/v1/interviews/{id}"))
        .await
        .expect(404);
    let (status, _, _) = browse(&server, &format!("/i/{token}")).await;
    assert_eq!(status, 404);
    crate::engine::wait_slots_free(&client).await;
}

/// The session's periodic check (every 3 s) finds a revoke and a delete made elsewhere while
/// the page says nothing. (No dialect revokes a started interview — Xobin answers
/// `NOT_ALLOWED` — so the revoke is written into the database here; its attempt is left to
/// the idle deadline, as any session's that ends without a stored result.)
#[tokio::test]
async fn a_revoke_or_a_delete_made_elsewhere_ends_a_quiet_live_session() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (_, revoked) = online_interview(&client, "v@example.com").await;
    let (deleted_id, deleted) = online_interview(&client, "d@example.com").await;
    let mut pages = Vec::new();
    for token in [&revoked, &deleted] {
        let mut page = Page::open(&server, token).await;
        page.send(json!({ "type": "hello", "mode": "text" })).await;
        page.until_listening().await;
        pages.push(page);
    }
    set(
        &server,
        "UPDATE interviews SET invite_revoked_at = 1 WHERE invite_token = $1",
        &revoked,
    )
    .await;
    client
        .delete(&format!("/v1/interviews/{deleted_id}"))
        .await
        .expect(200);
    for (page, reason) in pages.iter_mut().zip(["revoked", "deleted"]) {
        let ended = page.until_type("ended").await;
        assert_eq!(ended["reason"], reason);
    }
}

/// A live connection answers from its own copy of the session; the write that stores an
/// answer still finds a revoke made since the last turn (no waiting for the periodic check),
/// and an answer given through another connection in between is kept, not overwritten.
#[tokio::test]
async fn an_answer_after_a_revoke_or_another_tabs_answer_sees_the_stored_session() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let questions = ["One?", "Two?", "Three?", "Four?", "Five?"];
    let (_, token) = online_interview_asking(&client, "h@example.com", &questions).await;
    let mut first = Page::open(&server, &token).await;
    first.send(json!({ "type": "hello", "mode": "text" })).await;
    first.until_listening().await;
    first
        .send(json!({ "type": "text", "text": "From the first tab." }))
        .await;
    first.until_listening().await;
    let (attempt_after_first, _) = idle_deadlines(&server, &token).await;

    let mut second = Page::open(&server, &token).await;
    second
        .send(json!({ "type": "hello", "mode": "text", "resume": true }))
        .await;
    second.until_listening().await;
    second
        .send(json!({ "type": "text", "text": "From the second tab." }))
        .await;
    second.until_listening().await;
    first
        .send(json!({ "type": "text", "text": "The first tab again." }))
        .await;
    first.until_listening().await;
    let turns = stored_turns(&server, &token).await;
    let said: Vec<&str> = turns
        .iter()
        .filter(|t| t["role"] == "participant")
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        said,
        [
            "From the first tab.",
            "From the second tab.",
            "The first tab again."
        ]
    );
    // Each stored answer moves the attempt's and the slot's idle deadline together.
    let (attempt, slot) = idle_deadlines(&server, &token).await;
    assert_eq!(attempt, slot);
    assert!(
        attempt > attempt_after_first,
        "{attempt} <= {attempt_after_first}"
    );

    set(
        &server,
        "UPDATE interviews SET invite_revoked_at = 1 WHERE invite_token = $1",
        &token,
    )
    .await;
    first
        .send(json!({ "type": "text", "text": "After the revoke." }))
        .await;
    let ended = first.until_type("ended").await;
    assert_eq!(ended["reason"], "revoked");
    assert_eq!(stored_turns(&server, &token).await.len(), turns.len());
}

/// The idle deadlines (ms) of the live attempt behind `token` and of the slot it holds.
async fn idle_deadlines(server: &TestServer, token: &str) -> (i64, i64) {
    on_db!(&db(server).await, |s| sqlx::query_as(
        "SELECT a.lease_until, c.lease_until FROM call_attempts a \
         JOIN interviews i ON i.id = a.interview_id \
         JOIN company_slots c ON c.holder_attempt_id = a.id AND c.holder_fence = a.fence \
         WHERE i.invite_token = $1 AND a.status = 'IN_PROGRESS'"
    )
    .bind(token)
    .fetch_one(s.pool())
    .await)
    .unwrap()
}

/// The live session's stored conversation behind `token`.
async fn stored_turns(server: &TestServer, token: &str) -> Vec<serde_json::Value> {
    let text: String = on_db!(&db(server).await, |s| sqlx::query_scalar(
        "SELECT s.turns FROM online_sessions s JOIN interviews i ON i.id = s.interview_id \
         WHERE i.invite_token = $1"
    )
    .bind(token)
    .fetch_one(s.pool())
    .await)
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_job_openings_public_link_takes_an_application_to_the_interview() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let created = c
        .post("/api/v1/job-openings", json!({ "name": "Cashier - NYC", "job_type": { "name": "Cashier", "job_description": "Handle the till and greet customers." } }))
        .await
        .expect(200);
    let link = created.str("/data/job_opening/interview_link");
    let path = link.trim_start_matches(&server.base).to_owned();
    let (status, _, html) = browse(&server, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-page=\"opening\""), "{html}");
    assert!(html.contains("Cashier - NYC"));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let apply = |form: &'static [(&'static str, &'static str)]| {
        let http = http.clone();
        let url = format!("{link}/apply");
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('@', "%40").replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        async move {
            http.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let bad = apply(&[("first_name", "Ana"), ("email", "not an address")]).await;
    assert_eq!(bad.status().as_u16(), 400);
    let html = bad.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("value=\"Ana\""), "the values are kept");

    let form = &[
        ("first_name", "Ana"),
        ("last_name", "Diaz"),
        ("email", "ana@example.com"),
    ];
    let first = apply(form).await;
    assert_eq!(first.status().as_u16(), 303);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/i/", server.base)),
        "{location}"
    );
    assert_ne!(location, link);
    // The same address again: the link goes to that address by e-mail, never to whoever typed it.
    let again = apply(&[("first_name", "Eve"), ("email", "ana@example.com")]).await;
    assert_eq!(again.status().as_u16(), 200);
    let html = again.text().await.unwrap();
    assert!(html.contains("id=\"mailed\""), "{html}");
    assert!(
        !html.contains(&location),
        "the page does not reveal the interview"
    );
    let (status, _, html) = browse(&server, location.trim_start_matches(&server.base)).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-page=\"start\""));
    // The contact is on the opening, with one interview.
    let contacts = c.get("/api/v1/contacts").await.expect(200);
    assert!(
        contacts.text.contains("ana@example.com"),
        "{}",
        contacts.text
    );
    assert!(
        !contacts.text.contains("Eve"),
        "an anonymous form changes no contact"
    );

    // A restricted opening's link takes no applications.
    let restricted = c
        .post("/api/v1/job-openings", json!({ "name": "Invite only", "link_access": { "restricted": true }, "job_type": { "name": "Stocker", "job_description": "Fill the shelves and count the stock." } }))
        .await
        .expect(200);
    let link = restricted.str("/data/job_opening/interview_link");
    let (status, _, _) = browse(&server, link.trim_start_matches(&server.base)).await;
    assert_eq!(status, 404);
}

/// An opening's link is found through its index, not by reading every job: anyone may ask
/// for an unknown `/i/{token}`, and each such request looks for an opening with that slug.
/// (On PostgreSQL the table scan is switched off for the check: a table of two jobs would
/// otherwise be scanned, index or not.)
#[tokio::test]
async fn an_openings_link_is_found_through_its_index() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let created = server
        .client(&acme.key)
        .post("/api/v1/job-openings", json!({ "name": "Baker", "job_type": { "name": "Baker", "job_description": "Bake the bread before the shop opens." } }))
        .await
        .expect(200);
    let link = created.str("/data/job_opening/interview_link");
    let slug = link.rsplit('/').next().unwrap().to_owned();
    let plan = match db(&server).await {
        Db::Sqlite(s) => {
            let sql = format!(
                "EXPLAIN QUERY PLAN {}",
                interviewd::store::sqlite::engine::JOB_BY_LINK
            );
            let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&slug)
                .fetch_all(s.pool())
                .await
                .unwrap();
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
        }
        Db::Pg(s) => {
            let mut conn = s.pool().acquire().await.unwrap();
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            let sql = format!(
                "EXPLAIN {}",
                interviewd::store::postgres::engine::JOB_BY_LINK
            );
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(&slug)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            sqlx::query("RESET enable_seqscan")
                .execute(&mut *conn)
                .await
                .unwrap();
            rows.join("\n")
        }
    };
    assert!(plan.contains("jobs_link_slug"), "{plan}");
    // And the lookup finds the opening.
    let path = link.trim_start_matches(&server.base).to_owned();
    let (status, _, html) = browse(&server, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-page=\"opening\""), "{html}");
}
