//! Storage for outbound delivery: webhook endpoints, the fan-out of events into per-endpoint
//! messages, the delivery log, and the mail queue.

use async_trait::async_trait;

/// Delivery persistence (implemented per backend).
#[async_trait]
pub trait DeliveryStore: Send + Sync {}
