//! A scripted HTTP receiver for webhook tests.
//!
//! It records every request (method, path, headers, body) before answering,
//! then answers with the next [`ScriptedResponse`] in its queue, or with the
//! default response (200 unless changed) once the queue is empty.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::{lock, wait_for_count};
use crate::signing::{SigningSecret, verify};

/// One request the receiver got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `POST`, normally.
    pub method: String,
    /// Path and query, such as `/hooks?x=1`.
    pub path: String,
    /// Every header in arrival order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// When the receiver had read the whole request.
    pub received_at: std::time::Instant,
}

impl ReceivedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether `webhook-signature` is valid for `secret` over this request's
    /// `webhook-id`, `webhook-timestamp` and body.
    pub fn verify_signature(&self, secret: &SigningSecret) -> bool {
        let (Some(id), Some(ts), Some(sig)) = (
            self.header("webhook-id"),
            self.header("webhook-timestamp")
                .and_then(|t| t.parse().ok()),
            self.header("webhook-signature"),
        ) else {
            return false;
        };
        verify(secret, id, ts, &self.body, sig)
    }
}

/// How the receiver answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedResponse {
    /// The status code.
    pub status: u16,
    /// A `Retry-After` header value to send.
    pub retry_after: Option<String>,
    /// A `Location` header value to send (for redirects).
    pub location: Option<String>,
    /// How long to wait before answering (for timeout tests).
    pub delay: Duration,
}

impl ScriptedResponse {
    /// An immediate answer with `status` and no extra headers.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            location: None,
            delay: Duration::ZERO,
        }
    }

    /// Adds a `Retry-After` header.
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }

    /// Adds a `Location` header.
    pub fn with_location(mut self, value: impl Into<String>) -> Self {
        self.location = Some(value.into());
        self
    }

    /// Answers only after `delay`.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug)]
struct Shared {
    requests: Mutex<Vec<ReceivedRequest>>,
    script: Mutex<VecDeque<ScriptedResponse>>,
    default: Mutex<ScriptedResponse>,
}

/// A recording webhook receiver on `127.0.0.1`, stopped when dropped.
///
/// ```ignore
/// let receiver = TestWebhookReceiver::start().await?;
/// receiver.respond_with([ScriptedResponse::status(500), ScriptedResponse::status(204)]);
/// // … point an endpoint at receiver.url("/hooks") and let the engine deliver …
/// let got = receiver.wait_for(2, Duration::from_secs(5)).await;
/// assert!(got[1].verify_signature(&secret));
/// ```
#[derive(Debug)]
pub struct TestWebhookReceiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl TestWebhookReceiver {
    /// Starts a receiver that answers 200 until scripted otherwise.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(ScriptedResponse::status(200)),
        });
        let app = Router::new()
            .fallback(record_and_answer)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "test webhook receiver stopped");
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// The address the receiver listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port><path>`; `path` starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `http://localhost:<port><path>`, to exercise the DNS resolver.
    pub fn localhost_url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.addr.port())
    }

    /// Queues answers for the next requests, in order, after any already queued.
    pub fn respond_with(&self, responses: impl IntoIterator<Item = ScriptedResponse>) {
        lock(&self.shared.script).extend(responses);
    }

    /// Sets the answer used once the queue is empty.
    pub fn set_default(&self, response: ScriptedResponse) {
        *lock(&self.shared.default) = response;
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until `count` requests arrived or `timeout` passed, and returns
    /// the requests received.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedRequest> {
        wait_for_count(count, timeout, || self.requests()).await
    }
}

impl Drop for TestWebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record_and_answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ReceivedRequest {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), ToString::to_string),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        received_at: std::time::Instant::now(),
    };
    lock(&shared.requests).push(request);
    let scripted = lock(&shared.script).pop_front();
    let answer = scripted.unwrap_or_else(|| lock(&shared.default).clone());
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response_headers = HeaderMap::new();
    let extra = [
        (header::RETRY_AFTER, answer.retry_after),
        (header::LOCATION, answer.location),
    ];
    for (name, value) in extra {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response_headers.insert(name, value);
        }
    }
    (status, response_headers).into_response()
}
