-- InstaView deletes a candidate or a job without touching its interviews: the row stays as a
-- tombstone (its interviews keep their candidateId / jobId), hidden from every read, with a
-- candidate's personal data cleared. See docs/removal.md.
ALTER TABLE candidates ADD COLUMN deleted_at INTEGER;
ALTER TABLE jobs ADD COLUMN deleted_at INTEGER;
