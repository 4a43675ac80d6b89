//! The calls this process holds, by attempt id: where a callback or a WebSocket about a call
//! is delivered.
//!
//! A call registers before it is placed (the carrier's first callback may come before the
//! create-call response), so nothing about it is lost. A WebSocket is bound to its call by
//! the identifying message (`setup` / `start`): its `attemptId` parameter must name a call
//! held here, its `attemptToken` must be the token only this process makes for that attempt
//! (an HMAC with a key drawn at start), and its call SID must be the one the carrier gave
//! when the call was placed. Anything else is closed without a word being processed.

use crate::callback::Callback;
use crate::twiml::{ATTEMPT_PARAM, TOKEN_PARAM};
use crate::{Outbound, Socket, media, relay};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::sync::mpsc;

/// How long a new socket has to identify itself.
const IDENTIFY_WITHIN: Duration = Duration::from_secs(10);
/// Frames a socket may send before its identifying message.
const MAX_PREAMBLE: usize = 4;

/// Which protocol a socket speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketKind {
    /// ConversationRelay.
    Relay,
    /// Media Streams.
    Media,
}

/// What reaches a call.
pub(crate) enum Event {
    Callback(Callback),
    Socket {
        kind: SocketKind,
        socket: Socket,
        /// Media Streams: the stream's SID (outbound messages name it).
        stream_sid: String,
    },
}

struct Entry {
    call_sid: Option<String>,
    tx: mpsc::UnboundedSender<Event>,
    socket_taken: bool,
}

pub(crate) struct Hub {
    calls: Mutex<HashMap<String, Entry>>,
    key: [u8; 32],
}

/// A call's place in the hub; dropping it forgets the call.
pub(crate) struct Registration<'a> {
    hub: &'a Hub,
    attempt: String,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.hub.lock().remove(&self.attempt);
    }
}

/// What the identifying message said.
struct Identity {
    attempt: String,
    token: String,
    call_sid: String,
    stream_sid: String,
}

impl Hub {
    pub(crate) fn new() -> Self {
        let mut key = [0_u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No system randomness: a fresh UUID-grade fallback is still unguessable enough
            // for a per-process key, and the socket is also bound by the call SID.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            key[..16].copy_from_slice(&nanos.to_le_bytes());
        }
        Self {
            calls: Mutex::new(HashMap::new()),
            key,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every critical section is one map operation: a poisoned map is consistent.
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Registers the call of `attempt`; its events arrive on the receiver.
    pub(crate) fn register(
        &self,
        attempt: &str,
    ) -> (Registration<'_>, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let entry = Entry {
            call_sid: None,
            tx,
            socket_taken: false,
        };
        self.lock().insert(attempt.to_owned(), entry);
        let registration = Registration {
            hub: self,
            attempt: attempt.to_owned(),
        };
        (registration, rx)
    }

    pub(crate) fn set_call_sid(&self, attempt: &str, call_sid: &str) {
        if let Some(entry) = self.lock().get_mut(attempt) {
            entry.call_sid = Some(call_sid.to_owned());
        }
    }

    /// The token that binds a socket to `attempt`.
    pub(crate) fn token(&self, attempt: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(attempt.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..18])
    }

    /// Hands a callback to its call; callbacks about calls not held here are dropped.
    pub(crate) fn deliver(&self, attempt: &str, event: Callback) {
        let calls = self.lock();
        match calls.get(attempt) {
            Some(entry)
                if entry
                    .call_sid
                    .as_deref()
                    .is_none_or(|sid| sid == event.call_sid()) =>
            {
                let _ = entry.tx.send(Event::Callback(event));
            }
            Some(_) => tracing::warn!(attempt, "a callback about another call; ignored"),
            None => tracing::debug!(attempt, "a callback about a call not held here; ignored"),
        }
    }

    /// Reads the socket's identifying message and gives the socket to its call, or closes it.
    pub(crate) async fn accept(&self, kind: SocketKind, mut socket: Socket) {
        let identity = tokio::time::timeout(IDENTIFY_WITHIN, identify(kind, &mut socket)).await;
        let Ok(Some(identity)) = identity else {
            tracing::warn!(
                ?kind,
                "a carrier socket that did not identify its call; closed"
            );
            let _ = socket.outgoing.send(Outbound::Close).await;
            return;
        };
        if let Err(socket) = self.hand_over(kind, socket, identity) {
            let _ = socket.outgoing.send(Outbound::Close).await;
        }
    }

