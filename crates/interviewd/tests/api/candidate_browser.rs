//! The candidate's page in a real browser against this server (`e2e/candidate/real-*.test.js`,
//! headless Debian Chromium): a typed interview by keyboard alone to its transcript, analysis
//! and webhook; a spoken one through Chromium's fake microphone and the real speech engines
//! (`tools/speech-server.py`) to a transcript with the spoken words and a recording with both
//! voices; and every state page of an invite link, a revoke while the start page is open and
//! a delete during a live session. Skipped with a loud line where Node, Chromium or the e2e
//! modules (or, for the voice test, the speech server) are missing, unless
//! `INTERVIEWD_REAL_PARTS=1`.
//!
//! With `INTERVIEWD_E2E_SCREENSHOTS=<dir>` the scripts also photograph each page into that
//! directory (`node e2e/candidate/screenshots.js` regenerates `docs/screenshots/candidate/`).

use crate::browser_support::{available, run_node_test};
use crate::candidate_live::channel_energy;
use crate::engine::{fast, wait_slots_free, wait_status};
use crate::engine_online::online_interview;
use crate::support::{Client, Db, TestServer, candidate_lines, db, on_db};
use crate::webhooks_support::{assert_signed, body, create_webhook};
use crate::xobin::{ai_interview, invite, invite_body, xb, xb_get};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use interviewd_domain::Plan;
use interviewd_notify::testing::TestWebhookReceiver;
use interviewd_speech::stt::{OpenAiStt, SpeechToText};
use interviewd_speech::{EngineConfig, SAMPLE_RATE, pcm16le_to_samples};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_interview_by_keyboard_alone_in_a_real_browser() {
    if !available("candidate_browser::a_typed_interview_by_keyboard_alone_in_a_real_browser") {
        return;
    }
    let server = TestServer::start_with(|c| {
        fast(c);
        c.webhook_allow_private = true;
    })
    .await;
    let acme = server.company("Acme Robotics").await;
    let client = server.client(&acme.key);
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let hook = create_webhook(
        &client,
        &receiver.url("/hooks"),
        json!(["interview.completed"]),
        json!({}),
    )
    .await;
    let (id, token) = online_interview(&client, "tia@example.com").await;
    run_node_test(
        "e2e/candidate/real-text.test.js",
        &[(
            "INTERVIEWD_E2E_INVITE_URL",
            format!("{}/i/{token}", server.base),
        )],
    )
    .await;

    let done = wait_status(&client, &id, "COMPLETED").await;
    let said: Vec<(&str, &str)> = done["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["role"].as_str().unwrap(), t["text"].as_str().unwrap()))
        .collect();
    assert_eq!(said.len(), 5, "{said:?}");
    assert!(
        said[0].1.ends_with("How do you test Rust code?"),
        "{said:?}"
    );
    assert_eq!(
        said[1],
        (
            "participant",
            "I write unit tests next to the code and run cargo test in CI."
        )
    );
    assert_eq!(said[2], ("agent", "Tell me about SQL indexes."));
    assert_eq!(
        said[3],
        (
            "participant",
            "An index is a B-tree over SQL columns; it speeds up lookups."
        )
    );
    assert!(
        (0..=100).contains(
            &done["analysis"]["general"]["overallRating"]
                .as_u64()
                .unwrap()
        )
    );
    assert!(done["callAttempts"][0]["recordingUrl"].is_null(), "typed");
    wait_slots_free(&client).await;

    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "one interview.completed delivery");
    assert_signed(&got[0], hook["signingSecret"].as_str().unwrap());
    let payload = body(&got[0]);
    assert_eq!(payload["event"], "interview.completed");
    assert_eq!(payload["data"]["interviewId"], id.as_str());
    // A JSON client still gets the protocol's JSON at the same link.
    let status = server.anonymous().get(&format!("/i/{token}")).await;
    assert_eq!(
        (status.status, &status.body["status"]),
        (200, &json!("COMPLETED"))
    );
}

