//! The Xobin dialect, mounted at `/api/v2`: `apiKey` header, integer ids, snake_case,
//! status-object responses.

use crate::http::AppState;
use axum::Router;

/// Every Xobin route.
pub fn router() -> Router<AppState> {
    Router::new()
}
