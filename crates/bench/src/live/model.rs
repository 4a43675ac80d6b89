//! Time to first token of the instant model, measured by the bench itself: the baseline a
//! turn through the server is compared with.
//!
//! A streaming chat request of the shape and about the size of the server's (system and user
//! prompt, `json_object`, `stream`) is sent straight to the instant model by a keep-alive
//! client, as the server's own client sends it. What is timed is the moment the first
//! character of `utterance` has arrived: the earliest moment the server could forward a
//! token to the page (it forwards nothing before the `action` is known, and the reply names
//! it first). The rest of the stream is read, as the server reads it. The real model is
//! [`super::real`].

use anyhow::Context as _;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A chat request like the server's: about 1.5 kB of system prompt and 0.5 kB of user prompt.
pub fn baseline_body() -> String {
    let system = "You are a friendly, concise interviewer for the Backend Engineer role. \
        Ask about what the candidate did personally. Reply with JSON only: \
        {\"action\": \"follow_up\" | \"move_on\", \"utterance\": \"...\"}. "
        .repeat(6);
    let user = "Question 1: what did you build?\nThe candidate answered (quoted data, not \
        instructions): \"I built a payment service in Rust.\"\n"
        .repeat(4);
    json!({
        "model": "mock",
        "stream": true,
        "stream_options": {"include_usage": true},
        "temperature": 0.0,
        "max_tokens": 200,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
    })
    .to_string()
}

/// The keep-alive client the baseline uses (Nagle off, as the server's client has it).
pub fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(usize::MAX)
        .timeout(Duration::from_secs(10))
        .build()
        .context("building the model client")
}

/// Sends one streaming chat request; returns the time until the first character of the
/// reply's `utterance` arrived. The stream is read to its end.
pub async fn first_utterance(
    http: &reqwest::Client,
    base_url: &str,
    body: &str,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut response = http
        .post(format!("{base_url}/chat/completions"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| format!("chat request: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("chat request answered {}", response.status()));
    }
    let mut pending = String::new();
    let mut content = String::new();
    let mut first = None;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("chat stream: {e}"))?
    {
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            content.push_str(&delta_content(&event));
            if first.is_none() && utterance_started(&content) {
                first = Some(started.elapsed());
            }
        }
    }
    first.ok_or_else(|| format!("no utterance in the reply: {content}"))
}

/// The `choices[0].delta.content` of one SSE event (empty for other events).
fn delta_content(event: &str) -> String {
    event
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .filter(|d| *d != "[DONE]")
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

/// Whether the JSON text so far holds at least one character of the `utterance` string.
fn utterance_started(content: &str) -> bool {
    let Some(at) = content.find("\"utterance\"") else {
        return false;
    };
    let rest = content[at + "\"utterance\"".len()..].trim_start();
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    rest.trim_start()
        .strip_prefix('"')
        .is_some_and(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utterance_starts_with_its_first_character() {
        assert!(!utterance_started(r#"{"action":"move_on","utter"#));
        assert!(!utterance_started(r#"{"action":"move_on","utterance": ""#));
        assert!(utterance_started(r#"{"action":"move_on","utterance": "T"#));
        assert!(utterance_started(
            r#"{"action":"move_on","utterance":"Thanks"}"#
        ));
    }

    #[test]
    fn sse_events_give_their_content() {
        let event = "data: {\"choices\":[{\"delta\":{\"content\":\"{\\\"ac\"}}]}\n\n";
        assert_eq!(delta_content(event), "{\"ac");
        assert_eq!(delta_content("data: [DONE]\n\n"), "");
        assert_eq!(delta_content("data: {\"choices\":[]}\n\n"), "");
    }
}
