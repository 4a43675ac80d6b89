-- The conversation of an online session so far, turn by turn: a JSON array of
-- {role, text, start_ms, end_ms} (milliseconds from the session's start). It replaces the
-- per-question `answers`, which a plan with follow-ups cannot describe; `answers` is only
-- read for a session that was live during the upgrade.
ALTER TABLE online_sessions ADD COLUMN turns TEXT NOT NULL DEFAULT '[]';

-- Every language-model call made for an interview (the interviewer's turns and the
-- analysis): model, tokens when the server reported them, latency, and whether the built-in
-- fallback answered instead. Goes with the interview.
CREATE TABLE model_calls (
    id                UUID PRIMARY KEY,
    interview_id      UUID NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    company_id        UUID NOT NULL,
    purpose           TEXT NOT NULL,
    model             TEXT NOT NULL,
    prompt_tokens     BIGINT,
    completion_tokens BIGINT,
    first_token_ms    BIGINT,
    total_ms          BIGINT NOT NULL,
    fell_back         BOOLEAN NOT NULL DEFAULT FALSE,
    failure           TEXT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX model_calls_interview ON model_calls (interview_id);
