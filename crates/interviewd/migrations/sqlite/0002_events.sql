-- The event outbox: one row per domain event, written in the same transaction as the state
-- change it reports. The webhook worker fans events out to subscribed endpoints.
CREATE TABLE events (
    id           BLOB PRIMARY KEY,
    company_id   BLOB NOT NULL,
    interview_id BLOB,
    event_type   TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    dispatched_at INTEGER
);
CREATE INDEX events_pending ON events (dispatched_at, created_at);
CREATE INDEX events_interview ON events (interview_id);
