//! The process's copy of the API keys it has looked up, so a request need not read its key
//! from the database (docs/deployment.md, "API keys in memory").
//!
//! A copy is only trusted while it cannot be stale without the process hearing of it:
//! - it is used only while the process **listens** for changes to keys ([`KeyCache::listening`]
//!   is set by the PostgreSQL listener once its `LISTEN` runs, cleared as soon as the
//!   connection is lost); a trigger on `api_keys` and `ats_key_companies` announces every
//!   change, by any process, and the listener then forgets everything;
//! - the process that changes a key forgets everything as soon as its change commits, so its
//!   own next request sees the change;
//! - a lookup that began before a change, or before listening started, does not keep what it
//!   read ([`KeyCache::find`] compares generations);
//! - an entry lives [`KeyCache::keep_for`] at most (`api_key_cache_ms`, 30 s by default;
//!   0 keeps nothing), and the cache holds [`CAPACITY`] entries at most;
//! - only company keys are kept. An ATS key's companies grow whenever it creates one, and a
//!   request through another node right after must see the new company at once.
//!
//! Unknown secrets are never kept, so a stream of made-up keys costs reads, not memory. On
//! SQLite nothing listens (another process, such as `interviewd admin`, may write the file
//! unannounced) and every lookup reads the database, where it is a local read.

use super::StoreResult;
use interviewd_domain::model::{ApiKey, KeyKind};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most entries kept; at the bound the cache starts again empty.
pub const CAPACITY: usize = 4096;

/// A looked-up key and the stored hash it was found by.
pub type Found = (ApiKey, Vec<u8>);

/// See the module doc.
#[derive(Default)]
pub struct KeyCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Whether changes to keys are being heard.
    listening: bool,
    /// How long an entry is trusted even while listening: a bound on any change missed
    /// without the connection being seen to drop. Zero until [`KeyCache::keep_for`].
    ttl: Duration,
    /// Bumped by every change and every start or end of listening.
    generation: u64,
    entries: HashMap<Vec<u8>, (Found, Instant)>,
}

impl KeyCache {
    /// The key whose secret hashes to `hash`: the kept copy when it can be trusted, else what
    /// `read` finds in the database (kept when nothing changed meanwhile).
    pub async fn find<F, Fut>(&self, hash: &[u8], read: F) -> StoreResult<Option<Found>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = StoreResult<Option<Found>>>,
    {
        let generation = match self.kept(hash) {
            Kept::Found(found) => return Ok(Some(found)),
            Kept::NotListening => return read().await,
            Kept::Missing { generation } => generation,
        };
        let found = read().await?;
        if let Some(found) = &found
            && found.0.kind == KeyKind::Company
        {
            let mut state = self.lock();
            if state.listening && state.generation == generation {
                if state.entries.len() >= CAPACITY {
                    state.entries.clear();
                }
                state
                    .entries
                    .insert(hash.to_vec(), (found.clone(), Instant::now()));
            }
        }
        Ok(found)
    }

    /// What is kept for `hash`, and the generation a read of it starts in.
    fn kept(&self, hash: &[u8]) -> Kept {
        let state = self.lock();
        if !state.listening || state.ttl.is_zero() {
            return Kept::NotListening;
        }
        match state.entries.get(hash) {
            Some((found, at)) if at.elapsed() < state.ttl => Kept::Found(found.clone()),
            _ => Kept::Missing {
                generation: state.generation,
            },
        }
    }

    /// Entries are trusted for `ttl` at most; zero keeps nothing.
    pub fn keep_for(&self, ttl: Duration) {
        let mut state = self.lock();
        state.ttl = ttl;
        state.generation += 1;
        state.entries.clear();
    }

    /// A key was created, changed or revoked (here or, as announced, elsewhere).
    pub fn forget_all(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.entries.clear();
    }

    /// Listening for changes started (`true`) or stopped: either way what is kept may have
    /// missed a change, and is forgotten.
    pub fn listening(&self, listening: bool) {
        let mut state = self.lock();
        state.listening = listening;
        state.generation += 1;
        state.entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is consistent after every statement, so a panic elsewhere leaves it usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

enum Kept {
    Found(Found),
    NotListening,
    Missing { generation: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use interviewd_domain::ids::KeyId;
    use interviewd_domain::{CompanyId, ScopeSet};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(kind: KeyKind) -> Found {
        let key = ApiKey {
            id: KeyId::new(),
            name: None,
            prefix: "iv_test".into(),
            kind,
            company_id: Some(CompanyId::new()),
            managed_companies: Vec::new(),
            scopes: ScopeSet::all(),
            expires_at: None,
            revoked_at: None,
            created_at: Utc::now(),
        };
        (key, vec![1; 32])
    }

    /// Looks `hash` up, counting the database reads in `reads`.
    async fn find(cache: &KeyCache, reads: &AtomicUsize, value: &Found) -> Option<Found> {
        cache
            .find(&[1; 32], || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(Some(value.clone()))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn keeps_company_keys_only_while_listening() {
        let (cache, reads, company) = (
            KeyCache::default(),
            AtomicUsize::new(0),
            key(KeyKind::Company),
        );
        cache.keep_for(Duration::from_secs(30));
        find(&cache, &reads, &company).await;
        find(&cache, &reads, &company).await;
        assert_eq!(
            reads.load(Ordering::SeqCst),
            2,
            "not listening: every lookup reads"
        );

        cache.listening(true);
        find(&cache, &reads, &company).await;
        find(&cache, &reads, &company).await;
        assert_eq!(
            reads.load(Ordering::SeqCst),
            3,
            "listening: the second lookup is kept"
        );

        cache.forget_all();
        find(&cache, &reads, &company).await;
        assert_eq!(reads.load(Ordering::SeqCst), 4, "a change forgets");

        cache.listening(false);
        find(&cache, &reads, &company).await;
        assert_eq!(reads.load(Ordering::SeqCst), 5, "a lost connection forgets");

        cache.listening(true);
        cache.keep_for(Duration::ZERO);
        find(&cache, &reads, &company).await;
        find(&cache, &reads, &company).await;
        assert_eq!(
            reads.load(Ordering::SeqCst),
            7,
            "a cache of no time keeps nothing"
        );

        let (ats_cache, ats_reads, ats) =
            (KeyCache::default(), AtomicUsize::new(0), key(KeyKind::Ats));
        ats_cache.keep_for(Duration::from_secs(30));
        ats_cache.listening(true);
        find(&ats_cache, &ats_reads, &ats).await;
        find(&ats_cache, &ats_reads, &ats).await;
        assert_eq!(
            ats_reads.load(Ordering::SeqCst),
            2,
            "ATS keys are never kept"
        );
    }

    #[tokio::test]
    async fn a_lookup_overtaken_by_a_change_is_not_kept() {
        let (cache, reads, company) = (
            KeyCache::default(),
            AtomicUsize::new(0),
            key(KeyKind::Company),
        );
        cache.keep_for(Duration::from_secs(30));
        cache.listening(true);
        // The change commits while the lookup's read is under way.
        cache
            .find(&[1; 32], || async {
                cache.forget_all();
                Ok(Some(company.clone()))
            })
            .await
            .unwrap();
        find(&cache, &reads, &company).await;
        assert_eq!(
            reads.load(Ordering::SeqCst),
            1,
            "the overtaken read was not kept"
        );
    }
}
