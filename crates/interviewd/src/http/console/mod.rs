//! The recruiter console at `/app`: server-rendered pages (askama templates compiled into
//! the binary) with a little htmx, for the people of a company — another adapter over the
//! same core as the three API dialects, with no rules of its own.
//!
//! One module per page or area, each exporting its routes; what they share is here and in
//! `page` (the frame, rendering), `session` (who is signed in), `csrf` (every form and htmx
//! request checked in one middleware), `cookies` and `errors` (failures as pages, never
//! JSON). Every read and write goes through `crate::core`, scoped by the signed-in user's
//! company; an id of another company is a 404 page like a missing one.
//!
//! The layers around every route, outermost first: a timeout and a panic catcher that
//! answer with error pages, the body limit, the security headers, error fragments for htmx,
//! the session, then the CSRF check.

pub mod agents;
pub mod candidates;
pub mod cookies;
pub mod csrf;
pub mod errors;
pub mod form;
pub mod import;
pub mod interview;
pub mod interviews;
pub mod invites;
pub mod jobs;
pub mod overview;
pub mod page;
pub mod recording;
pub mod removal;
pub mod session;
pub mod settings;
pub mod sign_in;
pub mod webhooks;

use crate::app::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body (a CSV import of a few thousand rows fits).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Every `/app` route, with the console's layers.
pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    Router::new()
        .merge(sign_in::routes())
        .merge(overview::routes())
        .merge(interviews::routes())
        .merge(interview::routes())
        .merge(recording::routes())
        .merge(invites::routes())
        .merge(removal::routes())
        .merge(candidates::routes())
        .merge(import::routes())
        .merge(jobs::routes())
        .merge(agents::routes())
        .merge(settings::routes())
        .merge(webhooks::routes())
        .route("/app/", get(|| async { page::see_other("/app") }))
        .route(
            "/app/{*rest}",
            get(errors::not_found).post(errors::not_found),
        )
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn_with_state(state.clone(), session::resolve))
        .layer(from_fn(errors::fragments))
        .layer(from_fn(security_headers))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(CatchPanicLayer::custom(errors::panic_page))
        .layer(from_fn_with_state(timeout, errors::timeout))
        .with_state(state)
}

/// What the browser may load and do on a console page: only this origin's scripts, styles,
/// media and requests; no framing; no referrer (sign-in links carry a token); nothing kept
/// in caches (pages show personal data). A response that set its own cache policy (the
/// recording) keeps it.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src 'self'; connect-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}
