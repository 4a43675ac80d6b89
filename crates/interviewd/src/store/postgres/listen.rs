//! Wake-ups across processes with `LISTEN/NOTIFY`.
//!
//! Triggers (migrations `0003` and `0004`) send the name of the worker that has work on the
//! `interviewd_wake` channel when a transaction commits: `engine` when an attempt is
//! scheduled or a slot given back, `webhooks` for new events and messages, `mail` for queued
//! mail, and `keys` when an API key or an ATS key's companies change (migration `0024`).
//! One task per process listens on a connection of its own and republishes each worker's name
//! on a broadcast channel; [`crate::core::engine::wakeups`] wakes the local workers. Polling
//! stays the fallback: a notification only makes a worker look sooner. `keys` is not
//! republished: the task itself makes the process's [`KeyCache`] forget, before it reads the
//! next notification.
//!
//! The listening connection is re-established after it is lost (a database restart), with a
//! backoff; since notifications sent meanwhile are gone, every worker is then woken once
//! ([`WakeUp::All`]). The key cache is trusted only from a `LISTEN` that succeeded until the
//! connection is found lost.

use crate::store::WakeUp;
use crate::store::key_cache::KeyCache;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// The channel the triggers notify.
pub const CHANNEL: &str = "interviewd_wake";

/// Longest pause between attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The process's listener: started on the first subscription (or by [`WakeUps::start`]),
/// stopped with the store.
pub struct WakeUps {
    sender: broadcast::Sender<WakeUp>,
    /// A pool of one connection, used only to listen (so it never waits for the main pool).
    pool: sqlx::Pool<Postgres>,
    /// Whether the listening task runs.
    running: AtomicBool,
    /// Cancelled when the store is dropped: the listening task ends.
    stop: CancellationToken,
    /// Told when listening starts and stops, and of every change to keys.
    keys: Arc<KeyCache>,
}

impl WakeUps {
    /// A listener on the database of `options`; nothing connects until [`Self::subscribe`].
    pub fn new(options: PgConnectOptions, keys: Arc<KeyCache>) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        Self {
            sender: broadcast::channel(64).0,
            pool,
            running: AtomicBool::new(false),
            stop: CancellationToken::new(),
            keys,
        }
    }

    /// A receiver of wake-ups; the first call starts listening.
    pub fn subscribe(&self) -> broadcast::Receiver<WakeUp> {
        let receiver = self.sender.subscribe();
        self.start();
        receiver
    }

    /// Starts listening, unless it has started already.
    pub fn start(&self) {
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (pool, sender, stop, keys) = (
                    self.pool.clone(),
                    self.sender.clone(),
                    self.stop.clone(),
                    self.keys.clone(),
                );
                runtime.spawn(async move { listen(pool, sender, stop, &keys).await });
            }
            Err(_) => {
                self.running.store(false, Ordering::SeqCst);
                tracing::warn!("no async runtime: other processes' work is found by polling");
            }
        }
    }
}

impl Drop for WakeUps {
    fn drop(&mut self) {
        self.stop.cancel();
        // Marks the pool closed at once, which ends the listening task's wait.
        drop(self.pool.close());
    }
}

/// Listens until the store is dropped, reconnecting with a backoff.
async fn listen(
    pool: PgPool,
    sender: broadcast::Sender<WakeUp>,
    stop: CancellationToken,
    keys: &KeyCache,
) {
    const FIRST_BACKOFF: Duration = Duration::from_millis(100);
    let mut backoff = FIRST_BACKOFF;
    while !pool.is_closed() {
        let outcome = tokio::select! {
            () = stop.cancelled() => Ok(Ended::Stopped),
            outcome = listen_once(&pool, &sender, keys) => outcome,
        };
        keys.listening(false);
        match outcome {
            Ok(Ended::Stopped) | Err(sqlx::Error::PoolClosed) => return,
            Ok(Ended::Lost) => {
                // It had been listening: a new loss starts the backoff again.
                tracing::warn!("the wake-up connection was lost; listening again");
                backoff = FIRST_BACKOFF;
            }
            Err(e) => tracing::warn!(error = %e, "listening for wake-ups failed; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Why a listening connection's life ended.
#[derive(Debug)]
enum Ended {
    /// The store was dropped.
    Stopped,
    /// The connection was lost after it listened: notifications may have been missed.
    Lost,
}

/// One listening connection's life.
async fn listen_once(
    pool: &PgPool,
    sender: &broadcast::Sender<WakeUp>,
    keys: &KeyCache,
) -> Result<Ended, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    keys.listening(true);
    // Whatever was announced while nobody listened is found now.
    let _ = sender.send(WakeUp::All);
    loop {
        // `None` or an error: the connection was lost. The listener would listen again on the
        // next call, but the key cache must not be trusted until then, so a fresh connection
        // is made.
        let received = listener.try_recv().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "receiving wake-ups failed");
            None
        });
        let Some(notification) = received else {
            let _ = sender.send(WakeUp::All);
            return Ok(Ended::Lost);
        };
        let wake = match parse(notification.payload()) {
            Notice::Keys => {
                keys.forget_all();
                continue;
            }
            Notice::Wake(wake) => wake,
        };
        // No receiver (no worker runs in this process) is no reason to stop: the key cache
        // still needs to hear.
        let _ = sender.send(wake);
    }
}

/// What a notification announces.
#[derive(Debug, PartialEq)]
enum Notice {
    /// Work for a worker; an unknown name wakes everyone.
    Wake(WakeUp),
    /// A change to API keys.
    Keys,
}

fn parse(payload: &str) -> Notice {
    Notice::Wake(match payload {
        "keys" => return Notice::Keys,
        "engine" => WakeUp::Engine,
        "webhooks" => WakeUp::Webhooks,
        "mail" => WakeUp::Mail,
        _ => WakeUp::All,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_workers() {
        assert_eq!(parse("engine"), Notice::Wake(WakeUp::Engine));
        assert_eq!(parse("webhooks"), Notice::Wake(WakeUp::Webhooks));
        assert_eq!(parse("mail"), Notice::Wake(WakeUp::Mail));
        assert_eq!(parse("keys"), Notice::Keys);
        assert_eq!(parse("something new"), Notice::Wake(WakeUp::All));
    }
}
