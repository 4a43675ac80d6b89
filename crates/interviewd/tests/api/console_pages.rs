//! The console's pages and actions over HTTP, checked against the API: jobs with their
//! interviewer, candidates (one by one and from CSV), a phone interview run to its end and
//! shown with transcript, analysis and recording (with byte ranges), an online invite
//! revoked, an interview deleted, a candidate removed from a job.

use crate::console_support::{Browser, signed_in};
use crate::engine::{fast, wait_status};
use crate::support::{TestServer, fixture};
use crate::webhooks_support::{WAIT, body, create_webhook};
use interviewd::core::users::Role;
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::{Value, json};

/// The id at the end of a redirect's path (`/app/x/{id}?…`).
fn id_in(location: &str) -> String {
    let path = location.split('?').next().unwrap();
    path.rsplit('/').next().unwrap().to_owned()
}

/// Creates a job whose interviewer uses `channel`; returns its id.
async fn job(b: &Browser, title: &str, channel: &str) -> String {
    let done = b
        .submit(
            "/app/jobs/new",
            "/app/jobs/new",
            &[
                ("title", title),
                ("description", "Builds the interview platform."),
                ("required", "Rust, SQL"),
                ("nice", "Kubernetes"),
                ("status", "OPEN"),
                ("channel", channel),
                ("language", "EN"),
                ("duration", "10"),
                ("follow_ups", "1"),
                (
                    "questions",
                    "Tell me about Rust.\r\nHow do you index SQL tables?",
                ),
                ("guidance", "Be brief."),
            ],
        )
        .await
        .expect(303);
    let page = b.get(&done.location()).await.expect(200);
    assert!(page.text.contains("The job was saved."));
    assert!(
        page.text
            .contains("Tell me about Rust.\nHow do you index SQL tables?")
    );
    id_in(&done.location())
}

/// Creates a candidate; returns their id.
async fn candidate(b: &Browser, email: &str, phone: &str) -> String {
    let done = b
        .submit(
            "/app/candidates/new",
            "/app/candidates/new",
            &[
                ("first_name", "Ann"),
                ("last_name", "Lee"),
                ("email", email),
                ("phone", phone),
            ],
        )
        .await
        .expect(303);
    id_in(&done.location())
}

