//! Webhook endpoints as the companies manage them: the bounds of their settings. Delivery
//! itself is the workers' (`workers::webhooks`); the payload formats are the wire's
//! (`wire::payload`).

/// Default timeout of one attempt, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;
/// Longest timeout an endpoint may set, in milliseconds.
pub const MAX_TIMEOUT_MS: u32 = 30_000;
/// Shortest timeout an endpoint may set, in milliseconds.
pub const MIN_TIMEOUT_MS: u32 = 1_000;
/// Most retries an endpoint may ask for: every attempt of the retry schedule but the first.
pub const MAX_RETRIES: u32 = interviewd_notify::schedule::MAX_ATTEMPTS - 1;
