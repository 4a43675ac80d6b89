//! What a candidate sees at an invite link (`/i/{token}`): HTML pages for browsers, and the
//! live interview over a WebSocket (`/i/{token}/ws`). JSON clients keep the protocol of
//! [`crate::http::session`] on the same URLs: `GET /i/{token}` answers HTML when the request's
//! `Accept` names `text/html` (every browser's navigation does), JSON otherwise.
//!
//! Every response here carries the headers a page holding a credential in its URL needs:
//! `Referrer-Policy: no-referrer` (the token never leaks to another site), `Cache-Control:
//! no-store`, a Content-Security-Policy allowing only this origin (no inline script or
//! style; the pages need none), no framing, and the microphone for this origin only.

pub mod opening;
pub mod page;
pub mod strings;
pub mod ws;

use crate::app::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The live interview's WebSocket route.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/i/{token}/ws", axum::routing::get(ws::upgrade))
        .route("/i/{token}/apply", axum::routing::post(opening::apply))
        .layer(axum::middleware::from_fn(headers))
        .with_state(state)
}

/// Whether a request asks for a page rather than JSON.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "") == "q=0");
            media.eq_ignore_ascii_case("text/html") && !refused
        })
}

/// Adds the candidate pages' security headers to every `/i/…` response.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("microphone=(self), camera=()"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
        );
        h
    }

    #[test]
    fn browsers_get_pages_and_api_clients_json() {
        let chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
        assert!(wants_html(&accept(chrome)));
        assert!(!wants_html(&accept("application/json")));
        assert!(!wants_html(&accept("*/*")));
        assert!(!wants_html(&HeaderMap::new()));
        assert!(!wants_html(&accept("text/html;q=0, application/json")));
    }
}
