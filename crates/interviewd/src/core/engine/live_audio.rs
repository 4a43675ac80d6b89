//! The audio of a live voice session: the two-party recording on disk, in segments, and the
//! agent's words spoken sentence by sentence.
//!
//! **Recording.** Each connection of a voice session records both sides (left: candidate,
//! right: agent; 16 kHz PCM16) into its own segment file under `<data_dir>/sessions/`,
//! `<attempt>-<n>.wav`. A reconnect on the same node starts the next segment; when the
//! session is recorded the segments are joined into one WAV and deleted. The files hold a
//! person's voice, so they never outlive the session: a session that ends without being
//! recorded (revoked, deleted, abandoned) deletes its files, and the directory is emptied
//! when the process starts (a session it held before a crash resumes without its earlier
//! audio). The files are written by the engine's [`Spool`] thread, never on a runtime
//! thread, so a disk that falls behind holds up no session's turns.

use interviewd_domain::AttemptId;
use interviewd_speech::recorder::{Recorder, RecorderConfig};
use interviewd_speech::spool::{Spool, SpooledFile};
use interviewd_speech::{SAMPLE_RATE, wav};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Channels of a recording: candidate and agent.
const CHANNELS: u16 = 2;

/// The directory of live recordings, emptied: nothing in it belongs to a session this
/// process holds.
pub fn reset_scratch(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The segment files of `attempt`, in order.
fn segments(dir: &Path, attempt: AttemptId) -> Vec<PathBuf> {
    let prefix = format!("{attempt}-");
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix(&prefix)?
                .strip_suffix(".wav")?
                .parse()
                .ok()?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Deletes every segment of `attempt`, once the spool has written what it holds of them.
pub fn discard(dir: &Path, spool: &Spool, attempt: AttemptId) {
    spool.drain();
    for path in segments(dir, attempt) {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(error = %e, path = %path.display(), "deleting a recording segment failed");
        }
    }
}

/// Joins the segments of `attempt` into one WAV and deletes them, once the spool has
/// written what it holds of them; empty when there are none.
pub fn join(dir: &Path, spool: &Spool, attempt: AttemptId) -> std::io::Result<Vec<u8>> {
    spool.drain();
    let paths = segments(dir, attempt);
    let mut data = Vec::new();
    for path in &paths {
        let mut bytes = Vec::new();
        File::open(path)?.read_to_end(&mut bytes)?;
        data.extend_from_slice(bytes.get(wav::HEADER_LEN..).unwrap_or_default());
    }
    for path in &paths {
        std::fs::remove_file(path)?;
    }
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = wav::header(SAMPLE_RATE, CHANNELS, data.len() as u64).to_vec();
    out.extend_from_slice(&data);
    Ok(out)
}

/// The recording of one connection: a new segment of the session's recording.
pub struct Segment {
    recorder: Option<Recorder<SpooledFile>>,
    /// Where the agent's audio goes next.
    agent_cursor: Duration,
}

impl Segment {
    /// Starts the next segment of `attempt` in `dir`, written through `spool`.
    pub fn start(dir: &Path, spool: &Spool, attempt: AttemptId) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let n = segments(dir, attempt).len();
        let path = dir.join(format!("{attempt}-{n}.wav"));
        let file = spool.file(File::create(path)?);
        let recorder =
            Recorder::new(file, &RecorderConfig::default()).map_err(std::io::Error::other)?;
        Ok(Self {
            recorder: Some(recorder),
            agent_cursor: Duration::ZERO,
        })
    }

    /// The candidate's next audio; the candidate's stream is the segment's clock.
    pub fn candidate(&mut self, pcm: &[i16]) {
        if let Some(r) = self.recorder.as_mut()
            && let Err(e) = r.push_candidate(pcm)
        {
            tracing::warn!(error = %e, "recording the candidate failed; recording stops");
            self.recorder = None;
        }
    }

    /// Agent audio sent to the page now; it plays after what was sent before it.
    pub fn agent(&mut self, pcm: &[i16]) -> Duration {
        let Some(r) = self.recorder.as_mut() else {
            return Duration::ZERO;
        };
        let at = self.agent_cursor.max(r.elapsed());
        r.push_agent(at, pcm);
        self.agent_cursor =
            at + Duration::from_micros(pcm.len() as u64 * 1_000_000 / u64::from(SAMPLE_RATE));
        at
    }

    /// Playback was cut at `at` (barge-in): the agent's words after it were never heard.
    pub fn cut_agent(&mut self, at: Duration) {
        if let Some(r) = self.recorder.as_mut() {
            r.truncate_agent(at);
            self.agent_cursor = at;
        }
    }

    /// Where playback stands now: the later of the candidate's clock and the queued agent
    /// audio's end.
    pub fn agent_end(&self) -> Duration {
        self.agent_cursor
    }

    /// The segment's clock (the candidate's audio received).
    pub fn elapsed(&self) -> Duration {
        self.recorder
            .as_ref()
            .map_or(Duration::ZERO, Recorder::elapsed)
    }

    /// Writes the segment out.
    pub fn finish(mut self) {
        if let Some(r) = self.recorder.take()
            && let Err(e) = r.finish()
        {
            tracing::warn!(error = %e, "finishing a recording segment failed");
        }
    }
}
