//! The instaview dialect against the vendor's pages.

use crate::support::TestServer;
use crate::webhooks_support::{WAIT, body, create_webhook, fast, online_interview};
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::{Value, json};

/// An ATS key that names no company creates a global endpoint, which receives the events of
/// every company the key manages and of no other; `GET /webhooks` without `companyId` lists it
/// with the endpoints of the key's companies, with `companyId` only that company's own:
/// <https://docs.instaview.sk/api-reference/webhooks/create-webhook> ("If omitted, webhook
/// will receive events for all companies accessible by the API key"),
/// <https://docs.instaview.sk/api-reference/webhooks/list-webhooks>.
#[tokio::test]
async fn i27_global_endpoints_of_ats_keys() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let third = server.company("Third").await;
    let scopes = "read:webhooks,write:webhooks";
    let ats = server.client(&server.ats_key(&[&acme.id, &beta.id], scopes).await);
    let events = json!(["interview.scheduled"]);
    let global = create_webhook(&ats, &receiver.url("/global"), events.clone(), json!({})).await;
    assert_eq!(global["companyId"], Value::Null);
    assert!(global["signingSecret"].is_string());
    let id = global["id"].as_str().unwrap();
    let own = json!({ "companyId": acme.id });
    create_webhook(&ats, &receiver.url("/acme"), events, own).await;
    assert_eq!(ats.get("/v1/webhooks").await.expect(200).body["total"], 2);
    let of_acme = ats
        .get(&format!("/v1/webhooks?companyId={}", acme.id))
        .await;
    assert_eq!(of_acme.expect(200).body["total"], 1);
    assert_eq!(
        ats.get(&format!("/v1/webhooks/{id}"))
            .await
            .expect(200)
            .body["id"],
        id
    );

    // Events of both managed companies reach it; the third company's do not.
    for (company, email) in [(&acme, "a@example.com"), (&beta, "b@example.com")] {
        online_interview(&server.client(&company.key), email).await;
    }
    online_interview(&server.client(&third.key), "c@example.com").await;
    receiver.wait_for(3, WAIT).await;
    server.run_pending_background_jobs().await;
    let got = receiver.requests();
    assert_eq!(got.len(), 3);
    let to_global: Vec<Value> = got
        .iter()
        .filter(|r| r.path == "/global")
        .map(body)
        .collect();
    assert_eq!(to_global.len(), 2);
    assert!(
        to_global
            .iter()
            .all(|p| p["event"] == "interview.scheduled")
    );
    let log = crate::webhooks_delivery::wait_for_log(&ats, id, 2).await;
    assert_eq!(log["total"], 2);

    // Not the company's own endpoint, nor another ATS key's.
    let acme_key = server.client(&acme.key);
    acme_key
        .get(&format!("/v1/webhooks/{id}"))
        .await
        .expect(404);
    assert_eq!(
        acme_key.get("/v1/webhooks").await.expect(200).body["total"],
        1
    );
    let rival = server.client(&server.ats_key(&[&acme.id], scopes).await);
    rival.get(&format!("/v1/webhooks/{id}")).await.expect(403);
    rival
        .delete(&format!("/v1/webhooks/{id}"))
        .await
        .expect(403);
    ats.delete(&format!("/v1/webhooks/{id}")).await.expect(204);
    ats.get(&format!("/v1/webhooks/{id}")).await.expect(404);
}

