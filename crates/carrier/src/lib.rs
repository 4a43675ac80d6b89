//! Real phone interviews through a carrier: a voice provider that dials with Twilio's REST
//! API and holds the conversation over ConversationRelay (the carrier does the speech) or
//! Media Streams (interviewd does), behind the engine's [`VoiceProvider`] seam.
//!
//! # How a call goes
//!
//! 1. [`Carrier::call`] registers the attempt in its hub, (Media Streams) synthesises the
//!    greeting, and creates the call with inline TwiML ([`twiml`]) that connects it to
//!    interviewd's WebSocket with the attempt id and a per-attempt token as `<Parameter>`s,
//!    and points every callback at `…/carrier/*?attempt=<id>` ([`rest`]).
//! 2. The HTTP layer verifies each callback's `X-Twilio-Signature` ([`signature`], against the
//!    configured public URL) and hands it to [`Carrier::callback`]; unsigned or mis-signed
//!    requests are refused before anything is read. Status callbacks map onto the engine's
//!    outcomes ([`callback`]): `in-progress` → answered; `no-answer`, `busy`, `failed` →
//!    [`CallOutcome::NoAnswer`], [`CallOutcome::Busy`], [`CallOutcome::Failed`]; an answering
//!    machine (async AMD) is hung up and counts as no answer.
//! 3. The carrier opens the WebSocket (its upgrade signed too); [`Carrier::accept`] reads the
//!    identifying message (`setup` / `start`), checks the token and the call SID, and gives
//!    the socket to the call, which runs the session: [`relay`] (prompts in, the
//!    interviewer's tokens out as `text`, `end` to hang up) or [`media`] (μ-law in, turn
//!    detection, speech-to-text, the interviewer, text-to-speech, 20 ms paced frames out,
//!    `mark`s, `clear` on barge-in, both voices recorded).
//! 4. The call ends; with ConversationRelay the carrier's two-channel recording is fetched
//!    and the [`Ledger`] is told, so that the carrier's copy is deleted once interviewd has
//!    stored its own ([`erasure`]); removing an interview queues the deletion of everything
//!    the carrier keeps about its calls.
//!
//! The HTTP routes, the ledger (the database) and the erasure worker live in the server; this
//! crate holds the protocol, the sessions, and with feature `testing` a fake carrier
//! ([`testing`]) that follows the documented protocol message for message and plays a caller.

mod call;
pub mod callback;
pub mod config;
pub mod erasure;
mod hub;
pub mod media;
pub mod relay;
pub mod rest;
mod session;
pub mod signature;
#[cfg(feature = "testing")]
pub mod testing;
pub mod twiml;

pub use config::{CarrierConfig, Credentials, Mode, paths};
pub use hub::SocketKind;

use interviewd_speech::pacer::PacerStats;
use interviewd_speech::stt::SpeechToText;
use interviewd_speech::tts::TextToSpeech;
use interviewd_voice::{BoxFuture, CallOutcome, CallRequest, VoiceProvider};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A carrier WebSocket as the HTTP layer hands it over: text frames in, frames out.
pub struct Socket {
    /// The carrier's text frames; ends when the carrier closed the socket.
    pub incoming: mpsc::Receiver<String>,
    /// What to send; [`Outbound::Close`] closes the socket (code 1000).
    pub outgoing: mpsc::Sender<Outbound>,
}

/// A frame to send on a carrier WebSocket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbound {
    Text(String),
    Close,
}

/// Where the carrier's identifiers of a call are kept, so that what the carrier stores can be
/// deleted later (implemented by the server over its database).
pub trait Ledger: Send + Sync {
    /// The call of `attempt` was placed as `call_sid`.
    fn placed<'a>(&'a self, attempt: &'a str, call_sid: &'a str) -> BoxFuture<'a, ()>;
    /// Whether the attempt (and its interview) still exists: a deleted interview's call runs
    /// to its end, but nothing of it is fetched or processed.
    fn wanted<'a>(&'a self, attempt: &'a str) -> BoxFuture<'a, bool>;
    /// The carrier holds recording `recording_sid` of the attempt's call: delete it once the
    /// conversation is stored (or at once when the attempt is gone).
    fn recording<'a>(&'a self, attempt: &'a str, recording_sid: &'a str) -> BoxFuture<'a, ()>;
}

