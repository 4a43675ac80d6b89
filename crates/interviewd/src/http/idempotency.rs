//! `Idempotency-Key` on every POST, PUT, PATCH and DELETE of every dialect, after Stripe:
//!
//! - A record is kept per *scope* and key value for 24 hours. The scope is the acting
//!   company (`company:<id>`): a company key's own company, or the `companyId` an ATS key
//!   names and may access; an ATS request naming no company it manages is scoped to the
//!   key itself (`key:<id>`). So two companies never collide on the same key value.
//! - The request fingerprint is SHA-256 over the API key id, method, path, raw query and
//!   the body (canonical JSON when it parses: key order and whitespace do not matter).
//!   Binding the key id means another key of the same company cannot read a response
//!   through a replay; it gets 422 like any other mismatch.
//! - Same key, same request, first one finished → the stored status, body, `Content-Type`
//!   and `Location` are replayed with `Idempotent-Replayed: true`.
//! - Same key while the first request is still running → 409; same key, different request
//!   → 422; a malformed key (not 1–255 printable ASCII characters) → 400.
//! - Stored: 2xx and the 4xx that report the outcome of running the request (404, 409, …).
//!   Not stored, so the client may correct and retry with the same key: 400, 401, 403, 405,
//!   408, 413, 415, 422, 429 (rejected before or instead of running) and every 5xx, and any request
//!   that was interrupted (timeout, dropped connection) before it answered.
//! - The record is written after the handler commits, not in its transaction: a crash in
//!   between leaves a claim that expires after the request timeout plus a minute, and the
//!   retry then runs again.
//!
//! Requests whose key does not authenticate pass untouched (the handler answers 401).

use crate::app::AppState;
use crate::core::auth::Principal;
use crate::core::idempotency::{
    self as keys, ClaimOutcome, IdempotencyClaim, IdempotencyRecord, StoredResponse,
};
use crate::http::MAX_BODY_BYTES;
use crate::http::dialect::Dialect;
use crate::http::ratelimit::AuthenticatedKey;
use axum::body::{Body, HttpBody};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Duration;
use interviewd_domain::KeyId;
use interviewd_domain::model::KeyKind;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header marking a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a record is kept.
pub const TTL_HOURS: i64 = 24;
/// Larger responses are passed through without being kept.
const MAX_STORED_BODY: u64 = 1024 * 1024;
/// Response headers that are part of the replay.
const KEPT_HEADERS: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

/// What the idempotency layer needs.
#[derive(Clone)]
pub struct IdempotencyState {
    pub app: AppState,
    /// How long a running claim is honoured before it counts as abandoned.
    pub lock: Duration,
}

/// The scope of a company's records.
pub fn company_scope(company: interviewd_domain::CompanyId) -> String {
    format!("company:{company}")
}

/// The scope a request's records live in (see the module docs).
pub fn scope_of(principal: &Principal, query: Option<&str>) -> String {
    let named = crate::http::extract::QueryParams::parse(query)
        .non_empty("companyId")
        .map(str::to_owned);
    match (principal.key.kind, principal.key.company_id) {
        (KeyKind::Company, Some(company)) => company_scope(company),
        (KeyKind::Ats, _) => match principal.acting_company(named.as_deref()) {
            Ok(company) => company_scope(company),
            Err(_) => format!("key:{}", principal.key.id),
        },
        (KeyKind::Company, None) => format!("key:{}", principal.key.id),
    }
}

/// Hex SHA-256 identifying a request (see the module docs).
pub fn fingerprint(
    key: KeyId,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> String {
    let mut hash = Sha256::new();
    for part in [
        key.to_string().as_bytes(),
        method.as_str().as_bytes(),
        path.as_bytes(),
        query.unwrap_or("").as_bytes(),
    ] {
        hash.update(part);
        hash.update([0]);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => hash.update(canonical(&value).as_bytes()),
        Err(_) => hash.update(body),
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with object keys sorted at every level.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Whether a response to a claimed request is kept for replays (see the module docs).
pub fn is_stored(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && !matches!(
            status.as_u16(),
            400 | 401 | 403 | 405 | 408 | 413 | 415 | 422 | 429
        )
}

/// A well-formed key value: 1–255 printable ASCII characters.
fn parse_key(raw: &HeaderValue) -> Option<&str> {
    let bytes = raw.as_bytes();
    let ok = (1..=255).contains(&bytes.len()) && bytes.iter().all(|b| (0x20..=0x7e).contains(b));
    ok.then(|| raw.to_str().ok()).flatten()
}

/// The middleware.
pub async fn enforce(State(state): State<IdempotencyState>, req: Request, next: Next) -> Response {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(req).await;
    }
    let (Some(raw), Some(AuthenticatedKey(principal))) = (
        req.headers().get(HEADER),
        req.extensions().get::<AuthenticatedKey>(),
    ) else {
        return next.run(req).await;
    };
    let dialect = Dialect::of(&req);
    let Some(key) = parse_key(raw).map(str::to_owned) else {
        return dialect.error_with(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
            json!({ "field": "Idempotency-Key" }),
        );
    };
    let principal = principal.clone();
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return dialect.error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "Request body is too large",
        );
    };
    let claim = new_claim(&state, &principal, &parts.method, &uri, key, &bytes);
    match keys::claim(&state.app, &claim).await {
        Ok(ClaimOutcome::Claimed) => {}
        Ok(ClaimOutcome::Existing(record)) => {
            return answer_existing(dialect, &record, &claim.fingerprint);
        }
        Err(e) => {
            tracing::error!(error = %e, "claiming an idempotency key failed");
            return dialect.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Service temporarily unavailable",
            );
        }
    }
    let guard = ClaimGuard {
        app: Some(state.app.clone()),
        claim,
    };
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    guard.finish(res).await
}

