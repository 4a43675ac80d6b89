-- Outbound delivery: webhook endpoints, per-endpoint messages fanned out from `events`,
-- the delivery log, and the mail queue; the same tables as on SQLite.

CREATE TABLE webhooks (
    id                   UUID PRIMARY KEY,
    company_id           UUID NOT NULL REFERENCES companies (id),
    api_key_id           UUID,
    url                  TEXT NOT NULL,
    name                 TEXT,
    description          TEXT,
    -- JSON [{"name","value"}]; values are never returned by the API.
    headers              TEXT NOT NULL DEFAULT '[]',
    -- JSON array of dotted event names.
    events               TEXT NOT NULL DEFAULT '[]',
    -- The Standard Webhooks secret (`whsec_…`); needed in clear to sign.
    secret               TEXT NOT NULL,
    format               TEXT NOT NULL,
    is_active            BOOLEAN NOT NULL,
    max_retries          BIGINT NOT NULL,
    timeout_ms           BIGINT NOT NULL,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    circuit_opened_at    BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX webhooks_company ON webhooks (company_id, created_at);

-- One message = one event for one endpoint. Its id is the `webhook-id`, stable across
-- retries; the payload is rendered once, at fan-out, so every attempt sends the same bytes.
CREATE TABLE webhook_messages (
    id              UUID PRIMARY KEY,
    webhook_id      UUID NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    company_id      UUID NOT NULL,
    event_id        UUID,
    interview_id    UUID,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    -- PENDING, DELIVERED, FAILED (retries exhausted, 410 or refused) or DROPPED.
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_messages_due ON webhook_messages (status, next_attempt_at);
CREATE INDEX webhook_messages_webhook ON webhook_messages (webhook_id, status);
CREATE INDEX webhook_messages_interview ON webhook_messages (interview_id);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    id             UUID PRIMARY KEY,
    message_id     UUID NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    webhook_id     UUID NOT NULL,
    company_id     UUID NOT NULL,
    event_type     TEXT NOT NULL,
    attempt_number BIGINT NOT NULL,
    attempted_at   BIGINT NOT NULL,
    status_code    BIGINT,
    duration_ms    BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    error          TEXT
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, attempted_at);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id);

-- Candidate e-mail, queued in the transaction of its cause. The recipient and body are
-- cleared once the message is sent or has failed for good.
CREATE TABLE mail_queue (
    id              UUID PRIMARY KEY,
    company_id      UUID,
    interview_id    UUID,
    -- INVITE (dropped if its interview is deleted), REVOCATION or OTHER.
    kind            TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- PENDING, SENT, FAILED or DROPPED.
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX mail_queue_due ON mail_queue (status, next_attempt_at);
CREATE INDEX mail_queue_interview ON mail_queue (interview_id);

-- Wake-ups (see `interviewd_wake` in 0003): new events for the fan-out, new or resumed
-- messages for the delivery workers, queued mail for the mail workers.
CREATE TRIGGER events_wake AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION interviewd_wake('webhooks');
CREATE TRIGGER webhook_messages_wake AFTER INSERT OR UPDATE OF next_attempt_at ON webhook_messages
    FOR EACH ROW WHEN (NEW.status = 'PENDING') EXECUTE FUNCTION interviewd_wake('webhooks');
CREATE TRIGGER mail_queue_wake AFTER INSERT ON mail_queue
    FOR EACH ROW EXECUTE FUNCTION interviewd_wake('mail');
