//! The HTTP layer: one folder per dialect, merged here, with the operational routes
//! (`/healthz`, `/metrics`) and the middleware every response shares (request id, tracing,
//! metrics, timeout, panic catching, rate limits, idempotency, body limit).

pub mod alpharun;
pub mod assets;
pub mod candidate;
pub mod carrier;
pub mod console;
pub mod context;
pub mod dialect;
pub mod extract;
pub mod fields;
pub mod hardening;
pub mod idempotency;
pub mod instaview;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod request_id;
pub mod session;
pub mod signed;
pub mod xobin;

pub use crate::app::AppState;
use axum::Router;
use axum::http::{HeaderName, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A WebSocket's read buffer. tungstenite zero-fills the buffer's free room before every
/// read (128 KiB by default), and a live socket's 20 ms frames arrive one read each: with the
/// default, that `memset` was an eighth of the server's CPU at 500 voice sessions. A few
/// frames fit in 4 KiB; a larger message is read in several reads.
pub const WS_READ_BUFFER_BYTES: usize = 4 * 1024;

/// The full application router.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let console = console::router(state.clone());
    let live = candidate::routes(state.clone());
    let phone = carrier::routes(state.clone());
    let api = Router::new()
        .route("/", get(root))
        .route("/healthz", get(healthz))
        .merge(openapi::routes())
        .merge(session::routes())
        .merge(instaview::router())
        .nest("/v1", instaview::router())
        .nest("/api/v1", alpharun::router())
        .nest("/api/v2", xobin::router())
        .fallback(instaview::not_found);
    let timeout = std::time::Duration::from_millis(state.config.request_timeout_ms);
    let limits = ratelimit::RateLimitState {
        app: state.clone(),
        limiter: Arc::new(ratelimit::RateLimiter::new(
            ratelimit::Mode::parse(&state.config.rate_limit_mode).unwrap_or(ratelimit::Mode::Guard),
            state.config.rate_limit_per_minute,
            state.config.rate_limit_per_hour,
        )),
    };
    let idempotent = idempotency::IdempotencyState {
        app: state.clone(),
        lock: chrono::Duration::from_std(timeout).unwrap_or_default()
            + chrono::Duration::minutes(1),
    };
    let scrape = metrics::MetricsState {
        metrics: Arc::new(metrics::Metrics::default()),
        app: state.clone(),
        token: state.config.metrics_token.clone(),
    };
    let recorder = scrape.metrics.clone();
    // `Router::layer` runs after routing (so `MatchedPath` is known); each call wraps the
    // ones before it: body limit innermost, request id outermost.
    let api = api
        .with_state(state)
        .route("/metrics", get(metrics::serve).with_state(scrape))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(fields::report))
        .layer(from_fn_with_state(idempotent, idempotency::enforce))
        .layer(from_fn_with_state(limits, ratelimit::enforce));
    // The pages and their assets answer in HTML, not in a dialect: outside the dialect
    // shaping of `hardening::apply`, inside the request id, tracing and metrics.
    let pages = Router::new()
        .merge(assets::routes())
        .merge(live)
        .merge(phone)
        .merge(console);
    hardening::apply(api, timeout)
        .merge(pages)
        .layer(from_fn_with_state(recorder, metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(request_id::sanitize))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                        let path = hardening::log_path(req);
                        tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
}

/// `GET /`: a browser (asking for HTML) is sent to the console; an API client gets the
/// same JSON 404 as for any unknown route.
async fn root(headers: axum::http::HeaderMap, uri: axum::http::Uri) -> axum::response::Response {
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        return axum::response::Redirect::to("/app").into_response();
    }
    instaview::not_found(uri).await
}

/// The body of `GET /healthz`.
#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    let (status, health) = match crate::core::ops::ping(&state).await {
        Ok(()) => (
            StatusCode::OK,
            Health {
                status: "ok",
                database: None,
            },
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Health {
                status: "unavailable",
                database: Some("unreachable"),
            },
        ),
    };
    (status, axum::Json(health))
}
