//! Which API dialect a request speaks, told by its path prefix; where its key comes from;
//! and its error body, for the handlers (through each dialect's `error.rs`) and for the
//! layers that answer before or around them (idempotency, rate limits, timeouts, body limit,
//! panics). The bodies are the wire types of `crate::wire`.

use crate::http::extract::bearer;
use crate::wire;
use axum::extract::OriginalUri;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The header Xobin clients send their key in (header names are case-insensitive).
pub const XOBIN_KEY_HEADER: &str = "apikey";

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

    /// The API key a request of this dialect presents: `apiKey` for Xobin, an
    /// `Authorization: Bearer` token for the others.
    pub fn api_key(self, headers: &HeaderMap) -> Option<&str> {
        match self {
            Self::Xobin => headers
                .get(XOBIN_KEY_HEADER)?
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|k| !k.is_empty()),
            Self::InstaView | Self::Alpharun => bearer(headers),
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
        let status_code = status.as_u16();
        let message = message.to_owned();
        match self {
            Self::InstaView => {
                let body = wire::instaview::ErrorBody::new(status_code, code, message, details);
                (status, axum::Json(body)).into_response()
            }
            Self::Alpharun => {
                let body = wire::alpharun::ErrorBody {
                    error: status_code,
                    message,
                };
                (status, axum::Json(body)).into_response()
            }
            Self::Xobin => {
                let body = wire::xobin::ErrorBody {
                    error: message,
                    message: None,
                };
                (status, axum::Json(body)).into_response()
            }
        }
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
