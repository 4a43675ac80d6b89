-- Per-company numbers (the Xobin-facing `response_id`, `candidate_id`, `ai_interview_id`,
-- and the job, agent and candidate numbers): each company counts its own jobs, agents,
-- candidates and interviews from 1, so a number says nothing about other companies, and the
-- counter only ever goes up, in the transaction of the insert, so a number is never issued
-- twice — not after a delete, not after a crash (docs/numbering.md).
--
-- The identity columns (one sequence for the whole deployment) go; `number` is unique per
-- company, and `id` (UNIQUE NOT NULL, what every foreign key names) identifies a row.
CREATE TABLE company_numbers (
    company_id UUID PRIMARY KEY REFERENCES companies (id),
    jobs       BIGINT NOT NULL DEFAULT 0,
    agents     BIGINT NOT NULL DEFAULT 0,
    candidates BIGINT NOT NULL DEFAULT 0,
    interviews BIGINT NOT NULL DEFAULT 0
);

-- Every company continues above the last number the old sequence handed out (deleted rows
-- included), or the highest in the table if that is higher.
CREATE FUNCTION pg_temp.issued(tab TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    seq_last BIGINT;
    row_max BIGINT;
BEGIN
    SELECT s.last_value INTO seq_last FROM pg_sequences s
    WHERE quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename)
        = pg_get_serial_sequence(tab, 'number');
    EXECUTE format('SELECT MAX(number) FROM %I', tab) INTO row_max;
    RETURN GREATEST(COALESCE(seq_last, 0), COALESCE(row_max, 0));
END $$;

INSERT INTO company_numbers (company_id, jobs, agents, candidates, interviews)
SELECT id, pg_temp.issued('jobs'), pg_temp.issued('agents'), pg_temp.issued('candidates'),
       pg_temp.issued('interviews')
FROM companies;

ALTER TABLE jobs ALTER COLUMN number DROP IDENTITY;
ALTER TABLE jobs DROP CONSTRAINT jobs_pkey;
DROP INDEX jobs_company;
CREATE UNIQUE INDEX jobs_company_number ON jobs (company_id, number);

ALTER TABLE agents ALTER COLUMN number DROP IDENTITY;
ALTER TABLE agents DROP CONSTRAINT agents_pkey;
DROP INDEX agents_company;
CREATE UNIQUE INDEX agents_company_number ON agents (company_id, number);

ALTER TABLE candidates ALTER COLUMN number DROP IDENTITY;
ALTER TABLE candidates DROP CONSTRAINT candidates_pkey;
DROP INDEX candidates_company;
CREATE UNIQUE INDEX candidates_company_number ON candidates (company_id, number);

ALTER TABLE interviews ALTER COLUMN number DROP IDENTITY;
ALTER TABLE interviews DROP CONSTRAINT interviews_pkey;
DROP INDEX interviews_company;
CREATE UNIQUE INDEX interviews_company_number ON interviews (company_id, number);
