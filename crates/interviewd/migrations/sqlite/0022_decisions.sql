-- A recruiter's decision on an interview, made in the console (Alpharun's
-- `interview.advanced` / `interview.rejected`): one row an interview, changed in place, gone
-- with the interview. `decided_by` is the console user; nothing of the candidate is here.
CREATE TABLE interview_decisions (
    interview_id BLOB PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    company_id   BLOB NOT NULL REFERENCES companies (id),
    decision     TEXT NOT NULL,
    decided_by   BLOB REFERENCES console_users (id) ON DELETE SET NULL,
    decided_at   INTEGER NOT NULL
);
