//! Which API dialect a request speaks, told by its path prefix, and the error bodies of the
//! layers that answer before or around the handlers (idempotency, rate limits, timeouts,
//! body limit, panics) in that dialect's shape. Handlers render their own errors through
//! each dialect's `error.rs`; these are the same shapes.

use axum::extract::OriginalUri;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The three wire dialects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `/v1/…` and the unprefixed routes (and anything unknown).
    InstaView,
    /// `/api/v1/…`.
    Alpharun,
    /// `/api/v2/…`.
    Xobin,
}

impl Dialect {
    /// The dialect of a request path.
    pub fn of_path(path: &str) -> Self {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/api/v1") {
            Self::Alpharun
        } else if under("/api/v2") {
            Self::Xobin
        } else {
            Self::InstaView
        }
    }

    /// The dialect of a request (its original path, before any nesting stripped it).
    pub fn of<B>(req: &Request<B>) -> Self {
        match req.extensions().get::<OriginalUri>() {
            Some(OriginalUri(uri)) => Self::of_path(uri.path()),
            None => Self::of_path(req.uri().path()),
        }
    }

    /// An error in this dialect's shape. `code` is InstaView's machine-readable code; the
    /// other dialects carry only the status and the message.
    pub fn error(self, status: StatusCode, code: &str, message: &str) -> Response {
        self.error_with(status, code, message, Value::Null)
    }

    /// [`Dialect::error`] with InstaView `details`.
    pub fn error_with(
        self,
        status: StatusCode,
        code: &str,
        message: &str,
        details: Value,
    ) -> Response {
        let body = match self {
            Self::InstaView => json!({
                "success": false,
                "statusCode": status.as_u16(),
                "message": message,
                "data": null,
                "error": { "code": code, "message": message, "details": details },
                "timestamp": interviewd_domain::time::rfc3339(chrono::Utc::now()),
            }),
            Self::Alpharun => json!({ "error": status.as_u16(), "message": message }),
            Self::Xobin => json!({ "error": message }),
        };
        (status, axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_choose_the_dialect() {
        assert_eq!(Dialect::of_path("/api/v1/contacts"), Dialect::Alpharun);
        assert_eq!(Dialect::of_path("/api/v1"), Dialect::Alpharun);
        assert_eq!(Dialect::of_path("/api/v2/ai-interviews"), Dialect::Xobin);
        assert_eq!(Dialect::of_path("/api/v10/x"), Dialect::InstaView);
        assert_eq!(Dialect::of_path("/v1/jobs"), Dialect::InstaView);
        assert_eq!(Dialect::of_path("/jobs"), Dialect::InstaView);
    }
}
