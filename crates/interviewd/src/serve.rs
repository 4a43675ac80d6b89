//! Accepting connections, with limits a slow or hostile client cannot get around.
//!
//! - **Header-read timeout.** A connection must send a whole request head within
//!   `header_read_timeout_ms` of starting one (or of its previous response, when kept alive);
//!   otherwise it is closed. Half a request head never holds a connection open.
//! - **Connection limit.** At most `max_connections` connections are served at once; beyond
//!   that the server stops accepting until one closes (new connections wait in the kernel's
//!   queue), so no number of idle sockets exhausts the process.
//! - **Bounded graceful shutdown.** On shutdown the listener closes at once, requests under
//!   way finish and idle keep-alive connections close; whatever is still open after
//!   `shutdown_grace_ms` is dropped, so the process exits in bounded time whatever clients do.
//!
//! HTTP/1.1 only, as before, with upgrades (for WebSockets) passed through.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// What a client may hold of the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest a request head may take to arrive.
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// How long shutdown waits for requests under way.
    pub shutdown_grace: Duration,
}

impl Limits {
    /// The limits in `config`.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            header_read_timeout: Duration::from_millis(config.header_read_timeout_ms.max(1)),
            max_connections: usize::try_from(config.max_connections.max(1)).unwrap_or(1),
            shutdown_grace: Duration::from_millis(config.shutdown_grace_ms),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` fires, then shuts down within the grace.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let closing = CancellationToken::new();
    let mut connections = JoinSet::new();
    while let Some((stream, peer, permit)) = accept(&listener, &slots, &shutdown).await {
        while connections.try_join_next().is_some() {}
        let conn = connection(stream, peer, app.clone(), limits, closing.clone(), permit);
        connections.spawn(conn);
    }
    drop(listener);
    closing.cancel();
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_grace, drain)
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            grace_ms = limits.shutdown_grace.as_millis(),
            "connections still open after the shutdown grace are closed"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// The next connection, once a slot is free; `None` at shutdown.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    shutdown: &CancellationToken,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = tokio::select! {
        biased;
        () = shutdown.cancelled() => return None,
        permit = slots.clone().acquire_owned() => permit.ok()?,
    };
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return None,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => return Some((stream, peer, permit)),
                // Out of file descriptors, or a connection reset before it was accepted:
                // the listener itself is fine. A short pause keeps a persistent error from
                // spinning.
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Serves one connection until it ends, the header timeout closes it, or shutdown asks it to
/// finish its request under way.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    closing: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let response = app.oneshot(req.map(axum::body::Body::new)).await;
            Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    let ended = tokio::select! {
        ended = conn.as_mut() => ended,
        () = closing.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = ended {
        tracing::debug!(%error, %peer, "connection ended with an error");
    }
}
