-- The calls a phone carrier placed for call attempts (docs/carrier.md): the carrier's SIDs,
-- so that what the carrier keeps can be deleted. Goes with the attempt; a removal first
-- queues the deletion of each call at the carrier.
CREATE TABLE carrier_calls (
    attempt_id    UUID PRIMARY KEY REFERENCES call_attempts (id) ON DELETE CASCADE,
    interview_id  UUID NOT NULL,
    company_id    UUID NOT NULL,
    carrier       TEXT NOT NULL,
    call_sid      TEXT NOT NULL,
    recording_sid TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX carrier_calls_interview ON carrier_calls (interview_id);
CREATE INDEX carrier_calls_recording ON carrier_calls (recording_sid);

-- Outbox of deletions at the carrier: `call` (its recordings, then its log) or `recording`.
-- Claimed with a lease and retried until done; no personal data (SIDs only).
CREATE TABLE carrier_erasures (
    kind        TEXT NOT NULL,
    sid         TEXT NOT NULL,
    carrier     TEXT NOT NULL,
    company_id  UUID,
    run_at      BIGINT NOT NULL,
    tries       BIGINT NOT NULL DEFAULT 0,
    fence       BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, sid)
);
CREATE INDEX carrier_erasures_due ON carrier_erasures (run_at);
