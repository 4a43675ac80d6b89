//! A fake carrier for tests and benchmarks (feature `testing`): a local Twilio that follows
//! the documented protocol message for message, and a caller at the other end of each call.
//!
//! | part | what it does | doc |
//! |---|---|---|
//! | REST | `POST …/Calls.json` (Basic auth, form, inline `Twiml` read as XML) → `201` call JSON with `status: queued`; `GET …/Calls/{CA}.json` (its `status` and `duration`); `POST …/Calls/{CA}.json` `Status=completed/canceled`; recordings list, `.wav`, `DELETE`; `DELETE …/Calls/{CA}.json` (`400` while live, `404` when gone); `401` + error `20003` without the credentials | <https://www.twilio.com/docs/voice/api/call-resource>, <https://www.twilio.com/docs/voice/api/recording> |
//! | callbacks | status (`initiated`, `ringing`, `in-progress`, then `completed`/`no-answer`/`busy`/`failed`, `SequenceNumber` from 0), async AMD, recording status, the `<Connect action>` request — each form-encoded and signed with `X-Twilio-Signature` | <https://www.twilio.com/docs/voice/api/call-resource#statuscallback>, <https://www.twilio.com/docs/usage/security> |
//! | ConversationRelay | signed upgrade of the TwiML's `wss` URL, `setup` with `customParameters`, `prompt`s, `interrupt`, `dtmf`; reads `text` tokens and `end` | <https://www.twilio.com/docs/voice/conversationrelay/websocket-messages> |
//! | Media Streams | signed upgrade, `connected`, `start`, a `media` frame of μ-law every 20 ms (the caller's answers, silence between), `dtmf`; plays interviewd's `media` at 8 000 bytes/s, echoes each `mark` when its audio has played, empties its buffer on `clear` and echoes the pending marks at once; `stop` when the call ends | <https://www.twilio.com/docs/voice/media-streams/websocket-messages> |
//!
//! What happens on a call is chosen per number ([`Script`]); what the documentation allows to
//! go wrong (lost or reordered callbacks, recordings served through a redirect) by
//! [`Faults`]. Everything interviewd sent and
//! every refusal it answered is kept in [`State`] for the test to assert on.

mod call;
mod media;
mod relay;
mod rest;
pub mod twiml;

use crate::signature::Signer;
use crate::{CarrierConfig, Credentials};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The fake account.
pub const ACCOUNT_SID: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
/// The fake account's auth token (the test vectors' token).
pub const AUTH_TOKEN: &str = "12345";
/// The number the fake's calls come from.
pub const FROM: &str = "+18005550100";

/// What happens when a number is called.
#[derive(Clone, Debug)]
pub enum Script {
    /// Rings out: `no-answer` (SIP 487).
    NoAnswer,
    /// `busy` (SIP 486), without ringing.
    Busy,
    /// `failed` (SIP 404).
    Failed,
    /// Answered by a machine (async AMD `machine_start`); waits to be hung up.
    Machine,
    /// Answered by a person who talks.
    Talk(Caller),
    /// Answered by a person who connects and says nothing until the call is ended.
    Hold,
}

/// The person on the line.
#[derive(Clone, Debug)]
pub struct Caller {
    /// ConversationRelay: the answers, one per agent turn (then a stock answer).
    pub answers: Vec<String>,
    /// Media Streams: the answers as μ-law 8 kHz audio, one per agent turn (then silence).
    pub audio: Vec<Vec<u8>>,
    /// The agent turn (0 = the greeting) the caller speaks over.
    pub interrupt: Option<usize>,
    /// The caller hangs up after this many answers.
    pub hang_up_after: Option<usize>,
    /// ConversationRelay: keys pressed instead of the answer to agent turn `.0`.
    pub keys: Option<(usize, String)>,
    /// Media Streams: the period of the caller's frames (20 ms on a real line).
    pub frame_every: Duration,
    /// How long after the agent stops the caller starts answering.
    pub answer_delay: Duration,
}

impl Default for Caller {
    fn default() -> Self {
        Self {
            answers: vec![
                "I have five years of experience with Rust and PostgreSQL.".into(),
                "I led a team that built a payment service in Rust.".into(),
                "We used SQL indexes and careful query plans to keep it fast.".into(),
            ],
            audio: Vec::new(),
            interrupt: None,
            hang_up_after: None,
            keys: None,
            frame_every: Duration::from_millis(20),
            answer_delay: Duration::from_millis(300),
        }
    }
}

