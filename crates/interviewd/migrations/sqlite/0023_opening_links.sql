-- An opening's public link (`/i/{slug}`) is looked up without authentication by anyone who
-- asks for an unknown invite token, so the lookup must not read every job: an index on the
-- very expression `store/sql/engine_sessions.rs` (`JOB_BY_LINK`) compares. The slug is kept
-- in the job's `attrs` (`opening.linkSlug`); jobs without an opening index a NULL.
CREATE INDEX jobs_link_slug ON jobs (json_extract(attrs, '$.opening.linkSlug'));
