-- The interview engine: concurrency slots, transcripts, analyses, post-call jobs, web
-- sessions and the blob-deletion outbox. Portable SQL: the same statements run on PostgreSQL
-- with BLOB → UUID and INTEGER → BIGINT.

-- When the candidate picked up (the attempt is IN_PROGRESS from the dial on).
ALTER TABLE call_attempts ADD COLUMN answered_at INTEGER;

CREATE INDEX call_attempts_company_due ON call_attempts (company_id, status, scheduled_at);
CREATE INDEX call_attempts_lease ON call_attempts (status, lease_until);

-- One row per usable slot of a company (rows 1..=concurrency_limit are created on demand).
-- A slot is held by an attempt id, deliberately without a foreign key: the interview (and its
-- attempts) may be deleted while the call is live, and the slot must stay held until the call
-- really ends. `holder_fence` is the attempt's fence at claim time, so only the claim that
-- took the slot can give it back. `owner` is the worker that heartbeats the lease ('web' for
-- online sessions, which have no worker and expire on idle).
CREATE TABLE company_slots (
    company_id        BLOB NOT NULL,
    slot_no           INTEGER NOT NULL,
    holder_attempt_id BLOB,
    holder_fence      INTEGER,
    owner             TEXT,
    kind              TEXT,
    lease_until       INTEGER,
    PRIMARY KEY (company_id, slot_no)
);
CREATE UNIQUE INDEX company_slots_holder ON company_slots (holder_attempt_id);
CREATE INDEX company_slots_owner ON company_slots (owner);

-- What was said, per attempt, in speaking order.
CREATE TABLE transcript_turns (
    attempt_id   BLOB NOT NULL,
    seq          INTEGER NOT NULL,
    interview_id BLOB NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('agent', 'participant')),
    text         TEXT NOT NULL,
    start_ms     INTEGER NOT NULL,
    end_ms       INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, seq)
);
CREATE INDEX transcript_turns_interview ON transcript_turns (interview_id);

-- The scorer's verdict; one per interview.
CREATE TABLE analyses (
    interview_id BLOB PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    id           BLOB NOT NULL UNIQUE,
    attempt_id   BLOB NOT NULL,
    company_id   BLOB NOT NULL,
    score        INTEGER NOT NULL,
    summary      TEXT NOT NULL,
    strengths    TEXT NOT NULL DEFAULT '[]',
    weaknesses   TEXT NOT NULL DEFAULT '[]',
    criteria     TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL
);

-- Post-call jobs, written in the transaction that ends the attempt, claimed with a lease.
CREATE TABLE pipeline_jobs (
    id           BLOB PRIMARY KEY,
    kind         TEXT NOT NULL,
    interview_id BLOB NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    attempt_id   BLOB NOT NULL,
    company_id   BLOB NOT NULL,
    run_at       INTEGER NOT NULL,
    tries        INTEGER NOT NULL DEFAULT 0,
    fence        INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX pipeline_jobs_due ON pipeline_jobs (run_at);
CREATE INDEX pipeline_jobs_interview ON pipeline_jobs (interview_id);

-- Progress of an online (web) session; its attempt row has direction 'WEB'.
CREATE TABLE online_sessions (
    attempt_id   BLOB PRIMARY KEY,
    interview_id BLOB NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    questions    TEXT NOT NULL DEFAULT '[]',
    answers      TEXT NOT NULL DEFAULT '[]',
    started_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX online_sessions_interview ON online_sessions (interview_id);

-- Blob-deletion outbox: rows are inserted in the transaction that drops what pointed at the
-- blob; a worker deletes the blob (missing = done) and then the row.
CREATE TABLE blob_deletions (
    key         TEXT PRIMARY KEY,
    run_at      INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    fence       INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX blob_deletions_due ON blob_deletions (run_at);
