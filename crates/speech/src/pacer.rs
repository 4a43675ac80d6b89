//! The outbound audio queue of a phone call: 20 ms μ-law frames sent on a clock.
//!
//! Carriers play what they receive into a small jitter buffer. Audio sent faster than real
//! time overflows it (choppy audio, or a whole answer lost on `clear`); audio sent on a
//! `sleep(20 ms)` loop drifts late by the loop's own run time, frame after frame. So frames
//! are sent on a fixed grid of deadlines of a monotonic clock (`tokio::time`):
//! - frame *n* of a stretch of speech is due at `start + n × 20 ms`, whatever the time spent
//!   sending, so there is no drift, and never before its deadline;
//! - a sender that fell behind (a stalled socket) catches up by at most `max_lag` (default
//!   40 ms, two frames); beyond that the grid restarts at the present, rather than
//!   bursting a backlog at the carrier; after the queue ran empty, the next frame still
//!   waits for its slot on the grid;
//! - whatever the grid allows, no frame goes while 50 frames went out in the second before
//!   it: at most 50 frames in any one-second window, catching up included (a late tick
//!   leaves the gap a catch-up fills, so the catch-up still happens where it can);
//! - [`OutboundAudio::clear`] (barge-in) empties the queue at once: the next frame the
//!   [`Pacer`] hands out is one pushed after the clear;
//! - marks are named points in the queue, handed out right after the frame before them, so
//!   the transport can send the carrier a `mark` and learn when the caller heard a sentence.
//!
//! The queue holds 160-byte frames (20 ms of μ-law at 8 kHz). Audio pushed in pieces that are
//! not whole frames is joined; a mark or [`OutboundAudio::flush`] pads the last partial frame
//! with μ-law silence.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::codec::{FRAME_BYTES, FRAME_MS, ULAW_SILENCE};

/// One 20 ms μ-law frame.
pub type Frame = [u8; FRAME_BYTES];

/// The period of the frame clock.
pub const FRAME_PERIOD: Duration = Duration::from_millis(FRAME_MS);

/// What the pacer hands to the transport, in order and on time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paced {
    /// Send this frame now.
    Frame(Frame),
    /// Every frame queued before this mark has been handed out.
    Mark(String),
}

#[derive(Debug)]
enum Item {
    Frame(Frame),
    Mark(String),
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Item>,
    /// Bytes of a frame not yet complete.
    partial: Vec<u8>,
    frames: usize,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Notify,
}

/// The producer side of a call's outbound queue. Cheap to clone; all clones share the queue.
#[derive(Clone, Debug, Default)]
pub struct OutboundAudio {
    shared: Arc<Shared>,
}

impl OutboundAudio {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves a consistent queue (every change is a single
        // push or drain), so a poisoned lock is still usable.
        self.shared
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends μ-law audio (8 kHz) of any length.
    pub fn push_audio(&self, ulaw: &[u8]) {
        let mut queue = self.lock();
        queue.partial.extend_from_slice(ulaw);
        let whole = queue.partial.len() / FRAME_BYTES * FRAME_BYTES;
        let bytes: Vec<u8> = queue.partial.drain(..whole).collect();
        for chunk in bytes.chunks_exact(FRAME_BYTES) {
            let mut frame = [0; FRAME_BYTES];
            frame.copy_from_slice(chunk);
            queue.items.push_back(Item::Frame(frame));
            queue.frames += 1;
        }
        drop(queue);
        self.shared.wake.notify_one();
    }

    /// Appends a mark after the audio queued so far (padding a partial frame with silence).
    pub fn push_mark(&self, name: impl Into<String>) {
        let mut queue = self.lock();
        pad_partial(&mut queue);
        queue.items.push_back(Item::Mark(name.into()));
        drop(queue);
        self.shared.wake.notify_one();
    }

    /// Pads a partial last frame with silence so it is sent.
    pub fn flush(&self) {
        pad_partial(&mut self.lock());
        self.shared.wake.notify_one();
    }

    /// Drops everything queued (barge-in). Returns the names of the marks dropped, whose
    /// audio the caller will not hear.
    pub fn clear(&self) -> Vec<String> {
        let mut queue = self.lock();
        queue.partial.clear();
        queue.frames = 0;
        queue
            .items
            .drain(..)
            .filter_map(|item| match item {
                Item::Mark(name) => Some(name),
                Item::Frame(_) => None,
            })
            .collect()
    }

    /// Frames waiting to be sent.
    pub fn queued_frames(&self) -> usize {
        self.lock().frames
    }

    /// How long the queued audio plays.
    pub fn queued_duration(&self) -> Duration {
        FRAME_PERIOD * u32::try_from(self.queued_frames()).unwrap_or(u32::MAX)
    }
}

fn pad_partial(queue: &mut Queue) {
    if queue.partial.is_empty() {
        return;
    }
    let mut frame = [ULAW_SILENCE; FRAME_BYTES];
    frame[..queue.partial.len()].copy_from_slice(&queue.partial);
    queue.partial.clear();
    queue.items.push_back(Item::Frame(frame));
    queue.frames += 1;
}

/// Counters for benchmarks and logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacerStats {
    /// Frames handed out.
    pub frames: u64,
    /// Frames handed out more than one frame period after their deadline.
    pub late_frames: u64,
    /// The largest delay after a deadline seen.
    pub max_lateness: Duration,
    /// The most frames handed out in any one-second window (at most 50 by construction).
    pub busiest_second: u32,
}