/// The speech server's base URLs (`INTERVIEWD_TEST_STT_URL`, `INTERVIEWD_TEST_TTS_URL`), or
/// `None` (said loudly) when the voice test cannot run.
pub(crate) fn speech_urls(test: &str) -> Option<(String, String)> {
    match (
        std::env::var("INTERVIEWD_TEST_STT_URL"),
        std::env::var("INTERVIEWD_TEST_TTS_URL"),
    ) {
        (Ok(stt), Ok(tts)) if !stt.is_empty() && !tts.is_empty() => Some((stt, tts)),
        _ if std::env::var("INTERVIEWD_REAL_PARTS").is_ok_and(|v| v == "1") => panic!(
            "{test}: INTERVIEWD_REAL_PARTS=1 but INTERVIEWD_TEST_STT_URL / INTERVIEWD_TEST_TTS_URL \
             are not set (tools/speech-server.py, started by .ci/run)"
        ),
        _ => {
            eprintln!(
                "\n*** SKIPPED {test}: INTERVIEWD_TEST_STT_URL / INTERVIEWD_TEST_TTS_URL are not \
                 set (start tools/speech-server.py) ***\n"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoken_interview_with_real_speech_engines_in_a_real_browser() {
    let test = "candidate_browser::a_spoken_interview_with_real_speech_engines_in_a_real_browser";
    let Some((stt, tts)) = speech_urls(test) else {
        return;
    };
    if !available(test) {
        return;
    }
    let server = TestServer::start_with(|c| {
        fast(c);
        c.stt_base_url = Some(stt.clone());
        c.tts_base_url = Some(tts);
        // Whisper and piper on a busy 2-core machine: generous, still bounded.
        c.speech_timeout_ms = 60_000;
    })
    .await;
    let acme = server.company("Acme Robotics").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "vic@example.com").await;
    run_node_test(
        "e2e/candidate/real-voice.test.js",
        &[(
            "INTERVIEWD_E2E_INVITE_URL",
            format!("{}/i/{token}", server.base),
        )],
    )
    .await;

    let done = wait_status(&client, &id, "COMPLETED").await;
    let transcript = done["transcript"].as_array().unwrap();
    let spoken: Vec<String> = candidate_lines(&done)
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    assert_eq!(spoken.len(), 2, "{transcript:?}");
    assert!(says_five_years(&spoken[0]), "{spoken:?}");
    assert!(spoken[1].contains("payment service"), "{spoken:?}");

    let url = done["callAttempts"][0]["recordingUrl"].as_str().unwrap();
    let wav = crate::support::recording(url, &acme.key).await;
    let (candidate, agent) = channel_energy(&wav);
    assert!(candidate > 0 && agent > 0, "{candidate} {agent}");
    // Each channel, heard on its own by the real recogniser: the candidate left, the agent
    // right.
    let stt = OpenAiStt::new(EngineConfig::new(stt, "whisper-1"))
        .unwrap()
        .with_default_language(Some("en".into()));
    let left = stt.transcribe(&channel(&wav, 0), None).await.unwrap().text;
    let right = stt.transcribe(&channel(&wav, 1), None).await.unwrap().text;
    eprintln!("recording, left: {left}\nrecording, right: {right}");
    assert!(says_five_years(&left.to_lowercase()), "{left}");
    assert!(!left.to_lowercase().contains("sql indexes"), "{left}");
    assert!(right.to_lowercase().contains("sql indexes"), "{right}");
    assert!(!says_five_years(&right.to_lowercase()), "{right}");
    let seconds = (wav.len() - 44) as f64 / f64::from(SAMPLE_RATE * 4);
    eprintln!("recording: {seconds:.1} s, energy left {candidate}, right {agent}");
    let scratch = server.config.data_dir.join("sessions");
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
}

/// Whether a (lower-case) transcript has the answer's "five years", in words or digits (the
/// recogniser writes either).
fn says_five_years(text: &str) -> bool {
    text.contains("five years") || text.contains("5 years")
}

/// One channel of a 16-bit stereo WAV.
fn channel(wav: &[u8], which: usize) -> Vec<i16> {
    pcm16le_to_samples(&wav[44..])
        .into_iter()
        .skip(which)
        .step_by(2)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_page_and_a_revoke_or_delete_while_open_in_a_real_browser() {
    let test =
        "candidate_browser::every_state_page_and_a_revoke_or_delete_while_open_in_a_real_browser";
    if !available(test) {
        return;
    }
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme Robotics").await;
    let client = server.client(&acme.key);
    client
        .patch(
            &format!("/v1/companies/{}", acme.id),
            json!({ "ownerEmail": "talent@acme.example" }),
        )
        .await
        .expect(200);
    let link = |token: &str| format!("{}/i/{token}", server.base);
    let mut cases = serde_json::Map::new();

    // Invites through Xobin: one that opens later, one revoked, one that expires (the clock
    // is moved past it below), one revoked while its start page is open.
    let ai = ai_interview(&server, &acme.key, "Senior Rust Engineer").await;
    let day = (server.clock().now() + chrono::Duration::days(2)).format("%Y-%m-%d");
    let mut later = invite_body("nia@example.com", ai);
    later["start_date"] = json!(format!("{day} 14:30"));
    let later = xobin_link(&server, &acme.key, later).await;
    let iso = format!("{day}T14:30:00Z");
    cases.insert("not_open".into(), json!({ "url": later, "iso": iso }));
    let revoked = xobin_invite(&server, &acme.key, invite_body("rex@example.com", ai)).await;
    revoke(&server, &acme.key, &revoked).await;
    cases.insert("revoked".into(), revoked["invite_link"].clone());
    let mut expiring = invite_body("eve@example.com", ai);
    let soon = server.clock().now() + chrono::Duration::minutes(2);
    expiring["expiry_date"] = json!(soon.format("%Y-%m-%d %H:%M").to_string());
    cases.insert(
        "expired".into(),
        xobin_link(&server, &acme.key, expiring).await,
    );
    let open = xobin_invite(&server, &acme.key, invite_body("ora@example.com", ai)).await;
    cases.insert("revoke_while_open".into(), open.clone());
    server.clock().advance(Duration::from_secs(3600));

    cases.insert("not_found".into(), json!(link("no-such-invite-token")));
    let (gone, gone_token) = online_interview(&client, "del@example.com").await;
    client
        .delete(&format!("/v1/interviews/{gone}"))
        .await
        .expect(200);
    cases.insert("deleted".into(), json!(link(&gone_token)));
    cases.insert(
        "finished".into(),
        json!(link(&finished(&server, &client).await)),
    );
    cases.insert("phone".into(), json!(link(&phone(&client).await)));
    let opening = client
        .post("/api/v1/job-openings", json!({ "name": "Cashier - NYC", "job_type": { "name": "Cashier", "job_description": "Handle the till and greet the customers." } }))
        .await
        .expect(200);
    cases.insert(
        "opening".into(),
        opening.body["data"]["job_opening"]["interview_link"].clone(),
    );
    let (_, start) = online_interview(&client, "sam@example.com").await;
    cases.insert("start".into(), json!(link(&start)));
    let (live_id, live) = online_interview(&client, "liv@example.com").await;
    cases.insert(
        "delete_live".into(),
        json!({ "id": live_id, "url": link(&live) }),
    );

    // A company whose only slot is taken by a session the script finishes.
    let busy_co = server.company_on("Busy Co", Plan::Business, Some(1)).await;
    let busy_client = server.client(&busy_co.key);
    let (_, holder) = online_interview(&busy_client, "hal@example.com").await;
    server
        .anonymous()
        .post(&format!("/i/{holder}/start"), json!({}))
        .await
        .expect(200);
    let (_, waiting) = online_interview(&busy_client, "wil@example.com").await;
    cases.insert(
        "busy".into(),
        json!({ "url": link(&waiting), "holder": link(&holder) }),
    );

    let control = Control::start(&server).await;
    run_node_test(
        "e2e/candidate/real-states.test.js",
        &[
            ("INTERVIEWD_E2E_BASE_URL", server.base.clone()),
            ("INTERVIEWD_E2E_API_KEY", acme.key.clone()),
            ("INTERVIEWD_E2E_CONTROL_URL", control),
            ("INTERVIEWD_E2E_CASES", Value::Object(cases).to_string()),
        ],
    )
    .await;

    // Revoked while its page was open: canceled, nothing started.
    let report = xb_get(
        &server,
        &acme.key,
        &format!("/ai-interviews/report/{}", open["response_id"]),
    )
    .await
    .expect(200);
    assert_eq!(report.body["invite_status"], "Revoked");
    // Deleted during its live session: gone, nothing kept, its slot free.
    client
        .get(&format!("/v1/interviews/{live_id}"))
        .await
        .expect(404);
    wait_slots_free(&client).await;
    wait_slots_free(&busy_client).await;
    let scratch = server.config.data_dir.join("sessions");
    let left = std::fs::read_dir(&scratch).map_or(0, Iterator::count);
    assert_eq!(left, 0, "no recording segment is left behind");
}

/// Idling pauses a session, the page says so, and the link takes the interview up again
/// where it stood.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_pauses_and_continues_in_a_real_browser() {
    if !available("candidate_browser::an_idle_session_pauses_and_continues_in_a_real_browser") {
        return;
    }
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme Robotics").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "ida@example.com").await;
    let control = Control::start(&server).await;
    run_node_test(
        "e2e/candidate/real-idle.test.js",
        &[
            (
                "INTERVIEWD_E2E_INVITE_URL",
                format!("{}/i/{token}", server.base),
            ),
            ("INTERVIEWD_E2E_INTERVIEW_ID", id),
            ("INTERVIEWD_E2E_API_KEY", acme.key.clone()),
            ("INTERVIEWD_E2E_BASE_URL", server.base.clone()),
            ("INTERVIEWD_E2E_CONTROL_URL", control),
        ],
    )
    .await;
}

/// A Xobin invite's response.
async fn xobin_invite(server: &TestServer, key: &str, body: Value) -> Value {
    invite(server, key, body).await.expect(200).body
}

/// A Xobin invite's link.
async fn xobin_link(server: &TestServer, key: &str, body: Value) -> Value {
    xobin_invite(server, key, body).await["invite_link"].clone()
}

async fn revoke(server: &TestServer, key: &str, invited: &Value) {
    let body = json!({ "response_id": invited["response_id"] });
    let res = xb(
        server,
        key,
        Method::PATCH,
        "/ai-interviews/invite/revoke",
        Some(body),
    )
    .await;
    assert_eq!(res.expect(200).body["status"], "REVOKED");
}

/// An online interview taken to its end through the JSON protocol; its token.
async fn finished(server: &TestServer, client: &Client) -> String {
    let (id, token) = online_interview(client, "fin@example.com").await;
    let link = server.anonymous();
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    for answer in ["With cargo test.", "They are B-trees."] {
        link.post(&format!("/i/{token}/answer"), json!({ "answer": answer }))
            .await
            .expect(200);
    }
    wait_status(client, &id, "COMPLETED").await;
    token
}

/// A phone interview whose call is placed tomorrow; its invite token.
async fn phone(client: &Client) -> String {
    let job = client.new_job(json!({ "title": "Support Engineer" })).await;
    let agent = client
        .new_agent(
            json!({ "name": "Caller", "type": "PHONE", "questions": ["Tell me about Rust."] }),
        )
        .await;
    let candidate = client
        .new_candidate(json!({ "firstName": "Pia", "email": "pia@example.com",
                    "phoneNumber": "+14155550100", "jobId": job }))
        .await;
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let created = client
        .post(
            "/v1/interviews",
            json!({ "candidateId": candidate, "agentId": agent, "scheduledAt": at }),
        )
        .await
        .expect(201);
    let url = created.str("/inviteUrl");
    url.rsplit('/').next().unwrap().to_owned()
}

/// What the script asks of the test that no API does: the database failing for a while
/// (`POST /database/{break|mend}` renames a table the invite link reads away and back), and
/// time passing (`POST /clock/{seconds}` moves the server's clock on).
struct Control;

impl Control {
    /// Serves the control routes on a free port; their base URL.
    async fn start(server: &TestServer) -> String {
        let db = Arc::new(db(server).await);
        let clock = server.clock().clone();
        let app = axum::Router::new()
            .route("/database/{action}", axum::routing::post(database))
            .with_state(db)
            .route(
                "/clock/{seconds}",
                axum::routing::post(move |Path(seconds): Path<u64>| async move {
                    clock.advance(Duration::from_secs(seconds));
                    StatusCode::NO_CONTENT
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }
}

async fn database(State(db): State<Arc<Db>>, Path(action): Path<String>) -> StatusCode {
    let sql = match action.as_str() {
        "break" => "ALTER TABLE online_sessions RENAME TO online_sessions_away",
        "mend" => "ALTER TABLE online_sessions_away RENAME TO online_sessions",
        _ => return StatusCode::NOT_FOUND,
    };
    on_db!(db.as_ref(), |s| sqlx::query(sql)
        .execute(s.pool())
        .await
        .map(drop))
    .unwrap();
    StatusCode::NO_CONTENT
}
