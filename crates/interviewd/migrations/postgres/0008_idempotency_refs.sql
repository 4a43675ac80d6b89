-- The ids a stored idempotent response mentions (every UUID in its body), written when the
-- response is stored, so that an erasure finds the responses it must forget by index rather
-- than by scanning bodies. Rows go with their record.
CREATE TABLE idempotency_refs (
    scope    TEXT NOT NULL,
    ref_id   TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    PRIMARY KEY (scope, ref_id, idem_key),
    FOREIGN KEY (scope, idem_key) REFERENCES idempotency_keys (scope, idem_key) ON DELETE CASCADE
);
CREATE INDEX idempotency_refs_record ON idempotency_refs (scope, idem_key);

-- Responses stored before this migration: every UUID in the body.
INSERT INTO idempotency_refs (scope, ref_id, idem_key)
SELECT DISTINCT k.scope, lower(m[1]), k.idem_key
FROM idempotency_keys k,
     regexp_matches(k.response_body,
       '(?<![0-9A-Fa-f])([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![0-9A-Fa-f])',
       'g') AS m
WHERE k.state = 'DONE' AND k.response_body IS NOT NULL
ON CONFLICT DO NOTHING;