/// A create-call request as received.
#[derive(Clone, Debug)]
pub struct Created {
    pub sid: String,
    pub form: Vec<(String, String)>,
    pub connect: twiml::Connect,
}

impl Created {
    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields(name).into_iter().next()
    }

    /// Every value of a form field.
    pub fn fields(&self, name: &str) -> Vec<&str> {
        self.form
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What the fake saw of interviewd's Media Streams output on one call.
#[derive(Clone, Debug, Default)]
pub struct MediaLog {
    /// `media` frames received.
    pub frames: u64,
    /// Frames that arrived more than 20 ms after their slot on the 20 ms grid of their
    /// stretch of speech.
    pub late_frames: u64,
    pub max_lateness: Duration,
    /// The most frames seen in any one second.
    pub max_frames_per_second: u32,
    /// `mark`s received, in order.
    pub marks: Vec<String>,
    /// `clear`s received.
    pub clears: u32,
    /// Marks received after a `clear` that had been pending before it (audio that should
    /// have been dropped): must stay empty.
    pub marks_after_clear: Vec<String>,
}

/// One call as the fake knows it.
#[derive(Clone, Debug, Default)]
pub struct CallRecord {
    pub sid: String,
    pub to: String,
    /// The `attemptId` parameter of its TwiML.
    pub attempt: String,
    /// The carrier's status of the call.
    pub status: String,
    /// ConversationRelay: each agent turn as its tokens added up; Media Streams: each mark.
    pub agent_lines: Vec<String>,
    /// What the caller said (or keyed).
    pub said: Vec<String>,
    /// `end` received (ConversationRelay).
    pub ended_by_agent: bool,
    pub media: MediaLog,
    /// The call's log was deleted.
    pub log_deleted: bool,
    /// Seconds from the answer to the end (`duration` of the call resource).
    pub duration_secs: Option<u64>,
}

/// A recording the fake holds.
#[derive(Clone, Debug)]
pub struct RecordingRecord {
    pub sid: String,
    pub call_sid: String,
    /// `completed` or `deleted`.
    pub status: String,
}

/// Everything the fake saw.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub created: Vec<Created>,
    pub calls: BTreeMap<String, CallRecord>,
    pub recordings: BTreeMap<String, RecordingRecord>,
    /// `DELETE …/Recordings/{RE}.json` that deleted something.
    pub deleted_recordings: Vec<String>,
    /// `DELETE …/Calls/{CA}.json` that deleted something.
    pub deleted_calls: Vec<String>,
    /// Call deletions refused because the call was live.
    pub refused_call_deletes: u32,
    /// `POST …/Calls/{CA}.json` updates: (call, `Status`).
    pub updates: Vec<(String, String)>,
    /// REST requests without valid credentials.
    pub unauthorized: u32,
    /// Signed callbacks interviewd did not answer 2xx: (URL, status).
    pub refused_callbacks: Vec<(String, u16)>,
    /// Status callbacks not delivered ([`Faults::lost`]): their `CallStatus`.
    pub lost_callbacks: Vec<String>,
    /// `GET …/Calls/{CA}.json`: the calls asked about.
    pub call_fetches: Vec<String>,
    /// Requests for recording audio that reached the media host after a redirect
    /// ([`Faults::redirect_media`]): whether each carried an `Authorization` header.
    pub media_fetches: Vec<bool>,
}

/// Ways the fake departs from the happy path that the documentation allows.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Status callbacks with these `CallStatus` values are never delivered: Twilio retries a
    /// status callback once, and only when the connection fails ("By default, Twilio will
    /// retry once on connection failures", <https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides>),
    /// so a callback lost otherwise is never resent.
    pub lost: Vec<String>,
    /// The progress callbacks (`initiated`, `ringing`, `in-progress`) arrive after the final
    /// one: "there is no guarantee they will arrive in the same order"
    /// (<https://www.twilio.com/docs/voice/api/call-resource#statuscallback>, `SequenceNumber`).
    pub progress_after_final: bool,
    /// A recording's audio answers `302` to another host (a storage URL that carries its own
    /// authorisation and refuses a second one, as S3's presigned URLs do).
    pub redirect_media: bool,
}

impl State {
    /// The call placed for `attempt`.
    pub fn call_of(&self, attempt: &str) -> Option<&CallRecord> {
        self.calls.values().find(|c| c.attempt == attempt)
    }

