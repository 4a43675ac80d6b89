-- Indexes for the removal paths, whose lookups name two or three columns and would otherwise
-- walk a whole company's interviews, or every scheduled attempt of the deployment:
-- - a contact's interviews, on one job opening or all (the Alpharun removal, an erasure);
-- - an interview's scheduled attempts (cancelled by a revoke or a deletion).
CREATE INDEX interviews_company_candidate ON interviews (company_id, candidate_id, job_id);
CREATE INDEX call_attempts_interview_status ON call_attempts (interview_id, status);
