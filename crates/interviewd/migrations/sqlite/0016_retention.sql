-- Erasure and retention (docs/removal.md, "What is left on disk"; "Retention").
--
-- Which candidate a mail was written to, so an erasure finds every mail (and its outbox copy)
-- sent to the person, even after the interview it was about was deleted.
ALTER TABLE mail_queue ADD COLUMN candidate_id BLOB;
UPDATE mail_queue SET candidate_id = (SELECT i.candidate_id FROM interviews i WHERE i.id = mail_queue.interview_id);
CREATE INDEX mail_queue_candidate ON mail_queue (candidate_id);

-- Outbox copies (`<data_dir>/outbox/<mail id>.eml`) to erase, queued in the removal's
-- transaction; the mail worker deletes the files, then the rows.
CREATE TABLE outbox_erasures (
    mail_id    BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL
);

-- A company's retention period for recordings and transcripts, in days (NULL: the
-- deployment's default, `media_retention_days`; none: kept).
ALTER TABLE companies ADD COLUMN media_retention_days INTEGER;
-- When an interview's recordings and transcript were erased by retention.
ALTER TABLE interviews ADD COLUMN media_erased_at INTEGER;
CREATE INDEX interviews_media_due ON interviews (finished_at) WHERE media_erased_at IS NULL AND finished_at IS NOT NULL;

-- Candidates whose `gdprExpiryDate` has passed are erased.
CREATE INDEX candidates_gdpr_expiry ON candidates (gdpr_expiry_date) WHERE gdpr_expiry_date IS NOT NULL;