#[tokio::test]
async fn a_phone_interview_scheduled_in_the_console_shows_its_results() {
    let server = TestServer::start_with(fast).await;
    let (p, b) = signed_in(&server, "Acme", Role::Admin).await;
    let api = server.client(&p.key);
    let phone_job = job(&b, "Data Engineer", "PHONE").await;
    job(&b, "Support Agent", "ONLINE").await;
    let ann = candidate(&b, "ann@example.com", "+1 (415) 555-0100").await;

    let refused = b
        .submit(
            "/app/candidates/new",
            "/app/candidates/new",
            &[("email", "not-an-email")],
        )
        .await
        .expect(400);
    assert!(refused.text.contains("e-mail"), "{}", refused.text);

    // Only jobs with a phone interviewer are offered for a call.
    let form = b
        .get(&format!("/app/candidates/{ann}/call"))
        .await
        .expect(200);
    assert!(form.text.contains("Data Engineer") && !form.text.contains("Support Agent"));
    assert!(
        form.text.contains("+14155550100"),
        "the number that will be called"
    );
    let done = b
        .post(
            &format!("/app/candidates/{ann}/call"),
            &[("_csrf", &form.csrf()), ("job", &phone_job), ("at", "")],
        )
        .await
        .expect(303);
    assert!(done.location().ends_with("?done=scheduled"));
    let interview = id_in(&done.location());
    let body = wait_status(&api, &interview, "COMPLETED").await;
    assert_eq!(body["jobId"], phone_job.as_str());

    let page = b
        .get(&format!("/app/interviews/{interview}"))
        .await
        .expect(200);
    for expected in [
        "Interview with Ann Lee",
        "Analysis",
        "/5",
        "Built-in scorer",
        "Tell me about Rust.",
        "id=\"turn-1\"",
        "href=\"#turn-",
        "<audio controls",
        "COMPLETED",
    ] {
        assert!(
            page.text.contains(expected),
            "{expected} missing in:\n{}",
            page.text
        );
    }
    // Finished: the live part no longer polls.
    assert!(!page.text.contains("hx-trigger=\"every"));

    // The recording, whole and by ranges.
    let attempt = body["callAttempts"][0]["id"].as_str().unwrap();
    let url = format!("/app/interviews/{interview}/attempts/{attempt}/recording");
    assert!(page.text.contains(&url));
    let whole = b.get(&url).await.expect(200);
    assert_eq!(whole.headers["content-type"], "audio/wav");
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    let len = whole.headers["content-length"]
        .to_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    let part = b.get_range(&url, "bytes=0-99").await.expect(206);
    assert_eq!(
        part.headers["content-range"].to_str().unwrap(),
        format!("bytes 0-99/{len}")
    );
    assert_eq!(part.headers["content-length"], "100");
    b.get_range(&url, &format!("bytes={len}-"))
        .await
        .expect(416);
    // Another browser, not signed in, is sent to sign in.
    Browser::new(&server).get(&url).await.expect(303);

    // The live fragment: unchanged status, no reload; changed, reload.
    let same = b
        .get_fragment(&format!("/app/interviews/{interview}/live?was=COMPLETED"))
        .await
        .expect(200);
    assert!(!same.headers.contains_key("hx-refresh") && !same.text.contains("<html"));
    let changed = b
        .get_fragment(&format!("/app/interviews/{interview}/live?was=IN_PROGRESS"))
        .await
        .expect(200);
    assert_eq!(changed.headers["hx-refresh"], "true");

    // The list, filtered, as a page and as a fragment.
    let list = b
        .get("/app/interviews?status=COMPLETED&q=ann")
        .await
        .expect(200);
    assert!(list.text.contains("Ann Lee") && list.text.contains("<html"));
    let fragment = b
        .get_fragment("/app/interviews?status=COMPLETED&q=ann")
        .await
        .expect(200);
    assert!(fragment.text.contains("Ann Lee") && !fragment.text.contains("<html"));
    let none = b.get("/app/interviews?q=nobody").await.expect(200);
    assert!(none.text.contains("No interview matches"));
    b.get("/app/interviews?from=yesterday").await.expect(400);
    let overview = b.get("/app").await.expect(200);
    assert!(
        overview.text.contains("of 10</strong> live sessions"),
        "{}",
        overview.text
    );

    // Delete it: the API no longer has it.
    let confirm = b
        .get(&format!("/app/interviews/{interview}/delete"))
        .await
        .expect(200);
    assert!(confirm.text.contains("recording files") && confirm.text.contains("cannot be undone"));
    let gone = b
        .post(
            &format!("/app/interviews/{interview}/delete"),
            &[("_csrf", &confirm.csrf())],
        )
        .await
        .expect(303);
    assert_eq!(gone.location(), "/app/interviews?done=deleted");
    api.get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(404);
    b.get(&format!("/app/interviews/{interview}"))
        .await
        .expect(404);
}

