//! Engine workers. Spawned by [`crate::run`]; each stops when `shutdown` fires.

use crate::http::AppState;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts this module's background workers.
pub fn spawn(_state: &AppState, _shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    Vec::new()
}
