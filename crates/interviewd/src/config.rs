//! Configuration, layered: built-in defaults, then an optional `interviewd.toml` in the
//! working directory (or the file named by `INTERVIEWD_CONFIG`), then `INTERVIEWD_*`
//! environment variables (with `DATABASE_URL` honoured when `INTERVIEWD_DATABASE_URL` is
//! unset), then command-line flags. Every subcommand reads the same configuration.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Connections one process opens to PostgreSQL by default.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// Everything that can be configured.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: String,
    /// Directory for the SQLite database, recordings and the mail outbox.
    pub data_dir: PathBuf,
    /// Database URL; `sqlite://…` or `postgres://…`. Default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Where recordings live: `s3://bucket/prefix` for an S3-compatible object store
    /// (credentials, region and endpoint from the standard `AWS_*` variables), or unset for
    /// `<data_dir>/recordings`. Several nodes need the object store.
    pub blob_url: Option<String>,
    /// Connections one process opens to PostgreSQL at most (besides the one it listens on).
    /// SQLite ignores it.
    pub database_max_connections: u32,
    /// How long a server may keep an API key it looked up, in ms, while it hears of every
    /// change to keys (PostgreSQL only: store/key_cache.rs); 0: look every key up.
    pub api_key_cache_ms: u64,
    /// Base URL used in links handed to candidates (invite links, recording URLs).
    /// Default: `http://{listen}`.
    pub public_url: Option<String>,
    /// `text` (default) or `json` log lines.
    pub log_format: String,
    // ---- engine (calls, slots, sessions) ----
    /// Real-time pause of the built-in call simulator per turn, in ms (0 in tests).
    pub simulator_turn_ms: u64,
    /// How many times an unanswered, busy, failed or interrupted call is retried.
    pub call_max_retries: u32,
    /// Delay before retrying a call that was not answered, busy or failed, in ms.
    pub call_retry_delay_ms: u64,
    /// Upper bound of a call's length (the agent's `duration` is capped by it), in ms.
    pub call_max_duration_ms: u64,
    /// Lease of a claimed attempt and its slot; heartbeats renew it every third, in ms.
    pub engine_lease_ms: u64,
    /// How often the dispatcher looks for due work when not woken, in ms.
    pub engine_poll_ms: u64,
    /// Live calls one process holds at most.
    pub engine_max_live_calls: u32,
    /// An online session with no answer for this long ends, in ms.
    pub online_idle_timeout_ms: u64,
    // ---- webhooks and e-mail ----
    /// Allow webhook URLs (and every other address the server fetches for a client: job
    /// pages, notification URLs) on loopback, private and link-local addresses
    /// (`INTERVIEWD_WEBHOOK_ALLOW_PRIVATE=true`). Off by default: the guard against SSRF.
    pub webhook_allow_private: bool,
    /// Multiplies the webhook retry schedule; 1.0 is the real one (a test and ops knob).
    pub webhook_retry_scale: f64,
    /// Consecutive failed attempts after which an endpoint's circuit opens.
    pub webhook_circuit_threshold: u32,
    /// How often the webhook and mail workers look for due work when not woken, in ms.
    pub delivery_poll_ms: u64,
    /// The `From` of candidate e-mail; empty: see [`Config::mail_from`].
    pub mail_from: String,
    /// SMTP server; without one, mail is written to `<data_dir>/outbox` as `.eml` files.
    pub smtp_host: Option<String>,
    /// SMTP port; default 465 with `smtp_tls = "tls"`, 587 with `starttls`, 25 with `none`.
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    pub smtp_tls: String,
    /// SMTP login (with `smtp_password`).
    pub smtp_username: Option<String>,
    /// SMTP password; never printed.
    pub smtp_password: Option<crate::secret::Secret>,
    /// Multiplies the mail retry schedule; 1.0 is the real one.
    pub mail_retry_scale: f64,
    // ---- limits and operations ----
    /// Longest a request may take before it is answered 503, in ms.
    pub request_timeout_ms: u64,
    /// Longest a client may take to send a request head before its connection is closed,
    /// in ms (also how long an idle keep-alive connection stays open).
    pub header_read_timeout_ms: u64,
    /// Connections served at once; beyond that new ones wait to be accepted.
    pub max_connections: u32,
    /// How long a shutdown waits for requests under way before closing what is left, in ms.
    pub shutdown_grace_ms: u64,
    /// `guard` (default): every key gets the abuse guard of `http::ratelimit::GUARD`, far
    /// above what one integration sends; `plans`: the InstaView tier of the key's company.
    pub rate_limit_mode: String,
    /// Requests per minute per API key for every key; 0 = the mode's default.
    pub rate_limit_per_minute: u32,
    /// Requests per hour per API key for every key; 0 = the mode's default.
    pub rate_limit_per_hour: u32,
    /// When set, `GET /metrics` requires `Authorization: Bearer <token>`; never printed.
    pub metrics_token: Option<crate::secret::Secret>,
    /// Days after an interview finishes that its recordings and transcript are erased, for
    /// companies without a period of their own; unset: kept.
    pub media_retention_days: Option<u32>,
    // ---- the interviewer and the analyst (docs/interviewer.md) ----
    /// Base URL of an OpenAI-compatible server (`http://127.0.0.1:11434/v1`); unset, the
    /// built-in interviewer and scorer run.
    pub llm_base_url: Option<String>,
    /// The model asked (required with `llm_base_url`); an agent may name its own.
    pub llm_model: Option<String>,
    /// Bearer key of the model server; never printed or returned.
    pub llm_api_key: Option<crate::secret::Secret>,
    /// Longest wait for the first token of an interviewer turn before the scripted turn.
    pub llm_first_token_timeout_ms: u64,
    /// Longest an interviewer turn may take before the scripted turn.
    pub llm_timeout_ms: u64,
    /// Longest one analysis call may take.
    pub llm_analysis_timeout_ms: u64,
    /// How JSON is asked for: `json_object` (llama.cpp family), `json_schema` (OpenAI, vLLM,
    /// Ollama) or `none`.
    pub llm_structured_output: String,
    /// Sampling temperature.
    pub llm_temperature: f32,
    /// Most tokens of an interviewer turn.
    pub llm_max_tokens: u32,
    /// Most tokens of an analysis.
    pub llm_analysis_max_tokens: u32,
    /// Follow-up questions per question for agents that do not set `maxFollowUps`.
    pub interview_max_follow_ups: u8,
    /// How long a signed link to a recording or a report PDF (in objects and webhooks) works
    /// without credentials, in seconds.
    pub asset_link_ttl_secs: u64,
    // ---- speech (docs/candidate-page.md) ----
    /// Base URL of an OpenAI-compatible speech-to-text server (`…/v1`, serving
    /// `/audio/transcriptions`); with the text-to-speech one it enables voice interviews.
    pub stt_base_url: Option<String>,
    /// The transcription model sent with each request.
    pub stt_model: String,
    /// Bearer key of the speech-to-text server; never printed.
    pub stt_api_key: Option<crate::secret::Secret>,
    /// Base URL of an OpenAI-compatible text-to-speech server (`…/v1`, `/audio/speech`).
    pub tts_base_url: Option<String>,
    /// The speech model sent with each request.
    pub tts_model: String,
    /// The voice asked for.
    pub tts_voice: String,
    /// Bearer key of the text-to-speech server; never printed.
    pub tts_api_key: Option<crate::secret::Secret>,
    /// Longest one transcription or one synthesised sentence may take, in ms.
    pub speech_timeout_ms: u64,
    // ---- phone carrier (docs/carrier.md) ----
    /// Who places phone calls: `simulator` (the default) or `twilio`.
    pub voice_provider: String,
    /// The carrier account (`AC…`).
    pub carrier_account_sid: Option<String>,
    /// The account's auth token: it signs every callback; never printed.
    pub carrier_auth_token: Option<crate::secret::Secret>,
    /// An API key (`SK…`) for the REST API instead of the auth token (recommended).
    pub carrier_api_key_sid: Option<String>,
    /// The API key's secret; never printed.
    pub carrier_api_key_secret: Option<crate::secret::Secret>,
    /// The number calls come from (E.164).
    pub carrier_from: Option<String>,
    /// The public `https://` base URL the carrier reaches this process at; default
    /// `public_url`.
    pub carrier_public_url: Option<String>,
    /// The carrier's REST API (another Twilio region, or a compatible API).
    pub carrier_api_url: String,
    /// `relay` (ConversationRelay: the carrier does the speech) or `media` (Media Streams:
    /// interviewd does, with the speech engines).
    pub carrier_mode: String,
    /// Detect answering machines (they count as no answer).
    pub carrier_machine_detection: bool,
    /// How long the phone rings, in seconds.
    pub carrier_ring_timeout_secs: u32,
    /// ConversationRelay: have the carrier record the call (fetched, then deleted there).
    pub carrier_record: bool,
    /// How long to wait for the carrier's recording after a call, in ms.
    pub carrier_recording_wait_ms: u64,
    /// ConversationRelay's `ttsProvider`, `voice` and `transcriptionProvider`; the
    /// carrier's defaults when unset.
    pub carrier_relay_tts_provider: Option<String>,
    pub carrier_relay_voice: Option<String>,
    pub carrier_relay_transcription_provider: Option<String>,
    /// How long the carrier takes to say one character, in ms: the closing is given this
    /// long per character before the session is ended.
    pub carrier_closing_pace_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            blob_url: None,
            database_max_connections: DEFAULT_MAX_CONNECTIONS,
            api_key_cache_ms: 30_000,
            public_url: None,
            log_format: "text".into(),
            // ---- engine defaults ----
            simulator_turn_ms: 1_000,
            call_max_retries: 2,
            call_retry_delay_ms: 300_000,
            call_max_duration_ms: 3_600_000,
            engine_lease_ms: 30_000,
            engine_poll_ms: 500,
            engine_max_live_calls: 500,
            online_idle_timeout_ms: 600_000,
            // ---- webhooks and e-mail defaults ----
            webhook_allow_private: false,
            webhook_retry_scale: 1.0,
            webhook_circuit_threshold: 10,
            delivery_poll_ms: 500,
            mail_from: String::new(),
            smtp_host: None,
            smtp_port: None,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            mail_retry_scale: 1.0,
            // ---- limits and operations defaults ----
            request_timeout_ms: 30_000,
            rate_limit_mode: "guard".into(),
            header_read_timeout_ms: 10_000,
            max_connections: 1_024,
            shutdown_grace_ms: 10_000,
            rate_limit_per_minute: 0,
            rate_limit_per_hour: 0,
            metrics_token: None,
            media_retention_days: None,
            // ---- interviewer defaults ----
            llm_base_url: None,
            llm_model: None,
            llm_api_key: None,
            llm_first_token_timeout_ms: 3_000,
            llm_timeout_ms: 15_000,
            llm_analysis_timeout_ms: 120_000,
            llm_structured_output: "json_object".into(),
            llm_temperature: 0.0,
            llm_max_tokens: 200,
            llm_analysis_max_tokens: 1_200,
            interview_max_follow_ups: 1,
            asset_link_ttl_secs: 86_400,
            // ---- speech defaults ----
            stt_base_url: None,
            stt_model: "whisper-1".into(),
            stt_api_key: None,
            tts_base_url: None,
            tts_model: "tts-1".into(),
            tts_voice: "alloy".into(),
            tts_api_key: None,
            speech_timeout_ms: 15_000,
            // ---- phone carrier defaults ----
            voice_provider: "simulator".into(),
            carrier_account_sid: None,
            carrier_auth_token: None,
            carrier_api_key_sid: None,
            carrier_api_key_secret: None,
            carrier_from: None,
            carrier_public_url: None,
            carrier_api_url: "https://api.twilio.com".into(),
            carrier_mode: "relay".into(),
            carrier_machine_detection: true,
            carrier_ring_timeout_secs: 30,
            carrier_record: true,
            carrier_recording_wait_ms: 120_000,
            carrier_relay_tts_provider: None,
            carrier_relay_voice: None,
            carrier_relay_transcription_provider: None,
            carrier_closing_pace_ms: 60,
        }
    }
}

