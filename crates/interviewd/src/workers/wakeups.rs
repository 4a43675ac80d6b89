//! Work announced by other processes on the same database (see
//! [`crate::store::Store::wake_ups`]): each announcement wakes the local worker it names at
//! once, instead of at its next poll. A backend without announcements (SQLite) leaves the
//! workers to their polling, and this task ends at once.

use crate::app::Wakers;
use crate::store::{DynStore, WakeUp};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// Forwards wake-ups until `shutdown` fires.
pub async fn run(store: DynStore, wakers: Wakers, shutdown: CancellationToken) {
    let Some(mut wake_ups) = store.wake_ups() else {
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
        forward(&wakers, wake);
    }
}

fn forward(wakers: &Wakers, wake: WakeUp) {
    match wake {
        WakeUp::Engine => wakers.engine(),
        WakeUp::Webhooks => wakers.webhooks(),
        WakeUp::Mail => wakers.mail(),
        WakeUp::All => wakers.all(),
    }
}
