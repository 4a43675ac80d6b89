//! The OpenAI-compatible clients against a local server that checks what they send.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use interviewd_speech::stt::{OpenAiStt, SpeechToText};
use interviewd_speech::tts::{AudioFormat, OpenAiTts, TextToSpeech};
use interviewd_speech::{ApiKey, EngineConfig, SpeechError, wav};

/// What the server saw of the last request.
#[derive(Debug, Default, Clone)]
struct Seen {
    auth: Option<String>,
    fields: Vec<(String, String)>,
    file: Option<(String, String, Vec<u8>)>,
    json: Option<serde_json::Value>,
}

#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Seen>>,
}

async fn transcriptions(
    State(server): State<Server>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let mut seen = Seen {
        auth: auth(&headers),
        ..Seen::default()
    };
    while let Some(field) = form.next_field().await.unwrap() {
        let name = field.name().unwrap().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap().to_owned();
            let mime = field.content_type().unwrap().to_owned();
            seen.file = Some((file_name, mime, field.bytes().await.unwrap().to_vec()));
        } else {
            seen.fields.push((name, field.text().await.unwrap()));
        }
    }
    let model = seen
        .fields
        .iter()
        .find(|(k, _)| k == "model")
        .map(|(_, v)| v.clone());
    *server.seen.lock().unwrap() = seen;
    match model.as_deref() {
        Some("broken") => (StatusCode::INTERNAL_SERVER_ERROR, "model crashed").into_response(),
        Some("refused") => (StatusCode::BAD_REQUEST, "{\"error\":\"bad file\"}").into_response(),
        Some("garbled") => "not json".into_response(),
        Some("slow") => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "{}".into_response()
        }
        _ => axum::Json(serde_json::json!({"text": "  I have five years of experience. ", "language": "en", "duration": 2.5}))
            .into_response(),
    }
}

async fn speech(State(server): State<Server>, headers: HeaderMap, body: Bytes) -> Response {
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let voice = json["voice"].as_str().unwrap_or_default().to_owned();
    *server.seen.lock().unwrap() = Seen {
        auth: auth(&headers),
        json: Some(json),
        ..Seen::default()
    };
    match voice.as_str() {
        // 0.5 s of a ramp at piper's rate.
        "piper" => wav::encode(&ramp(11_025), 22_050, 1).into_response(),
        // OpenAI's raw format: s16le at 24 kHz, no header.
        "raw" => interviewd_speech::samples_to_pcm16le(&ramp(12_000)).into_response(),
        "mp3" => b"ID3\x04\x00\x00\x00\x00".to_vec().into_response(),
        _ => (StatusCode::NOT_FOUND, "unknown voice").into_response(),
    }
}

fn ramp(len: usize) -> Vec<i16> {
    (0..len).map(|i| ((i % 200) as i16 - 100) * 50).collect()
}

fn auth(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// Starts the server on port 0; `models` decides whether `GET /v1/models` exists.
async fn start(models: Option<StatusCode>) -> (String, Server) {
    let server = Server::default();
    let mut router = Router::new()
        .route("/v1/audio/transcriptions", post(transcriptions))
        .route("/v1/audio/speech", post(speech));
    if let Some(status) = models {
        router = router.route(
            "/v1/models",
            get(move || async move { (status, "{\"data\":[]}") }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let app = router.with_state(server.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, server)
}

fn stt(base: &str, model: &str) -> OpenAiStt {
    OpenAiStt::new(EngineConfig::new(base, model)).unwrap()
}

#[tokio::test]
async fn transcription_posts_a_16k_mono_wav_with_the_documented_fields() {
    let (base, server) = start(None).await;
    let config =
        EngineConfig::new(format!("{base}/"), "whisper-1").with_api_key(ApiKey::new("sk-test-key"));
    let client = OpenAiStt::new(config)
        .unwrap()
        .with_default_language(Some("en".into()));
    let pcm: Vec<i16> = (0..8_000).map(|i| (i % 100) as i16).collect();
    let transcript = client.transcribe(&pcm, None).await.unwrap();
    assert_eq!(transcript.text, "I have five years of experience.");

    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.auth.as_deref(), Some("Bearer sk-test-key"));
    let field = |name: &str| {
        seen.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("model"), Some("whisper-1"));
    assert_eq!(field("language"), Some("en"));
    assert_eq!(field("response_format"), Some("json"));
    let (file_name, mime, bytes) = seen.file.unwrap();
    assert_eq!(
        (file_name.as_str(), mime.as_str()),
        ("utterance.wav", "audio/wav")
    );
    let info = hound::WavReader::new(std::io::Cursor::new(&bytes))
        .unwrap()
        .spec();
    assert_eq!(
        (info.sample_rate, info.channels, info.bits_per_sample),
        (16_000, 1, 16)
    );
    assert_eq!(wav::decode(&bytes).unwrap().samples, pcm);
}

#[tokio::test]
async fn a_call_may_name_its_language_and_no_key_means_no_header() {
    let (base, server) = start(None).await;
    let client = stt(&base, "whisper-1");
    client.transcribe(&[0; 160], Some("de")).await.unwrap();
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.auth, None);
    assert!(seen.fields.contains(&("language".into(), "de".into())));
    client.transcribe(&[0; 160], None).await.unwrap();
    let seen = server.seen.lock().unwrap().clone();
    assert!(!seen.fields.iter().any(|(k, _)| k == "language"));
}

#[tokio::test]
async fn engine_failures_map_to_errors_that_say_whether_to_retry() {
    let (base, _) = start(None).await;
    let error = stt(&base, "broken")
        .transcribe(&[0; 160], None)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SpeechError::Status { status: 500, body, .. } if body == "model crashed")
    );
    assert!(error.is_transient());
    let error = stt(&base, "refused")
        .transcribe(&[0; 160], None)
        .await
        .unwrap_err();
    assert!(matches!(error, SpeechError::Status { status: 400, .. }));
    assert!(!error.is_transient());
    let error = stt(&base, "garbled")
        .transcribe(&[0; 160], None)
        .await
        .unwrap_err();
    assert!(matches!(error, SpeechError::BadResponse { .. }), "{error}");
}