/// `GET /billing/usage` in the vendor's minutes shape (credit fields omitted), from what the
/// engine recorded: a completed phone interview counts with its minutes; an ATS key gets every
/// company it manages and the totals:
/// <https://docs.instaview.sk/api-reference/billing/get-usage>,
/// <https://docs.instaview.sk/guides/resources/billing>.
#[tokio::test]
async fn i18_billing_usage_in_minutes() {
    let server = TestServer::start_with(crate::engine::fast).await;
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let c = server.client(&acme.key);
    let empty = c.get("/v1/billing/usage").await.expect(200).body;
    assert_eq!(empty["totalInterviews"], 0);
    assert_eq!(empty["totalMinutesUsed"], 0.0);
    assert!(empty.get("totalCreditsUsed").is_none());

    let f = crate::support::fixture(&c, "+14155550100", "ann@example.com").await;
    crate::engine::wait_status(&c, &f.interview, "COMPLETED").await;
    let usage = c.get("/v1/billing/usage").await.expect(200).body;
    let company = &usage["companies"][0];
    assert_eq!(usage["companies"].as_array().unwrap().len(), 1);
    assert_eq!(company["companyId"], acme.id.as_str());
    assert_eq!(company["companyName"], "Acme");
    assert_eq!(company["billingSystem"], "minutes");
    assert_eq!(company["totalInterviews"], 1);
    assert!(company.get("totalCreditsUsed").is_none());
    let breakdown = &company["breakdownByCostKey"][0];
    assert_eq!(breakdown["costKey"], "interview_minutes");
    assert_eq!(breakdown["events"], 1);
    assert!(breakdown.get("creditsUsed").is_none());
    assert_eq!(usage["totalInterviews"], 1);
    assert_eq!(usage["totalMinutesUsed"], company["totalMinutesUsed"]);

    // A window before the interview: nothing.
    let old = c
        .get("/v1/billing/usage?start=2020-01-01&end=2020-01-31")
        .await;
    assert_eq!(old.expect(200).body["totalInterviews"], 0);
    let bad = c.get("/v1/billing/usage?start=yesterday").await.expect(400);
    assert_eq!(bad.body["error"]["details"]["field"], "start");
    let weak = server.client(&server.key(&acme.id, "read:jobs").await);
    weak.get("/v1/billing/usage").await.expect(403);

    let ats = server.client(&server.ats_key(&[&acme.id, &beta.id], "read:billing").await);
    let both = ats.get("/v1/billing/usage").await.expect(200).body;
    assert_eq!(both["companies"].as_array().unwrap().len(), 2);
    assert_eq!(both["totalInterviews"], 1);
    let one = ats
        .get(&format!("/v1/billing/usage?companyId={}", beta.id))
        .await;
    assert_eq!(one.expect(200).body["totalInterviews"], 0);
}

