//! Sends one webhook attempt and says what to do next.
//!
//! [`WebhookSender::send`] never fails and never panics: every way an attempt
//! can end becomes a [`DeliveryResult`] with an [`Outcome`], which the caller
//! records in the delivery log and turns into "done", "retry later",
//! "disable the endpoint" or "give up". Following the Standard Webhooks
//! guidance, only a 2xx is a success, redirects are not followed (a 3xx is a
//! failure), and 410 Gone asks us to stop sending to that endpoint.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::redirect;

use crate::egress::{EgressError, GuardedResolver, validate_url};
use crate::schedule::parse_retry_after;
use crate::signing::{SigningSecret, sign};

/// The request timeout the engine should use (Standard Webhooks: 15–30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Headers a custom endpoint header may not set: anything starting with
/// `webhook-` (the signature headers) and those the HTTP layer owns.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

/// How the sender is set up, once per process.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Allow loopback, private and other reserved addresses (self-hosters
    /// whose receivers are on their own network). Off by default.
    pub allow_private: bool,
    /// The `User-Agent` of every delivery.
    pub user_agent: String,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            allow_private: false,
            user_agent: concat!("interviewd-webhooks/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The HTTP client could not be built (for example, no TLS trust store).
#[derive(Debug, thiserror::Error)]
#[error("could not build the webhook HTTP client: {0}")]
pub struct SenderError(String);

/// One delivery attempt of one message to one endpoint.
#[derive(Debug, Clone)]
pub struct OutgoingWebhook {
    /// The endpoint URL.
    pub url: String,
    /// The message id, the same on every attempt (`webhook-id`).
    pub msg_id: String,
    /// Unix seconds of this attempt (`webhook-timestamp`), not of the event.
    pub timestamp: i64,
    /// The JSON payload, sent as is.
    pub body: Vec<u8>,
    /// The endpoint's secret.
    pub secret: SigningSecret,
    /// The endpoint's custom headers. Names starting with `webhook-` and
    /// `content-type`, `content-length`, `host`, `transfer-encoding`,
    /// `connection` are skipped; an invalid name or value refuses the attempt.
    pub headers: Vec<(String, String)>,
    /// The whole-request timeout (see [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
}

/// What the caller should do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx: the message is delivered.
    Delivered,
    /// Any other answer, a timeout or a network error: try again later.
    Retry,
    /// 410 Gone: the receiver asks us to disable the endpoint.
    Gone,
    /// The URL or its addresses are not allowed, or the request could not be
    /// built: retrying cannot help.
    Refused,
}

/// The record of one attempt, for the delivery log and the retry decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    /// The HTTP status, when the receiver answered.
    pub status: Option<u16>,
    /// Wall time of the attempt in milliseconds.
    pub duration_ms: u64,
    /// What went wrong, in words; `None` on success. Never holds the body.
    pub error: Option<String>,
    /// The receiver's `Retry-After`, if it sent a valid one.
    pub retry_after: Option<Duration>,
    /// What to do next.
    pub outcome: Outcome,
}

/// Sends signed webhooks through an HTTP client that follows no redirects
/// and resolves names through the egress guard.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    allow_private: bool,
}

impl WebhookSender {
    /// Builds the sender and its HTTP client (a cheap clone shares the pool).
    pub fn new(config: SenderConfig) -> Result<Self, SenderError> {
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .dns_resolver(GuardedResolver::new(config.allow_private))
            // A proxy would resolve names itself, out of the guard's reach.
            .no_proxy()
            .user_agent(config.user_agent)
            .build()
            .map_err(|e| SenderError(error_chain(&e)))?;
        Ok(Self {
            client,
            allow_private: config.allow_private,
        })
    }

    /// Sends one attempt and classifies the result.
    pub async fn send(&self, req: OutgoingWebhook) -> DeliveryResult {
        let started = Instant::now();
        let url = match validate_url(&req.url, self.allow_private) {
            Ok(url) => url,
            Err(e) => return refused(e.to_string(), started),
        };
        let headers = match build_headers(&req) {
            Ok(headers) => headers,
            Err(e) => return refused(e, started),
        };
        let sent = self
            .client
            .post(url)
            .headers(headers)
            .timeout(req.timeout)
            .body(req.body)
            .send()
            .await;
        let duration_ms = elapsed_ms(started);
        let result = match sent {
            Ok(response) => from_response(&response, duration_ms),
            Err(e) => from_error(e, req.timeout, duration_ms),
        };
        tracing::debug!(
            msg_id = %req.msg_id,
            status = ?result.status,
            duration_ms,
            outcome = ?result.outcome,
            "webhook attempt"
        );
        result
    }
}

