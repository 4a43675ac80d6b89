//! Work announced by other processes on the same database (see
//! [`crate::store::Store::wake_ups`]): each announcement wakes the local worker it names at
//! once, instead of at its next poll. A backend without announcements (SQLite) leaves the
//! workers to their polling, and this task ends at once.

use super::Engine;
use crate::store::WakeUp;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// Forwards wake-ups until `shutdown` fires.
pub async fn run(engine: Arc<Engine>, shutdown: CancellationToken) {
    let Some(mut wake_ups) = engine.store.wake_ups() else {
        return;
    };
    loop {
        let wake = tokio::select! {
            () = shutdown.cancelled() => return,
            received = wake_ups.recv() => match received {
                Ok(wake) => wake,
                // Some were dropped while this task was busy: look everywhere.
                Err(RecvError::Lagged(_)) => WakeUp::All,
                Err(RecvError::Closed) => return,
            },
        };
        forward(&engine, wake);
    }
}

fn forward(engine: &Engine, wake: WakeUp) {
    match wake {
        WakeUp::Engine => engine.wake(),
        WakeUp::Webhooks => crate::webhooks::wake(),
        WakeUp::Mail => crate::mail::wake(),
        WakeUp::All => {
            engine.wake();
            engine.pipeline_wake.notify_one();
            crate::webhooks::wake();
            crate::mail::wake();
        }
    }
}
