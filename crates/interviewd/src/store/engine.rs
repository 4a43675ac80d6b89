//! Storage for the interview engine: the call-attempt queue, leases and fencing, company
//! concurrency slots, the post-call pipeline and online sessions.

use async_trait::async_trait;

/// Engine persistence (implemented per backend).
#[async_trait]
pub trait EngineStore: Send + Sync {}