/// Values given on the command line; `None` leaves the layered value alone.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// The `INTERVIEWD_*` settings of the environment, as the text they are. (figment's `Env`
/// reads a value that looks like a number as one: `INTERVIEWD_CARRIER_FROM=+14155550100`
/// became the number 14155550100, which a text setting refuses and whose `+` is lost.)
fn env_text() -> std::collections::BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .filter_map(|(name, value)| {
            let field = name.strip_prefix("INTERVIEWD_")?.to_ascii_lowercase();
            ENV_FIELDS
                .contains(&field.as_str())
                .then_some((field, value))
        })
        .collect()
}

/// The fields read from `INTERVIEWD_<FIELD>` environment variables: every field.
const ENV_FIELDS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "blob_url",
    "database_max_connections",
    "api_key_cache_ms",
    "public_url",
    "log_format",
    // engine
    "simulator_turn_ms",
    "call_max_retries",
    "call_retry_delay_ms",
    "call_max_duration_ms",
    "engine_lease_ms",
    "engine_poll_ms",
    "engine_max_live_calls",
    "online_idle_timeout_ms",
    // webhooks and e-mail
    "webhook_allow_private",
    "webhook_retry_scale",
    "webhook_circuit_threshold",
    "delivery_poll_ms",
    "mail_from",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "mail_retry_scale",
    // limits and operations
    "request_timeout_ms",
    "rate_limit_mode",
    "header_read_timeout_ms",
    "max_connections",
    "shutdown_grace_ms",
    "rate_limit_per_minute",
    "rate_limit_per_hour",
    "metrics_token",
    "media_retention_days",
    // interviewer
    "llm_base_url",
    "llm_model",
    "llm_api_key",
    "llm_first_token_timeout_ms",
    "llm_timeout_ms",
    "llm_analysis_timeout_ms",
    "llm_structured_output",
    "llm_temperature",
    "llm_max_tokens",
    "llm_analysis_max_tokens",
    "interview_max_follow_ups",
    "asset_link_ttl_secs",
    // speech
    "stt_base_url",
    "stt_model",
    "stt_api_key",
    "tts_base_url",
    "tts_model",
    "tts_voice",
    "tts_api_key",
    "speech_timeout_ms",
    // phone carrier
    "voice_provider",
    "carrier_account_sid",
    "carrier_auth_token",
    "carrier_api_key_sid",
    "carrier_api_key_secret",
    "carrier_from",
    "carrier_public_url",
    "carrier_api_url",
    "carrier_mode",
    "carrier_machine_detection",
    "carrier_ring_timeout_secs",
    "carrier_record",
    "carrier_recording_wait_ms",
    "carrier_relay_tts_provider",
    "carrier_relay_voice",
    "carrier_relay_transcription_provider",
    "carrier_closing_pace_ms",
];