    /// The create-call request of call `sid`.
    pub fn created(&self, sid: &str) -> Option<&Created> {
        self.created.iter().find(|c| c.sid == sid)
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
    scripts: Mutex<HashMap<String, Script>>,
    default: Mutex<Script>,
    hangups: Mutex<HashMap<String, watch::Sender<Option<String>>>>,
    faults: Mutex<Faults>,
    pub(crate) http: reqwest::Client,
    pub(crate) signer: Signer,
    pub(crate) base: String,
    /// The base URL of the media host recordings redirect to.
    pub(crate) media_base: String,
    next: AtomicU64,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn sid(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        format!("{prefix}{n:032x}")
    }

    fn script_for(&self, to: &str) -> Script {
        let scripts = self.scripts.lock().unwrap_or_else(PoisonError::into_inner);
        scripts.get(to).cloned().unwrap_or_else(|| {
            self.default
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }

    fn hangup_channel(&self, sid: &str) -> watch::Receiver<Option<String>> {
        let (tx, rx) = watch::channel(None);
        self.hangups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sid.to_owned(), tx);
        rx
    }

    /// Tells a live call that the REST API ended it; false when it is not live.
    pub(crate) fn hang_up(&self, sid: &str, status: &str) -> bool {
        let hangups = self.hangups.lock().unwrap_or_else(PoisonError::into_inner);
        match hangups.get(sid) {
            Some(tx) => tx.send(Some(status.to_owned())).is_ok(),
            None => false,
        }
    }

    pub(crate) fn call_over(&self, sid: &str) {
        self.hangups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(sid);
    }
}

/// The fake carrier: a REST server on loopback, and the calls it plays.
pub struct FakeCarrier {
    /// The REST API's base URL (interviewd's `api_base`).
    pub base: String,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
}

impl Drop for FakeCarrier {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl FakeCarrier {
    /// Starts a fake whose callers answer with [`Caller::default`].
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        // Another port is another host to an HTTP client: credentials do not follow there.
        let media = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let media_base = format!("http://{}", media.local_addr()?);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            scripts: Mutex::new(HashMap::new()),
            default: Mutex::new(Script::Talk(Caller::default())),
            hangups: Mutex::new(HashMap::new()),
            faults: Mutex::new(Faults::default()),
            http: reqwest::Client::new(),
            signer: Signer::new(AUTH_TOKEN),
            base: base.clone(),
            media_base,
            next: AtomicU64::new(1),
        });
        let shutdown = CancellationToken::new();
        for (listener, app) in [
            (listener, rest::router(shared.clone())),
            (media, rest::media_host(shared.clone())),
        ] {
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let serve = axum::serve(listener, app)
                    .with_graceful_shutdown(async move { stop.cancelled().await });
                if let Err(e) = serve.await {
                    tracing::warn!(error = %e, "the fake carrier stopped");
                }
            });
        }
        Ok(Self {
            base,
            shared,
            shutdown,
        })
    }

    /// A provider configuration for this fake, reached back at `public_url`.
    pub fn config(&self, public_url: &str) -> CarrierConfig {
        let mut config = CarrierConfig::new(&self.base, ACCOUNT_SID, AUTH_TOKEN, FROM, public_url);
        config.credentials = Credentials::Basic {
            user: ACCOUNT_SID.into(),
            password: AUTH_TOKEN.into(),
        };
        config
    }

    /// What happens when `number` is called.
    pub fn script(&self, number: &str, script: Script) {
        self.shared
            .scripts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(number.to_owned(), script);
    }

    /// What happens when any other number is called.
    pub fn default_script(&self, script: Script) {
        *self
            .shared
            .default
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = script;
    }

    /// Departs from the happy path from now on.
    pub fn faults(&self, faults: Faults) {
        *self
            .shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// A copy of what the fake saw so far.
    pub fn state(&self) -> State {
        self.shared.state().clone()
    }

    /// Signs a request to `url` with `params` as the carrier would (to forge or replay one).
    pub fn sign(&self, url: &str, params: &[(String, String)]) -> String {
        self.shared.signer.sign(url, params)
    }
}

/// μ-law 8 kHz audio of a WAV file (any rate, mono), as the carrier would send it.
pub fn ulaw_of_wav(wav: &[u8]) -> Result<Vec<u8>, String> {
    let pcm = interviewd_speech::wav::decode(wav).map_err(|e| e.to_string())?;
    let pcm16k = interviewd_speech::resample::resample(
        &pcm.samples,
        pcm.sample_rate,
        interviewd_speech::SAMPLE_RATE,
    )
    .map_err(|e| e.to_string())?;
    let mut encoder = interviewd_speech::codec::PhoneEncoder::new().map_err(|e| e.to_string())?;
    encoder.encode_utterance(&pcm16k).map_err(|e| e.to_string())
}
