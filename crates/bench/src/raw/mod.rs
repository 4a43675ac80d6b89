//! The raw-SQL baseline: for each scenario, the SQL statements the server executes for one
//! request, executed directly on pools shaped like the server's (on SQLite eight readers and
//! the one connection write transactions queue for) — no HTTP, no handler, no domain types —
//! with the server's write transaction around the statements it puts in it, at the same
//! concurrency. What the database itself can do for the operation;
//! each HTTP result is stated as a ratio to it.
//!
//! The statements are copied from `crates/interviewd/src/store/sql/` (each is marked with the
//! function it comes from) rather than called, so the baseline stays the same while the
//! store's code is reorganised; when a statement changes there, change it here (the `drift`
//! test fails until it is). They are
//! written once (`statements.rs`) and compiled per backend (`sqlite.rs`, `postgres.rs`), as
//! the store does it.
//!
//! The engine drain has its baseline too ([`drain_op`]): the engine's statements for one
//! call, in its own transactions (`drain.rs`).
//!
//! A [`Profile`] adds up the time of each statement (and of `BEGIN` and `COMMIT`), so a
//! report can say which statement dominates an operation.

// The column lists of `store/rows.rs`, for the statement files below.
macro_rules! interview_cols {
    () => {
        "id, number, company_id, candidate_id, job_id, agent_id, channel, status, scheduled_at, started_at, finished_at, is_test, metadata, invite_token, invite_sent_at, invite_starts_at, invite_expires_at, invite_revoked_at, custom_field_id, created_at, updated_at"
    };
}
macro_rules! attempt_cols {
    () => {
        "id, interview_id, company_id, status, direction, reason_code, notes, retry_number, scheduled_at, called_at, ended_at, duration_ms, recording_key, created_at, updated_at"
    };
}
macro_rules! key_cols {
    () => {
        "id, name, prefix, secret_hash, kind, company_id, scopes, expires_at, revoked_at, created_at"
    };
}
macro_rules! agent_cols {
    () => {
        "id, number, company_id, name, channel, focus, language, duration_minutes, questions, instructions, attrs, created_at, updated_at"
    };
}
macro_rules! candidate_cols {
    () => {
        "id, number, company_id, first_name, last_name, email, phone, ext_id, status, gdpr_expiry_date, metadata, custom_fields, created_at, updated_at"
    };
}

// Both backends compile the same statement files, on purpose (see the module doc).
#[allow(clippy::duplicate_mod)]
mod postgres;
mod sqlite;

use crate::db::RawPool;
use crate::fixtures::Tenant;
use crate::runner::Op;
use crate::scenarios::{Scenario, Targets};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// What the statements bind besides the target: the tenant and its key.
pub struct RawCtx {
    pub company: Uuid,
    pub key_hash: Vec<u8>,
    pub key_id: Uuid,
    pub agent: Uuid,
    pub job: Uuid,
}

impl RawCtx {
    pub fn new(tenant: &Tenant) -> Self {
        Self {
            company: tenant.company,
            key_hash: interviewd::core::keys::hash(&tenant.key),
            key_id: tenant.key_id,
            agent: tenant.agent,
            job: tenant.job,
        }
    }
}

