//! One streamed Chat Completions call with deadlines, over `async-openai` in its
//! bring-your-own-types mode: the request and every chunk are `serde_json::Value`, so a
//! server that leaves out `usage`, sends `usage: {}` or adds fields of its own is read as
//! well as OpenAI.
//!
//! The call never outlives its deadlines: the time to the first token of content and the
//! total time are both enforced here, around the HTTP request and every chunk, so a server
//! that hangs or dies costs at most the configured timeout.

use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::middleware::ReqwestService;
use futures_util::StreamExt;
use interviewd_voice::analysis::ModelUsage;
use serde_json::{Value, json};
use tokio::time::timeout_at;

use super::config::{ConfigError, LlmConfig, StructuredOutput};

/// A configured connection to one OpenAI-compatible server.
#[derive(Clone)]
pub struct LlmClient {
    client: Client<OpenAIConfig>,
    config: LlmConfig,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What one call should ask.
pub(crate) struct ChatCall<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: Vec<Value>,
    /// The JSON schema of the answer, with a name for `json_schema` mode.
    pub(crate) schema: Option<(&'a str, Value)>,
    pub(crate) max_tokens: u32,
    pub(crate) first_token_timeout: Duration,
    pub(crate) total_timeout: Duration,
}

/// How a call ended.
#[derive(Debug)]
pub(crate) struct ChatOutcome {
    /// The content received (all of it, even when the call failed part-way).
    pub(crate) content: String,
    /// The measurements; `fell_back` is left for the caller to set.
    pub(crate) usage: ModelUsage,
    /// Why the call did not end normally.
    pub(crate) error: Option<ChatError>,
}

/// Why a call did not end normally.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ChatError {
    #[error("no token within the first-token timeout")]
    FirstTokenTimeout,
    #[error("the answer took longer than the timeout")]
    TotalTimeout,
    #[error("request failed: {0}")]
    Request(String),
    #[error("the stream broke: {0}")]
    Stream(String),
}

/// What the caller wants after a piece of content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// The answer is complete: no more content is wanted. The stream is still read for up
    /// to [`DRAIN_GRACE`], for the usage report that servers send last.
    Stop,
}

/// How long the end of a stream is awaited after the answer was complete.
const DRAIN_GRACE: Duration = Duration::from_millis(300);

