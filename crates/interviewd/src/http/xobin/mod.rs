//! The Xobin dialect, mounted at `/api/v2`: `apiKey` header, integer ids, snake_case,
//! `{"error": …}` errors and status objects.
//!
//! An `ai_interview` is a core job whose `attrs.agentId` names its (ONLINE) agent; its id
//! is the job's number. A `response` is an interview (its number), a `candidate_id` a
//! candidate's number. `docs/api-xobin.md` has the full mapping.

mod assets;
mod candidates;
mod ctx;
mod dto;
pub mod error;
mod generate;
mod invite;
mod invited;
mod report;
mod revoke;
mod settings;

use crate::app::AppState;
use axum::Router;
use axum::response::{IntoResponse, Response};
pub use error::XbError;
use utoipa_axum::router::OpenApiRouter;

/// Every Xobin route with its OpenAPI description (paths relative to `/api/v2`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(generate::routes())
        .merge(invite::routes())
        .merge(report::routes())
        .merge(assets::routes())
        .merge(invited::routes())
        .merge(revoke::routes())
        .merge(candidates::routes())
        .merge(settings::routes())
}

/// Every Xobin route.
pub fn router() -> Router<AppState> {
    Router::from(api()).fallback(not_found)
}

/// Unknown paths under `/api/v2` answer 404 in Xobin's shape.
async fn not_found() -> Response {
    XbError::not_found("Endpoint", "").into_response()
}