#[tokio::test]
async fn an_online_invite_is_created_revoked_and_its_candidate_removed_from_the_job() {
    let server = TestServer::start_with(fast).await;
    let (p, b) = signed_in(&server, "Acme", Role::Admin).await;
    let api = server.client(&p.key);
    let online_job = job(&b, "Support Agent", "ONLINE").await;
    let ann = candidate(&b, "ann@example.com", "").await;

    let form = b
        .get(&format!("/app/candidates/{ann}/invite"))
        .await
        .expect(200);
    assert!(
        form.text
            .contains("an e-mail with the link is sent to <strong>ann@example.com")
    );
    let done = b
        .post(
            &format!("/app/candidates/{ann}/invite"),
            &[("_csrf", &form.csrf()), ("job", &online_job), ("send", "1")],
        )
        .await
        .expect(303);
    let interview = id_in(&done.location());
    let page = b.get(&done.location()).await.expect(200);
    assert!(page.text.contains("The invite was created."));
    assert!(
        page.text.contains(&format!("{}/i/", server.base)),
        "the invite link"
    );
    assert!(
        page.text.contains("hx-trigger=\"every 10s\""),
        "a scheduled interview is watched"
    );
    let api_view = api
        .get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    assert_eq!(api_view.body["status"], "SCHEDULED");

    // Revoke, notifying the candidate.
    let confirm = b
        .get(&format!("/app/interviews/{interview}/revoke"))
        .await
        .expect(200);
    assert!(confirm.text.contains("The invite link stops working"));
    assert!(confirm.text.contains("E-mail ann@example.com"));
    let revoked = b
        .post(
            &format!("/app/interviews/{interview}/revoke"),
            &[("_csrf", &confirm.csrf()), ("notify", "1")],
        )
        .await
        .expect(303);
    assert!(revoked.location().ends_with("?done=revoked"));
    let after = api
        .get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    assert_eq!(after.body["status"], "CANCELLED");
    // Again: already revoked, nothing changes.
    let again = b
        .post(
            &format!("/app/interviews/{interview}/revoke"),
            &[("_csrf", &confirm.csrf())],
        )
        .await
        .expect(303);
    assert!(again.location().ends_with("?done=already-revoked"));

    // Remove the candidate from the job: the interview goes, the candidate stays.
    let confirm = b
        .get(&format!("/app/candidates/{ann}/jobs/{online_job}/remove"))
        .await
        .expect(200);
    assert!(
        confirm
            .text
            .contains("1 interview of Ann Lee for this job is deleted")
    );
    b.post(
        &format!("/app/candidates/{ann}/jobs/{online_job}/remove"),
        &[("_csrf", &confirm.csrf())],
    )
    .await
    .expect(303);
    api.get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(404);
    let kept = b
        .get(&format!("/app/candidates/{ann}?done=removed"))
        .await
        .expect(200);
    assert!(
        kept.text
            .contains("The candidate was removed from the job.")
    );
    assert!(kept.text.contains("Not linked to any job yet"));
}

#[tokio::test]
async fn a_csv_import_reports_every_bad_row_and_imports_only_a_clean_file() {
    let server = TestServer::start().await;
    let (_, b) = signed_in(&server, "Acme", Role::Member).await;
    candidate(&b, "taken@example.com", "").await;
    let csrf = b.get("/app/candidates/import").await.expect(200).csrf();
    let bad = "first_name,last_name,email,phone\n\
               Bo,Ray,bo@example.com,\n\
               Cy,Day,not-an-address,\n\
               Di,Eve,taken@example.com,\n\
               Ed,Fay,bo@example.com,\n\
               Flo,,,\n";
    let page = b
        .post_multipart(
            "/app/candidates/import",
            &[
                ("_csrf", None, &csrf),
                ("job", None, ""),
                ("file", Some("people.csv"), bad),
            ],
        )
        .await
        .expect(400);
    assert!(
        page.text.contains("4 of 5 rows cannot be imported"),
        "{}",
        page.text
    );
    for (line, words) in [
        ("3", "e-mail"),
        ("4", "already exists"),
        ("5", "earlier line"),
        ("6", "e-mail address or a phone number"),
    ] {
        let row = format!("<tr><th scope=\"row\">{line}</th><td>");
        let at = page
            .text
            .find(&row)
            .unwrap_or_else(|| panic!("line {line} not reported"));
        assert!(page.text[at..].contains(words), "line {line}: {words}");
    }
    let list = b.get("/app/candidates").await.expect(200);
    assert!(
        !list.text.contains("bo@example.com"),
        "nothing was imported"
    );

    let good = "name,email,phone\nBo Ray,bo@example.com,\nCy Day,,+44 20 7946 0958\n";
    let page = b
        .post_multipart(
            "/app/candidates/import",
            &[("_csrf", None, &csrf), ("text", None, good)],
        )
        .await
        .expect(200);
    assert!(page.text.contains("2 candidates were imported."));
    let list = b.get("/app/candidates?q=ray").await.expect(200);
    assert!(list.text.contains("Bo Ray") && list.text.contains("bo@example.com"));
    // Without its token the upload is refused like any form.
    b.post_multipart("/app/candidates/import", &[("text", None, good)])
        .await
        .expect(403);
}