impl Config {
    /// Loads the layered configuration. A key of the configuration file that is no setting
    /// is refused, with the closest setting's name: a misspelt `smtp_host` must not silently
    /// leave mail in the outbox.
    pub fn load(overrides: &Overrides) -> Result<Self, ConfigError> {
        let file = std::env::var("INTERVIEWD_CONFIG").unwrap_or_else(|_| "interviewd.toml".into());
        check_keys(Path::new(&file))?;
        Ok(Self::layered(&file, overrides)?)
    }

    fn layered(file: &str, overrides: &Overrides) -> Result<Self, Box<figment::Error>> {
        let mut figment =
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::file(file));
        if std::env::var_os("INTERVIEWD_DATABASE_URL").is_none()
            && let Ok(url) = std::env::var("DATABASE_URL")
        {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        figment
            .merge(Serialized::defaults(env_text()))
            .merge(Serialized::defaults(overrides))
            // Numbers and booleans are read from the environment's text here.
            .extract_lossy()
            .map_err(Box::new)
    }

    /// The `From` of candidate e-mail: `mail_from`, or when it is empty `Interviews
    /// <interviews@HOST>`, HOST being the public URL's host name (or, when that is an address
    /// or `localhost`, this machine's name). Set `mail_from` to an address of your domain so
    /// that mail is delivered and replies reach someone.
    pub fn mail_from(&self) -> String {
        if !self.mail_from.trim().is_empty() {
            return self.mail_from.trim().to_owned();
        }
        let public = self.public_url();
        let host = public
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or_default()
            .to_owned();
        let named = host.contains('.')
            && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
            && host != "localhost";
        let host = if named {
            host
        } else {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| {
                    !h.is_empty()
                        && h.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                })
                .unwrap_or_else(|| "localhost.localdomain".into())
        };
        format!("Interviews <interviews@{host}>")
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| sqlite_url(&self.data_dir.join("interviewd.db")))
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A key of the file is no setting.
    #[error("{file}: unknown setting `{key}`{}", suggestion(.closest))]
    UnknownKey {
        file: String,
        key: String,
        closest: Option<String>,
    },
    /// The file or a value could not be read.
    #[error("{0}")]
    Invalid(#[from] Box<figment::Error>),
}

