-- InstaView deletes a candidate or a job without touching its interviews: the row stays as a
-- tombstone (its interviews keep their candidateId / jobId), hidden from every read, with a
-- candidate's personal data cleared. See docs/removal.md.
ALTER TABLE candidates ADD COLUMN deleted_at INTEGER;
ALTER TABLE jobs ADD COLUMN deleted_at INTEGER;

-- Keys of the deployment, created on first use and shared by every node: `asset-links`
-- signs the links to recordings and report PDFs handed out in objects and webhooks
-- (docs/webhooks.md, "Asset links"). Deleting the row rotates the key (old links stop working).
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- Global webhook endpoints of ATS keys: created without a companyId, they receive the events
-- of every company the key manages (docs/webhooks.md). `company_id` is then the company the
-- key managed first (the row's home); `global_key_id` the key.
ALTER TABLE webhooks ADD COLUMN global_key_id BLOB;
CREATE INDEX webhooks_global_key ON webhooks (global_key_id);

-- Numbers are never reused (docs/removal.md): on SQLite `number` is the rowid, which would hand
-- a deleted maximum out again, so inserts take a number above both the table's maximum and the
-- highest number it ever deleted, kept here by the triggers below. (PostgreSQL's identity
-- columns never reuse one.) Rows deleted before this migration are known only as far as the
-- current maximum covers them.
CREATE TABLE number_floors (
    tbl  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
INSERT INTO number_floors (tbl, last) SELECT 'jobs', COALESCE(MAX(number), 0) FROM jobs;
INSERT INTO number_floors (tbl, last) SELECT 'agents', COALESCE(MAX(number), 0) FROM agents;
INSERT INTO number_floors (tbl, last) SELECT 'candidates', COALESCE(MAX(number), 0) FROM candidates;
INSERT INTO number_floors (tbl, last) SELECT 'interviews', COALESCE(MAX(number), 0) FROM interviews;
CREATE TRIGGER jobs_number_floor AFTER DELETE ON jobs BEGIN
    UPDATE number_floors SET last = MAX(last, OLD.number) WHERE tbl = 'jobs';
END;
CREATE TRIGGER agents_number_floor AFTER DELETE ON agents BEGIN
    UPDATE number_floors SET last = MAX(last, OLD.number) WHERE tbl = 'agents';
END;
CREATE TRIGGER candidates_number_floor AFTER DELETE ON candidates BEGIN
    UPDATE number_floors SET last = MAX(last, OLD.number) WHERE tbl = 'candidates';
END;
CREATE TRIGGER interviews_number_floor AFTER DELETE ON interviews BEGIN
    UPDATE number_floors SET last = MAX(last, OLD.number) WHERE tbl = 'interviews';
END;
