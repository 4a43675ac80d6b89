-- Per-company numbers (the Xobin-facing `response_id`, `candidate_id`, `ai_interview_id`,
-- and the job, agent and candidate numbers): each company counts its own jobs, agents,
-- candidates and interviews from 1, so a number says nothing about other companies, and the
-- counter only ever goes up, in the transaction of the insert, so a number is never issued
-- twice — not after a delete, not after a crash (docs/numbering.md).
--
-- The old `number` column was the table's rowid (`INTEGER PRIMARY KEY`), which SQLite hands
-- out again after the newest row is deleted. It stays the physical row key under the name
-- `row_key`, never shown; `number` is a new column, unique per company.
CREATE TABLE company_numbers (
    company_id BLOB PRIMARY KEY REFERENCES companies (id),
    jobs       INTEGER NOT NULL DEFAULT 0,
    agents     INTEGER NOT NULL DEFAULT 0,
    candidates INTEGER NOT NULL DEFAULT 0,
    interviews INTEGER NOT NULL DEFAULT 0
);

-- Every company continues above the highest number the table holds now (numbers were one
-- sequence for the whole deployment until this migration).
INSERT INTO company_numbers (company_id, jobs, agents, candidates, interviews)
SELECT id,
       COALESCE((SELECT MAX(number) FROM jobs), 0),
       COALESCE((SELECT MAX(number) FROM agents), 0),
       COALESCE((SELECT MAX(number) FROM candidates), 0),
       COALESCE((SELECT MAX(number) FROM interviews), 0)
FROM companies;

DROP INDEX jobs_company;
ALTER TABLE jobs RENAME COLUMN number TO row_key;
ALTER TABLE jobs ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET number = row_key;
CREATE UNIQUE INDEX jobs_company_number ON jobs (company_id, number);

DROP INDEX agents_company;
ALTER TABLE agents RENAME COLUMN number TO row_key;
ALTER TABLE agents ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE agents SET number = row_key;
CREATE UNIQUE INDEX agents_company_number ON agents (company_id, number);

DROP INDEX candidates_company;
ALTER TABLE candidates RENAME COLUMN number TO row_key;
ALTER TABLE candidates ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE candidates SET number = row_key;
CREATE UNIQUE INDEX candidates_company_number ON candidates (company_id, number);

DROP INDEX interviews_company;
ALTER TABLE interviews RENAME COLUMN number TO row_key;
ALTER TABLE interviews ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE interviews SET number = row_key;
CREATE UNIQUE INDEX interviews_company_number ON interviews (company_id, number);
