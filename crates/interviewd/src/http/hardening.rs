//! Limits and failure shapes shared by every route: a request timeout, the body-size limit
//! and handler panics, each answered in the dialect of the request's path; and the path
//! that log lines show, which never carries personal data.
//!
//! - Timeout (`request_timeout_ms`, default 30 s) → 503; the handler's future is dropped.
//! - Body over [`crate::http::MAX_BODY_BYTES`] → 413 (whichever layer noticed it).
//! - Panic → 500 with the generic body of the dialect; the panic message is logged only.

use crate::http::dialect::Dialect;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;

/// Marks the response that [`panic_response`] made, for [`shape`] to render in the dialect.
#[derive(Clone, Copy, Debug)]
pub struct Panicked;

/// Wraps `router` in the timeout, the dialect shaping and the panic catcher.
pub fn apply(router: Router, timeout: Duration) -> Router {
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(timeout, shape))
}

/// A panic in a handler: logs its message and answers a marked, generic 500.
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    tracing::error!(panic = detail, "handler panicked");
    let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    res.extensions_mut().insert(Panicked);
    res
}

/// The 500 a panic becomes, in `dialect`'s shape (each dialect's generic message).
pub fn internal_error(dialect: Dialect) -> Response {
    let message = match dialect {
        Dialect::InstaView => "internal server error",
        Dialect::Alpharun => "Internal server error",
        Dialect::Xobin => "Internal server error. Please contact support.",
    };
    dialect.error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", message)
}

/// The middleware: bounds the request's time and re-renders 413s and panics.
pub async fn shape(State(timeout): State<Duration>, req: Request, next: Next) -> Response {
    let dialect = Dialect::of(&req);
    let res = match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(timeout_ms = timeout.as_millis(), "request timed out");
            return dialect.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "REQUEST_TIMEOUT",
                "The request took too long; retry later",
            );
        }
    };
    if res.extensions().get::<Panicked>().is_some() {
        return internal_error(dialect);
    }
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let mut shaped = dialect.error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "Request body is too large (the limit is 1 MiB)",
        );
        // Keep the rate-limit headers the inner layers added.
        for (name, value) in res.headers() {
            if name.as_str().starts_with("x-ratelimit-") {
                shaped.headers_mut().insert(name.clone(), value.clone());
            }
        }
        return shaped;
    }
    res
}

/// The path a log line shows: the route template when one matched (ids and contact
/// references stay out), else the path with every segment that could be personal data
/// (an `@`, a `:`, a `+`, or six digits or more) replaced by `{redacted}`.
pub fn log_path<B>(req: &axum::http::Request<B>) -> String {
    if let Some(template) = req.extensions().get::<MatchedPath>() {
        return template.as_str().to_owned();
    }
    redact_path(req.uri().path())
}

/// See [`log_path`].
pub fn redact_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let digits = segment.bytes().filter(u8::is_ascii_digit).count();
            let suspicious = segment.contains(['@', ':', '+', '%']) || digits >= 6;
            if suspicious { "{redacted}" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_the_dialects_500() {
        let res = panic_response(Box::new("boom at secret place".to_owned()));
        assert!(res.extensions().get::<Panicked>().is_some());
        let body = |res: Response| async move {
            let bytes = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        };
        let xobin = internal_error(Dialect::Xobin);
        assert_eq!(xobin.status(), 500);
        assert_eq!(
            body(xobin).await,
            serde_json::json!({ "error": "Internal server error. Please contact support." })
        );
        let alpharun = body(internal_error(Dialect::Alpharun)).await;
        assert_eq!(
            alpharun,
            serde_json::json!({ "error": 500, "message": "Internal server error" })
        );
        let iv = body(internal_error(Dialect::InstaView)).await;
        assert_eq!(iv["error"]["code"], "INTERNAL_ERROR");
        assert_eq!(iv["success"], false);
        assert!(!iv.to_string().contains("secret place"));
    }

    #[test]
    fn personal_data_is_cut_from_unmatched_paths() {
        assert_eq!(
            redact_path("/api/v1/contacts/alt:email:ann@example.com"),
            "/api/v1/contacts/{redacted}"
        );
        assert_eq!(redact_path("/x/%2B14155550100/y"), "/x/{redacted}/y");
        assert_eq!(redact_path("/v1/jobs"), "/v1/jobs");
    }
}
