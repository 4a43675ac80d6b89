//! Wake-ups across processes with `LISTEN/NOTIFY`.
//!
//! Triggers (migrations `0003` and `0004`) send the name of the worker that has work on the
//! `interviewd_wake` channel when a transaction commits: `engine` when an attempt is
//! scheduled or a slot given back, `webhooks` for new events and messages, `mail` for queued
//! mail.
//! One task per process listens on a connection of its own and republishes each name on a
//! broadcast channel; [`crate::core::engine::wakeups`] wakes the local workers. Polling stays the
//! fallback: a notification only makes a worker look sooner.
//!
//! The listening connection is re-established after it is lost (a database restart), with a
//! backoff; since notifications sent meanwhile are gone, every worker is then woken once
//! ([`WakeUp::All`]).

use crate::store::WakeUp;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// The channel the triggers notify.
pub const CHANNEL: &str = "interviewd_wake";

/// Longest pause between attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The process's listener: started on the first subscription, stopped with the store.
pub struct WakeUps {
    sender: broadcast::Sender<WakeUp>,
    /// A pool of one connection, used only to listen (so it never waits for the main pool).
    pool: sqlx::Pool<Postgres>,
    /// Whether the listening task runs (it stops when the last receiver is dropped).
    running: Arc<AtomicBool>,
}

impl WakeUps {
    /// A listener on the database of `options`; nothing connects until [`Self::subscribe`].
    pub fn new(options: PgConnectOptions) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        Self {
            sender: broadcast::channel(64).0,
            pool,
            running: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A receiver of wake-ups; the first call starts listening.
    pub fn subscribe(&self) -> broadcast::Receiver<WakeUp> {
        let receiver = self.sender.subscribe();
        if !self.running.swap(true, Ordering::SeqCst) {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let (pool, sender, running) =
                        (self.pool.clone(), self.sender.clone(), self.running.clone());
                    runtime.spawn(async move {
                        listen(pool, sender).await;
                        running.store(false, Ordering::SeqCst);
                    });
                }
                Err(_) => {
                    self.running.store(false, Ordering::SeqCst);
                    tracing::warn!("no async runtime: other processes' work is found by polling");
                }
            }
        }
        receiver
    }
}

impl Drop for WakeUps {
    fn drop(&mut self) {
        // Marks the pool closed at once, which ends the listening task's wait.
        drop(self.pool.close());
    }
}

/// Listens until the store is dropped, reconnecting with a backoff.
async fn listen(pool: PgPool, sender: broadcast::Sender<WakeUp>) {
    let mut backoff = Duration::from_millis(100);
    while !pool.is_closed() {
        match listen_once(&pool, &sender).await {
            Ok(()) => return,
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::warn!(error = %e, "listening for wake-ups failed; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One listening connection's life: returns `Ok` when nobody listens any more.
async fn listen_once(pool: &PgPool, sender: &broadcast::Sender<WakeUp>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Whatever was announced while nobody listened is found now.
    let _ = sender.send(WakeUp::All);
    loop {
        let wake = match listener.try_recv().await? {
            Some(notification) => parse(notification.payload()),
            // The connection was lost and is being re-established: notifications are missed.
            None => WakeUp::All,
        };
        if sender.send(wake).is_err() {
            // Every receiver is gone (the workers stopped).
            return Ok(());
        }
    }
}

/// The worker a notification names; an unknown name wakes everyone.
fn parse(payload: &str) -> WakeUp {
    match payload {
        "engine" => WakeUp::Engine,
        "webhooks" => WakeUp::Webhooks,
        "mail" => WakeUp::Mail,
        _ => WakeUp::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_workers() {
        assert_eq!(parse("engine"), WakeUp::Engine);
        assert_eq!(parse("webhooks"), WakeUp::Webhooks);
        assert_eq!(parse("mail"), WakeUp::Mail);
        assert_eq!(parse("something new"), WakeUp::All);
    }
}
