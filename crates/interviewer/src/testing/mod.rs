//! An in-process OpenAI-compatible server for tests (feature `testing`): scripted streamed
//! answers, injected faults, and a record of every request it received.
//!
//! ```ignore
//! let server = MockLlm::start().await;
//! server.push(Reply::json(json!({"action": "move_on", "utterance": "Thanks."})));
//! server.push(Reply::text("ignored").fault(Fault::Status(500)));
//! let config = LlmConfig::new(server.base_url(), "mock");
//! // … run the code under test …
//! assert_eq!(server.requests()[0].body["stream"], true);
//! ```
//!
//! Replies are used in the order they were pushed; when none is left, the default reply
//! (settable with [`MockLlm::set_default`]) answers. `GET /v1/models` lists `mock`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;

/// What goes wrong with a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Nothing: every chunk, then `[DONE]`.
    None,
    /// Answer this HTTP status with an error body instead of a stream.
    Status(u16),
    /// Send this many chunks, then end the body cleanly without finishing the answer.
    Truncate(usize),
    /// Send this many chunks, then drop the connection (as if the server died).
    Kill(usize),
    /// Send the headers, then wait this long before the first chunk.
    SlowFirstToken(Duration),
    /// Never answer at all (not even the headers).
    Hang,
    /// Send this many chunks, then stall with the connection open.
    StallAfter(usize),
}

/// How the reply reports token usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageReport {
    /// A final chunk with `usage: {prompt_tokens, completion_tokens, total_tokens}`.
    Full,
    /// No usage at all.
    Missing,
    /// `usage: {}`.
    Empty,
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The content, in the pieces it is streamed in.
    pub chunks: Vec<String>,
    /// What goes wrong.
    pub fault: Fault,
    /// How usage is reported.
    pub usage: UsageReport,
    /// A pause before each chunk after the first.
    pub chunk_delay: Duration,
}

impl Reply {
    /// `content` streamed in pieces of three characters.
    pub fn text(content: &str) -> Self {
        let chars: Vec<char> = content.chars().collect();
        Self::chunks(chars.chunks(3).map(|c| c.iter().collect()).collect())
    }

    /// A JSON value, serialized and streamed in pieces of three characters.
    pub fn json(value: Value) -> Self {
        Self::text(&value.to_string())
    }

    /// Exactly these pieces.
    pub fn chunks(chunks: Vec<String>) -> Self {
        Self {
            chunks,
            fault: Fault::None,
            usage: UsageReport::Full,
            chunk_delay: Duration::ZERO,
        }
    }

    /// The same reply with a fault.
    #[must_use]
    pub fn fault(mut self, fault: Fault) -> Self {
        self.fault = fault;
        self
    }

    /// The same reply with another usage report.
    #[must_use]
    pub fn usage(mut self, usage: UsageReport) -> Self {
        self.usage = usage;
        self
    }

