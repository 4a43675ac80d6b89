//! The copy statements on PostgreSQL: one transaction, `generate_series` for the rows, ids
//! built from `md5(random())` in UUIDv7's layout.

use sqlx::{PgPool, Postgres, Transaction};

type Db = Postgres;

/// A UUIDv7-shaped id (48-bit millisecond time, version 7, variant 10, random bits) from the
/// millisecond expression `$ms`.
macro_rules! new_uuid {
    ($ms:literal) => {
        concat!(
            "(lpad(to_hex(",
            $ms,
            "), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid"
        )
    };
}

/// A random invite token of 24 characters (the server's are base62; these are hex).
macro_rules! random_token {
    () => {
        "substr(md5(random()::text), 1, 24)"
    };
}

#[path = "clone.rs"]
mod statements;
pub use statements::{clone, jobs};

#[path = "due.rs"]
mod due_statements;
pub use due_statements::due;

async fn begin(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    pool.begin().await
}

const MAP_DDL: &str = "CREATE TEMP TABLE bench_clone (k BIGINT PRIMARY KEY, interview_id UUID, \
     interview_text TEXT, candidate_id UUID, candidate_text TEXT, attempt_id UUID, attempt_text TEXT, \
     analysis_id UUID, invite_token TEXT, recording_key TEXT, email TEXT, phone TEXT, job_id UUID) ON COMMIT DROP";

/// Dropped at commit (`ON COMMIT DROP`).
const MAP_DROP: Option<&str> = None;

/// The numbered jobs the background spreads over (`CloneSpec::spread_jobs`).
const JOBS_DDL: &str =
    "CREATE TEMP TABLE bench_jobs (n BIGINT PRIMARY KEY, id UUID) ON COMMIT DROP";
const JOBS_DROP: Option<&str> = None;

/// `$1` copies, ids timed from `$2` (ms) onwards, recordings under company `$3`, contacts
/// numbered from `$4`.
const MAP_FILL: &str = "INSERT INTO bench_clone (k, interview_id, interview_text, candidate_id, candidate_text, attempt_id, attempt_text, analysis_id, invite_token, recording_key, email, phone) \
     SELECT k, iv, iv::text, ca, ca::text, at, at::text, an, substr(h5, 1, 24), $3 || '/' || h6 || '.wav', \
       'bench' || ($4 + k) || '@example.com', '+1415' || (2000000 + $4 + k) \
     FROM (SELECT k, h5, h6, \
       (lpad(to_hex($2 + k), 12, '0') || '7' || substr(h1, 1, 3) || substr('89ab', 1 + (k % 4)::int, 1) || substr(h1, 4, 15))::uuid AS iv, \
       (lpad(to_hex($2 + k), 12, '0') || '7' || substr(h2, 1, 3) || substr('89ab', 1 + (k % 4)::int, 1) || substr(h2, 4, 15))::uuid AS ca, \
       (lpad(to_hex($2 + k), 12, '0') || '7' || substr(h3, 1, 3) || substr('89ab', 1 + (k % 4)::int, 1) || substr(h3, 4, 15))::uuid AS at, \
       (lpad(to_hex($2 + k), 12, '0') || '7' || substr(h4, 1, 3) || substr('89ab', 1 + (k % 4)::int, 1) || substr(h4, 4, 15))::uuid AS an \
       FROM (SELECT k, md5(random()::text) AS h1, md5(random()::text) AS h2, md5(random()::text) AS h3, \
         md5(random()::text) AS h4, md5(random()::text) AS h5, md5(random()::text) AS h6 \
         FROM generate_series(0::bigint, $1 - 1) AS k) AS r) AS x";
