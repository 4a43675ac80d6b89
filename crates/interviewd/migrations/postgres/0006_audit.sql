-- Audit of removals: who (key id), what (ids), when, and counts. No personal data: no names,
-- e-mails, phone numbers or transcript text ever go here.
CREATE TABLE audit_log (
    id         UUID PRIMARY KEY,
    company_id UUID NOT NULL,
    key_id     UUID,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    counts     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_company ON audit_log (company_id, created_at);
