//! The live interview over `/i/{token}/ws`: typed and spoken answers, the opening streamed
//! as text and audio, the recording of both voices, reconnects, ending early, a delete while
//! the session is live, and bad frames. Speech here is the in-process doubles (scripted
//! speech-to-text, an instant tone for text-to-speech); the real engines and a real browser
//! run in `candidate_browser.rs`.

use crate::engine::{fast, wait_status};
use crate::engine_online::online_interview;
use crate::support::TestServer;
use futures_util::{SinkExt, StreamExt};
use interviewd::core::engine::models::Speech;
use interviewd_speech::testing::{InstantTts, ScriptedStt};
use interviewd_speech::{SAMPLE_RATE, samples_to_pcm16le, wav};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A page's side of the socket: what it received, in order.
pub struct Page {
    socket: Socket,
    /// Every JSON message received so far.
    pub messages: Vec<Value>,
    /// Bytes of agent audio received so far.
    pub audio_bytes: usize,
}

impl Page {
    pub async fn open(server: &TestServer, token: &str) -> Self {
        Self::connect(&server.base, token).await
    }

    /// Opens the socket of `token` on the server at `base` (`http://…`).
    pub async fn connect(base: &str, token: &str) -> Self {
        let url = format!("{}/i/{token}/ws", base.replacen("http", "ws", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the upgrade");
        Self {
            socket,
            messages: Vec::new(),
            audio_bytes: 0,
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send_audio(&mut self, pcm: &[i16]) {
        for frame in pcm.chunks(320) {
            self.socket
                .send(Message::Binary(samples_to_pcm16le(frame).into()))
                .await
                .unwrap();
        }
    }

    /// Receives until a message satisfies `done`; returns it. Fails after 10 seconds.
    pub async fn until(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no {what} within 10 s; got {:#?}", self.messages));
            match next {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(text.as_str()).unwrap();
                    self.messages.push(value.clone());
                    if done(&value) {
                        return value;
                    }
                }
                Some(Ok(Message::Binary(bytes))) => self.audio_bytes += bytes.len(),
                Some(Ok(_)) => {}
                other => panic!(
                    "the socket closed before {what}: {other:?}; got {:#?}",
                    self.messages
                ),
            }
        }
    }

    /// Receives until a message of `kind` (and `state`, for state messages).
    pub async fn until_type(&mut self, kind: &str) -> Value {
        self.until(kind, |m| m["type"] == kind).await
    }

    pub async fn until_listening(&mut self) {
        self.until("listening", |m| {
            m["type"] == "state" && m["state"] == "listening"
        })
        .await;
    }

    /// The full text of every agent utterance received, in order.
    pub fn agent_lines(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter(|m| m["type"] == "agent" && m["final"] == true)
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn speech(stt: ScriptedStt) -> interviewd::Parts {
    interviewd::Parts {
        speech: Some(Speech {
            stt: Arc::new(stt),
            tts: Arc::new(InstantTts::new()),
            described: ["scripted".into(), "instant tone".into()],
        }),
        ..interviewd::Parts::default()
    }
}

fn fixture(name: &str) -> Vec<i16> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../speech/tests/fixtures")
        .join(name);
    wav::decode(&std::fs::read(path).unwrap()).unwrap().samples
}

/// A spoken answer: the fixture, then 1.5 s of silence so the turn ends.
fn spoken(name: &str) -> Vec<i16> {
    let mut pcm = fixture(name);
    pcm.extend(std::iter::repeat_n(0, SAMPLE_RATE as usize * 3 / 2));
    pcm
}

#[tokio::test]
async fn a_typed_interview_over_the_socket_completes_without_a_recording() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "tia@example.com").await;
    let mut page = Page::open(&server, &token).await;
    page.send(json!({ "type": "hello", "mode": "text" })).await;
    let session = page.until_type("session").await;
    assert_eq!(session["resumed"], false);
    assert_eq!(session["voice"], false, "no speech engine is configured");
    assert_eq!(session["questionCount"], 2);
    page.until_listening().await;
    assert!(page.agent_lines()[0].ends_with("How do you test Rust code?"));
    page.send(json!({ "type": "text", "text": "With cargo test and proptest." }))
        .await;
    page.until_listening().await;
    assert_eq!(page.agent_lines()[1], "Tell me about SQL indexes.");
    page.send(json!({ "type": "text", "text": "They are B-trees over columns." }))
        .await;
    let ended = page.until_type("ended").await;
    assert_eq!(ended["reason"], "completed");
    assert_eq!(page.audio_bytes, 0);

    let body = wait_status(&client, &id, "COMPLETED").await;
    assert_eq!(body["transcript"].as_array().unwrap().len(), 5);
    assert!(body["callAttempts"][0]["recordingUrl"].is_null());
}

#[tokio::test]
async fn a_spoken_interview_is_transcribed_answered_aloud_and_recorded_with_both_voices() {
    let stt = ScriptedStt::new([
        "I have five years of experience with Rust.",
        "I led a team that built a payment service.",
    ]);
    let server = TestServer::start_with_parts(fast, speech(stt)).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "vic@example.com").await;
    let mut page = Page::open(&server, &token).await;
    page.send(json!({ "type": "hello", "mode": "voice" })).await;
    let session = page.until_type("session").await;
    assert_eq!(session["voice"], true);
    assert_eq!(session["sampleRate"], 16_000);
    // The opening: its text, then its audio between the announcements.
    page.until("the opening's audio", |m| {
        m["type"] == "audio" && m["end"] != true
    })
    .await;
    page.until("the opening's audio end", |m| {
        m["type"] == "audio" && m["end"] == true
    })
    .await;
    assert!(page.audio_bytes > 0);
    page.send(json!({ "type": "played", "id": 1, "ms": 5000 }))
        .await;

    for (answer, next) in [
        ("five-years.wav", "Tell me about SQL indexes."),
        ("payment-service.wav", ""),
    ] {
        page.send_audio(&spoken(answer)).await;
        let caption = page.until_type("caption").await;
        assert!(caption["text"].as_str().unwrap().starts_with("I "));
        let said = page
            .until("the reply", |m| m["type"] == "agent" && m["final"] == true)
            .await;
        if !next.is_empty() {
            assert_eq!(said["text"], next);
            let id = said["id"].as_u64().unwrap();
            page.send(json!({ "type": "played", "id": id, "ms": 5000 }))
                .await;
        } else {
            let id = said["id"].as_u64().unwrap();
            page.send(json!({ "type": "played", "id": id, "ms": 8000 }))
                .await;
        }
    }
    let ended = page.until_type("ended").await;
    assert_eq!(ended["reason"], "completed");

    let body = wait_status(&client, &id, "COMPLETED").await;
    let transcript = body["transcript"].as_array().unwrap();
    assert_eq!(
        transcript[1]["text"],
        "I have five years of experience with Rust."
    );
    let url = body["callAttempts"][0]["recordingUrl"].as_str().unwrap();
    let bytes = crate::support::recording(url, &acme.key).await;
    let (candidate, agent) = channel_energy(&bytes);
    // Both voices: the candidate's speech on the left, the agent's tone on the right.
    assert!(candidate > 0 && agent > 0, "{candidate} {agent}");
    // Nothing of the session is left on the server's disk.
    let scratch = server.config.data_dir.join("sessions");
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
}

/// The summed absolute sample values of the left and right channel of a 16-bit stereo WAV.
pub fn channel_energy(bytes: &[u8]) -> (u64, u64) {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 2, "stereo");
    let mut sums = (0_u64, 0_u64);
    for (i, pair) in bytes[44..].chunks_exact(2).enumerate() {
        let v = u64::from(i16::from_le_bytes([pair[0], pair[1]]).unsigned_abs());
        if i % 2 == 0 { sums.0 += v } else { sums.1 += v }
    }
    sums
}
