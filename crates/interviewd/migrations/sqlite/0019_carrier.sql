-- The calls a phone carrier placed for call attempts (docs/carrier.md): the carrier's SIDs,
-- so that what the carrier keeps can be deleted. Goes with the attempt; a removal first
-- queues the deletion of each call at the carrier.
CREATE TABLE carrier_calls (
    attempt_id    BLOB PRIMARY KEY REFERENCES call_attempts (id) ON DELETE CASCADE,
    interview_id  BLOB NOT NULL,
    company_id    BLOB NOT NULL,
    carrier       TEXT NOT NULL,
    call_sid      TEXT NOT NULL,
    recording_sid TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX carrier_calls_interview ON carrier_calls (interview_id);
CREATE INDEX carrier_calls_recording ON carrier_calls (recording_sid);

-- Outbox of deletions at the carrier: `call` (its recordings, then its log) or `recording`.
-- Claimed with a lease and retried until done; no personal data (SIDs only).
CREATE TABLE carrier_erasures (
    kind        TEXT NOT NULL,
    sid         TEXT NOT NULL,
    carrier     TEXT NOT NULL,
    company_id  BLOB,
    run_at      INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    fence       INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, sid)
);
CREATE INDEX carrier_erasures_due ON carrier_erasures (run_at);
