//! What the phone carrier calls (docs/carrier.md): its signed callbacks and its WebSockets,
//! under `/carrier/…`, answered only with a carrier configured (404 otherwise).
//!
//! Every request is verified before anything in it is read: `X-Twilio-Signature` over the
//! public URL rebuilt from the configuration (never from the `Host` header) and the form
//! parameters, or for an upgrade over the `wss://` URL written in the TwiML. Anything
//! unsigned or mis-signed is refused with 403. A verified callback is acknowledged at once
//! (204; the carrier retries a slow or failed one only once) and handed to the call it is
//! about; the `<Connect action>` request after a ConversationRelay session answers TwiML that
//! hangs up. A WebSocket's text frames are carried between the socket and the carrier
//! provider, which binds it to its call ([`interviewd_carrier::Carrier::accept`]).

use crate::app::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::{SinkExt, StreamExt};
use interviewd_carrier::callback::Kind;
use interviewd_carrier::{Carrier, Outbound, Socket, SocketKind, paths, twiml};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Largest frame the carrier sends (a prompt, or a fraction of a second of μ-law in JSON).
const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Frames buffered each way between the socket and the call.
const FRAMES_BUFFERED: usize = 256;
const SIGNATURE: &str = "x-twilio-signature";

/// The carrier's routes.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route(paths::STATUS, post(status))
        .route(paths::AMD, post(amd))
        .route(paths::RECORDING, post(recording))
        .route(paths::RELAY_ACTION, post(relay_action))
        .route(paths::RELAY, get(relay_socket))
        .route(paths::MEDIA, get(media_socket))
        .with_state(state)
}

async fn status(state: State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    callback(&state, Kind::Status, &uri, &headers, &body)
}

async fn amd(state: State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    callback(&state, Kind::Amd, &uri, &headers, &body)
}

async fn recording(state: State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    callback(&state, Kind::Recording, &uri, &headers, &body)
}

async fn relay_action(
    state: State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    callback(&state, Kind::RelayAction, &uri, &headers, &body)
}

/// Verifies a callback and hands it to its call.
fn callback(state: &AppState, kind: Kind, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let Some(carrier) = state.carrier.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let signature = headers.get(SIGNATURE).and_then(|v| v.to_str().ok());
    if !carrier.verify_callback(&path_and_query, &params, body, signature) {
        tracing::warn!(
            path = uri.path(),
            "a carrier callback without a valid signature; refused"
        );
        return StatusCode::FORBIDDEN.into_response();
    }
    let attempt = uri
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "attempt")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    carrier.callback(kind, &attempt, &params);
    match kind {
        Kind::RelayAction => (
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            twiml::HANGUP,
        )
            .into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn relay_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(&state, SocketKind::Relay, paths::RELAY, &headers, ws)
}

async fn media_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(&state, SocketKind::Media, paths::MEDIA, &headers, ws)
}

/// Verifies an upgrade, then serves the socket.
fn upgrade(
    state: &AppState,
    kind: SocketKind,
    path: &str,
    headers: &HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(carrier) = state.carrier.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers.get(SIGNATURE).and_then(|v| v.to_str().ok());
    if !carrier.verify_upgrade(path, signature) {
        tracing::warn!(
            path,
            "a carrier WebSocket without a valid signature; refused"
        );
        return StatusCode::FORBIDDEN.into_response();
    }
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(crate::http::WS_READ_BUFFER_BYTES)
        .on_upgrade(move |socket| serve(socket, carrier, kind))
}

/// Carries text frames between the socket and the call until either side is done.
async fn serve(socket: WebSocket, carrier: Arc<Carrier>, kind: SocketKind) {
    let (mut sink, mut stream) = socket.split();
    let (in_tx, incoming) = mpsc::channel::<String>(FRAMES_BUFFERED);
    let (outgoing, mut out_rx) = mpsc::channel::<Outbound>(FRAMES_BUFFERED);
    tokio::spawn(async move { carrier.accept(kind, Socket { incoming, outgoing }).await });
    let writer = async {
        while let Some(frame) = out_rx.recv().await {
            match frame {
                Outbound::Text(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Outbound::Close => break,
            }
        }
        let close = CloseFrame {
            code: 1000,
            reason: "".into(),
        };
        let _ = sink.send(Message::Close(Some(close))).await;
    };
    let reader = async {
        while let Some(Ok(message)) = stream.next().await {
            match message {
                Message::Text(text) if in_tx.send(text.as_str().to_owned()).await.is_err() => {
                    return;
                }
                Message::Close(_) => return,
                // The carriers send text frames only; pings are answered by the library.
                _ => {}
            }
        }
    };
    tokio::select! {
        () = writer => {}
        () = reader => {}
    }
}
