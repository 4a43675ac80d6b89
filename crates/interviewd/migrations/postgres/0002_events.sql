-- The event outbox: one row per domain event, written in the same transaction as the state
-- change it reports. The webhook worker fans events out to subscribed endpoints.
CREATE TABLE events (
    id           UUID PRIMARY KEY,
    company_id   UUID NOT NULL,
    interview_id UUID,
    event_type   TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    dispatched_at BIGINT
);
CREATE INDEX events_pending ON events (dispatched_at, created_at);
CREATE INDEX events_interview ON events (interview_id);