/// A ledger that keeps nothing (a carrier used without a database, in this crate's tests).
#[derive(Debug, Default)]
pub struct NoLedger;

impl Ledger for NoLedger {
    fn placed<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    fn wanted<'a>(&'a self, _: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async { true })
    }

    fn recording<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// The speech engines of Media Streams calls (the web page's seams), and the thread that
/// writes the calls' recordings (never the runtime's threads, as for web sessions).
#[derive(Clone)]
pub struct Speech {
    pub stt: Arc<dyn SpeechToText>,
    pub tts: Arc<dyn TextToSpeech>,
    pub spool: interviewd_speech::spool::Spool,
}

/// Counters of the Media Streams calls this provider held, for benchmarks and logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Media Streams sessions that ended.
    pub sessions: u64,
    /// Their outbound frames: how many, how many late by more than 20 ms, the worst delay.
    pub pacer: PacerStats,
}

/// The carrier voice provider; also what the HTTP routes and the erasure worker talk to.
pub struct Carrier {
    config: CarrierConfig,
    rest: rest::Rest,
    signer: signature::Signer,
    hub: hub::Hub,
    ledger: Arc<dyn Ledger>,
    speech: Option<Speech>,
    totals: Arc<Mutex<Totals>>,
}

impl Carrier {
    /// A provider for `config`; Media Streams calls need `speech`.
    pub fn new(
        config: CarrierConfig,
        ledger: Arc<dyn Ledger>,
        speech: Option<Speech>,
    ) -> Result<Self, rest::RestError> {
        Ok(Self {
            rest: rest::Rest::new(&config)?,
            signer: signature::Signer::new(&config.auth_token),
            hub: hub::Hub::new(),
            config,
            ledger,
            speech,
            totals: Arc::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CarrierConfig {
        &self.config
    }

    /// The REST client (erasures use it).
    pub fn rest(&self) -> &rest::Rest {
        &self.rest
    }

    /// What the Media Streams sessions so far counted.
    pub fn totals(&self) -> Totals {
        *self.totals.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Calls this process holds now.
    pub fn live_calls(&self) -> usize {
        self.hub.len()
    }

    /// Whether a callback request to `path_and_query` (as received, e.g.
    /// `/carrier/status?attempt=…`) with form `params` (or raw `body`) carries a valid
    /// signature.
    pub fn verify_callback(
        &self,
        path_and_query: &str,
        params: &[(String, String)],
        body: &[u8],
        signature: Option<&str>,
    ) -> bool {
        let Some(signature) = signature.filter(|s| !s.is_empty()) else {
            return false;
        };
        let url = self.config.callback_url(path_and_query);
        self.signer.verify(&url, params, body, signature)
    }

    /// Whether a WebSocket upgrade of `path` carries a valid signature.
    pub fn verify_upgrade(&self, path: &str, signature: Option<&str>) -> bool {
        signature
            .filter(|s| !s.is_empty())
            .is_some_and(|signature| {
                self.signer
                    .verify_upgrade(&self.config.socket_url(path), signature)
            })
    }

    /// Takes a verified callback about `attempt`. Callbacks about calls this process does not
    /// hold (a call that ended, another process's) are acknowledged and dropped.
    pub fn callback(&self, kind: callback::Kind, attempt: &str, params: &[(String, String)]) {
        match callback::parse(kind, params) {
            Some(event) => self.hub.deliver(attempt, event),
            None => tracing::warn!(?kind, attempt, "a carrier callback without its parameters"),
        }
    }

    /// Serves a carrier WebSocket (upgrade already verified) until its call is done with it.
    pub async fn accept(&self, kind: SocketKind, socket: Socket) {
        self.hub.accept(kind, socket).await;
    }
}

impl VoiceProvider for Carrier {
    fn call(&self, req: CallRequest, cancel: CancellationToken) -> BoxFuture<'_, CallOutcome> {
        Box::pin(call::run(self, req, cancel))
    }
}