fn suggestion(closest: &Option<String>) -> String {
    match closest {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => " (docs/configuration.md lists every setting)".into(),
    }
}

/// Refuses keys of the configuration file that name no setting (tables are checked key by
/// key; a setting whose default is empty accepts any table).
fn check_keys(file: &Path) -> Result<(), ConfigError> {
    if !file.exists() {
        return Ok(());
    }
    let found: serde_json::Value = Figment::from(Toml::file(file))
        .extract()
        .map_err(Box::new)?;
    let known = serde_json::to_value(Config::default()).unwrap_or_default();
    match unknown_key(&found, &known, "") {
        None => Ok(()),
        Some((key, closest)) => Err(ConfigError::UnknownKey {
            file: file.display().to_string(),
            key,
            closest,
        }),
    }
}

/// The first key of `found` that `known` does not have (dotted), and the closest known one.
fn unknown_key(
    found: &serde_json::Value,
    known: &serde_json::Value,
    prefix: &str,
) -> Option<(String, Option<String>)> {
    let (serde_json::Value::Object(found), serde_json::Value::Object(known)) = (found, known)
    else {
        return None;
    };
    for (key, value) in found {
        let path = format!("{prefix}{key}");
        match known.get(key) {
            None => {
                let closest = closest(key, known.keys()).map(|k| format!("{prefix}{k}"));
                return Some((path, closest));
            }
            Some(inner) => {
                if let Some(bad) = unknown_key(value, inner, &format!("{path}.")) {
                    return Some(bad);
                }
            }
        }
    }
    None
}

