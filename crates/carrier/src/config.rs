//! What a carrier provider needs to know: the account, the numbers, the public URL the
//! carrier reaches interviewd at, and how calls are held.

use std::path::PathBuf;
use std::time::Duration;

/// Who does the speech on a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// ConversationRelay: the carrier does speech-to-text, text-to-speech and barge-in;
    /// interviewd exchanges text over the WebSocket.
    #[default]
    Relay,
    /// Media Streams: the carrier streams μ-law audio both ways; interviewd does the speech
    /// through its own engines and records the call itself.
    Media,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "relay" | "conversation_relay" | "conversationrelay" => Ok(Self::Relay),
            "media" | "media_streams" | "mediastreams" => Ok(Self::Media),
            other => Err(format!("unknown carrier mode {other:?} (relay or media)")),
        }
    }
}

/// How the REST API is called: Twilio's own, or the same API under another base URL (the
/// fake carrier of the tests, a Twilio region). Telnyx's TeXML API is not one of them: it
/// authenticates with a Bearer key and signs with Ed25519 (docs/carrier.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// HTTP Basic with the account SID (or an API key SID) and its secret.
    Basic {
        /// `AC…` or `SK…`.
        user: String,
        /// The auth token or the API key secret.
        password: String,
    },
}

/// Everything a carrier provider is built from.
#[derive(Clone)]
pub struct CarrierConfig {
    /// The carrier's name in logs, rows and audits (`twilio`).
    pub name: String,
    /// Base URL of the REST API, without a trailing slash (`https://api.twilio.com`).
    pub api_base: String,
    /// The account (`AC…`); it names the REST paths.
    pub account_sid: String,
    /// How REST requests authenticate.
    pub credentials: Credentials,
    /// The auth token: the key of every signature the carrier sends.
    pub auth_token: String,
    /// The number calls come from (E.164).
    pub from: String,
    /// The base URL the carrier reaches interviewd at (`https://interviewd.example.com`);
    /// callbacks and WebSocket URLs are built on it and signatures are checked against it.
    pub public_url: String,
    /// Who does the speech.
    pub mode: Mode,
    /// Ask the carrier to detect answering machines (they count as no answer).
    pub machine_detection: bool,
    /// How long the phone rings before the call counts as not answered.
    pub ring_timeout: Duration,
    /// ConversationRelay: ask the carrier to record the call (two channels); the recording
    /// is fetched into interviewd's blob store and deleted at the carrier.
    pub record: bool,
    /// How long to wait after a call for the carrier's recording to be ready.
    pub recording_wait: Duration,
    /// How long to wait for the carrier to confirm that a call it was told to end ended.
    pub hangup_wait: Duration,
    /// How long the carrier takes to say one character: after the closing, `end` waits this
    /// long per character so the closing is heard before the session ends.
    pub closing_pace: Duration,
    /// ConversationRelay's text-to-speech provider and voice (`ttsProvider`, `voice`); the
    /// carrier's defaults when empty.
    pub relay_tts_provider: String,
    /// See [`Self::relay_tts_provider`].
    pub relay_voice: String,
    /// ConversationRelay's speech-to-text provider (`transcriptionProvider`).
    pub relay_transcription_provider: String,
    /// Media Streams: where a call's recording is written while it lasts.
    pub scratch: PathBuf,
}

// By hand: secrets never print.
impl std::fmt::Debug for CarrierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierConfig")
            .field("name", &self.name)
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .field("mode", &self.mode)
            .field("machine_detection", &self.machine_detection)
            .finish_non_exhaustive()
    }
}

impl CarrierConfig {
    /// A configuration with interviewd's defaults for everything but the account.
    pub fn new(
        api_base: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
        public_url: &str,
    ) -> Self {
        Self {
            name: "twilio".into(),
            api_base: api_base.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            credentials: Credentials::Basic {
                user: account_sid.to_owned(),
                password: auth_token.to_owned(),
            },
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            mode: Mode::Relay,
            machine_detection: true,
            ring_timeout: Duration::from_secs(30),
            record: true,
            recording_wait: Duration::from_secs(120),
            hangup_wait: Duration::from_secs(30),
            closing_pace: Duration::from_millis(60),
            relay_tts_provider: String::new(),
            relay_voice: String::new(),
            relay_transcription_provider: String::new(),
            scratch: std::env::temp_dir(),
        }
    }

    /// The public URL of a callback path (`/carrier/status`) with its query.
    pub fn callback_url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_url)
    }

    /// The public WebSocket URL of `path`: `wss://` for an `https://` public URL (`ws://` for
    /// `http://`, which only a local test uses; the carrier requires `wss`).
    pub fn socket_url(&self, path: &str) -> String {
        let base = &self.public_url;
        let ws = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base.clone()
        };
        format!("{ws}{path}")
    }
}

/// The paths interviewd serves for the carrier (under the public URL).
pub mod paths {
    /// Call progress callbacks (`StatusCallback`).
    pub const STATUS: &str = "/carrier/status";
    /// Asynchronous answering-machine detection results (`AsyncAmdStatusCallback`).
    pub const AMD: &str = "/carrier/amd";
    /// Recording status callbacks (`RecordingStatusCallback`).
    pub const RECORDING: &str = "/carrier/recording";
    /// The `<Connect action>` request after a ConversationRelay session.
    pub const RELAY_ACTION: &str = "/carrier/relay-action";
    /// The ConversationRelay WebSocket.
    pub const RELAY: &str = "/carrier/relay";
    /// The Media Streams WebSocket.
    pub const MEDIA: &str = "/carrier/media";
}
