//! Checkpoints off the commit path.
//!
//! In WAL mode a commit appends to the write-ahead log; a *checkpoint* copies the log's pages
//! into the database file and syncs both to disk. By default SQLite runs one inside whichever
//! commit takes the log past 1,000 pages, so that commit waits for two `fsync`s — on a busy
//! disk tens of milliseconds, once over a hundred — and with one writer connection every
//! write queued behind it waits too (`BENCHMARKS.md`, "Checkpoints off the commit path").
//!
//! Here no connection of the store checkpoints in its commits (`wal_autocheckpoint = 0`);
//! this task does, every [`EVERY`], on a connection of its own, as a `PASSIVE` checkpoint: it
//! copies what no reader still needs and never waits for readers or writers, which go on
//! while it syncs. Commits stay as durable as before (`synchronous = NORMAL`: a commit
//! survives the process crashing; the log is synced at each checkpoint). What an erasure
//! leaves in the log is still removed at once by `SqliteStore::compact` (a `TRUNCATE`
//! checkpoint); this task only keeps the log from growing.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often the log is checkpointed.
pub const EVERY: Duration = Duration::from_secs(1);

/// The task; it stops when [`Checkpointer::stop`] is awaited or the last handle is dropped.
pub struct Checkpointer {
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
    /// Held by each checkpoint of the task's and by [`Checkpointer::exclusive`]'s holder:
    /// SQLite runs one checkpoint at a time and answers a second one "busy" at once, so the
    /// store's `TRUNCATE` after an erasure waits for a periodic one rather than failing.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database `options` names every `every`.
    pub fn start(options: SqliteConnectOptions, every: Duration) -> Self {
        let stop = CancellationToken::new();
        let turn = Arc::new(tokio::sync::Mutex::new(()));
        let task = tokio::spawn(run(options, every, stop.clone(), turn.clone()));
        Self {
            stop,
            task: Mutex::new(Some(task)),
            turn,
        }
    }

    /// Waits until no periodic checkpoint is under way and holds the next one off until the
    /// guard is dropped.
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    /// Stops the task and waits until no checkpoint of its is under way.
    pub async fn stop(&self) {
        self.stop.cancel();
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn run(
    options: SqliteConnectOptions,
    every: Duration,
    stop: CancellationToken,
    turn: Arc<tokio::sync::Mutex<()>>,
) {
    let mut conn: Option<SqliteConnection> = None;
    let mut failing = false;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        let _turn = turn.lock().await;
        let outcome = match conn.as_mut() {
            Some(c) => checkpoint(c).await,
            None => match options.connect().await {
                Ok(c) => checkpoint(conn.insert(c)).await,
                Err(e) => Err(e),
            },
        };
        match outcome {
            Ok(_) => failing = false,
            Err(error) => {
                // Logged once a run of failures; the connection is opened again next time.
                if !failing {
                    tracing::warn!(%error, "checkpointing the database failed; trying again");
                }
                failing = true;
                if let Some(c) = conn.take() {
                    let _ = c.close().await;
                }
            }
        }
    }
    if let Some(c) = conn {
        let _ = c.close().await;
    }
}

/// One `PASSIVE` checkpoint: the log's pages in frames, and how many of them are now in the
/// database file.
pub async fn checkpoint(conn: &mut SqliteConnection) -> Result<(i64, i64), sqlx::Error> {
    let (_busy, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await?;
    Ok((log, copied))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqlitePoolOptions;

    const PAGE: u64 = 4096;

    /// 3,000 pages written by 30 commits on a connection of the store's, then checkpointed.
    #[tokio::test]
    async fn commits_leave_the_log_to_the_checkpointer() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("db.sqlite");
        let url = format!("sqlite://{}", file.display());
        let options = super::super::connect_options(&url, true).expect("options");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .expect("connecting");
        sqlx::query("CREATE TABLE filler (body BLOB NOT NULL)")
            .execute(&writer)
            .await
            .expect("creating a table");
        let before = std::fs::metadata(&file).expect("database file").len();
        for _ in 0..30 {
            let mut tx = writer.begin().await.expect("begin");
            for _ in 0..100 {
                sqlx::query("INSERT INTO filler (body) VALUES (zeroblob(4000))")
                    .execute(&mut *tx)
                    .await
                    .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
        // A commit that checkpointed (SQLite's default, past 1,000 pages in the log) would
        // have copied pages into the database file before returning.
        let after_commits = std::fs::metadata(&file).expect("database file").len();
        assert_eq!(
            after_commits, before,
            "a commit copied the log into the database file"
        );

        let checkpointer = Checkpointer::start(options, Duration::from_millis(10));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while std::fs::metadata(&file).expect("database file").len() < before + 3_000 * PAGE {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the checkpointer did not copy the log within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        checkpointer.stop().await;

        let mut conn = writer.acquire().await.expect("connection");
        let (log, copied) = checkpoint(&mut conn).await.expect("checkpoint");
        assert!(log >= 3_000, "the log held {log} frames");
        assert_eq!(copied, log, "every frame is in the database file");
    }
}
