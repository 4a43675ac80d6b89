//! Recording files written on a thread of their own, not on the async runtime's threads.
//!
//! A live voice session records 64 000 bytes a second; 500 sessions write 32 MB/s. A
//! `write(2)` into the page cache is quick until the kernel throttles a process that dirties
//! pages faster than the disk takes them, and then it blocks, for milliseconds or more. On a
//! runtime thread that stalls every session sharing the thread: their frames, their turns.
//! So recordings are written through a [`SpooledFile`]: its writes and seeks are kept in
//! order on a queue that one thread ([`Spool`]) works through, and only that thread waits
//! for the disk.
//!
//! The queue is bounded ([`QUEUE`] writes, each at most a recorder block of 64 KB): when
//! the disk falls that far behind, a writer waits for room, as it did before. A write that
//! fails is logged once per file and the file's later writes are skipped (the recording
//! stops; the interview goes on), as a failing recorder did before.
//!
//! Before a finished file is read or deleted, [`Spool::drain`] waits until everything
//! queued before it is on its way to the disk.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

/// Writes the queue holds before a writer waits for room.
pub const QUEUE: usize = 1024;

struct Target {
    file: File,
    failed: AtomicBool,
}

enum Op {
    Write {
        target: Arc<Target>,
        at: u64,
        bytes: Vec<u8>,
    },
    Drained(mpsc::Sender<()>),
}

/// The thread that writes recording files, and its queue. Cloning shares both; the thread
/// ends once every clone and every [`SpooledFile`] is gone.
#[derive(Clone, Debug)]
pub struct Spool {
    queue: mpsc::SyncSender<Op>,
}

impl Spool {
    /// Starts the writing thread.
    pub fn start() -> std::io::Result<Self> {
        let (queue, ops) = mpsc::sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("recording-spool".into())
            .spawn(move || work(&ops))?;
        Ok(Self { queue })
    }

    /// A file written through this spool, positioned at its start.
    pub fn file(&self, file: File) -> SpooledFile {
        SpooledFile {
            target: Arc::new(Target {
                file,
                failed: AtomicBool::new(false),
            }),
            queue: self.queue.clone(),
            pos: 0,
            len: 0,
        }
    }

    /// Waits until every write queued before this call has been handed to the file system.
    /// Blocking: call it off the runtime (`spawn_blocking`).
    pub fn drain(&self) {
        let (done, wait) = mpsc::channel();
        if self.queue.send(Op::Drained(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

fn work(ops: &mpsc::Receiver<Op>) {
    while let Ok(op) = ops.recv() {
        match op {
            Op::Write { target, at, bytes } => {
                if target.failed.load(Ordering::Relaxed) {
                    continue;
                }
                let mut file = &target.file;
                let written = file
                    .seek(SeekFrom::Start(at))
                    .and_then(|_| file.write_all(&bytes));
                if let Err(e) = written {
                    target.failed.store(true, Ordering::Relaxed);
                    tracing::warn!(error = %e, "writing a recording failed; recording stops");
                }
            }
            Op::Drained(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// A file whose writes go through a [`Spool`]. Writing and seeking never touch the disk on
/// the caller's thread; `flush` is a no-op (use [`Spool::drain`] before reading the file).
pub struct SpooledFile {
    target: Arc<Target>,
    queue: mpsc::SyncSender<Op>,
    pos: u64,
    len: u64,
}

impl std::fmt::Debug for SpooledFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpooledFile")
            .field("pos", &self.pos)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl SpooledFile {
    /// A write failed on the spool's thread (it was logged there).
    pub fn failed(&self) -> bool {
        self.target.failed.load(Ordering::Relaxed)
    }
}

impl Write for SpooledFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let op = Op::Write {
            target: Arc::clone(&self.target),
            at: self.pos,
            bytes: buf.to_vec(),
        };
        self.queue
            .send(op)
            .map_err(|_| std::io::Error::other("the recording spool has stopped"))?;
        self.pos += buf.len() as u64;
        self.len = self.len.max(self.pos);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for SpooledFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let base = match pos {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        self.pos = base.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek to a position before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn writes_and_seeks_land_in_order_once_drained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        let spool = Spool::start().unwrap();
        let mut file = spool.file(File::create(&path).unwrap());
        file.write_all(b"....tail").unwrap();
        assert_eq!(file.seek(SeekFrom::Start(0)).unwrap(), 0);
        file.write_all(b"head").unwrap();
        assert_eq!(file.seek(SeekFrom::End(0)).unwrap(), 8);
        file.write_all(b"!").unwrap();
        assert!(file.seek(SeekFrom::Current(-100)).is_err());
        spool.drain();
        let mut read = String::new();
        File::open(&path)
            .unwrap()
            .read_to_string(&mut read)
            .unwrap();
        assert_eq!(read, "headtail!");
        assert!(!file.failed());
    }

    #[test]
    fn a_failed_write_marks_the_file_and_the_rest_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.bin");
        std::fs::write(&path, b"kept").unwrap();
        let spool = Spool::start().unwrap();
        // Opened for reading only: the thread's write fails.
        let mut file = spool.file(File::open(&path).unwrap());
        file.write_all(b"lost").unwrap();
        spool.drain();
        assert!(file.failed());
        file.write_all(b"also lost").unwrap();
        spool.drain();
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
    }
}