    fn hand_over(&self, kind: SocketKind, socket: Socket, id: Identity) -> Result<(), Socket> {
        let expected = self.token(&id.attempt);
        let token_ok = bool::from(expected.as_bytes().ct_eq(id.token.as_bytes()));
        let mut calls = self.lock();
        let Some(entry) = calls.get_mut(&id.attempt).filter(|_| token_ok) else {
            tracing::warn!(
                ?kind,
                attempt = id.attempt,
                "a carrier socket for no call held here; closed"
            );
            return Err(socket);
        };
        let sid_ok = entry
            .call_sid
            .as_deref()
            .is_none_or(|sid| id.call_sid.is_empty() || sid == id.call_sid);
        if !sid_ok || entry.socket_taken {
            tracing::warn!(
                ?kind,
                attempt = id.attempt,
                "a carrier socket for another call, or a second one; closed"
            );
            return Err(socket);
        }
        entry.socket_taken = true;
        let event = Event::Socket {
            kind,
            socket,
            stream_sid: id.stream_sid,
        };
        match entry.tx.send(event) {
            // The call is ending: the socket goes back to be closed.
            Err(mpsc::error::SendError(Event::Socket { socket, .. })) => Err(socket),
            _ => Ok(()),
        }
    }
}

/// Reads frames until the one that names the call (`setup`, or `start` after `connected`).
async fn identify(kind: SocketKind, socket: &mut Socket) -> Option<Identity> {
    for _ in 0..=MAX_PREAMBLE {
        let frame = socket.incoming.recv().await?;
        let found = match kind {
            SocketKind::Relay => match relay::wire::Incoming::parse(&frame) {
                Some(relay::wire::Incoming::Setup {
                    call_sid,
                    custom_parameters,
                    ..
                }) => Some((call_sid, String::new(), custom_parameters)),
                _ => None,
            },
            SocketKind::Media => match media::wire::Incoming::parse(&frame) {
                Some(media::wire::Incoming::Start { start, stream_sid }) => {
                    let stream = if stream_sid.is_empty() {
                        start.stream_sid
                    } else {
                        stream_sid
                    };
                    Some((start.call_sid, stream, start.custom_parameters))
                }
                _ => None,
            },
        };
        if let Some((call_sid, stream_sid, params)) = found {
            return Some(Identity {
                attempt: relay::wire::parameter(&params, ATTEMPT_PARAM)?,
                token: relay::wire::parameter(&params, TOKEN_PARAM)?,
                call_sid,
                stream_sid,
            });
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    fn socket() -> (Socket, mpsc::Sender<String>, mpsc::Receiver<Outbound>) {
        let (in_tx, incoming) = mpsc::channel(8);
        let (outgoing, out_rx) = mpsc::channel(8);
        (Socket { incoming, outgoing }, in_tx, out_rx)
    }

    fn setup(attempt: &str, token: &str, call_sid: &str) -> String {
        serde_json::json!({
            "type": "setup", "sessionId": "VX1", "callSid": call_sid,
            "customParameters": {"attemptId": attempt, "attemptToken": token}
        })
        .to_string()
    }

    #[tokio::test]
    async fn a_socket_reaches_its_call_only_with_its_token_and_call() {
        let hub = Hub::new();
        let (_registration, mut events) = hub.register("a1");
        hub.set_call_sid("a1", "CA1");
        let token = hub.token("a1");
        assert_ne!(
            token,
            Hub::new().token("a1"),
            "each process has its own key"
        );

        for (attempt, token, sid) in [
            ("a1", "forged", "CA1"),
            ("a1", token.as_str(), "CA2"),
            ("a2", token.as_str(), "CA1"),
        ] {
            let (s, tx, mut out) = socket();
            tx.send(setup(attempt, token, sid)).await.unwrap();
            hub.accept(SocketKind::Relay, s).await;
            assert_eq!(out.recv().await, Some(Outbound::Close));
        }
        assert!(events.try_recv().is_err());

        let (s, tx, _out) = socket();
        tx.send(setup("a1", &token, "CA1")).await.unwrap();
        hub.accept(SocketKind::Relay, s).await;
        assert!(matches!(
            events.try_recv(),
            Ok(Event::Socket {
                kind: SocketKind::Relay,
                ..
            })
        ));

        // A second socket for the same call is refused.
        let (s, tx, mut out) = socket();
        tx.send(setup("a1", &token, "CA1")).await.unwrap();
        hub.accept(SocketKind::Relay, s).await;
        assert_eq!(out.recv().await, Some(Outbound::Close));
    }

    #[tokio::test]
    async fn callbacks_reach_registered_calls_until_they_end() {
        let hub = Hub::new();
        let (registration, mut events) = hub.register("a1");
        let amd = |sid: &str| Callback::Amd {
            call_sid: sid.into(),
            answered_by: "human".into(),
        };
        hub.deliver("a1", amd("CA1"));
        assert!(events.try_recv().is_ok());
        hub.set_call_sid("a1", "CA1");
        hub.deliver("a1", amd("CA9"));
        assert!(events.try_recv().is_err());
        drop(registration);
        assert_eq!(hub.len(), 0);
        hub.deliver("a1", amd("CA1"));
    }
}
