//! CSRF protection of every console form and htmx request, in one place: [`protect`] runs
//! over every `/app` route and refuses any request that could change something (anything
//! but GET, HEAD and OPTIONS) unless it carries the right token — in the `_csrf` field of a
//! form (URL-encoded or multipart) or in the `X-CSRF-Token` header (htmx sends it from the
//! page's `hx-headers`). No handler can forget it.
//!
//! The token is derived, not stored: the SHA-256 of a domain-separation label and the
//! session token for a signed-in user, or of the pre-session cookie's nonce on the sign-in
//! forms. Another site can neither read those cookies (HttpOnly, never in a page) nor learn
//! the token (it is only in this site's pages), and the token reveals neither cookie. A
//! cross-site request that a browser labels `Sec-Fetch-Site: cross-site` is refused as well,
//! whatever it carries.

use super::cookies::{self, SameSite};
use super::errors::PageError;
use super::session::{Resolved, secure};
use crate::app::AppState;
use crate::core::keys;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The form field that carries the token.
pub const FIELD: &str = "_csrf";
/// The header that carries the token (htmx requests).
pub const HEADER: &str = "x-csrf-token";
/// Largest body read to find the token (the console's body limit).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The token of the secret `secret` (a session token or a pre-session nonce).
pub fn token_for(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"interviewd console csrf v1\0");
    h.update(secret.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// The CSRF token of a page shown before signing in, for its template.
#[derive(Clone, Debug)]
pub struct PreSessionToken(pub String);

/// The token a form of this request must carry, whoever is (or is not) signed in: an
/// extractor for pages that are shown before signing in.
#[derive(Clone, Debug)]
pub struct FormToken(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for FormToken {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, PageError> {
        if let Some(token) = parts
            .extensions
            .get::<Resolved>()
            .and_then(|r| r.token.as_deref())
        {
            return Ok(Self(token_for(token)));
        }
        match parts.extensions.get::<PreSessionToken>() {
            Some(PreSessionToken(t)) => Ok(Self(t.clone())),
            None => Err(PageError::Internal),
        }
    }
}

/// Middleware: issues the pre-session nonce where needed and checks the token of every
/// request that can change state.
pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = secure(&state);
    let nonce_cookie = cookies::name(cookies::CSRF, secure);
    let session_token = req
        .extensions()
        .get::<Resolved>()
        .and_then(|r| r.token.clone());
    let nonce = cookies::get(req.headers(), &nonce_cookie);
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return issue(req, next, session_token, nonce, &nonce_cookie, secure).await;
    }
    if cross_site(req.headers()) {
        return PageError::Csrf.into_response();
    }
    let pre_session = session_token.is_none();
    let expected = match (session_token, nonce) {
        (Some(session), _) => token_for(&session),
        (None, Some(nonce)) => token_for(&nonce),
        (None, None) => return PageError::Csrf.into_response(),
    };
    let (mut req, presented) = match presented_token(req).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let matches = presented
        .as_deref()
        .is_some_and(|p| keys::hashes_equal(p.as_bytes(), expected.as_bytes()));
    if !matches {
        tracing::info!("console request refused: missing or wrong CSRF token");
        return PageError::Csrf.into_response();
    }
    if pre_session {
        // A sign-in form shown again (with an error) carries the same token.
        req.extensions_mut().insert(PreSessionToken(expected));
    }
    next.run(req).await
}

/// A safe request: pages shown before signing in get a nonce (a new cookie when there is
/// none) and its token in the extensions.
async fn issue(
    mut req: Request,
    next: Next,
    session: Option<String>,
    nonce: Option<String>,
    cookie: &str,
    secure: bool,
) -> Response {
    if session.is_some() {
        return next.run(req).await;
    }
    let (nonce, fresh) = match nonce {
        Some(n) if n.len() >= 32 && n.bytes().all(|b| b.is_ascii_alphanumeric()) => (n, false),
        _ => match keys::random_token(32) {
            Ok(n) => (n, true),
            Err(e) => {
                tracing::error!(error = %e, "no randomness for a CSRF nonce");
                return PageError::Internal.into_response();
            }
        },
    };
    req.extensions_mut()
        .insert(PreSessionToken(token_for(&nonce)));
    let mut res = next.run(req).await;
    if fresh {
        // Lives as long as a sign-in page may reasonably stay open.
        let value = cookies::set(cookie, &nonce, SameSite::Strict, secure, 12 * 3600);
        res.headers_mut().append(header::SET_COOKIE, value);
    }
    res
}

/// Whether the browser says the request comes from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
}

/// The token the request presents, and the request with its body put back.
async fn presented_token(req: Request) -> Result<(Request, Option<String>), Response> {
    if let Some(v) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let token = v.to_owned();
        return Ok((req, Some(token)));
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| PageError::BadRequest("The form is too large.".into()).into_response())?;
    let token = if kind.starts_with("application/x-www-form-urlencoded") {
        form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    } else if kind.starts_with("multipart/form-data") {
        multipart_token(&parts, bytes.clone()).await
    } else {
        None
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The `_csrf` field of a multipart body.
async fn multipart_token(parts: &axum::http::request::Parts, bytes: Bytes) -> Option<String> {
    let mut copy = Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .body(Body::from(bytes))
        .ok()?;
    *copy.headers_mut() = parts.headers.clone();
    let mut form = Multipart::from_request(copy, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::token_for;

    #[test]
    fn tokens_differ_per_secret_and_reveal_nothing_of_it() {
        let a = token_for("session-a");
        assert_eq!(a, token_for("session-a"));
        assert_ne!(a, token_for("session-b"));
        assert!(!a.contains("session"));
        assert_eq!(a.len(), 43);
    }
}
