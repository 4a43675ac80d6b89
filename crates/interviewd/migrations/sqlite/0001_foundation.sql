-- Foundation: tenants, API keys, jobs, agents, candidates, interviews and call attempts.
-- Times are INTEGER milliseconds since the epoch (UTC); JSON documents are TEXT.
-- Each entity has a UUID `id` and an integer `number` (the Xobin-facing id).

CREATE TABLE companies (
    number            INTEGER PRIMARY KEY,
    id                BLOB NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    description       TEXT,
    owner_email       TEXT,
    metadata          TEXT NOT NULL DEFAULT '{}',
    plan              TEXT NOT NULL,
    plan_changed_at   INTEGER,
    concurrency_limit INTEGER NOT NULL CHECK (concurrency_limit >= 1),
    created_by_key    BLOB,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY,
    name         TEXT,
    prefix       TEXT NOT NULL,
    secret_hash  BLOB NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('COMPANY', 'ATS')),
    company_id   BLOB REFERENCES companies (id),
    scopes       TEXT NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    created_at   INTEGER NOT NULL
);

-- Companies an ATS key may act for (the ones it created, or that an operator granted).
CREATE TABLE ats_key_companies (
    key_id     BLOB NOT NULL REFERENCES api_keys (id),
    company_id BLOB NOT NULL REFERENCES companies (id),
    PRIMARY KEY (key_id, company_id)
);

CREATE TABLE jobs (
    number              INTEGER PRIMARY KEY,
    id                  BLOB NOT NULL UNIQUE,
    company_id          BLOB NOT NULL REFERENCES companies (id),
    title               TEXT NOT NULL,
    description         TEXT,
    status              TEXT NOT NULL,
    required_skills     TEXT NOT NULL DEFAULT '[]',
    nice_to_have_skills TEXT NOT NULL DEFAULT '[]',
    attrs               TEXT NOT NULL DEFAULT '{}',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX jobs_company ON jobs (company_id, number);

CREATE TABLE agents (
    number           INTEGER PRIMARY KEY,
    id               BLOB NOT NULL UNIQUE,
    company_id       BLOB NOT NULL REFERENCES companies (id),
    name             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    focus            TEXT NOT NULL,
    language         TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    questions        TEXT NOT NULL DEFAULT '[]',
    instructions     TEXT,
    attrs            TEXT NOT NULL DEFAULT '{}',
    deleted_at       INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX agents_company ON agents (company_id, number);

CREATE TABLE candidates (
    number           INTEGER PRIMARY KEY,
    id               BLOB NOT NULL UNIQUE,
    company_id       BLOB NOT NULL REFERENCES companies (id),
    first_name       TEXT,
    last_name        TEXT,
    email            TEXT,
    phone            TEXT,
    ext_id           TEXT,
    status           TEXT NOT NULL,
    gdpr_expiry_date TEXT,
    metadata         TEXT NOT NULL DEFAULT '{}',
    custom_fields    TEXT NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CONSTRAINT candidates_email_unique UNIQUE (company_id, email),
    CONSTRAINT candidates_phone_unique UNIQUE (company_id, phone),
    CONSTRAINT candidates_ext_id_unique UNIQUE (company_id, ext_id)
);
CREATE INDEX candidates_company ON candidates (company_id, number);

CREATE TABLE candidate_jobs (
    candidate_id BLOB NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    job_id       BLOB NOT NULL REFERENCES jobs (id),
    company_id   BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (candidate_id, job_id)
);
CREATE INDEX candidate_jobs_job ON candidate_jobs (job_id);

CREATE TABLE interviews (
    number            INTEGER PRIMARY KEY,
    id                BLOB NOT NULL UNIQUE,
    company_id        BLOB NOT NULL REFERENCES companies (id),
    candidate_id      BLOB NOT NULL REFERENCES candidates (id),
    job_id            BLOB REFERENCES jobs (id),
    agent_id          BLOB NOT NULL REFERENCES agents (id),
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,
    scheduled_at      INTEGER NOT NULL,
    started_at        INTEGER,
    finished_at       INTEGER,
    is_test           INTEGER NOT NULL DEFAULT 0,
    metadata          TEXT NOT NULL DEFAULT '{}',
    invite_token      TEXT NOT NULL UNIQUE,
    invite_sent_at    INTEGER NOT NULL,
    invite_starts_at  INTEGER,
    invite_expires_at INTEGER,
    invite_revoked_at INTEGER,
    custom_field_id   TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX interviews_company ON interviews (company_id, number);
CREATE INDEX interviews_candidate ON interviews (candidate_id);
CREATE INDEX interviews_job ON interviews (job_id);
CREATE INDEX interviews_agent ON interviews (agent_id);

CREATE TABLE call_attempts (
    id           BLOB PRIMARY KEY,
    interview_id BLOB NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    company_id   BLOB NOT NULL,
    status       TEXT NOT NULL,
    direction    TEXT NOT NULL,
    reason_code  TEXT,
    notes        TEXT,
    retry_number INTEGER NOT NULL DEFAULT 0,
    scheduled_at INTEGER NOT NULL,
    called_at    INTEGER,
    ended_at     INTEGER,
    duration_ms  INTEGER,
    recording_key TEXT,
    fence        INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX call_attempts_interview ON call_attempts (interview_id, created_at);
CREATE INDEX call_attempts_due ON call_attempts (status, scheduled_at);
