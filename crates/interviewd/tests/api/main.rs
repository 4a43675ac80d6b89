//! The integration-test binary: every test boots the real server on port 0 against its own
//! fresh database and talks HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // A panic is how a test reports failure.

mod support;

mod foundation;
mod isolation;
