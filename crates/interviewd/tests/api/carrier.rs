//! Phone interviews through a carrier: the real server with `voice_provider = twilio` against
//! the fake carrier of `interviewd_carrier::testing`, a local Twilio that follows the
//! documented protocol message for message (REST call creation with inline TwiML
//! <https://www.twilio.com/docs/voice/api/call-resource>, signed status callbacks
//! <https://www.twilio.com/docs/usage/security>, the ConversationRelay WebSocket
//! <https://www.twilio.com/docs/voice/conversationrelay/websocket-messages>, recordings and
//! their deletion <https://www.twilio.com/docs/voice/api/recording>) and plays the caller.

use crate::engine::{
    events_of, eventually, fast, wait_slots_free, wait_status, wait_status_within,
};
use crate::support::{TestServer, candidate_lines, db, fixture};
use crate::webhooks_support::{body, create_webhook};
use interviewd::config::Config;
use interviewd::secret::Secret;
use interviewd_carrier::testing::{self, FakeCarrier, Script};
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::json;
use std::time::Duration;

const PHONE: &str = "+14155550100";

/// How long a call with the real speech engines may take.
const LONG_WAIT: Duration = Duration::from_secs(180);

/// The server's settings for `fake` (ConversationRelay, quick endings).
pub fn with_carrier(fake: &FakeCarrier) -> impl FnOnce(&mut Config) + use<> {
    let base = fake.base.clone();
    move |c: &mut Config| {
        fast(c);
        crate::webhooks_support::fast(c);
        c.voice_provider = "twilio".into();
        c.carrier_account_sid = Some(testing::ACCOUNT_SID.into());
        c.carrier_auth_token = Some(Secret::new(testing::AUTH_TOKEN));
        c.carrier_from = Some(testing::FROM.into());
        c.carrier_api_url = base;
        c.carrier_closing_pace_ms = 0;
        c.carrier_recording_wait_ms = 10_000;
        c.call_max_duration_ms = 60_000;
    }
}

