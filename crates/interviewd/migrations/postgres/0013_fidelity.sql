-- InstaView deletes a candidate or a job without touching its interviews: the row stays as a
-- tombstone (its interviews keep their candidateId / jobId), hidden from every read, with a
-- candidate's personal data cleared. See docs/removal.md.
ALTER TABLE candidates ADD COLUMN deleted_at BIGINT;
ALTER TABLE jobs ADD COLUMN deleted_at BIGINT;

-- Keys of the deployment, created on first use and shared by every node: `asset-links`
-- signs the links to recordings and report PDFs handed out in objects and webhooks
-- (docs/webhooks.md, "Asset links"). Deleting the row rotates the key (old links stop working).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Global webhook endpoints of ATS keys: created without a companyId, they receive the events
-- of every company the key manages (docs/webhooks.md). `company_id` is then the company the
-- key managed first (the row's home); `global_key_id` the key.
ALTER TABLE webhooks ADD COLUMN global_key_id UUID;
CREATE INDEX webhooks_global_key ON webhooks (global_key_id);
