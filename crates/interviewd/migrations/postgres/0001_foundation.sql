-- Foundation: tenants, API keys, jobs, agents, candidates, interviews and call attempts.
-- The same tables and columns as the SQLite schema: ids are UUID, times BIGINT milliseconds
-- since the epoch (UTC), JSON documents TEXT, and each entity has an integer `number` (the
-- Xobin-facing id) drawn from an identity column.

CREATE TABLE companies (
    number            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                UUID NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    description       TEXT,
    owner_email       TEXT,
    metadata          TEXT NOT NULL DEFAULT '{}',
    plan              TEXT NOT NULL,
    plan_changed_at   BIGINT,
    concurrency_limit BIGINT NOT NULL CHECK (concurrency_limit >= 1),
    created_by_key    UUID,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           UUID PRIMARY KEY,
    name         TEXT,
    prefix       TEXT NOT NULL,
    secret_hash  BYTEA NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('COMPANY', 'ATS')),
    company_id   UUID REFERENCES companies (id),
    scopes       TEXT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    created_at   BIGINT NOT NULL
);

-- Companies an ATS key may act for (the ones it created, or that an operator granted).
CREATE TABLE ats_key_companies (
    key_id     UUID NOT NULL REFERENCES api_keys (id),
    company_id UUID NOT NULL REFERENCES companies (id),
    PRIMARY KEY (key_id, company_id)
);

CREATE TABLE jobs (
    number              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  UUID NOT NULL UNIQUE,
    company_id          UUID NOT NULL REFERENCES companies (id),
    title               TEXT NOT NULL,
    description         TEXT,
    status              TEXT NOT NULL,
    required_skills     TEXT NOT NULL DEFAULT '[]',
    nice_to_have_skills TEXT NOT NULL DEFAULT '[]',
    attrs               TEXT NOT NULL DEFAULT '{}',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX jobs_company ON jobs (company_id, number);

CREATE TABLE agents (
    number           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               UUID NOT NULL UNIQUE,
    company_id       UUID NOT NULL REFERENCES companies (id),
    name             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    focus            TEXT NOT NULL,
    language         TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    questions        TEXT NOT NULL DEFAULT '[]',
    instructions     TEXT,
    attrs            TEXT NOT NULL DEFAULT '{}',
    deleted_at       BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX agents_company ON agents (company_id, number);

CREATE TABLE candidates (
    number           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               UUID NOT NULL UNIQUE,
    company_id       UUID NOT NULL REFERENCES companies (id),
    first_name       TEXT,
    last_name        TEXT,
    email            TEXT,
    phone            TEXT,
    ext_id           TEXT,
    status           TEXT NOT NULL,
    gdpr_expiry_date TEXT,
    metadata         TEXT NOT NULL DEFAULT '{}',
    custom_fields    TEXT NOT NULL DEFAULT '[]',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CONSTRAINT candidates_email_unique UNIQUE (company_id, email),
    CONSTRAINT candidates_phone_unique UNIQUE (company_id, phone),
    CONSTRAINT candidates_ext_id_unique UNIQUE (company_id, ext_id)
);
CREATE INDEX candidates_company ON candidates (company_id, number);

CREATE TABLE candidate_jobs (
    candidate_id UUID NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    job_id       UUID NOT NULL REFERENCES jobs (id),
    company_id   UUID NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (candidate_id, job_id)
);
CREATE INDEX candidate_jobs_job ON candidate_jobs (job_id);

CREATE TABLE interviews (
    number            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                UUID NOT NULL UNIQUE,
    company_id        UUID NOT NULL REFERENCES companies (id),
    candidate_id      UUID NOT NULL REFERENCES candidates (id),
    job_id            UUID REFERENCES jobs (id),
    agent_id          UUID NOT NULL REFERENCES agents (id),
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,
    scheduled_at      BIGINT NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT,
    is_test           BOOLEAN NOT NULL DEFAULT FALSE,
    metadata          TEXT NOT NULL DEFAULT '{}',
    invite_token      TEXT NOT NULL UNIQUE,
    invite_sent_at    BIGINT NOT NULL,
    invite_starts_at  BIGINT,
    invite_expires_at BIGINT,
    invite_revoked_at BIGINT,
    custom_field_id   TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX interviews_company ON interviews (company_id, number);
CREATE INDEX interviews_candidate ON interviews (candidate_id);
CREATE INDEX interviews_job ON interviews (job_id);
CREATE INDEX interviews_agent ON interviews (agent_id);

CREATE TABLE call_attempts (
    id           UUID PRIMARY KEY,
    interview_id UUID NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    company_id   UUID NOT NULL,
    status       TEXT NOT NULL,
    direction    TEXT NOT NULL,
    reason_code  TEXT,
    notes        TEXT,
    retry_number BIGINT NOT NULL DEFAULT 0,
    scheduled_at BIGINT NOT NULL,
    called_at    BIGINT,
    ended_at     BIGINT,
    duration_ms  BIGINT,
    recording_key TEXT,
    fence        BIGINT NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX call_attempts_interview ON call_attempts (interview_id, created_at);
CREATE INDEX call_attempts_due ON call_attempts (status, scheduled_at);
