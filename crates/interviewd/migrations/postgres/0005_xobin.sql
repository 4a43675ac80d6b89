-- Xobin dialect: the queue of AI-interview plan generations
-- (`POST /api/v2/ai-interviews/generate-interview`). A row is claimed with a lease;
-- `attempts` is the fencing token of the current claim. The callback to
-- `notification_url` is a second claim on the same row: due while `notify_due_at` is set.
CREATE TABLE xobin_generations (
    id                UUID PRIMARY KEY,
    company_id        UUID NOT NULL REFERENCES companies (id),
    job_role          TEXT NOT NULL,
    job_description   TEXT NOT NULL,
    notification_url  TEXT,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    attempts          BIGINT NOT NULL DEFAULT 0,
    lease_until       BIGINT,
    ai_interview_id   BIGINT,
    ai_interview_name TEXT,
    error             TEXT,
    notify_due_at     BIGINT,
    notify_attempts   BIGINT NOT NULL DEFAULT 0,
    notified_at       BIGINT,
    notify_error      TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX xobin_generations_claim ON xobin_generations (status, lease_until, created_at);
CREATE INDEX xobin_generations_notify ON xobin_generations (notify_due_at);
CREATE INDEX xobin_generations_company ON xobin_generations (company_id, created_at);

