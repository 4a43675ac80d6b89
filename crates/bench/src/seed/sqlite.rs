//! The copy statements on SQLite: one `BEGIN IMMEDIATE` transaction (the server's write
//! transaction), a recursive CTE for the rows, ids built from `randomblob` in UUIDv7's layout.

use sqlx::{Sqlite, SqlitePool, Transaction};

type Db = Sqlite;

/// A UUIDv7-shaped id (48-bit millisecond time, version 7, variant 10, random bits) as a
/// 16-byte BLOB, from the millisecond expression `$ms`.
macro_rules! new_uuid {
    ($ms:literal) => {
        concat!(
            "unhex(printf('%012x', ",
            $ms,
            ") || '7' || substr(lower(hex(randomblob(8))), 1, 3) || '8' || substr(lower(hex(randomblob(8))), 1, 15))"
        )
    };
}

/// A random invite token of 24 characters (the server's are base62; these are hex).
macro_rules! random_token {
    () => {
        "lower(hex(randomblob(12)))"
    };
}

#[path = "clone.rs"]
mod statements;
pub use statements::{clone, jobs};

#[path = "due.rs"]
mod due_statements;
pub use due_statements::due;

async fn begin(pool: &SqlitePool) -> sqlx::Result<Transaction<'static, Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

const MAP_DDL: &str = "CREATE TEMP TABLE bench_clone (k INTEGER PRIMARY KEY, interview_id BLOB, \
     interview_text TEXT, candidate_id BLOB, candidate_text TEXT, attempt_id BLOB, attempt_text TEXT, \
     analysis_id BLOB, invite_token TEXT, recording_key TEXT, email TEXT, phone TEXT, job_id BLOB)";

/// SQLite has no `ON COMMIT DROP`: the map goes before the connection returns to the pool.
const MAP_DROP: Option<&str> = Some("DROP TABLE temp.bench_clone");

/// The numbered jobs the background spreads over (`CloneSpec::spread_jobs`).
const JOBS_DDL: &str = "CREATE TEMP TABLE bench_jobs (n INTEGER PRIMARY KEY, id BLOB)";
const JOBS_DROP: Option<&str> = Some("DROP TABLE temp.bench_jobs");

/// `$1` copies, ids timed from `$2` (ms) onwards, recordings under company `$3`, contacts
/// numbered from `$4`.
const MAP_FILL: &str = "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < $1), \
     r AS MATERIALIZED (SELECT k, lower(hex(randomblob(16))) AS h1, lower(hex(randomblob(16))) AS h2, \
       lower(hex(randomblob(16))) AS h3, lower(hex(randomblob(16))) AS h4, \
       lower(hex(randomblob(16))) AS h5, lower(hex(randomblob(16))) AS h6 FROM n), \
     x AS MATERIALIZED (SELECT k, h5, h6, \
       printf('%012x', $2 + k) || '7' || substr(h1, 1, 3) || substr('89ab', 1 + k % 4, 1) || substr(h1, 4, 15) AS iv, \
       printf('%012x', $2 + k) || '7' || substr(h2, 1, 3) || substr('89ab', 1 + k % 4, 1) || substr(h2, 4, 15) AS ca, \
       printf('%012x', $2 + k) || '7' || substr(h3, 1, 3) || substr('89ab', 1 + k % 4, 1) || substr(h3, 4, 15) AS at, \
       printf('%012x', $2 + k) || '7' || substr(h4, 1, 3) || substr('89ab', 1 + k % 4, 1) || substr(h4, 4, 15) AS an \
       FROM r) \
     INSERT INTO bench_clone (k, interview_id, interview_text, candidate_id, candidate_text, attempt_id, attempt_text, analysis_id, invite_token, recording_key, email, phone) SELECT k, \
       unhex(iv), substr(iv, 1, 8) || '-' || substr(iv, 9, 4) || '-' || substr(iv, 13, 4) || '-' || substr(iv, 17, 4) || '-' || substr(iv, 21, 12), \
       unhex(ca), substr(ca, 1, 8) || '-' || substr(ca, 9, 4) || '-' || substr(ca, 13, 4) || '-' || substr(ca, 17, 4) || '-' || substr(ca, 21, 12), \
       unhex(at), substr(at, 1, 8) || '-' || substr(at, 9, 4) || '-' || substr(at, 13, 4) || '-' || substr(at, 17, 4) || '-' || substr(at, 21, 12), \
       unhex(an), substr(h5, 1, 24), $3 || '/' || h6 || '.wav', 'bench' || ($4 + k) || '@example.com', '+1415' || (2000000 + $4 + k) \
     FROM x";