/// The candidate object's counters and `overallRating`: `null` before any analysis, then the
/// `general.overallRating` of the candidate's most recent analysis, with `analysisCount`,
/// `interviewCount` and `links`:
/// <https://docs.instaview.sk/api-reference/candidates/get-candidate>,
/// <https://docs.instaview.sk/guides/resources/candidates>.
#[tokio::test]
async fn i_candidate_overall_rating_is_the_latest_analysis() {
    let server = TestServer::start_with(crate::engine::fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = crate::support::fixture(&c, "+14155550100", "ann@example.com").await;
    let done = crate::engine::wait_status(&c, &f.interview, "COMPLETED").await;
    let rating = done["analysis"]["general"]["overallRating"].clone();
    assert!(rating.is_u64(), "{done}");
    let candidate = c
        .get(&format!("/v1/candidates/{}", f.candidate))
        .await
        .expect(200)
        .body;
    assert_eq!(candidate["overallRating"], rating, "{candidate}");
    assert_eq!(candidate["analysisCount"], 1);
    assert_eq!(candidate["interviewCount"], 1);
    assert_eq!(
        candidate["links"]["analyses"],
        format!("/v1/candidates/{}/analyses", f.candidate)
    );
    let listed = c.get("/v1/candidates").await.expect(200).body;
    assert_eq!(listed["data"][0]["overallRating"], rating, "{listed}");

    // A candidate without an analysis has none.
    let fresh = c
        .post(
            "/v1/candidates",
            json!({ "firstName": "Bo", "email": "bo@example.com", "jobId": f.job }),
        )
        .await
        .expect(201)
        .body;
    let fresh = if fresh.get("data").is_some() {
        &fresh["data"]
    } else {
        &fresh
    };
    assert_eq!(fresh["overallRating"], Value::Null, "{fresh}");
    assert_eq!(fresh["analysisCount"], 0);
    let none = c
        .get(&format!(
            "/v1/candidates/{}/analyses",
            fresh["id"].as_str().unwrap()
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(
        (none["data"].clone(), none["total"].clone()),
        (json!([]), json!(0))
    );
}

/// List items carry their analysis, as the vendor's list example shows (`data[].analysis`,
/// <https://docs.instaview.sk/api-reference/interviews/list-interviews>), and the candidate's
/// `links.analyses` (<https://docs.instaview.sk/api-reference/candidates/get-candidate>) leads
/// to a page of the candidate's analyses, each the interview's `analysis` with its
/// `interviewId` (the shape is not documented by the vendor; docs/api-instaview.md).
#[tokio::test]
async fn i_list_items_and_the_candidate_link_carry_the_analyses() {
    let server = TestServer::start_with(crate::engine::fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let c = server.client(&acme.key);
    let f = crate::support::fixture(&c, "+14155550101", "cy@example.com").await;
    let done = crate::engine::wait_status(&c, &f.interview, "COMPLETED").await;
    assert!(done["analysis"].is_object(), "{done}");
    let listed = c
        .get(&format!("/v1/interviews?candidateId={}", f.candidate))
        .await
        .expect(200)
        .body;
    assert_eq!(listed["data"][0]["id"], f.interview.as_str());
    assert_eq!(listed["data"][0]["analysis"], done["analysis"], "{listed}");
    // A scheduled interview of the same candidate has none yet.
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let scheduled = c
        .post(
            "/v1/interviews",
            json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduledAt": later }),
        )
        .await
        .expect(201)
        .str("/id");
    let all = c.get("/v1/interviews").await.expect(200).body;
    let item = |id: &str| {
        all["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(item(&f.interview)["analysis"], done["analysis"]);
    assert_eq!(item(&scheduled)["analysis"], Value::Null);

    let candidate = c
        .get(&format!("/v1/candidates/{}", f.candidate))
        .await
        .expect(200)
        .body;
    let link = candidate["links"]["analyses"].as_str().unwrap().to_owned();
    assert_eq!(link, format!("/v1/candidates/{}/analyses", f.candidate));
    let page = c.get(&link).await.expect(200).body;
    assert_eq!(page["total"], 1, "{page}");
    let first = &page["data"][0];
    assert_eq!(first["interviewId"], f.interview.as_str());
    let mut expected = done["analysis"].clone();
    expected["interviewId"] = json!(f.interview);
    assert_eq!(first, &expected);
    let by_link = c
        .get(candidate["links"]["interviews"].as_str().unwrap())
        .await;
    assert_eq!(by_link.expect(200).body["total"], 2);

    // Another company's key, a key without read:interviews, bad ids and pages.
    let foreign = server.client(&other.key).get(&link).await.expect(403);
    assert_eq!(foreign.code(), "COMPANY_MISMATCH");
    let narrow = server.client(&server.key(&acme.id, "read:candidates").await);
    narrow.get(&link).await.expect(403);
    c.get(&format!("/v1/candidates/{}/analyses", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    c.get("/v1/candidates/x/analyses").await.expect(400);
    c.get(&format!("{link}?limit=0")).await.expect(400);
    let second = c
        .get(&format!("{link}?page=2&limit=1"))
        .await
        .expect(200)
        .body;
    assert_eq!(
        (second["data"].clone(), second["total"].clone()),
        (json!([]), json!(1))
    );
}

/// `analysis.general.education` and `.experience` are strings on the vendor's interview
/// (<https://docs.instaview.sk/api-reference/interviews/get-interview>): here each is the
/// candidate's own sentence about it, and `null` when they did not speak of it
/// (docs/api-instaview.md).
#[tokio::test]
async fn i_education_and_experience_are_the_candidates_own_words() {
    let server = TestServer::start_with(crate::engine::fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let (id, _) = online_interview(&c, "edu@example.com").await;
    let link = c
        .get(&format!("/v1/interviews/{id}"))
        .await
        .expect(200)
        .str("/inviteUrl");
    crate::xobin_report::take_interview_saying(
        &server,
        &link,
        "I have shipped Rust services for seven years. Before that I did a master's in \
         computer science at Comenius University.",
    )
    .await;
    let done = crate::engine::wait_status(&c, &id, "COMPLETED").await;
    let general = &done["analysis"]["general"];
    assert_eq!(
        general["experience"],
        "I have shipped Rust services for seven years."
    );
    assert_eq!(
        general["education"],
        "Before that I did a master's in computer science at Comenius University."
    );

    let (quiet, _) = online_interview(&c, "quiet@example.com").await;
    let link = c
        .get(&format!("/v1/interviews/{quiet}"))
        .await
        .expect(200)
        .str("/inviteUrl");
    crate::xobin_report::take_interview_saying(&server, &link, "Rust, because it is safe.").await;
    let done = crate::engine::wait_status(&c, &quiet, "COMPLETED").await;
    assert_eq!(done["analysis"]["general"]["education"], Value::Null);
    assert_eq!(done["analysis"]["general"]["experience"], Value::Null);
}

/// What the create- and update-agent pages accept
/// (<https://docs.instaview.sk/api-reference/agents/create-agent>,
/// <https://docs.instaview.sk/api-reference/agents/update-agent>): `duration` 1–180 minutes,
/// the 32 language codes and `UNDEFINED`, and `metadata` ("max 10KB, 5 levels deep, 50
/// keys"), which an update merges into the stored one.
#[tokio::test]
async fn i_agents_take_the_documented_durations_languages_and_metadata() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let created = c
        .post(
            "/v1/agents",
            json!({
                "name": "Tagalog screen", "language": "FIL", "duration": 180,
                "metadata": { "department": "Sales", "internalId": "AGENT-001" },
            }),
        )
        .await
        .expect(201);
    assert_eq!(created.body["language"], "FIL");
    assert_eq!(created.body["duration"], 180);
    assert_eq!(
        created.body["metadata"],
        json!({ "department": "Sales", "internalId": "AGENT-001" })
    );
    let id = created.str("/id");
    let path = format!("/v1/agents/{id}");
    let merged = c
        .patch(
            &path,
            json!({ "metadata": { "department": "Engineering", "internalId": null, "team": "B" } }),
        )
        .await
        .expect(200);
    assert_eq!(
        merged.body["metadata"],
        json!({ "department": "Engineering", "team": "B" })
    );
    assert_eq!(
        c.get(&path).await.expect(200).body["metadata"],
        merged.body["metadata"]
    );
    for language in ["JA", "VI", "UNDEFINED", "en"] {
        c.patch(&path, json!({ "language": language }))
            .await
            .expect(200);
    }
    c.patch(&path, json!({ "metadata": null }))
        .await
        .expect(200);
    assert_eq!(c.get(&path).await.expect(200).body["metadata"], json!({}));

    let refused = [
        json!({ "duration": 181 }),
        json!({ "duration": 0 }),
        json!({ "language": "XX" }),
        json!({ "metadata": (0..51).map(|i| (format!("k{i}"), json!(i))).collect::<serde_json::Map<_, _>>() }),
        json!({ "metadata": { "a": { "b": { "c": { "d": { "e": { "f": 1 } } } } } } }),
        json!({ "metadata": "tag" }),
    ];
    for body in refused {
        let res = c.patch(&path, body.clone()).await.expect(400);
        assert_eq!(res.code(), "VALIDATION_ERROR", "{body}");
    }
    assert_eq!(c.get(&path).await.expect(200).body["duration"], 180);
}
