//! Seeding: set-based copies of the template interviews ([`crate::fixtures`]).
//!
//! Rather than inventing rows, the seeding copies the rows the real code wrote for a
//! template — candidate, job link, interview, call attempt, transcript fragments, analysis and
//! events — `count` times in one transaction, with new ids (UUIDv7-shaped and time-ordered,
//! as `Uuid::now_v7` makes them), a new invite token and recording key, and a new e-mail and
//! phone number per candidate. The ids, e-mail and phone inside the copied event payloads are
//! rewritten to the copy's. The row generator is a recursive CTE on SQLite and
//! `generate_series` on PostgreSQL; everything else is one `INSERT … SELECT` per table.
//!
//! A *light* copy (the growth scenario's background) keeps the first two transcript
//! fragments and the smallest event only, so that a million interviews seed in bounded
//! time; the copies a scenario acts on are always full.
//!
//! Recordings: each full copy's recording key is a hard link to one 1 MiB WAV file (a new
//! source file every 50,000 links, under ext4's limit of 65,000 per inode), so a hundred
//! thousand "recordings" take 2 MiB of disk.

// Both backends compile the same statement files, on purpose (see the module doc).
#[allow(clippy::duplicate_mod)]
mod postgres;
mod sqlite;

use crate::db::RawPool;
use crate::fixtures::Template;
use anyhow::Context;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What to copy.
pub struct CloneSpec<'a> {
    pub template: &'a Template,
    pub count: u64,
    /// Two transcript fragments and one event per copy instead of all of them.
    pub light: bool,
    /// Whether to return the copies (a scenario's targets) or not (background rows).
    pub read_back: bool,
    /// Spread the copies over the company's jobs other than this one (the template's),
    /// round-robin, instead of the template's job.
    pub spread_jobs: Option<Uuid>,
}

/// One copy, as a scenario addresses it.
#[derive(Clone, Debug)]
pub struct Seeded {
    /// The interview id, hyphenated.
    pub interview: String,
    /// Its candidate's id, hyphenated.
    pub candidate: String,
    pub email: String,
    /// The interview's `number` (Xobin's `response_id`).
    pub number: i64,
    /// The recording its call attempt points at (none for a SCHEDULED interview).
    pub recording_key: Option<String>,
}

/// The seeding of one database: its pool, its company and a counter that keeps every copy's
/// e-mail and phone number unique.
pub struct Seeder {
    pool: RawPool,
    company: Uuid,
    next_contact: u64,
    recordings: Recordings,
}

impl Seeder {
    /// A seeder for the tenant `company` of the database behind `pool`, whose server keeps
    /// recordings under `data_dir/recordings`.
    pub fn new(pool: RawPool, company: Uuid, data_dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            company,
            next_contact: 0,
            recordings: Recordings::new(data_dir)?,
        })
    }

    /// Copies a template `spec.count` times, in chunks of at most 100,000 copies (one
    /// transaction each), and links the recordings of full copies.
    pub async fn clone(&mut self, spec: &CloneSpec<'_>) -> anyhow::Result<Vec<Seeded>> {
        const CHUNK: u64 = 100_000;
        let mut seeded = Vec::new();
        let mut left = spec.count;
        while left > 0 {
            let n = left.min(CHUNK);
            let chunk = CloneSpec { count: n, ..*spec };
            let offset = self.next_contact;
            self.next_contact += n;
            let company = self.company.to_string();
            let copies = match &self.pool {
                RawPool::Sqlite { write, .. } => {
                    sqlite::clone(write, &chunk, &company, offset).await
                }
                RawPool::Pg(pool) => postgres::clone(pool, &chunk, &company, offset).await,
            }
            .with_context(|| {
                format!("copying the template {} {n} times", spec.template.interview)
            })?;
            self.recordings
                .link(copies.iter().filter_map(|s| s.recording_key.as_deref()))?;
            seeded.extend(copies);
            left -= n;
        }
        Ok(seeded)
    }

    /// Creates `count` more jobs like `job` in its company (openings to spread copies over).
    pub async fn jobs(&self, job: Uuid, count: u64) -> anyhow::Result<()> {
        match &self.pool {
            RawPool::Sqlite { write, .. } => sqlite::jobs(write, job, count).await,
            RawPool::Pg(pool) => postgres::jobs(pool, job, count).await,
        }
        .context("creating jobs")
    }

    /// The size of the recording each full copy links to, in bytes.
    pub fn recording_bytes(&self) -> u64 {
        self.recordings.bytes
    }
}

/// The rows a company's due calls belong to.
pub struct DueIds {
    pub company: Uuid,
    pub candidate: Uuid,
    pub job: Uuid,
    pub agent: Uuid,
}

/// `count` due phone interviews (each with its call attempt due now) for `ids`.
pub async fn due(pool: &RawPool, ids: &DueIds, count: u64) -> anyhow::Result<()> {
    match pool {
        RawPool::Sqlite { write, .. } => sqlite::due(write, ids, count).await,
        RawPool::Pg(pool) => postgres::due(pool, ids, count).await,
    }
    .context("seeding due calls")
}

/// Milliseconds since the epoch, now.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Hard links to one recording under the server's recordings directory.
struct Recordings {
    root: PathBuf,
    sources: PathBuf,
    source: PathBuf,
    links: u64,
    bytes: u64,
}

impl Recordings {
    /// Links a source holds before the next one is written (ext4 allows 65,000).
    const LINKS_PER_SOURCE: u64 = 50_000;

    fn new(data_dir: &Path) -> anyhow::Result<Self> {
        let root = data_dir.join("recordings");
        let sources = data_dir.join("bench-recordings");
        std::fs::create_dir_all(&root)?;
        std::fs::create_dir_all(&sources)?;
        // A WAV of 8 kHz 16-bit mono (what the engine records) just under 1 MiB: 65.5 s.
        let wav = interviewd_voice::wav::synthesize(&[], 65_533);
        let source = sources.join("0.wav");
        std::fs::write(&source, &wav).context("writing the recording to link")?;
        Ok(Self {
            root,
            sources,
            source,
            links: 0,
            bytes: wav.len() as u64,
        })
    }

    fn link<'a>(&mut self, keys: impl Iterator<Item = &'a str>) -> anyhow::Result<()> {
        for key in keys {
            if self.links > 0 && self.links.is_multiple_of(Self::LINKS_PER_SOURCE) {
                let next = self
                    .sources
                    .join(format!("{}.wav", self.links / Self::LINKS_PER_SOURCE));
                std::fs::copy(&self.source, &next)?;
                self.source = next;
            }
            let path = self.root.join(key);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::hard_link(&self.source, &path)
                .with_context(|| format!("linking the recording {}", path.display()))?;
            self.links += 1;
        }
        Ok(())
    }
}