#[tokio::test]
async fn a_slow_engine_times_out_and_a_dead_one_is_unreachable() {
    let (base, _) = start(None).await;
    let config = EngineConfig::new(&base, "slow").with_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let error = OpenAiStt::new(config)
        .unwrap()
        .transcribe(&[0; 160], None)
        .await
        .unwrap_err();
    assert!(matches!(error, SpeechError::Timeout { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dead = stt(&format!("http://127.0.0.1:{port}/v1"), "m");
    let error = dead.transcribe(&[0; 160], None).await.unwrap_err();
    assert!(matches!(error, SpeechError::Unreachable { .. }), "{error}");
    assert!(error.is_transient());
    assert!(dead.probe().await.is_err());
    // No audio is no text, without a request (the dead engine is not even asked).
    assert_eq!(dead.transcribe(&[], None).await.unwrap().text, "");
}

#[tokio::test]
async fn speech_sends_the_documented_json_and_returns_16k_audio() {
    let (base, server) = start(None).await;
    let config = EngineConfig::new(&base, "tts-1").with_api_key(ApiKey::new("sk-tts"));
    let client = OpenAiTts::new(config, "piper").unwrap();
    let speech = client
        .synthesize("  Tell me about your last project.  ", None)
        .await
        .unwrap();
    assert_eq!(speech.engine_rate, 22_050);
    assert_eq!(speech.pcm.len(), 8_000, "0.5 s at 16 kHz");
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.auth.as_deref(), Some("Bearer sk-tts"));
    assert_eq!(
        seen.json.unwrap(),
        serde_json::json!({"model": "tts-1", "input": "Tell me about your last project.", "voice": "piper", "response_format": "wav"})
    );
}

#[tokio::test]
async fn raw_pcm_is_read_as_24k_and_other_formats_are_refused() {
    let (base, server) = start(None).await;
    let client = OpenAiTts::new(EngineConfig::new(&base, "tts-1"), "raw")
        .unwrap()
        .with_format(AudioFormat::Pcm);
    let speech = client.synthesize("Hello.", None).await.unwrap();
    assert_eq!((speech.engine_rate, speech.pcm.len()), (24_000, 8_000));
    assert_eq!(
        server.seen.lock().unwrap().json.as_ref().unwrap()["response_format"],
        "pcm"
    );

    let error = client.synthesize("Hello.", Some("mp3")).await.unwrap_err();
    assert!(matches!(error, SpeechError::BadResponse { .. }), "{error}");
    let wav_client = OpenAiTts::new(EngineConfig::new(&base, "tts-1"), "mp3").unwrap();
    assert!(matches!(
        wav_client.synthesize("Hello.", None).await,
        Err(SpeechError::BadResponse { .. })
    ));
    let error = wav_client
        .synthesize("Hello.", Some("nobody"))
        .await
        .unwrap_err();
    assert!(matches!(error, SpeechError::Status { status: 404, .. }));
    // Nothing to say is no request at all.
    assert!(
        wav_client
            .synthesize("  ", None)
            .await
            .unwrap()
            .pcm
            .is_empty()
    );
}

#[tokio::test]
async fn probe_accepts_a_model_list_or_its_absence_but_not_a_refused_key() {
    for (models, expected) in [
        (Some(StatusCode::OK), Ok(200)),
        (None, Ok(404)),
        (Some(StatusCode::UNAUTHORIZED), Err(401)),
    ] {
        let (base, _) = start(models).await;
        let config = EngineConfig::new(&base, "m").with_api_key(ApiKey::new("sk-very-secret"));
        let stt = OpenAiStt::new(config.clone()).unwrap();
        let tts = OpenAiTts::new(config, "v").unwrap();
        for result in [stt.probe().await, tts.probe().await] {
            match (result, expected) {
                (Ok(probe), Ok(status)) => {
                    assert_eq!(probe.status, status);
                    assert_eq!(probe.url, format!("{base}/models"));
                }
                (Err(error), Err(status)) => {
                    assert!(matches!(error, SpeechError::Status { status: s, .. } if s == status));
                    assert!(!format!("{error} {error:?}").contains("sk-very-secret"));
                }
                (other, _) => panic!("{other:?} for {models:?}"),
            }
        }
    }
}
