//! How to reach a language model: any server speaking the OpenAI-compatible Chat Completions
//! API (OpenAI, Ollama, vLLM, llama.cpp's server, llama-cpp-python, LM Studio).

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A secret API key. Its `Debug` and `Display` never show it, so it cannot leak into a log
/// line or an error message; [`ApiKey::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the server is asked for JSON. Servers differ, so it is a setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredOutput {
    /// `response_format: {type: "json_schema", json_schema: {name, strict: true, schema}}`:
    /// OpenAI, vLLM, self-hosted Ollama.
    JsonSchema,
    /// `response_format: {type: "json_object", schema}`: llama-cpp-python and the llama.cpp
    /// family, which reject `json_schema` but constrain decoding to the schema this way.
    #[default]
    JsonObject,
    /// No `response_format`: the prompt alone asks for the JSON (any server).
    None,
}

impl std::str::FromStr for StructuredOutput {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json_schema" => Ok(Self::JsonSchema),
            "json_object" | "json_object_schema" => Ok(Self::JsonObject),
            "none" | "prompt_only" | "" => Ok(Self::None),
            _ => Err(ConfigError::Invalid(
                "INTERVIEWD_LLM_STRUCTURED_OUTPUT",
                "json_schema, json_object or none",
            )),
        }
    }
}

/// A bad setting.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The variable is set to something that does not parse.
    #[error("{0} must be {1}")]
    Invalid(&'static str, &'static str),
}

/// Where the model is and how long it may take.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
pub struct LlmConfig {
    /// The API base, including `/v1` (`http://127.0.0.1:11434/v1` for Ollama).
    pub base_url: String,
    /// The model (`gpt-4o-mini`, `llama3.2`, `smollm2`); an agent may name its own.
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub api_key: Option<ApiKey>,
    /// How long the interviewer waits for the first token before it falls back.
    #[serde(with = "millis")]
    pub first_token_timeout: Duration,
    /// How long one interviewer turn may take in all.
    #[serde(with = "millis")]
    pub total_timeout: Duration,
    /// How long one analysis (or plan) call may take in all.
    #[serde(with = "millis")]
    pub analysis_timeout: Duration,
    /// How JSON is asked for.
    pub structured_output: StructuredOutput,
    /// Sampling temperature; 0 makes a given model as repeatable as the server allows.
    pub temperature: f32,
    /// The most tokens of one interviewer turn.
    pub max_tokens: u32,
    /// The most tokens of one analysis.
    pub analysis_max_tokens: u32,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            model: String::new(),
            api_key: None,
            first_token_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(15),
            analysis_timeout: Duration::from_secs(120),
            structured_output: StructuredOutput::default(),
            temperature: 0.0,
            max_tokens: 200,
            analysis_max_tokens: 1_200,
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

impl LlmConfig {
    /// A configuration with the defaults: 3 s to the first token, 15 s per turn, JSON through
    /// `json_object` with a schema, temperature 0.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            ..Self::default()
        }
    }

    /// Reads `INTERVIEWD_LLM_*` through `lookup` (pass `|k| std::env::var(k).ok()`).
    /// `Ok(None)` when no base URL is set: the built-ins run.
    ///
    /// Variables: `BASE_URL`, `MODEL` (required with a base URL), `API_KEY`,
    /// `FIRST_TOKEN_TIMEOUT_MS`, `TIMEOUT_MS`, `ANALYSIS_TIMEOUT_MS`, `STRUCTURED_OUTPUT`,
    /// `TEMPERATURE`, `MAX_TOKENS`, `ANALYSIS_MAX_TOKENS`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let get =
            |name: &str| lookup(&format!("INTERVIEWD_LLM_{name}")).filter(|v| !v.trim().is_empty());
        let Some(base_url) = get("BASE_URL") else {
            return Ok(None);
        };
        let model = get("MODEL").ok_or(ConfigError::Invalid(
            "INTERVIEWD_LLM_MODEL",
            "set when INTERVIEWD_LLM_BASE_URL is",
        ))?;
        let mut config = Self::new(base_url.trim().trim_end_matches('/'), model.trim());
        config.api_key = get("API_KEY").map(ApiKey::new);
        let ms = |name: &'static str, field: &mut Duration| -> Result<(), ConfigError> {
            if let Some(v) = get(name) {
                let n: u64 = v
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::Invalid(name, "a whole number of milliseconds"))?;
                *field = Duration::from_millis(n);
            }
            Ok(())
        };
        ms("FIRST_TOKEN_TIMEOUT_MS", &mut config.first_token_timeout)?;
        ms("TIMEOUT_MS", &mut config.total_timeout)?;
        ms("ANALYSIS_TIMEOUT_MS", &mut config.analysis_timeout)?;
        if let Some(v) = get("STRUCTURED_OUTPUT") {
            config.structured_output = v.parse()?;
        }
        if let Some(v) = get("TEMPERATURE") {
            config.temperature = v
                .trim()
                .parse()
                .map_err(|_| ConfigError::Invalid("INTERVIEWD_LLM_TEMPERATURE", "a number"))?;
        }
        for (name, field) in [
            ("MAX_TOKENS", &mut config.max_tokens),
            ("ANALYSIS_MAX_TOKENS", &mut config.analysis_max_tokens),
        ] {
            if let Some(v) = get(name) {
                *field = v
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::Invalid("INTERVIEWD_LLM_MAX_TOKENS", "a number"))?;
            }
        }
        Ok(Some(config))
    }

    /// Whether the server answers: `GET {base}/models`, and if that is not served, a
    /// one-token completion. For `interviewd doctor` and the startup log.
    pub async fn probe(&self) -> Probe {
        let started = Instant::now();
        let client = match reqwest::Client::builder()
            .timeout(self.total_timeout.max(Duration::from_secs(5)))
            .build()
        {
            Ok(client) => client,
            Err(e) => return Probe::failed(started, format!("http client: {e}")),
        };
        let auth = |r: reqwest::RequestBuilder| match &self.api_key {
            Some(key) => r.bearer_auth(key.expose()),
            None => r,
        };
        let url = format!("{}/models", self.base_url.trim_end_matches('/'));
        match auth(client.get(&url)).send().await {
            Ok(r) if r.status().is_success() => {
                let listed = r
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|v| v.get("data").cloned())
                    .and_then(|d| d.as_array().cloned())
                    .is_some_and(|d| d.iter().any(|m| m["id"] == self.model.as_str()));
                let detail = if listed {
                    format!("model {} is listed", self.model)
                } else {
                    format!(
                        "the server answers; model {} is not in its list",
                        self.model
                    )
                };
                return Probe::ok(started, detail);
            }
            Ok(_) | Err(_) => {}
        }
        let body = serde_json::json!({
            "model": self.model,
            "max_tokens": 1,
            "messages": [{"role": "user", "content": "Say OK."}],
        });
        let url = format!("{}/chat/completions", self.base_url.trim_end_matches('/'));
        match auth(client.post(&url).json(&body)).send().await {
            Ok(r) if r.status().is_success() => Probe::ok(started, "a completion answered".into()),
            Ok(r) => Probe::failed(started, format!("HTTP {}", r.status().as_u16())),
            Err(e) => Probe::failed(started, crate::llm::client::describe_reqwest(&e)),
        }
    }
}

