//! What the OpenAI-compatible speech clients share: where the engine is, its key, timeouts,
//! error mapping and the reachability probe.
//!
//! Local servers (speaches, faster-whisper servers, the project's Python sidecar) and hosted
//! providers all take a base URL such as `http://127.0.0.1:8000/v1` and append the endpoint.
//! The key is optional (local servers ignore it) and is never printed.

use std::fmt;
use std::time::{Duration, Instant};

use crate::SpeechError;

/// How much of an error body is kept for the log.
const BODY_EXCERPT: usize = 300;

/// A bearer key for a speech engine. Its `Debug` form is redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; an empty or blank string is no key at all.
    pub fn new(key: impl Into<String>) -> Option<Self> {
        let key = key.into();
        (!key.trim().is_empty()).then(|| Self(key.trim().to_owned()))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(redacted)")
    }
}

/// Where a speech engine is and how to talk to it.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The API root, e.g. `http://127.0.0.1:8000/v1`; endpoints are appended to it.
    pub base_url: String,
    /// The model name sent with each request (`whisper-1`, `tts-1`, or what the server wants).
    pub model: String,
    /// Sent as `Authorization: Bearer …` when present.
    pub api_key: Option<ApiKey>,
    /// The whole request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// Connecting alone (a dead host fails fast even when `timeout` is long).
    pub connect_timeout: Duration,
}

impl EngineConfig {
    /// A configuration with the default timeouts: 30 s per request, 3 s to connect.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(3),
        }
    }

    /// The same configuration with a key.
    pub fn with_api_key(mut self, key: Option<ApiKey>) -> Self {
        self.api_key = key;
        self
    }

    /// The same configuration with a request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// What a reachability probe learned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The URL probed (`{base}/models`).
    pub url: String,
    /// The HTTP status of the answer (2xx, or 404/405 from servers without a model list).
    pub status: u16,
    /// How long the answer took.
    pub elapsed: Duration,
}

/// A configured HTTP client bound to one engine.
#[derive(Clone, Debug)]
pub(crate) struct Engine {
    pub(crate) config: EngineConfig,
    client: reqwest::Client,
}

impl Engine {
    pub(crate) fn new(config: EngineConfig) -> Result<Self, SpeechError> {
        let base = config.base_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| SpeechError::Config(format!("base URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SpeechError::Config(format!(
                "base URL {base:?} is not http or https"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| SpeechError::Config(format!("HTTP client: {e}")))?;
        let config = EngineConfig {
            base_url: base.to_owned(),
            ..config
        };
        Ok(Self { config, client })
    }

    pub(crate) fn url(&self, endpoint: &str) -> String {
        format!("{}/{endpoint}", self.config.base_url)
    }

    /// A request to `{base}/{endpoint}` with the key, if any.
    pub(crate) fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, url);
        match &self.config.api_key {
            Some(key) => request.bearer_auth(key.expose()),
            None => request,
        }
    }

    /// Sends `request` and returns the response when its status is 2xx.
    pub(crate) async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SpeechError> {
        let response = request.send().await.map_err(|e| transport_error(url, &e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(SpeechError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
            body: excerpt(&body),
        })
    }

    /// `GET {base}/models`: any 2xx, or a 404/405 from a server without that endpoint, means
    /// the engine is there and accepts the key; 401/403 mean the key is refused.
    pub(crate) async fn probe(&self) -> Result<Probe, SpeechError> {
        let url = self.url("models");
        let started = Instant::now();
        let request = self.request(reqwest::Method::GET, &url);
        match self.send(&url, request).await {
            Ok(response) => Ok(Probe {
                url,
                status: response.status().as_u16(),
                elapsed: started.elapsed(),
            }),
            // No model list (404), or not by GET (405): the server answered all the same.
            Err(SpeechError::Status {
                status: status @ (404 | 405),
                ..
            }) => Ok(Probe {
                url,
                status,
                elapsed: started.elapsed(),
            }),
            Err(e) => Err(e),
        }
    }
}

/// Maps a transport failure, keeping the URL (never a header) in the message.
pub(crate) fn transport_error(url: &str, error: &reqwest::Error) -> SpeechError {
    if error.is_timeout() {
        return SpeechError::Timeout {
            url: url.to_owned(),
        };
    }
    // reqwest's own message names the URL again; its source chain says what went wrong.
    let mut reason = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if !reason.is_empty() {
            reason.push_str(": ");
        }
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    if reason.is_empty() {
        reason = error.to_string();
    }
    SpeechError::Unreachable {
        url: url.to_owned(),
        reason,
    }
}

pub(crate) fn excerpt(body: &str) -> String {
    let mut end = body.len().min(BODY_EXCERPT);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints() {
        let config =
            EngineConfig::new("http://x/v1", "m").with_api_key(ApiKey::new("sk-secret-123"));
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("redacted"));
        assert_eq!(ApiKey::new("  "), None);
    }

    #[test]
    fn the_base_url_must_be_http() {
        assert!(Engine::new(EngineConfig::new("ftp://x/v1", "m")).is_err());
        assert!(Engine::new(EngineConfig::new("not a url", "m")).is_err());
        let engine = Engine::new(EngineConfig::new("http://127.0.0.1:9/v1/", "m"));
        assert!(matches!(engine, Ok(e) if e.url("models") == "http://127.0.0.1:9/v1/models"));
    }

    #[test]
    fn excerpts_cut_on_a_character_boundary() {
        let long = "é".repeat(400);
        assert!(excerpt(&long).len() <= BODY_EXCERPT);
    }
}