#[tokio::test]
async fn a_phone_interview_is_dialled_held_recorded_and_erased_at_the_carrier() {
    let fake = FakeCarrier::start().await.unwrap();
    let server = TestServer::start_with(with_carrier(&fake)).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    create_webhook(
        &client,
        &receiver.url("/hook"),
        json!(["interview.completed"]),
        json!({}),
    )
    .await;
    let f = fixture(&client, PHONE, "ann@example.com").await;
    let done = wait_status(&client, &f.interview, "COMPLETED").await;
    wait_slots_free(&client).await;

    // The call was created as documented: inline TwiML to our relay socket, every progress
    // event, async AMD, a two-channel recording.
    let state = fake.state();
    assert_eq!(state.created.len(), 1, "{:?}", state.created);
    let created = &state.created[0];
    assert_eq!(created.field("To"), Some(PHONE));
    assert_eq!(created.field("From"), Some(testing::FROM));
    assert_eq!(
        created.fields("StatusCallbackEvent"),
        ["initiated", "ringing", "answered", "completed"]
    );
    assert_eq!(created.field("AsyncAmd"), Some("true"));
    assert_eq!(created.field("Record"), Some("true"));
    assert_eq!(created.field("RecordingChannels"), Some("dual"));
    let twiml = created.field("Twiml").unwrap();
    assert!(twiml.contains("<ConversationRelay"), "{twiml}");
    assert!(twiml.contains("/carrier/relay"), "{twiml}");
    assert!(
        !twiml.contains("Ann"),
        "no name in the carrier's logs: {twiml}"
    );
    assert_eq!(state.unauthorized, 0);
    assert!(
        state.refused_callbacks.is_empty(),
        "{:?}",
        state.refused_callbacks
    );

    // The questions reached the caller and the caller's answers reached the transcript.
    let attempts = done["callAttempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    let attempt = attempts[0]["id"].as_str().unwrap();
    let call = state.call_of(attempt).unwrap().clone();
    assert!(call.ended_by_agent, "{call:?}");
    assert!(
        call.agent_lines[0].contains("Tell me about Rust."),
        "{call:?}"
    );
    let said = candidate_lines(&done);
    assert!(!said.is_empty());
    for line in &said {
        assert!(
            call.said.iter().any(|s| s == line),
            "{line} not in {:?}",
            call.said
        );
    }

    // Recorded: the carrier's recording is in interviewd's store…
    let url = attempts[0]["recordingUrl"].as_str().unwrap();
    let wav = crate::support::recording(url, &acme.key).await;
    assert!(interviewd_voice::wav::parse_header(&wav).is_ok());
    // …analysed, and announced.
    assert!(
        done["analysis"]["general"]["overallRating"]
            .as_u64()
            .is_some(),
        "{done}"
    );
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let payload = body(&got[0]);
    assert_eq!(payload["event"], "interview.completed", "{payload}");
    // …and the carrier's copy is deleted once interviewd holds its own.
    let recording = eventually("the carrier's recording to be deleted", || async {
        let state = fake.state();
        let deleted = state.deleted_recordings.first().cloned();
        deleted.filter(|_| state.recordings.values().all(|r| r.status == "deleted"))
    })
    .await;
    assert!(recording.starts_with("RE"));

    // Removing the interview erases the call's log at the carrier too.
    client
        .delete(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
    server.run_pending_background_jobs().await;
    eventually("the call log to be deleted at the carrier", || async {
        fake.state().deleted_calls.contains(&call.sid).then_some(())
    })
    .await;
    let events = events_of(&db(&server).await, &f.interview).await;
    assert!(
        events
            .iter()
            .all(|(_, data)| !data.to_string().contains(PHONE))
    );
}

/// One interview whose every call ends as `script`; returns the attempts' reason codes.
async fn fails_at_the_carrier(script: Script, reason: &str) {
    let fake = FakeCarrier::start().await.unwrap();
    fake.default_script(script);
    let server = TestServer::start_with(|c| {
        with_carrier(&fake)(c);
        c.call_max_retries = 1;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, PHONE, "ann@example.com").await;
    let done = wait_status(&client, &f.interview, "FAILED").await;
    wait_slots_free(&client).await;
    let reasons: Vec<&str> = done["callAttempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reasonCode"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, [reason, reason]);
    assert_eq!(fake.state().created.len(), 2);
    assert!(done["transcript"].is_null());
}

#[tokio::test]
async fn no_answer_at_the_carrier_is_retried_then_fails() {
    fails_at_the_carrier(Script::NoAnswer, "NO_ANSWER").await;
}

#[tokio::test]
async fn busy_at_the_carrier_is_retried_then_fails() {
    fails_at_the_carrier(Script::Busy, "BUSY").await;
}

#[tokio::test]
async fn an_answering_machine_counts_as_no_answer() {
    fails_at_the_carrier(Script::Machine, "NO_ANSWER").await;
}

#[tokio::test]
async fn unsigned_or_mis_signed_carrier_requests_are_refused() {
    let fake = FakeCarrier::start().await.unwrap();
    let server = TestServer::start_with(with_carrier(&fake)).await;
    let url = format!("{}/carrier/status?attempt=x", server.base);
    let form = [
        ("CallSid", "CA00000000000000000000000000000000"),
        ("CallStatus", "busy"),
    ];
    let unsigned = post_form(&url, &form, None).await;
    assert_eq!(unsigned.status(), 403);
    let params: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    // Signed for another URL: refused; for this one: accepted.
    let wrong = fake.sign(&format!("{}/carrier/amd?attempt=x", server.base), &params);
    let mis_signed = post_form(&url, &form, Some(wrong)).await;
    assert_eq!(mis_signed.status(), 403);
    let right = fake.sign(&url, &params);
    let signed = post_form(&url, &form, Some(right)).await;
    assert_eq!(signed.status(), 204);
    // A WebSocket upgrade without a signature never becomes a socket.
    let ws = format!("{}/carrier/relay", server.base.replace("http://", "ws://"));
    let refused = tokio_tungstenite::connect_async(ws.as_str()).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("an unsigned upgrade was not refused: {other:?}"),
    }
}

#[tokio::test]
async fn without_a_carrier_its_routes_do_not_exist() {
    let server = TestServer::start_with(fast).await;
    let url = format!("{}/carrier/status?attempt=x", server.base);
    let res = post_form(&url, &[("CallStatus", "busy")], None).await;
    assert_eq!(res.status(), 404);
}

/// POSTs a form as the carrier does, with `signature` as `X-Twilio-Signature` when given.
async fn post_form(
    url: &str,
    form: &[(&str, &str)],
    signature: Option<String>,
) -> reqwest::Response {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(signature) = signature {
        req = req.header("X-Twilio-Signature", signature);
    }
    req.send().await.unwrap()
}

/// μ-law 8 kHz of a spoken fixture (piper-tts speech, `crates/speech/tests/fixtures`).
fn spoken_ulaw(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../speech/tests/fixtures")
        .join(name);
    testing::ulaw_of_wav(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_media_streams_call_is_heard_transcribed_and_recorded_by_interviewd() {
    use interviewd::core::engine::models::Speech;
    use interviewd_speech::testing::{InstantTts, ScriptedStt};
    use std::sync::Arc;

    let fake = FakeCarrier::start().await.unwrap();
    let answers = [
        "I have five years of experience with Rust.",
        "I led a team that built a payment service.",
    ];
    fake.default_script(Script::Talk(testing::Caller {
        audio: vec![
            spoken_ulaw("five-years.wav"),
            spoken_ulaw("payment-service.wav"),
        ],
        ..testing::Caller::default()
    }));
    let parts = interviewd::Parts {
        speech: Some(Speech {
            stt: Arc::new(ScriptedStt::new(answers)),
            tts: Arc::new(InstantTts::new().with_pace(4)),
            described: ["scripted".into(), "instant tone".into()],
        }),
        ..interviewd::Parts::default()
    };
    let server = TestServer::start_with_parts(
        |c| {
            with_carrier(&fake)(c);
            c.carrier_mode = "media".into();
        },
        parts,
    )
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, PHONE, "ann@example.com").await;
    let done = wait_status(&client, &f.interview, "COMPLETED").await;
    wait_slots_free(&client).await;

    let state = fake.state();
    let created = &state.created[0];
    let twiml = created.field("Twiml").unwrap();
    assert!(twiml.contains("<Stream"), "{twiml}");
    assert!(twiml.contains("/carrier/media"), "{twiml}");
    // interviewd records the call itself: no carrier recording asked for.
    assert_ne!(created.field("Record"), Some("true"));
    let attempt = done["callAttempts"][0]["id"].as_str().unwrap();
    let call = state.call_of(attempt).unwrap();
    // Paced at 20 ms: never more than 50 frames a second, marks echoed.
    assert!(call.media.frames > 0, "{:?}", call.media);
    assert!(call.media.max_frames_per_second <= 50, "{:?}", call.media);
    let pacer = server.server.state.carrier.as_ref().unwrap().totals().pacer;
    assert!(pacer.busiest_second <= 50, "{pacer:?}");
    assert!(!call.media.marks.is_empty(), "{:?}", call.media);
    assert!(call.media.marks_after_clear.is_empty(), "{:?}", call.media);
    let transcript = done["transcript"].as_array().unwrap();
    let said = candidate_lines(&done);
    assert_eq!(
        said.first().map(String::as_str),
        Some(answers[0]),
        "{transcript:?}"
    );
    let url = done["callAttempts"][0]["recordingUrl"].as_str().unwrap();
    crate::support::recording(url, &acme.key).await;
    assert!(
        done["analysis"]["general"]["overallRating"]
            .as_u64()
            .is_some(),
        "{done}"
    );
    assert!(state.recordings.is_empty());
}

/// The same call with the real speech engines of `.ci/run` (piper speaks the questions,
/// faster-whisper hears the caller): the caller's answers are piper-made speech
/// (`crates/speech/tests/fixtures/README.md`) sent as μ-law 8 kHz, as a phone line carries
/// them, and must come back as words in the transcript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_media_streams_call_with_real_speech_engines() {
    let test = "carrier::a_media_streams_call_with_real_speech_engines";
    let Some((stt, tts)) = crate::candidate_browser::speech_urls(test) else {
        return;
    };
    let fake = FakeCarrier::start().await.unwrap();
    // The fixture's agent asks one question.
    fake.default_script(Script::Talk(testing::Caller {
        audio: vec![spoken_ulaw("five-years.wav")],
        ..testing::Caller::default()
    }));
    let server = TestServer::start_with(|c| {
        with_carrier(&fake)(c);
        c.carrier_mode = "media".into();
        c.stt_base_url = Some(stt);
        c.tts_base_url = Some(tts);
        // Whisper and piper on a busy 2-core machine: generous, still bounded.
        c.speech_timeout_ms = 60_000;
        c.call_max_duration_ms = 240_000;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, PHONE, "ann@example.com").await;
    // piper and whisper share the two CPUs with the rest of the suite: bounded, generously.
    let done = wait_status_within(&client, &f.interview, "COMPLETED", LONG_WAIT).await;
    wait_slots_free(&client).await;

    let transcript = done["transcript"].as_array().unwrap();
    let said: Vec<String> = candidate_lines(&done)
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    eprintln!("heard over the line: {said:?}");
    assert!(
        said.first()
            .is_some_and(|s| s.contains("five years") || s.contains("5 years")),
        "{transcript:?}"
    );
    // The agent's words went out through piper and are in the transcript as it said them.
    assert!(
        transcript
            .iter()
            .any(|t| t["role"] == "agent" && t["text"].as_str().is_some_and(|t| t.contains("Rust"))),
        "{transcript:?}"
    );
    let state = fake.state();
    let attempt = done["callAttempts"][0]["id"].as_str().unwrap();
    let call = state.call_of(attempt).unwrap();
    // The questions reached the caller as audio, never more than 50 frames in a second as
    // the server sent them. (The fake carrier's arrival count is printed, not asserted, here:
    // with piper and whisper on the two CPUs its reading task is scheduled late now and then,
    // which bunches arrivals a few milliseconds closer than they were sent.)
    assert!(call.media.frames > 0, "{:?}", call.media);
    let pacer = server.server.state.carrier.as_ref().unwrap().totals().pacer;
    assert!(pacer.busiest_second <= 50, "{pacer:?}");
    eprintln!("media: {:?}; server pacer: {pacer:?}", call.media);
    let url = done["callAttempts"][0]["recordingUrl"].as_str().unwrap();
    crate::support::recording(url, &acme.key).await;
}

#[tokio::test]
async fn a_call_whose_interview_is_deleted_runs_out_and_leaves_nothing_at_the_carrier() {
    let fake = FakeCarrier::start().await.unwrap();
    fake.default_script(Script::Talk(testing::Caller {
        answer_delay: Duration::from_millis(800),
        ..testing::Caller::default()
    }));
    let server = TestServer::start_with(with_carrier(&fake)).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, PHONE, "cy@example.com").await;
    let live = wait_status(&client, &f.interview, "IN_PROGRESS").await;
    let attempt = live["callAttempts"][0]["id"].as_str().unwrap().to_owned();
    client
        .delete(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
    // The call goes on to its natural end, holding its slot, and then frees it.
    assert_eq!(crate::engine::concurrency(&client).await["inUse"], 1);
    wait_slots_free(&client).await;
    let call = fake.state().call_of(&attempt).unwrap().clone();
    assert!(call.ended_by_agent, "{call:?}");
    // Nothing was processed; everything the carrier kept of the call is deleted.
    let kinds: Vec<String> = events_of(&db(&server).await, &f.interview)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        !kinds.iter().any(|k| k == "interview.completed"),
        "{kinds:?}"
    );
    eventually("the carrier to hold nothing of the call", || async {
        server.run_pending_background_jobs().await;
        let state = fake.state();
        let erased = state.deleted_calls.contains(&call.sid)
            && state.recordings.values().all(|r| r.status == "deleted");
        erased.then_some(())
    })
    .await;
}

#[tokio::test]
async fn barge_in_and_keys_over_conversation_relay_reach_the_transcript() {
    let fake = FakeCarrier::start().await.unwrap();
    fake.default_script(Script::Talk(testing::Caller {
        interrupt: Some(0),
        keys: Some((1, "42".into())),
        ..testing::Caller::default()
    }));
    let server = TestServer::start_with(with_carrier(&fake)).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let job = client
        .new_job(json!({ "title": "Backend Engineer", "requiredSkills": ["Rust", "SQL"] }))
        .await;
    let agent = client
        .new_agent(json!({ "name": "Screener", "questions": ["Tell me about Rust.", "Tell me about SQL."] })).await;
    let candidate = client
        .new_candidate(json!({ "firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "phoneNumber": PHONE, "jobId": job })).await;
    let interview = client
        .new_interview(json!({ "candidateId": candidate, "agentId": agent }))
        .await;
    let done = wait_status(&client, &interview, "COMPLETED").await;
    let attempt = done["callAttempts"][0]["id"].as_str().unwrap();
    let call = fake.state().call_of(attempt).unwrap().clone();
    let transcript = done["transcript"].as_array().unwrap();
    // The opening was cut to the words the caller heard before speaking over it
    // (`utteranceUntilInterrupt`).
    let heard: Vec<&str> = call.agent_lines[0].split_whitespace().take(3).collect();
    assert_eq!(transcript[0]["role"], "agent");
    assert_eq!(transcript[0]["text"], heard.join(" "), "{transcript:?}");
    // Keys pressed (then `#`) are the answer to the second turn.
    let said = candidate_lines(&done);
    assert_eq!(
        said.get(1).map(String::as_str),
        Some("Keypad: 4 2"),
        "{transcript:?} {call:?}"
    );
}

/// The reason codes of an interview's call attempts.
fn reasons(done: &serde_json::Value) -> Vec<String> {
    done["callAttempts"]
        .as_array()
        .map(|attempts| {
            attempts
                .iter()
                .filter_map(|a| a["reasonCode"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

const UNANSWERED: &str = "+14155550111";

#[tokio::test]
async fn progress_callbacks_arriving_after_the_final_one_change_no_outcome() {
    // "there is no guarantee they will arrive in the same order" (`SequenceNumber`,
    // https://www.twilio.com/docs/voice/api/call-resource#statuscallback): here `initiated`,
    // `ringing` and `in-progress` all come after `completed` / `no-answer`.
    let fake = FakeCarrier::start().await.unwrap();
    fake.faults(testing::Faults {
        progress_after_final: true,
        ..testing::Faults::default()
    });
    fake.script(UNANSWERED, Script::NoAnswer);
    let server = TestServer::start_with(|c| {
        with_carrier(&fake)(c);
        c.call_max_retries = 0;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let talked = fixture(&client, PHONE, "ann@example.com").await;
    let unanswered = fixture(&client, UNANSWERED, "bob@example.com").await;
    let done = wait_status(&client, &talked.interview, "COMPLETED").await;
    assert!(!candidate_lines(&done).is_empty(), "{done}");
    let failed = wait_status(&client, &unanswered.interview, "FAILED").await;
    assert_eq!(reasons(&failed), ["NO_ANSWER"], "{failed}");
    wait_slots_free(&client).await;
    // The late progress callbacks reached a call that had ended: acknowledged, not refused.
    let state = fake.state();
    assert!(
        state.refused_callbacks.is_empty(),
        "{:?}",
        state.refused_callbacks
    );
    assert_eq!(state.created.len(), 2);
}

#[tokio::test]
async fn a_lost_final_callback_is_read_from_the_call_resource() {
    // Twilio resends a status callback only when the connection failed
    // (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides): a lost
    // `completed` or `no-answer` is never resent, and the call resource has the outcome.
    let fake = FakeCarrier::start().await.unwrap();
    fake.faults(testing::Faults {
        lost: vec!["completed".into(), "no-answer".into()],
        ..testing::Faults::default()
    });
    fake.script(UNANSWERED, Script::NoAnswer);
    let server = TestServer::start_with(|c| {
        with_carrier(&fake)(c);
        c.call_max_retries = 0;
        c.carrier_ring_timeout_secs = 5;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let talked = fixture(&client, PHONE, "ann@example.com").await;
    let unanswered = fixture(&client, UNANSWERED, "bob@example.com").await;
    let done = wait_status(&client, &talked.interview, "COMPLETED").await;
    assert!(!candidate_lines(&done).is_empty(), "{done}");
    assert!(
        done["callAttempts"][0]["recordingUrl"].is_string(),
        "{done}"
    );
    // Not failed for want of a callback, so not dialled again.
    assert_eq!(
        done["callAttempts"].as_array().map(Vec::len),
        Some(1),
        "{done}"
    );
    assert_eq!(done["callAttempts"][0]["status"], "COMPLETED", "{done}");
    let failed = wait_status(&client, &unanswered.interview, "FAILED").await;
    assert_eq!(reasons(&failed), ["NO_ANSWER"], "{failed}");
    wait_slots_free(&client).await;
    let state = fake.state();
    let mut lost = state.lost_callbacks.clone();
    lost.sort();
    assert_eq!(lost, ["completed", "no-answer"]);
    for call in state.calls.values() {
        assert!(state.call_fetches.contains(&call.sid), "{call:?}");
    }
}

#[tokio::test]
async fn a_recording_served_through_a_redirect_is_fetched_without_the_credentials() {
    // The audio answers 302 to a storage host whose URLs authorise themselves: the account's
    // credentials must not follow (and the host refuses a request that carries them).
    let fake = FakeCarrier::start().await.unwrap();
    fake.faults(testing::Faults {
        redirect_media: true,
        ..testing::Faults::default()
    });
    let server = TestServer::start_with(with_carrier(&fake)).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, PHONE, "ann@example.com").await;
    let done = wait_status(&client, &f.interview, "COMPLETED").await;
    let url = done["callAttempts"][0]["recordingUrl"].as_str().unwrap();
    let wav = crate::support::recording(url, &acme.key).await;
    assert!(interviewd_voice::wav::parse_header(&wav).is_ok());
    assert_eq!(fake.state().media_fetches, [false]);
    eventually("the carrier's recording to be deleted", || async {
        let state = fake.state();
        (state.deleted_recordings.len() == 1).then_some(())
    })
    .await;
}

#[tokio::test]
async fn doctor_checks_the_carrier_account_with_the_configured_credentials() {
    let fake = FakeCarrier::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doctor = async |token: &str| {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_interviewd"))
            .arg("doctor")
            .current_dir(dir.path())
            .env("INTERVIEWD_CONFIG", dir.path().join("interviewd.toml"))
            .env("INTERVIEWD_DATA_DIR", dir.path())
            .env("INTERVIEWD_VOICE_PROVIDER", "twilio")
            .env("INTERVIEWD_CARRIER_ACCOUNT_SID", testing::ACCOUNT_SID)
            .env("INTERVIEWD_CARRIER_AUTH_TOKEN", token)
            .env("INTERVIEWD_CARRIER_FROM", testing::FROM)
            .env("INTERVIEWD_CARRIER_API_URL", &fake.base)
            .env(
                "INTERVIEWD_CARRIER_PUBLIC_URL",
                "https://interviews.example.com",
            )
            .env_remove("INTERVIEWD_DATABASE_URL")
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = stdout.lines().find(|l| l.starts_with("carrier:"));
        (out.status.success(), line.map(str::to_owned), stdout)
    };
    let (ok, line, out) = doctor(testing::AUTH_TOKEN).await;
    assert!(ok, "{out}");
    let line = line.unwrap();
    assert!(line.contains("twilio at http://127.0.0.1:"), "{line}");
    assert!(line.contains("answers: account active"), "{line}");

    let (ok, line, out) = doctor("not-the-token").await;
    assert!(!ok, "{out}");
    let line = line.unwrap();
    assert!(
        line.contains("DOES NOT ANSWER: the carrier refused the credentials"),
        "{line}"
    );
    assert!(fake.state().unauthorized >= 1);
}