/// Frames a carrier plays in one second.
const FRAMES_PER_SECOND: usize = 50;
const SECOND: Duration = Duration::from_secs(1);

/// The consumer side: hands out frames on the clock. One per call.
#[derive(Debug)]
pub struct Pacer {
    audio: OutboundAudio,
    /// The deadline of the next frame of the current stretch of speech.
    next_due: Option<Instant>,
    /// The queue was found empty since the last frame: no frame was kept waiting.
    idle: bool,
    max_lag: Duration,
    /// When the last frames went out, oldest first: one more than [`FRAMES_PER_SECOND`], so
    /// that a 51st frame in a second would show in the stats.
    recent: VecDeque<Instant>,
    stats: PacerStats,
}

impl Pacer {
    /// A pacer for `audio` that catches up by at most 40 ms.
    pub fn new(audio: OutboundAudio) -> Self {
        Self::with_max_lag(audio, 2 * FRAME_PERIOD)
    }

    /// A pacer that catches up by at most `max_lag` after falling behind.
    pub fn with_max_lag(audio: OutboundAudio, max_lag: Duration) -> Self {
        Self {
            audio,
            next_due: None,
            idle: true,
            max_lag,
            recent: VecDeque::with_capacity(FRAMES_PER_SECOND + 2),
            stats: PacerStats::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> PacerStats {
        self.stats
    }

    /// Waits for the next item and its time. Cancel-safe: dropping the future before it
    /// completes takes nothing off the queue, so it can sit in a `select!` loop.
    pub async fn next(&mut self) -> Paced {
        loop {
            let due = self.due(Instant::now());
            if due > Instant::now() && self.head_is_frame() {
                tokio::time::sleep_until(due).await;
            }
            // Taken only now, after the wait: a clear during the wait is honoured.
            match self.take_head() {
                Some(Item::Mark(name)) => return Paced::Mark(name),
                Some(Item::Frame(frame)) => {
                    self.sent(due);
                    return Paced::Frame(frame);
                }
                None => {
                    self.idle = true;
                    self.audio.shared.wake.notified().await;
                }
            }
        }
    }

    /// When the next frame may go: on the grid; a little behind it when catching up; now
    /// when the queue was idle or the sender is too far behind (the grid restarts); and in
    /// every case not before a second after the frame 50 frames back.
    fn due(&self, now: Instant) -> Instant {
        let on_grid = match self.next_due {
            Some(due) if due >= now => due,
            Some(due) if !self.idle && due + self.max_lag >= now => due,
            _ => now,
        };
        // The frame 50 back from this one: with it, this one would be the 51st in a second.
        let fifty_back = self.recent.len().checked_sub(FRAMES_PER_SECOND);
        match fifty_back.and_then(|i| self.recent.get(i)) {
            Some(at) => on_grid.max(*at + SECOND),
            None => on_grid,
        }
    }

    fn head_is_frame(&self) -> bool {
        matches!(self.audio.lock().items.front(), Some(Item::Frame(_)))
    }

    fn take_head(&self) -> Option<Item> {
        let mut queue = self.audio.lock();
        let item = queue.items.pop_front();
        if matches!(item, Some(Item::Frame(_))) {
            queue.frames -= 1;
        }
        item
    }

    fn sent(&mut self, due: Instant) {
        // Lateness against the grid counts only when a frame was waiting to be sent.
        let lateness = match self.next_due {
            Some(grid) if !self.idle => Instant::now().saturating_duration_since(grid),
            _ => Duration::ZERO,
        };
        self.stats.frames += 1;
        if lateness > FRAME_PERIOD {
            self.stats.late_frames += 1;
        }
        self.stats.max_lateness = self.stats.max_lateness.max(lateness);
        let now = Instant::now();
        if self.recent.len() > FRAMES_PER_SECOND {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        let in_second = self
            .recent
            .iter()
            .filter(|at| now.duration_since(**at) < SECOND)
            .count();
        self.stats.busiest_second = self
            .stats
            .busiest_second
            .max(u32::try_from(in_second).unwrap_or(u32::MAX));
        self.next_due = Some(due + FRAME_PERIOD);
        self.idle = false;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
