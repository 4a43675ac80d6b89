//! The Alpharun dialect, mounted at `/api/v1`: Bearer keys, snake_case, `{data: …}`
//! envelopes, flat contacts, `{error: <int>, message}` errors, cursor lists.

use crate::http::AppState;
use axum::Router;

/// Every Alpharun route.
pub fn router() -> Router<AppState> {
    Router::new()
}