/// What [`LlmConfig::probe`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Whether the server answered.
    pub ok: bool,
    /// One line for a person.
    pub detail: String,
    /// How long the probe took.
    pub latency: Duration,
}

impl Probe {
    fn ok(started: Instant, detail: String) -> Self {
        Self {
            ok: true,
            detail,
            latency: started.elapsed(),
        }
    }

    fn failed(started: Instant, detail: String) -> Self {
        Self {
            ok: false,
            detail,
            latency: started.elapsed(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn no_base_url_means_no_model() {
        assert_eq!(LlmConfig::from_lookup(env(&[])), Ok(None));
        assert_eq!(
            LlmConfig::from_lookup(env(&[("INTERVIEWD_LLM_MODEL", "x")])),
            Ok(None)
        );
    }

    #[test]
    fn reads_every_variable() {
        let config = LlmConfig::from_lookup(env(&[
            ("INTERVIEWD_LLM_BASE_URL", "http://127.0.0.1:11434/v1/"),
            ("INTERVIEWD_LLM_MODEL", "llama3.2"),
            ("INTERVIEWD_LLM_API_KEY", "sk-secret"),
            ("INTERVIEWD_LLM_FIRST_TOKEN_TIMEOUT_MS", "1500"),
            ("INTERVIEWD_LLM_TIMEOUT_MS", "9000"),
            ("INTERVIEWD_LLM_STRUCTURED_OUTPUT", "json_schema"),
            ("INTERVIEWD_LLM_TEMPERATURE", "0.2"),
            ("INTERVIEWD_LLM_MAX_TOKENS", "120"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(config.first_token_timeout, Duration::from_millis(1500));
        assert_eq!(config.total_timeout, Duration::from_secs(9));
        assert_eq!(config.structured_output, StructuredOutput::JsonSchema);
        assert_eq!(config.max_tokens, 120);
        assert_eq!(config.api_key.as_ref().unwrap().expose(), "sk-secret");
        assert!(
            LlmConfig::from_lookup(env(&[
                ("INTERVIEWD_LLM_BASE_URL", "http://x/v1"),
                ("INTERVIEWD_LLM_MODEL", "m"),
                ("INTERVIEWD_LLM_TIMEOUT_MS", "soon"),
            ]))
            .is_err()
        );
    }

    #[test]
    fn the_api_key_never_prints() {
        let mut config = LlmConfig::new("http://x/v1", "m");
        config.api_key = Some(ApiKey::new("sk-very-secret"));
        let shown = format!("{config:?} {}", config.api_key.as_ref().unwrap());
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn structured_output_names() {
        assert_eq!("JSON_OBJECT".parse(), Ok(StructuredOutput::JsonObject));
        assert_eq!("prompt_only".parse(), Ok(StructuredOutput::None));
        assert!("xml".parse::<StructuredOutput>().is_err());
    }
}
