//! The OpenAPI 3.1 documents of the three dialects and the page that renders them.
//!
//! Each dialect's routes are registered through `utoipa_axum::routes!`, so the operations, their
//! parameters, bodies and own error statuses come from the `#[utoipa::path]` annotations on the
//! handlers themselves; a route cannot be served without being documented. [`decorate`] then adds
//! what the shared layers do to every operation (authentication, rate limits, idempotency, the
//! body limit, timeouts and panics), in the dialect's error shape, so each operation lists every
//! status it can answer.
//!
//! - `GET /openapi/instaview.json`, `/openapi/alpharun.json`, `/openapi/xobin.json`: the
//!   documents, without authentication. They are built once per process.
//! - `GET /docs`: Swagger UI over the three documents; its assets are compiled into the binary,
//!   so the page works without network access.
//!
//! The committed copies under `openapi/` at the repository root are compared with these by
//! `tests/api/openapi.rs` (`INTERVIEWD_UPDATE_OPENAPI=1` rewrites them).

mod alpharun;
mod decorate;
mod instaview;
pub(crate) mod schemas;
mod xobin;

pub use alpharun::{ar_ext_id, ar_phone, ar_resume_collection};
pub use instaview::{
    PageParams, iv_candidate_status, iv_job_status, iv_metadata, iv_opt_metadata, iv_opt_url,
    iv_plan, iv_text_list, iv_uuid_filter, uuid_pattern, words, words_filter, words_pattern,
};
pub use schemas::{
    IvRateLimitedBody, SignedLinkParams, custom_field_id_schema, null_schema, nullable_text,
    opt_text, positive_int_or_digits, text, trimmed_any,
};
pub use xobin::{xobin_gmt_date, xobin_invite_format};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use std::sync::OnceLock;
use utoipa_swagger_ui::{Config, SwaggerUi, Url};

/// One of the three documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    InstaView,
    Alpharun,
    Xobin,
}

impl Spec {
    /// Every document, in the order the docs page lists them.
    pub const ALL: [Spec; 3] = [Spec::InstaView, Spec::Alpharun, Spec::Xobin];

    /// The file name of the document (`instaview.json`, …).
    pub fn file_name(self) -> &'static str {
        match self {
            Spec::InstaView => "instaview.json",
            Spec::Alpharun => "alpharun.json",
            Spec::Xobin => "xobin.json",
        }
    }

    /// The path the document is served at.
    pub fn url(self) -> &'static str {
        match self {
            Spec::InstaView => "/openapi/instaview.json",
            Spec::Alpharun => "/openapi/alpharun.json",
            Spec::Xobin => "/openapi/xobin.json",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Spec::InstaView => "InstaView",
            Spec::Alpharun => "Alpharun",
            Spec::Xobin => "Xobin",
        }
    }
}

/// The document of `spec` as JSON.
pub fn document(spec: Spec) -> Value {
    let api = match spec {
        Spec::InstaView => {
            let api = crate::http::instaview::api().into_openapi();
            empty()
                .nest("/v1", api)
                .merge_from(crate::http::session::api().into_openapi())
        }
        Spec::Alpharun => empty().nest("/api/v1", crate::http::alpharun::api().into_openapi()),
        Spec::Xobin => empty().nest("/api/v2", crate::http::xobin::api().into_openapi()),
    };
    let raw = serde_json::to_value(&api).unwrap_or_default();
    decorate::decorate(spec, raw)
}

fn empty() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}

/// The document of `spec` as the pretty-printed text that is served and committed.
pub fn document_text(spec: Spec) -> &'static str {
    static TEXTS: OnceLock<[String; 3]> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        Spec::ALL.map(|s| {
            let mut text = serde_json::to_string_pretty(&document(s)).unwrap_or_default();
            text.push('\n');
            text
        })
    });
    match spec {
        Spec::InstaView => &texts[0],
        Spec::Alpharun => &texts[1],
        Spec::Xobin => &texts[2],
    }
}

/// The `/openapi/*.json` and `/docs` routes (no authentication).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let urls = Spec::ALL.map(|s| Url::with_primary(s.title(), s.url(), s == Spec::InstaView));
    // No validator: Swagger UI would otherwise send the document to an outside service.
    let config = Config::new(urls)
        .validator_url("none")
        .try_it_out_enabled(false);
    let docs: Router<S> = SwaggerUi::new("/docs").config(config).into();
    Router::new()
        .route(Spec::InstaView.url(), get(|| serve(Spec::InstaView)))
        .route(Spec::Alpharun.url(), get(|| serve(Spec::Alpharun)))
        .route(Spec::Xobin.url(), get(|| serve(Spec::Xobin)))
        .merge(docs)
}

async fn serve(spec: Spec) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document_text(spec),
    )
        .into_response()
}
