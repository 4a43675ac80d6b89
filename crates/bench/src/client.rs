//! The benchmark's HTTP client: one `reqwest` client (a keep-alive connection pool, so each
//! benchmark client reuses its connection) bound to the server and one API key, presented as
//! each dialect wants it.

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::Value;

/// How a request presents the key.
#[derive(Clone, Copy, Debug)]
pub enum Auth {
    /// `Authorization: Bearer sk_…` (InstaView, Alpharun).
    Bearer,
    /// `apiKey: sk_…` (Xobin).
    ApiKey,
}

/// A client of one server with one key.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
    bearer: String,
}

/// An answer: status and body.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl Api {
    /// A client of the server at `base` sending `key`.
    pub fn new(base: &str, key: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(usize::MAX)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.to_owned(),
            key: key.to_owned(),
            bearer: format!("Bearer {key}"),
        })
    }

    /// Sends a request and reads the whole answer. `Err` only for transport failures.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        auth: Auth,
    ) -> Result<Answer, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        req = match auth {
            Auth::Bearer => req.header("authorization", &self.bearer),
            Auth::ApiKey => req.header("apikey", &self.key),
        };
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let res = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = res.status().as_u16();
        let text = res.text().await.map_err(|e| format!("{path}: {e}"))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Answer { status, body, text })
    }

    /// Sends a request that must answer `expect`, and returns its body (for fixtures).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> anyhow::Result<Value> {
        let answer = self
            .send(method.clone(), path, body, Auth::Bearer)
            .await
            .map_err(anyhow::Error::msg)?;
        if answer.status != expect {
            bail!(
                "{method} {path} answered {}: {}",
                answer.status,
                answer.text
            );
        }
        Ok(answer.body)
    }
}

/// A string at `pointer` in `body`.
pub fn string_at(body: &Value, pointer: &str) -> anyhow::Result<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("no string at {pointer} in {body}"))
}

/// Checks an answer's status, then its body with `ok`; the error says what was wrong.
pub fn expect(answer: &Answer, status: u16, ok: impl FnOnce(&Value) -> bool) -> Result<(), String> {
    if answer.status != status {
        return Err(format!(
            "status {} (expected {status}): {}",
            answer.status,
            clip(&answer.text)
        ));
    }
    if !ok(&answer.body) {
        return Err(format!("unexpected body: {}", clip(&answer.text)));
    }
    Ok(())
}

/// The first 200 characters of a body, for error messages.
fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}
