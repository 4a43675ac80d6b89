-- Xobin's AI-interview webhook settings (`POST /ai-interviews/settings/webhooks`, the
-- company's global ones; `PUT …/settings/webhooks/{ai_interview_id}`, one AI interview's own).
-- `scope` is 'global' or the job's id; `settings` is the JSON the routes take (its auth
-- secrets included: they are sent with every delivery, as the endpoints' custom headers are).
CREATE TABLE xobin_webhook_settings (
    company_id BLOB NOT NULL REFERENCES companies (id),
    scope      TEXT NOT NULL,
    job_id     BLOB REFERENCES jobs (id) ON DELETE CASCADE,
    settings   TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, scope)
);

-- The endpoints those settings deliver to: `managed` ones are written by the settings routes
-- alone and hidden from the webhook API; `job_id` limits an endpoint to that job's interviews.
ALTER TABLE webhooks ADD COLUMN job_id BLOB REFERENCES jobs (id) ON DELETE CASCADE;
ALTER TABLE webhooks ADD COLUMN managed BOOLEAN NOT NULL DEFAULT FALSE;
