//! The Alpharun dialect, mounted at `/api/v1`: Bearer keys, snake_case, `{data: …}`
//! envelopes, flat contacts, `{error: <int>, message}` errors, cursor lists. Creates answer
//! 200, as the vendor's reference does.

mod contacts;
mod ctx;
pub mod error;
mod import;
mod interactions;
mod interviews;
mod job_openings;
mod job_types;
mod removal;

use crate::app::AppState;
use crate::core::error::CoreError;
use axum::Router;
use axum::response::{IntoResponse, Response};
pub use error::ArError;
use utoipa_axum::router::OpenApiRouter;

/// Every Alpharun route with its OpenAPI description (paths relative to `/api/v1`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(job_types::routes())
        .merge(job_openings::routes())
        .merge(contacts::routes())
        .merge(interviews::routes())
        .merge(removal::routes())
        .merge(interactions::routes())
}

/// Every Alpharun route.
pub fn router() -> Router<AppState> {
    Router::from(api()).fallback(not_found)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    ArError(CoreError::not_found("route", uri.path())).into_response()
}
