//! Errors of the console, rendered as pages: a browser never gets JSON from `/app`. A core
//! error becomes a page with a status and a plain sentence; another company's id is simply
//! "not found" (the console never says that something exists elsewhere). htmx requests get
//! the same message as a fragment, swapped into the page's `<main>`.

use crate::core::error::CoreError;
use crate::http::assets::asset_version;
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::time::Duration;

/// Why a console request could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    /// The signed-in user's role does not allow it; the message says what is missing.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A form without its CSRF token, or with a stale one.
    #[error("form expired")]
    Csrf,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl From<CoreError> for PageError {
    fn from(e: CoreError) -> Self {
        match e {
            // Another company's resource is as unknown as a missing one.
            CoreError::NotFound { .. } | CoreError::Forbidden(_) => Self::NotFound,
            CoreError::Validation { message, .. } | CoreError::Unprocessable { message, .. } => {
                Self::BadRequest(message)
            }
            CoreError::Conflict { message, .. } => Self::Conflict(message),
            CoreError::InvalidState(message) => Self::Conflict(message),
            CoreError::Unauthorized(_) | CoreError::MissingScope(_) => {
                Self::Forbidden("You may not do this.")
            }
            CoreError::Unavailable => Self::Unavailable,
            CoreError::Internal(detail) => {
                tracing::error!(error = %detail, "console request failed");
                Self::Internal
            }
        }
    }
}

/// The error page (`console/error.html`) and its fragment.
#[derive(Template, Clone)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    pub asset_version: &'static str,
}

#[derive(Template)]
#[template(path = "console/error_partial.html")]
struct ErrorPartial<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl PageError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "This page does not exist, or what it showed was removed.".into(),
            ),
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, "Not allowed", (*why).into()),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was sent without its security token, or from an old page. Reload \
                 the page and try again."
                    .into(),
            ),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "Check what you entered", m.clone()),
            Self::Conflict(m) => (StatusCode::CONFLICT, "Not possible right now", m.clone()),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "The service cannot be reached right now. Try again in a moment.".into(),
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The request failed on our side. It has been logged; try again later.".into(),
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = self.parts();
        error_page(status, title, message)
    }
}

/// An error page with `status`.
pub fn error_page(status: StatusCode, title: &'static str, message: String) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
        asset_version: asset_version(),
    };
    let mut res = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page failed");
            (status, title).into_response()
        }
    };
    // Marks the response so `fragments` can swap a fragment for an htmx request instead.
    res.extensions_mut().insert(Rendered(page));
    res
}

/// The page an error response was rendered from.
#[derive(Clone)]
struct Rendered(ErrorPage);

/// Middleware: an error page answering an htmx request becomes a fragment that replaces the
/// content of `<main>` (htmx swaps error responses as `htmx-config` in the page allows).
pub async fn fragments(req: Request, next: Next) -> Response {
    let htmx = super::page::is_partial(req.headers());
    let mut res = next.run(req).await;
    if !htmx {
        return res;
    }
    let Some(Rendered(page)) = res.extensions_mut().remove::<Rendered>() else {
        return res;
    };
    let status = res.status();
    let partial = ErrorPartial {
        status: page.status,
        title: page.title,
        message: &page.message,
    };
    let html = partial.render().unwrap_or_default();
    let mut out = (status, Html(html)).into_response();
    let headers = out.headers_mut();
    headers.insert("hx-retarget", HeaderValue::from_static("#main"));
    headers.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    out
}

/// A handler panic: logged, answered with the generic error page.
pub fn panic_page(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    tracing::error!(panic = detail, "console handler panicked");
    PageError::Internal.into_response()
}

/// Middleware: a request that takes longer than the configured timeout gets a 503 page.
pub async fn timeout(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis(), "console request timed out");
            PageError::Unavailable.into_response()
        }
    }
}

/// Fallback of `/app/…`: a 404 page.
pub async fn not_found() -> PageError {
    PageError::NotFound
}
