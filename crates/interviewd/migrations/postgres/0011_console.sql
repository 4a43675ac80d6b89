-- The recruiter console: its users (people of one company who sign in with an e-mail address
-- and a password), their one-time sign-in links, their sessions, and the sign-in throttle.
-- Secrets are stored hashed: links and sessions by the SHA-256 of their token, passwords as
-- argon2id PHC strings. Times are BIGINT milliseconds (UTC), as everywhere.

CREATE TABLE console_users (
    id              UUID PRIMARY KEY,
    company_id      UUID NOT NULL REFERENCES companies (id),
    -- Normalised (lower-case); one account per address in the deployment, so signing in
    -- needs no company.
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    -- NULL until the user sets one through a sign-in link.
    password_hash   TEXT,
    disabled_at     BIGINT,
    last_sign_in_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX console_users_company ON console_users (company_id, email);

-- One-time links that let a user set their password (24 hours by default).
CREATE TABLE console_sign_in_links (
    token_hash BYTEA PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX console_sign_in_links_user ON console_sign_in_links (user_id);

-- Server-side sessions: the cookie holds the token, this table its hash. A session ends at
-- `expires_at` (absolute) or after a stretch of inactivity measured from `last_seen_at`.
CREATE TABLE console_sessions (
    id           UUID PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      UUID NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- Failed sign-ins per key (`email:<address>` or `addr:<client address>`): counted from the
-- first failure of a window; enough of them lock the key until `locked_until`.
CREATE TABLE console_sign_in_throttle (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);
