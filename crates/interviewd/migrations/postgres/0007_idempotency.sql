-- Idempotency keys (Stripe semantics): one row per (scope, key), claimed before the request
-- runs and completed with its response. `scope` is `company:<uuid>` or `key:<uuid>` (an ATS
-- key acting for no company). The stored headers are a JSON array of [name, value] pairs.
CREATE TABLE idempotency_keys (
    scope            TEXT NOT NULL,
    idem_key         TEXT NOT NULL,
    -- Random token of the claim, so only the request that claimed a row completes or frees it.
    token            TEXT NOT NULL,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    -- Hex SHA-256 over the key id, method, path, query and canonical body.
    fingerprint      TEXT NOT NULL,
    -- IN_PROGRESS or DONE.
    state            TEXT NOT NULL,
    response_status  BIGINT,
    response_headers TEXT,
    response_body    TEXT,
    -- An IN_PROGRESS row older than this was abandoned (crash) and may be claimed again.
    locked_until     BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
