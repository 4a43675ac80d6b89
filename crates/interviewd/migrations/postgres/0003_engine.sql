-- The interview engine: concurrency slots, transcripts, analyses, post-call jobs, web
-- sessions and the blob-deletion outbox; the same tables as on SQLite. Claims take rows with
-- `FOR UPDATE SKIP LOCKED`, so several processes share the queue.

-- When the candidate picked up (the attempt is IN_PROGRESS from the dial on).
ALTER TABLE call_attempts ADD COLUMN answered_at BIGINT;

CREATE INDEX call_attempts_company_due ON call_attempts (company_id, status, scheduled_at);
CREATE INDEX call_attempts_lease ON call_attempts (status, lease_until);

-- One row per usable slot of a company (rows 1..=concurrency_limit are created on demand).
-- A slot is held by an attempt id, deliberately without a foreign key: the interview (and its
-- attempts) may be deleted while the call is live, and the slot must stay held until the call
-- really ends. `holder_fence` is the attempt's fence at claim time, so only the claim that
-- took the slot can give it back. `owner` is the worker that heartbeats the lease ('web' for
-- online sessions, which have no worker and expire on idle).
CREATE TABLE company_slots (
    company_id        UUID NOT NULL,
    slot_no           BIGINT NOT NULL,
    holder_attempt_id UUID,
    holder_fence      BIGINT,
    owner             TEXT,
    kind              TEXT,
    lease_until       BIGINT,
    PRIMARY KEY (company_id, slot_no)
);
CREATE UNIQUE INDEX company_slots_holder ON company_slots (holder_attempt_id);
CREATE INDEX company_slots_owner ON company_slots (owner);

-- What was said, per attempt, in speaking order.
CREATE TABLE transcript_turns (
    attempt_id   UUID NOT NULL,
    seq          BIGINT NOT NULL,
    interview_id UUID NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('agent', 'participant')),
    text         TEXT NOT NULL,
    start_ms     BIGINT NOT NULL,
    end_ms       BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, seq)
);
CREATE INDEX transcript_turns_interview ON transcript_turns (interview_id);

-- The scorer's verdict; one per interview.
CREATE TABLE analyses (
    interview_id UUID PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    id           UUID NOT NULL UNIQUE,
    attempt_id   UUID NOT NULL,
    company_id   UUID NOT NULL,
    score        BIGINT NOT NULL,
    summary      TEXT NOT NULL,
    strengths    TEXT NOT NULL DEFAULT '[]',
    weaknesses   TEXT NOT NULL DEFAULT '[]',
    criteria     TEXT NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL
);

-- Post-call jobs, written in the transaction that ends the attempt, claimed with a lease.
CREATE TABLE pipeline_jobs (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL,
    interview_id UUID NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    attempt_id   UUID NOT NULL,
    company_id   UUID NOT NULL,
    run_at       BIGINT NOT NULL,
    tries        BIGINT NOT NULL DEFAULT 0,
    fence        BIGINT NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX pipeline_jobs_due ON pipeline_jobs (run_at);
CREATE INDEX pipeline_jobs_interview ON pipeline_jobs (interview_id);

-- Progress of an online (web) session; its attempt row has direction 'WEB'.
CREATE TABLE online_sessions (
    attempt_id   UUID PRIMARY KEY,
    interview_id UUID NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    questions    TEXT NOT NULL DEFAULT '[]',
    answers      TEXT NOT NULL DEFAULT '[]',
    started_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX online_sessions_interview ON online_sessions (interview_id);

-- Blob-deletion outbox: rows are inserted in the transaction that drops what pointed at the
-- blob; a worker deletes the blob (missing = done) and then the row.
CREATE TABLE blob_deletions (
    key         TEXT PRIMARY KEY,
    run_at      BIGINT NOT NULL,
    tries       BIGINT NOT NULL DEFAULT 0,
    fence       BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error  TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX blob_deletions_due ON blob_deletions (run_at);

-- Wake-ups across processes: a trigger announces work on the `interviewd_wake` channel with
-- the name of the worker that should look (`engine`, `webhooks`, `mail`); every
-- process LISTENs and wakes that worker at once instead of waiting for its poll. The
-- notification is sent when the transaction commits, and identical ones are folded, so a
-- transaction sends each name at most once.
CREATE FUNCTION interviewd_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('interviewd_wake', TG_ARGV[0]);
    RETURN NULL;
END
$$;

-- Due work for the dispatcher: an attempt scheduled (or moved back to SCHEDULED)...
CREATE TRIGGER call_attempts_wake AFTER INSERT OR UPDATE OF status, scheduled_at ON call_attempts
    FOR EACH ROW WHEN (NEW.status = 'SCHEDULED') EXECUTE FUNCTION interviewd_wake('engine');
-- ...or a slot given back, which may let a waiting attempt of the company start.
CREATE TRIGGER company_slots_wake AFTER UPDATE OF holder_attempt_id ON company_slots
    FOR EACH ROW WHEN (OLD.holder_attempt_id IS NOT NULL AND NEW.holder_attempt_id IS NULL)
    EXECUTE FUNCTION interviewd_wake('engine');