fn build_headers(req: &OutgoingWebhook) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for (name, value) in &req.headers {
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("invalid custom header name {name:?}"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("invalid value for custom header {name}"))?;
        let reserved =
            name.as_str().starts_with("webhook-") || RESERVED_HEADERS.contains(&name.as_str());
        if !reserved {
            headers.append(name, value);
        }
    }
    let signature = sign(&req.secret, &req.msg_id, req.timestamp, &req.body);
    let fixed = [
        ("webhook-id", req.msg_id.clone()),
        ("webhook-timestamp", req.timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    for (name, value) in fixed {
        let value = HeaderValue::from_str(&value).map_err(|_| format!("invalid {name}"))?;
        headers.insert(name, value);
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(headers)
}

fn from_response(response: &reqwest::Response, duration_ms: u64) -> DeliveryResult {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let (outcome, error) = if status.is_success() {
        (Outcome::Delivered, None)
    } else if status == reqwest::StatusCode::GONE {
        (
            Outcome::Gone,
            Some("the endpoint answered 410 Gone".to_owned()),
        )
    } else if status.is_redirection() {
        let text = format!("the endpoint answered a redirect ({status}), which is not followed");
        (Outcome::Retry, Some(text))
    } else {
        (
            Outcome::Retry,
            Some(format!("the endpoint answered {status}")),
        )
    };
    DeliveryResult {
        status: Some(status.as_u16()),
        duration_ms,
        error,
        retry_after,
        outcome,
    }
}

fn from_error(error: reqwest::Error, timeout: Duration, duration_ms: u64) -> DeliveryResult {
    // The URL may carry a token in its query string; keep it out of the log.
    let error = error.without_url();
    let refused_by_guard = sources(&error).any(|e| e.downcast_ref::<EgressError>().is_some());
    let (outcome, text) = if refused_by_guard {
        (Outcome::Refused, error_chain(&error))
    } else if error.is_timeout() {
        let text = format!("no answer within {} ms", timeout.as_millis());
        (Outcome::Retry, text)
    } else {
        (Outcome::Retry, error_chain(&error))
    };
    DeliveryResult {
        status: None,
        duration_ms,
        error: Some(text),
        retry_after: None,
        outcome,
    }
}

fn refused(error: String, started: Instant) -> DeliveryResult {
    DeliveryResult {
        status: None,
        duration_ms: elapsed_ms(started),
        error: Some(error),
        retry_after: None,
        outcome: Outcome::Refused,
    }
}

fn sources<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |e| (*e).source())
}

/// "outer: cause: root cause", skipping links that repeat the one before.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in sources(error) {
        let text = e.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(headers: Vec<(&str, &str)>) -> OutgoingWebhook {
        OutgoingWebhook {
            url: "https://example.com/hook".into(),
            msg_id: "msg_1".into(),
            timestamp: 1_700_000_000,
            body: br#"{"type":"interview.completed"}"#.to_vec(),
            secret: SigningSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap(),
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    #[test]
    fn custom_headers_cannot_override_the_signature_headers() {
        let req = webhook(vec![
            ("Authorization", "Bearer abc"),
            ("Webhook-Signature", "v1,forged"),
            ("webhook-id", "msg_forged"),
            ("Content-Type", "text/plain"),
            ("X-Tenant", "a"),
            ("X-Tenant", "b"),
        ]);
        let headers = build_headers(&req).unwrap();
        assert_eq!(headers["authorization"], "Bearer abc");
        assert_eq!(headers["webhook-id"], "msg_1");
        assert_eq!(headers["webhook-timestamp"], "1700000000");
        assert_eq!(
            headers["webhook-signature"],
            sign(&req.secret, "msg_1", 1_700_000_000, &req.body)
        );
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers.get_all("x-tenant").iter().count(), 2);
        assert_eq!(headers.get_all("webhook-signature").iter().count(), 1);
    }

    #[test]
    fn invalid_custom_headers_are_refused() {
        assert!(build_headers(&webhook(vec![("bad name", "x")])).is_err());
        assert!(build_headers(&webhook(vec![("x-ok", "line\nbreak")])).is_err());
    }

    #[tokio::test]
    async fn refuses_bad_urls_without_sending() {
        let sender = WebhookSender::new(SenderConfig::default()).unwrap();
        for url in ["ftp://example.com/", "http://10.0.0.1/", "nonsense"] {
            let mut req = webhook(vec![]);
            req.url = url.into();
            let result = sender.send(req).await;
            assert_eq!(result.outcome, Outcome::Refused, "{url}");
            assert_eq!(result.status, None);
            assert!(result.error.is_some());
        }
    }

    #[tokio::test]
    async fn the_resolver_refusal_is_reported_as_refused() {
        // validate_url already refuses "localhost"; go around it to check that
        // a refusal from the DNS resolver is recognised in reqwest's error chain.
        let sender = WebhookSender::new(SenderConfig::default()).unwrap();
        let err = sender
            .client
            .post("http://localhost:9/")
            .send()
            .await
            .unwrap_err();
        let result = from_error(err, DEFAULT_TIMEOUT, 1);
        assert_eq!(result.outcome, Outcome::Refused, "{result:?}");
        let text = result.error.unwrap();
        assert!(text.contains("private or reserved"), "{text}");
    }
}
