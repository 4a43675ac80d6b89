-- A recruiter's decision on an interview, made in the console (Alpharun's
-- `interview.advanced` / `interview.rejected`): one row an interview, changed in place, gone
-- with the interview. `decided_by` is the console user; nothing of the candidate is here.
CREATE TABLE interview_decisions (
    interview_id UUID PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    company_id   UUID NOT NULL REFERENCES companies (id),
    decision     TEXT NOT NULL,
    decided_by   UUID REFERENCES console_users (id) ON DELETE SET NULL,
    decided_at   BIGINT NOT NULL
);
