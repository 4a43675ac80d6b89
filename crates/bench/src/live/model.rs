//! Time to first token, measured by the bench itself: the instant model's (the baseline a
//! turn through the server is compared with) and the real small model's.
//!
//! - **Baseline.** A streaming chat request of the shape and about the size of the server's
//!   (system and user prompt, `json_object`, `stream`) sent straight to the instant model by
//!   a keep-alive client, as the server's own client sends it. What is timed is the moment
//!   the first character of `utterance` has arrived: the earliest moment the server could
//!   forward a token to the page (it forwards nothing before the `action` is known, and the
//!   reply names it first). The rest of the stream is read, as the server reads it.
//! - **Real model.** When a model server is named (`--llm-url`, or `INTERVIEWD_TEST_LLM_URL`;
//!   `tools/llm-server.sh` starts SmolLM2-135M-Instruct), a few turns are asked through the
//!   server's own interviewer (`LlmInterviewer`, the real prompts): the model's first token
//!   as the client saw it, and the first piece of the reply the interviewer forwarded.

use crate::stats::Summary;
use anyhow::Context as _;
use interviewd_interviewer::{
    Context, Conversation, Interviewer, LlmClient, LlmConfig, LlmInterviewer, Plan,
    StructuredOutput,
};
use serde::Serialize;
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

/// The real model's numbers, or why there are none.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RealModel {
    pub url: Option<String>,
    pub model: String,
    /// Why it was not measured.
    pub skipped: Option<String>,
    /// The model's first token of content, as the interviewer's client timed it.
    pub first_token: Option<Summary>,
    /// The first piece of the reply the interviewer forwarded (what a page would get first).
    pub first_piece: Option<Summary>,
    /// The whole answer.
    pub total: Option<Summary>,
    /// Turns where the interviewer fell back to its scripted turn.
    pub fell_back: u64,
}

/// Asks the real model `requests` turns through the server's interviewer (one warm-up
/// first), each bounded by the interviewer's timeouts.
pub async fn real_model(url: Option<&str>, model: &str, requests: usize) -> RealModel {
    let mut result = RealModel {
        url: url.map(str::to_owned),
        model: model.to_owned(),
        skipped: None,
        first_token: None,
        first_piece: None,
        total: None,
        fell_back: 0,
    };
    let Some(url) = url else {
        result.skipped =
            Some("no model server named (--llm-url or INTERVIEWD_TEST_LLM_URL)".into());
        return result;
    };
    let config = LlmConfig {
        first_token_timeout: Duration::from_secs(60),
        total_timeout: Duration::from_secs(90),
        structured_output: StructuredOutput::JsonObject,
        ..LlmConfig::new(url.trim_end_matches('/'), model)
    };
    let probe = config.probe().await;
    if !probe.ok {
        result.skipped = Some(format!("the model server did not answer: {}", probe.detail));
        return result;
    }
    let interviewer = match LlmClient::new(config) {
        Ok(client) => LlmInterviewer::new(client),
        Err(e) => {
            result.skipped = Some(format!("the model settings: {e}"));
            return result;
        }
    };
    let (mut token, mut piece, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for i in 0..=requests {
        let Some(turn) = real_turn(&interviewer).await else {
            continue;
        };
        if i == 0 {
            continue; // the warm-up: the model's first prompt evaluation
        }
        result.fell_back += u64::from(turn.fell_back);
        token.extend(turn.first_token);
        piece.extend(turn.first_piece);
        total.push(turn.total);
    }
    let elapsed = started.elapsed();
    result.first_token = Some(Summary::new(token, 0, elapsed, vec![]));
    result.first_piece = Some(Summary::new(piece, 0, elapsed, vec![]));
    result.total = Some(Summary::new(total, 0, elapsed, vec![]));
    result
}

struct RealTurn {
    first_token: Option<Duration>,
    first_piece: Option<Duration>,
    total: Duration,
    fell_back: bool,
}

/// One turn: the first question was asked, the candidate answered it.
async fn real_turn(interviewer: &LlmInterviewer) -> Option<RealTurn> {
    let plan = Plan::new(vec![
        "Tell me about a Rust service you shipped.".into(),
        "How do you test database migrations?".into(),
    ]);
    let context = Context {
        job_title: "Backend Engineer".into(),
        job_description: "Build and run payment APIs in Rust on PostgreSQL.".into(),
        guidance: "Be brief. Ask about what the candidate did personally.".into(),
        skills: vec!["Rust".into(), "PostgreSQL".into()],
        ..Context::default()
    };
    let mut conversation = Conversation::new(plan, context);
    conversation.opening();
    let request = conversation
        .next_request(
            "I built a payment service in Rust that settles card payments.",
            Duration::from_secs(30),
        )
        .ok()?;
    let (sink, mut pieces) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let decide = interviewer.decide(&request, sink);
    tokio::pin!(decide);
    let (first_piece, decision) = tokio::select! {
        piece = pieces.recv() => (piece.map(|_| started.elapsed()), None),
        decision = &mut decide => (None, Some(decision)),
    };
    let decision = match decision {
        Some(d) => d,
        None => decide.await,
    };
    let total = started.elapsed();
    let usage = decision.usage.unwrap_or_default();
    Some(RealTurn {
        first_token: usage.first_token_ms.map(Duration::from_millis),
        first_piece,
        total,
        fell_back: usage.fell_back,
    })
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