/// A recruiter advances, then rejects, a completed interview in the console. An endpoint in
/// Alpharun's format hears `interview.advanced` and then `interview.rejected`, each with
/// Alpharun's interview object (<https://dev.alpharun.com/api-reference/webhook/interview-webhooks>);
/// deciding what was already decided sends nothing; a removed interview cannot be decided.
#[tokio::test]
async fn a_decision_reaches_alpharun_endpoints_once_per_change() {
    let server = TestServer::start_with(|c| {
        fast(c);
        crate::webhooks_support::fast(c);
    })
    .await;
    let (p, b) = signed_in(&server, "Acme", Role::Member).await;
    let api = server.client(&p.key);
    let receiver = TestWebhookReceiver::start().await.unwrap();
    create_webhook(
        &api,
        &receiver.url("/alpharun"),
        json!(["INTERVIEW_ADVANCED", "interview.rejected"]),
        json!({ "format": "alpharun" }),
    )
    .await;
    let f = fixture(&api, "+14155550100", "ann@example.com").await;
    wait_status(&api, &f.interview, "COMPLETED").await;

    let path = format!("/app/interviews/{}", f.interview);
    let page = b.get(&path).await.expect(200);
    assert!(page.text.contains("No decision yet."), "{}", page.text);
    let confirm = b
        .get(&format!("{path}/decision?decision=REJECTED"))
        .await
        .expect(200);
    assert!(confirm.text.contains("Reject Ann Lee?"), "{}", confirm.text);
    assert!(confirm.text.contains("interview.rejected"));
    assert_eq!(
        b.get(&format!("{path}/decision?decision=MAYBE"))
            .await
            .status,
        400
    );
    assert_eq!(b.get(&format!("{path}/decision")).await.status, 400);
    let csrf = page.csrf();
    let decide = |decision: &'static str| {
        let (b, path, csrf) = (&b, &path, &csrf);
        async move {
            b.post(
                &format!("{path}/decision"),
                &[("_csrf", csrf.as_str()), ("decision", decision)],
            )
            .await
        }
    };
    let done = decide("ADVANCED").await.expect(303);
    assert!(done.location().ends_with("?done=advanced"));
    let page = b.get(&done.location()).await.expect(200);
    assert!(page.text.contains("The candidate was advanced."));
    assert!(page.text.contains("decision-ADVANCED"));
    assert!(page.text.contains(&format!("by {}", p.email)));
    assert!(page.text.contains("Reject instead"));
    let again = decide("ADVANCED").await.expect(303);
    assert!(again.location().ends_with("?done=decision-unchanged"));
    decide("REJECTED").await.expect(303);
    assert_eq!(decide("MAYBE").await.status, 400);
    assert_eq!(decide("").await.status, 400);

    let got = receiver.wait_for(2, WAIT).await;
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 2, "one message per change");
    let bodies: Vec<Value> = got.iter().map(body).collect();
    let mut names: Vec<&str> = bodies
        .iter()
        .map(|b| b["event_type"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["interview.advanced", "interview.rejected"]);
    for b in &bodies {
        let i = &b["interview"];
        assert_eq!(i["id"], f.interview.as_str());
        assert_eq!(i["status"], "completed");
        assert_eq!(i["contact"]["email"], "ann@example.com");
        assert!(i["insights"]["assessment_score"].is_u64(), "{i}");
    }
    let page = b.get(&path).await.expect(200);
    assert!(page.text.contains("decision-REJECTED"));
    assert!(page.text.contains("Advance instead"));
    let list = b.get("/app/interviews").await.expect(200);
    assert!(
        list.text
            .contains(r#"<span class="badge decision-REJECTED">Rejected</span>"#),
        "the list shows the decision"
    );

    // Gone with the interview: the decision cannot be made or seen again.
    api.delete(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
    assert_eq!(decide("ADVANCED").await.status, 404);
    assert_eq!(b.get(&path).await.status, 404);
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 2, "nothing after the removal");
}