/// The claim a request makes on its key, now.
fn new_claim(
    state: &IdempotencyState,
    principal: &Principal,
    method: &Method,
    uri: &Uri,
    key: String,
    body: &[u8],
) -> IdempotencyClaim {
    let now = state.app.now();
    IdempotencyClaim {
        scope: scope_of(principal, uri.query()),
        key,
        token: uuid::Uuid::new_v4().to_string(),
        method: method.to_string(),
        path: uri.path().to_owned(),
        fingerprint: fingerprint(principal.key.id, method, uri.path(), uri.query(), body),
        now,
        locked_until: now + state.lock,
        expires_at: now + Duration::hours(TTL_HOURS),
    }
}

/// The answer to a request whose key already has a live record.
fn answer_existing(dialect: Dialect, record: &IdempotencyRecord, fingerprint: &str) -> Response {
    let Some(stored) = &record.response else {
        return dialect.error(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_KEY_IN_USE",
            "A request with this Idempotency-Key is still being processed; retry later",
        );
    };
    if record.fingerprint != fingerprint {
        return dialect.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used for a different request",
        );
    }
    let mut res = Response::new(Body::from(stored.body.clone()));
    *res.status_mut() =
        StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            res.headers_mut().insert(name, value);
        }
    }
    res.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    res
}

/// Owns a claim until it is completed or released; dropping it (the request was cut short)
/// releases the claim in the background.
struct ClaimGuard {
    app: Option<AppState>,
    claim: IdempotencyClaim,
}

impl ClaimGuard {
    /// Keeps the response when the rules say so, frees the claim otherwise.
    async fn finish(mut self, res: Response) -> Response {
        let Some(app) = self.app.take() else {
            return res;
        };
        let size = res.body().size_hint().exact();
        if !is_stored(res.status()) || size.is_none_or(|n| n > MAX_STORED_BODY) {
            release(&app, &self.claim).await;
            return res;
        }
        let (parts, body) = res.into_parts();
        // A body with an exact size is in memory: reading it fails only in theory, and then
        // nothing is kept.
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok();
        let text = bytes.as_ref().and_then(|b| std::str::from_utf8(b).ok());
        let stored = text.map(|text| StoredResponse {
            status: parts.status.as_u16(),
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|h| {
                    Some((
                        h.as_str().to_owned(),
                        parts.headers.get(h)?.to_str().ok()?.to_owned(),
                    ))
                })
                .collect(),
            body: text.to_owned(),
        });
        let c = &self.claim;
        let kept = match &stored {
            Some(stored) => keys::complete(&app, c, stored).await,
            None => Ok(false),
        };
        if !matches!(kept, Ok(true)) {
            if let Err(e) = kept {
                tracing::warn!(error = %e, "storing an idempotent response failed");
            }
            release(&app, c).await;
        }
        Response::from_parts(parts, Body::from(bytes.unwrap_or_default()))
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if let (Some(app), Ok(rt)) = (self.app.take(), tokio::runtime::Handle::try_current()) {
            let claim = self.claim.clone();
            rt.spawn(async move { release(&app, &claim).await });
        }
    }
}

async fn release(app: &AppState, c: &IdempotencyClaim) {
    if let Err(e) = keys::release(app, c).await {
        tracing::warn!(error = %e, "freeing an idempotency key failed; it expires with its lock");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_ignores_key_order_and_whitespace() {
        let k = KeyId::from(uuid::Uuid::nil());
        let a = fingerprint(
            k,
            &Method::POST,
            "/v1/jobs",
            None,
            br#"{"a":1,"b":{"y":2,"x":[1,{"q":1,"p":2}]}}"#,
        );
        let b = fingerprint(
            k,
            &Method::POST,
            "/v1/jobs",
            None,
            br#"{ "b": {"x":[1,{"p":2,"q":1}],"y":2}, "a":1 }"#,
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint(
                k,
                &Method::POST,
                "/v1/jobs",
                Some("companyId=x"),
                br#"{"a":1}"#
            )
        );
        assert_ne!(
            a,
            fingerprint(
                k,
                &Method::PATCH,
                "/v1/jobs",
                None,
                br#"{"a":1,"b":{"y":2,"x":[1,{"q":1,"p":2}]}}"#
            )
        );
    }

    #[test]
    fn only_outcomes_of_running_are_stored() {
        for code in [200, 201, 204, 404, 409] {
            assert!(is_stored(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [400, 401, 403, 405, 408, 413, 415, 422, 429, 500, 503] {
            assert!(!is_stored(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }

    #[test]
    fn keys_are_printable_ascii_up_to_255() {
        assert!(parse_key(&HeaderValue::from_static("a")).is_some());
        assert!(parse_key(&HeaderValue::from_str(&"k".repeat(255)).unwrap()).is_some());
        assert!(parse_key(&HeaderValue::from_str(&"k".repeat(256)).unwrap()).is_none());
        assert!(parse_key(&HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap()).is_none());
    }
}
