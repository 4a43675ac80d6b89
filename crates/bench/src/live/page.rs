//! A candidate's page as the live benchmark drives it: one WebSocket to `/i/{token}/ws`,
//! written by the session's task, read by a task of its own that stamps every frame with the
//! monotonic clock the moment it is read, so a measurement does not wait for the writer.
//!
//! Nagle's algorithm is off on the page's side, as browsers have it, so a small frame leaves
//! when it is sent.

use anyhow::{Context, bail};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Instant;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A frame from the server, stamped when it was read.
#[derive(Debug)]
pub struct Event {
    pub at: Instant,
    pub what: Incoming,
}

/// What the server sent.
#[derive(Debug)]
pub enum Incoming {
    /// A text frame (JSON).
    Message(Value),
    /// A binary frame of agent audio, by its length in bytes.
    Audio(usize),
    /// The socket closed or failed.
    Closed(String),
}

impl Incoming {
    /// The message's `type`, if it is a message.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Incoming::Message(m) => m["type"].as_str(),
            _ => None,
        }
    }
}

/// One open page.
pub struct Page {
    sink: SplitSink<Socket, Message>,
    /// Everything the server sent, in order.
    pub events: mpsc::UnboundedReceiver<Event>,
    reader: JoinHandle<()>,
}

impl Page {
    /// Opens the live session's socket of `token` on the server at `base` (`http://…`).
    pub async fn open(base: &str, token: &str) -> anyhow::Result<Self> {
        let url = format!("{}/i/{token}/ws", base.replacen("http", "ws", 1));
        // A small read buffer, as the server's: tungstenite zero-fills its free room before
        // every read, which at the default 128 KiB cost the pages more than their sockets.
        let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
        let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
            .await
            .context("opening the session's WebSocket")?;
        let (sink, mut stream) = socket.split();
        let (tx, events) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            loop {
                let next = stream.next().await;
                let at = Instant::now();
                let what = match next {
                    Some(Ok(Message::Text(text))) => {
                        Incoming::Message(serde_json::from_str(text.as_str()).unwrap_or_default())
                    }
                    Some(Ok(Message::Binary(bytes))) => Incoming::Audio(bytes.len()),
                    Some(Ok(Message::Close(frame))) => {
                        Incoming::Closed(format!("closed by the server: {frame:?}"))
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => Incoming::Closed(format!("socket error: {e}")),
                    None => Incoming::Closed("socket ended".into()),
                };
                let closed = matches!(what, Incoming::Closed(_));
                if tx.send(Event { at, what }).is_err() || closed {
                    return;
                }
            }
        });
        Ok(Self {
            sink,
            events,
            reader,
        })
    }

    /// Sends a JSON message.
    pub async fn send_json(&mut self, message: &Value) -> anyhow::Result<()> {
        self.sink
            .send(Message::Text(message.to_string().into()))
            .await
            .context("sending a message")
    }

    /// Sends one binary frame of microphone audio.
    pub async fn send_audio(&mut self, frame: Bytes) -> anyhow::Result<()> {
        self.sink
            .send(Message::Binary(frame))
            .await
            .context("sending audio")
    }

    /// The next frame from the server, waiting until `deadline` at most.
    pub async fn next(&mut self, deadline: tokio::time::Instant) -> anyhow::Result<Event> {
        match tokio::time::timeout_at(deadline, self.events.recv()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => bail!("the page's reader stopped"),
            Err(_) => bail!("nothing from the server in time"),
        }
    }

    /// Frames until one satisfies `done` (returned); a closed socket is an error.
    pub async fn until(
        &mut self,
        deadline: tokio::time::Instant,
        what: &str,
        done: impl Fn(&Incoming) -> bool,
    ) -> anyhow::Result<Event> {
        loop {
            let event = self
                .next(deadline)
                .await
                .with_context(|| format!("waiting for {what}"))?;
            if done(&event.what) {
                return Ok(event);
            }
            if let Incoming::Closed(why) = &event.what {
                bail!("waiting for {what}: {why}");
            }
        }
    }

    /// Closes the socket (the page goes away; the session stays live for a reconnect).
    pub async fn close(mut self) {
        let _ = self.sink.close().await;
        self.reader.abort();
    }
}

/// Whether `incoming` is the message `{"type": kind, …}` with `field` equal to `value`.
pub fn is(incoming: &Incoming, kind: &str, field: &str, value: &Value) -> bool {
    match incoming {
        Incoming::Message(m) => m["type"] == kind && &m[field] == value,
        _ => false,
    }
}