/// The time spent in each statement, added up over a cell.
#[derive(Default)]
pub struct Profile(Mutex<BTreeMap<&'static str, (u64, Duration)>>);

/// One statement's share of a profiled cell.
#[derive(Clone, Debug, Serialize)]
pub struct StatementShare {
    pub statement: &'static str,
    /// Executions per operation.
    pub per_op: f64,
    /// Mean time per execution, in milliseconds (four decimals).
    pub mean_ms: f64,
    /// Share of all the time spent in statements, in per cent.
    pub share_pct: f64,
}

impl Profile {
    fn add(&self, steps: &[(&'static str, Duration)]) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (name, d) in steps {
            let entry = map.entry(name).or_default();
            entry.0 += 1;
            entry.1 += *d;
        }
    }

    /// Every statement's share, the largest first, for `ops` operations.
    pub fn shares(&self, ops: u64) -> Vec<StatementShare> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let total: f64 = map.values().map(|(_, d)| d.as_secs_f64()).sum();
        let mut shares: Vec<StatementShare> = map
            .iter()
            .map(|(name, (n, d))| StatementShare {
                statement: name,
                per_op: round2(*n as f64 / ops.max(1) as f64),
                mean_ms: round4(d.as_secs_f64() * 1000.0 / (*n).max(1) as f64),
                share_pct: round2(if total > 0.0 {
                    d.as_secs_f64() / total * 100.0
                } else {
                    0.0
                }),
            })
            .collect();
        shares.sort_by(|a, b| b.share_pct.total_cmp(&a.share_pct));
        shares
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// The statement timings of one operation (kept only when profiling).
pub struct Timer {
    on: bool,
    steps: Vec<(&'static str, Duration)>,
}

impl Timer {
    fn record(&mut self, name: &'static str, d: Duration) {
        if self.on {
            self.steps.push((name, d));
        }
    }
}

/// Runs one statement (a future), times it under `name`, and turns its error into the
/// operation's.
macro_rules! step {
    ($timer:expr, $name:expr, $fut:expr) => {{
        let started = std::time::Instant::now();
        let out = $fut.await;
        $timer.record($name, started.elapsed());
        out.map_err(|e| format!("{}: {e}", $name))?
    }};
}
pub(crate) use step;

/// The operation of `scenario` as raw SQL on `pool`, against `targets`; statement times go
/// to `profile` when given.
pub fn raw_op(
    scenario: Scenario,
    pool: &RawPool,
    ctx: Arc<RawCtx>,
    targets: Arc<Targets>,
    profile: Option<Arc<Profile>>,
) -> Op {
    let pool = pool.clone();
    Arc::new(move || {
        let (pool, ctx, targets, profile) =
            (pool.clone(), ctx.clone(), targets.clone(), profile.clone());
        Box::pin(async move {
            let target = targets.next().ok_or("no seeded target left")?;
            let mut timer = Timer {
                on: profile.is_some(),
                steps: Vec::new(),
            };
            match &pool {
                RawPool::Sqlite { read, write } => {
                    sqlite::run(scenario, read, write, &ctx, target, &mut timer).await
                }
                RawPool::Pg(p) => postgres::run(scenario, p, p, &ctx, target, &mut timer).await,
            }?;
            if let Some(profile) = profile {
                profile.add(&timer.steps);
            }
            Ok(())
        })
    })
}

/// The minimal erasure of the next target's interview ([`minimal`](sqlite::minimal_erasure)):
/// the floor a removal is measured against.
pub fn minimal_op(pool: &RawPool, ctx: Arc<RawCtx>, targets: Arc<Targets>) -> Op {
    let pool = pool.clone();
    Arc::new(move || {
        let (pool, ctx, targets) = (pool.clone(), ctx.clone(), targets.clone());
        Box::pin(async move {
            let target = targets.next().ok_or("no seeded target left")?;
            let mut timer = Timer {
                on: false,
                steps: Vec::new(),
            };
            match &pool {
                RawPool::Sqlite { read, write } => {
                    sqlite::minimal_erasure(read, write, &ctx, target, &mut timer).await
                }
                RawPool::Pg(p) => postgres::minimal_erasure(p, p, &ctx, target, &mut timer).await,
            }
        })
    })
}

/// The engine's statements for one due call, claim to COMPLETED ([`drain`]), on `pool`; each
/// operation takes the next company of `companies` (limit `limit`) round-robin.
pub fn drain_op(
    pool: &RawPool,
    companies: Arc<Vec<Uuid>>,
    limit: i64,
    profile: Option<Arc<Profile>>,
) -> Op {
    let pool = pool.clone();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let owner = format!("bench-{}", std::process::id());
    Arc::new(move || {
        let (pool, companies, profile, owner) = (
            pool.clone(),
            companies.clone(),
            profile.clone(),
            owner.clone(),
        );
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::pin(async move {
            let company = *companies
                .get(n % companies.len().max(1))
                .ok_or("no company")?;
            let mut timer = Timer {
                on: profile.is_some(),
                steps: Vec::new(),
            };
            match &pool {
                RawPool::Sqlite { read, write } => {
                    sqlite::drain_one(read, write, company, limit, &owner, &mut timer).await
                }
                RawPool::Pg(p) => {
                    postgres::drain_one(p, p, company, limit, &owner, &mut timer).await
                }
            }?;
            if let Some(profile) = profile {
                profile.add(&timer.steps);
            }
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_per_statement_and_sort_largest_first() {
        let profile = Profile::default();
        let ms = Duration::from_millis;
        profile.add(&[("SELECT a", ms(1)), ("COMMIT", ms(3))]);
        profile.add(&[("SELECT a", ms(1)), ("COMMIT", ms(5))]);
        let shares = profile.shares(2);
        assert_eq!(shares[0].statement, "COMMIT");
        assert_eq!(
            (shares[0].per_op, shares[0].mean_ms, shares[0].share_pct),
            (1.0, 4.0, 80.0)
        );
        assert_eq!((shares[1].per_op, shares[1].share_pct), (1.0, 20.0));
    }
}

#[cfg(test)]
mod drift {
    //! The baseline is copied SQL; this keeps the copy honest. Every SQL text in the files of
    //! this module must stand, word for word (whitespace aside), in a string of the store's
    //! statements, so a statement changed in the store and not here fails the build's tests.

    use std::path::{Path, PathBuf};

    /// The string literals of a Rust source, `\`-continued lines joined and whitespace
    /// collapsed. Enough for these files: no raw strings, quotes in char literals skipped.
    fn literals(source: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '/' if chars.peek() == Some(&'/') => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                '\'' => {
                    // A char literal such as '"' or '\'' (lifetimes pass through harmlessly).
                    let ahead: String = chars.clone().take(3).collect();
                    if ahead.starts_with("\"'") {
                        chars.nth(1);
                    } else if ahead.starts_with("\\") {
                        chars.nth(2);
                    }
                }
                '"' => {
                    let mut text = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some('\n') => {
                                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                                        chars.next();
                                    }
                                }
                                Some(escaped) => {
                                    text.push('\\');
                                    text.push(escaped);
                                }
                                None => break,
                            },
                            c => text.push(c),
                        }
                    }
                    found.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                _ => {}
            }
        }
        found
    }

    fn sources(dir: &Path) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("readable source directory")
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            // The minimal-erasure floor is not the server's statements, on purpose.
            .filter(|path| !path.ends_with("minimal.rs"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("readable source"))
            .collect()
    }

    fn is_sql(text: &str) -> bool {
        [
            " FROM ",
            "INSERT INTO ",
            " SET ",
            " WHERE ",
            " VALUES ",
            " RETURNING ",
        ]
        .iter()
        .any(|word| format!(" {text} ").contains(word))
    }

    #[test]
    fn every_baseline_statement_is_the_stores() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let store: String = sources(&root.join("../interviewd/src/store/sql"))
            .iter()
            .flat_map(|source| literals(source))
            .collect::<Vec<_>>()
            .join("\n");
        let copied: Vec<String> = sources(&root.join("src/raw"))
            .iter()
            // Not this module's own examples.
            .map(|source| source.split("\nmod drift {").next().unwrap_or_default())
            .flat_map(literals)
            .filter(|text| is_sql(text))
            .collect();
        assert!(copied.len() > 40, "only {} statements found", copied.len());
        let drifted: Vec<&String> = copied.iter().filter(|t| !store.contains(*t)).collect();
        assert!(
            drifted.is_empty(),
            "baseline statements not in store/sql (change them with the store's):\n{}",
            drifted
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn literals_are_read_as_the_compiler_reads_them() {
        let source =
            "let a = '\"'; // \"not this\"\nq(\"SELECT a \\\n     FROM t\", 'x', \"b\\\"c\")";
        assert_eq!(literals(source), ["SELECT a FROM t", "b\\\"c"]);
    }
}
