//! The InstaView dialect, mounted both at `/v1/...` and un-prefixed. camelCase fields, 201 on
//! create, `{data,total,page,limit,totalPages}` lists, scopes and ATS keys with `companyId`.

mod agents;
mod attempts;
mod billing;
mod candidates;
mod companies;
mod concurrency;
mod ctx;

pub mod error;
mod interviews;
mod jobs;
mod removal;
mod webhooks;

use crate::app::AppState;
use crate::core::error::CoreError;
use axum::Router;
use axum::response::{IntoResponse, Response};
pub use candidates::STATUSES as CANDIDATE_STATUSES;
pub use ctx::{Ctx, IvPath, path_uuid};
pub use error::IvError;
pub use jobs::STATUSES as JOB_STATUSES;
use utoipa_axum::router::OpenApiRouter;

/// Every InstaView route with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(companies::routes())
        .merge(jobs::routes())
        .merge(agents::routes())
        .merge(candidates::routes())
        .merge(interviews::routes())
        .merge(attempts::routes())
        .merge(billing::routes())
        .merge(concurrency::routes())
        .merge(removal::routes())
        .merge(webhooks::routes())
}

/// Every InstaView route (mounted twice by the caller).
pub fn router() -> Router<AppState> {
    api().into()
}

/// The `Location` header of a 201: the new resource under `/v1`.
/// A `201 Created` answer with the new resource's `Location`.
pub type Created<T> = (
    axum::http::StatusCode,
    [(axum::http::header::HeaderName, axum::http::HeaderValue); 1],
    axum::Json<T>,
);

/// `201 Created` for `body`, found at `path`.
pub fn created<T>(path: &str, body: T) -> Created<T> {
    (
        axum::http::StatusCode::CREATED,
        [location(path)],
        axum::Json(body),
    )
}

pub fn location(path: &str) -> (axum::http::header::HeaderName, axum::http::HeaderValue) {
    let value = axum::http::HeaderValue::from_str(path)
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("/v1"));
    (axum::http::header::LOCATION, value)
}

/// Unknown paths answer 404 in InstaView's shape.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    IvError::from(CoreError::not_found("route", uri.path())).into_response()
}

/// Parses `page`/`limit` from the query.
pub fn page_of(ctx: &Ctx) -> Result<interviewd_domain::PageRequest, IvError> {
    interviewd_domain::PageRequest::parse(ctx.query.get("page"), ctx.query.get("limit")).map_err(
        |e| {
            let field = if e.0.starts_with("page") {
                "page"
            } else {
                "limit"
            };
            IvError::from(CoreError::invalid(field, e.0))
        },
    )
}
