//! Test doubles for outbound delivery, behind the `testing` feature.
//!
//! Both run for real on `127.0.0.1:0`, so tests exercise the same network
//! code as production: [`smtp::TestSmtpServer`] speaks just enough SMTP to
//! accept (or defer) messages and records them; [`webhook::TestWebhookReceiver`]
//! records every request and answers from a script. They stop when dropped.
//!
//! A receiver on loopback is refused by the egress guard, so senders under
//! test need `allow_private: true`.

pub mod smtp;
pub mod webhook;

pub use smtp::{ReceivedMail, TestSmtpServer};
pub use webhook::{ReceivedRequest, ScriptedResponse, TestWebhookReceiver};

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Locks even after a panicking test thread poisoned the lock: the recorded
/// data is still what the test wants to see.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Polls `current` until it holds at least `count` items or `timeout` passes,
/// and returns what it holds then (the caller asserts on it).
async fn wait_for_count<T>(
    count: usize,
    timeout: Duration,
    current: impl Fn() -> Vec<T>,
) -> Vec<T> {
    let deadline = Instant::now() + timeout;
    loop {
        let items = current();
        if items.len() >= count || Instant::now() >= deadline {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
