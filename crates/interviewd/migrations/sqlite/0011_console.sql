-- The recruiter console: its users (people of one company who sign in with an e-mail address
-- and a password), their one-time sign-in links, their sessions, and the sign-in throttle.
-- Secrets are stored hashed: links and sessions by the SHA-256 of their token, passwords as
-- argon2id PHC strings. Times are INTEGER milliseconds (UTC), as everywhere.

CREATE TABLE console_users (
    id              BLOB PRIMARY KEY,
    company_id      BLOB NOT NULL REFERENCES companies (id),
    -- Normalised (lower-case); one account per address in the deployment, so signing in
    -- needs no company.
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    -- NULL until the user sets one through a sign-in link.
    password_hash   TEXT,
    disabled_at     INTEGER,
    last_sign_in_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX console_users_company ON console_users (company_id, email);

-- One-time links that let a user set their password (24 hours by default).
CREATE TABLE console_sign_in_links (
    token_hash BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX console_sign_in_links_user ON console_sign_in_links (user_id);

-- Server-side sessions: the cookie holds the token, this table its hash. A session ends at
-- `expires_at` (absolute) or after a stretch of inactivity measured from `last_seen_at`.
CREATE TABLE console_sessions (
    id           BLOB PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      BLOB NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- Failed sign-ins per key (`email:<address>` or `addr:<client address>`): counted from the
-- first failure of a window; enough of them lock the key until `locked_until`.
CREATE TABLE console_sign_in_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER
);