impl LlmClient {
    /// A client for `config`. Fails on a base URL that is not HTTP(S) or an API key that
    /// cannot be sent in a header.
    pub fn new(config: LlmConfig) -> Result<Self, ConfigError> {
        let base = config.base_url.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ConfigError::Invalid(
                "INTERVIEWD_LLM_BASE_URL",
                "an http:// or https:// URL",
            ));
        }
        let key = config.api_key.as_ref().map_or("", |k| k.expose().trim());
        if !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ConfigError::Invalid(
                "INTERVIEWD_LLM_API_KEY",
                "printable ASCII without spaces",
            ));
        }
        // Every field set explicitly: the defaults would read OPENAI_* variables.
        let openai = OpenAIConfig::new()
            .with_api_base(base)
            .with_api_key(key)
            .with_org_id("")
            .with_project_id("");
        // The plain transport, without async-openai's default retries: a retried 500 or a
        // refused connection would spend the candidate's waiting time on backoff.
        let client = Client::with_config(openai)
            .with_http_service(ReqwestService::new(reqwest::Client::new()));
        Ok(Self { client, config })
    }

    /// The configuration.
    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The request body of `call`, exactly as sent.
    pub(crate) fn body(&self, call: &ChatCall<'_>) -> Value {
        let mut body = json!({
            "model": call.model,
            "messages": call.messages,
            "stream": true,
            "stream_options": {"include_usage": true},
            "temperature": self.config.temperature,
            "max_tokens": call.max_tokens,
        });
        if let Some((name, schema)) = &call.schema {
            let format = match self.config.structured_output {
                StructuredOutput::JsonSchema => Some(json!({
                    "type": "json_schema",
                    "json_schema": {"name": name, "strict": true, "schema": strict(schema.clone())},
                })),
                StructuredOutput::JsonObject => {
                    Some(json!({"type": "json_object", "schema": schema}))
                }
                StructuredOutput::None => None,
            };
            if let Some(format) = format {
                body["response_format"] = format;
            }
        }
        body
    }

    /// Runs `call`, handing each piece of content to `on_text` as it arrives.
    pub(crate) async fn stream(
        &self,
        call: ChatCall<'_>,
        mut on_text: impl FnMut(&str) -> Flow,
    ) -> ChatOutcome {
        let started = Instant::now();
        let first_deadline = tokio::time::Instant::from_std(started + call.first_token_timeout);
        let total_deadline = tokio::time::Instant::from_std(started + call.total_timeout);
        let mut out = ChatOutcome {
            content: String::new(),
            usage: ModelUsage {
                model: call.model.to_owned(),
                ..ModelUsage::default()
            },
            error: None,
        };
        let body = self.body(&call);
        let deadline = |got_first: bool| {
            if got_first {
                (total_deadline, ChatError::TotalTimeout)
            } else if first_deadline <= total_deadline {
                (first_deadline, ChatError::FirstTokenTimeout)
            } else {
                (total_deadline, ChatError::TotalTimeout)
            }
        };
        let (at, on_timeout) = deadline(false);
        let chat = self.client.chat();
        let request = chat.create_stream_byot::<Value, Value>(body);
        let mut stream = match timeout_at(at, request).await {
            Err(_) => return out.fail(on_timeout, started),
            Ok(Err(e)) => return out.fail(ChatError::Request(e.to_string()), started),
            Ok(Ok(stream)) => stream,
        };
        let mut draining: Option<tokio::time::Instant> = None;
        loop {
            let (at, on_timeout) = deadline(out.usage.first_token_ms.is_some());
            let at = draining.map_or(at, |d| d.min(at));
            let chunk = match timeout_at(at, stream.next()).await {
                Err(_) if draining.is_some() => break,
                Err(_) => return out.fail(on_timeout, started),
                Ok(None) => break,
                Ok(Some(Err(e))) => return out.fail(ChatError::Stream(e.to_string()), started),
                Ok(Some(Ok(chunk))) => chunk,
            };
            if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
                let message = error["message"]
                    .as_str()
                    .unwrap_or("error event")
                    .to_owned();
                return out.fail(ChatError::Stream(message), started);
            }
            out.read_meta(&chunk);
            let text = chunk["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap_or("");
            if text.is_empty() || draining.is_some() {
                continue;
            }
            if out.usage.first_token_ms.is_none() {
                out.usage.first_token_ms = Some(millis(started.elapsed()));
            }
            out.content.push_str(text);
            if on_text(text) == Flow::Stop {
                draining = Some(tokio::time::Instant::now() + DRAIN_GRACE);
            }
        }
        out.usage.total_ms = millis(started.elapsed());
        out
    }
}

impl ChatOutcome {
    fn fail(mut self, error: ChatError, started: Instant) -> Self {
        self.usage.total_ms = millis(started.elapsed());
        self.usage.failure = Some(super::prompts::clip(&error.to_string(), 200).to_owned());
        self.error = Some(error);
        self
    }

    /// Picks up the model name and token counts wherever a server puts them.
    fn read_meta(&mut self, chunk: &Value) {
        if let Some(model) = chunk["model"].as_str().filter(|m| !m.is_empty()) {
            model.clone_into(&mut self.usage.model);
        }
        let usage = &chunk["usage"];
        let count = |key: &str| usage[key].as_u64().and_then(|n| u32::try_from(n).ok());
        if let Some(n) = count("prompt_tokens") {
            self.usage.prompt_tokens = Some(n);
        }
        if let Some(n) = count("completion_tokens") {
            self.usage.completion_tokens = Some(n);
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// OpenAI's strict mode refuses length keywords; the code checks lengths itself anyway.
fn strict(mut schema: Value) -> Value {
    match &mut schema {
        Value::Object(map) => {
            map.remove("maxLength");
            map.remove("minLength");
            for value in map.values_mut() {
                *value = strict(value.take());
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = strict(item.take());
            }
        }
        _ => {}
    }
    schema
}

/// A short, key-free description of a transport error.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        e.to_string()
    }
}