    /// The same reply with a pause before each chunk after the first.
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.chunk_delay = delay;
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The path (`/v1/chat/completions`).
    pub path: String,
    /// The JSON body (`Null` for a GET).
    pub body: Value,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

impl Recorded {
    /// All message contents of the request, joined: what the model was told.
    pub fn prompt_text(&self) -> String {
        self.body["messages"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|m| m["content"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    replies: VecDeque<Reply>,
    default: Option<Reply>,
    requests: Vec<Recorded>,
}

/// The running server; it stops when dropped.
pub struct MockLlm {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: JoinHandle<()>,
}

impl MockLlm {
    /// Starts a server on `127.0.0.1:0`.
    pub async fn start() -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/models", get(models))
            .with_state(shared.clone());
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("binding the mock LLM server: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => panic!("the mock LLM server's address: {e}"),
        };
        // No Nagle: the stream's small chunks must leave at once, as a real server's do.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared, task }
    }

    /// The API base to configure: `http://127.0.0.1:{port}/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues a reply for the next chat request.
    pub fn push(&self, reply: Reply) {
        self.lock().replies.push_back(reply);
    }

    /// The reply used when the queue is empty (initially `{"action":"move_on",…}`).
    pub fn set_default(&self, reply: Reply) {
        self.lock().default = Some(reply);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The chat requests received so far.
    pub fn chat_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .collect()
    }

    /// Stops accepting connections, as if the server process was killed (connections
    /// already open are not served any further).
    pub fn stop(&self) {
        self.task.abort();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for MockLlm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn record(shared: &Mutex<Shared>, path: &str, body: Value, headers: &HeaderMap) -> Option<Reply> {
    let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
    shared.requests.push(Recorded {
        path: path.to_owned(),
        body,
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    let default = shared.default.clone();
    shared.replies.pop_front().or(default)
}

async fn models(State(shared): State<Arc<Mutex<Shared>>>, headers: HeaderMap) -> Response {
    record(&shared, "/v1/models", Value::Null, &headers);
    axum::Json(json!({"object": "list", "data": [{"id": "mock", "object": "model"}]}))
        .into_response()
}

async fn chat(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let stream = body["stream"] == true;
    let model = body["model"].as_str().unwrap_or("mock").to_owned();
    let reply = record(&shared, "/v1/chat/completions", body, &headers)
        .unwrap_or_else(|| Reply::json(json!({"action": "move_on", "utterance": "Thank you."})));
    match reply.fault {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = json!({"error": {"message": "injected fault", "type": "server_error"}});
            return (status, axum::Json(error)).into_response();
        }
        Fault::Hang => std::future::pending::<()>().await,
        _ => {}
    }
    if !stream {
        let content: String = reply.chunks.concat();
        return axum::Json(json!({
            "id": "mock-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }))
        .into_response();
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    tokio::spawn(send_stream(reply, model, tx));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(ReceiverStream::new(rx)))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

type Sender = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// Writes the SSE events of `reply`, applying its fault.
async fn send_stream(reply: Reply, model: String, tx: Sender) {
    let event = |v: Value| Ok::<_, std::io::Error>(Bytes::from(format!("data: {v}\n\n")));
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "mock-1", "object": "chat.completion.chunk", "created": 0, "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    if let Fault::SlowFirstToken(d) = reply.fault {
        tokio::time::sleep(d).await;
    }
    let _ = tx
        .send(event(chunk(json!({"role": "assistant"}), Value::Null)))
        .await;
    for (i, piece) in reply.chunks.iter().enumerate() {
        match reply.fault {
            Fault::Truncate(n) if i == n => return,
            Fault::Kill(n) if i == n => {
                // Let what was sent reach the client first: the kill is of the server, not
                // of bytes already on the wire.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = tx.send(Err(std::io::Error::other("killed"))).await;
                return;
            }
            Fault::StallAfter(n) if i == n => {
                tx.closed().await;
                return;
            }
            _ => {}
        }
        if i > 0 && !reply.chunk_delay.is_zero() {
            tokio::time::sleep(reply.chunk_delay).await;
        }
        if tx
            .send(event(chunk(json!({"content": piece}), Value::Null)))
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = tx.send(event(chunk(json!({}), json!("stop")))).await;
    let usage = match reply.usage {
        UsageReport::Full => Some(
            json!({"prompt_tokens": 42, "completion_tokens": reply.chunks.len(),
                                         "total_tokens": 42 + reply.chunks.len()}),
        ),
        UsageReport::Empty => Some(json!({})),
        UsageReport::Missing => None,
    };
    if let Some(usage) = usage {
        let last = json!({"id": "mock-1", "object": "chat.completion.chunk", "created": 0,
                          "model": model, "choices": [], "usage": usage});
        let _ = tx.send(event(last)).await;
    }
    let _ = tx.send(Ok(Bytes::from_static(b"data: [DONE]\n\n"))).await;
}