/// The candidate nearest to `key` by edit distance, if it is near enough to be a typo.
fn closest<'a>(key: &str, candidates: impl Iterator<Item = &'a String>) -> Option<String> {
    candidates
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.clone())
}

/// Levenshtein distance over bytes (setting names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A `sqlite://` URL for a path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_with_the_closest_setting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("interviewd.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nsmtp_hots = \"mail.example.com\"\n",
        )
        .expect("write");
        let err = check_keys(&file).expect_err("a typo is refused");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: unknown setting `smtp_hots` (did you mean `smtp_host`?)",
                file.display()
            )
        );
        std::fs::write(&file, "colour_scheme = \"dark\"\n").expect("write");
        let err = check_keys(&file).expect_err("refused");
        assert!(
            err.to_string()
                .contains("unknown setting `colour_scheme` (docs/"),
            "{err}"
        );
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nsmtp_host = \"mail.example.com\"\n",
        )
        .expect("write");
        assert!(check_keys(&file).is_ok());
        assert!(check_keys(&dir.path().join("absent.toml")).is_ok());
        assert_eq!(edit_distance("smtp_hots", "smtp_host"), 2);
    }

    #[test]
    fn every_field_can_be_set_from_the_environment() {
        let fields = serde_json::to_value(Config::default()).expect("config serialises");
        let fields = fields.as_object().expect("config is an object");
        for name in fields.keys() {
            assert!(
                ENV_FIELDS.contains(&name.as_str()),
                "INTERVIEWD_{} is not read",
                name.to_uppercase()
            );
        }
        assert_eq!(fields.len(), ENV_FIELDS.len());
    }
}
