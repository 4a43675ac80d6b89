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

-- Responses stored before this migration: every string value of the JSON body that is a
-- UUID. (A UUID inside a longer string of such a body is not found; those records expire
-- within a day of being stored.)
INSERT OR IGNORE INTO idempotency_refs (scope, ref_id, idem_key)
SELECT k.scope, lower(t.value), k.idem_key
FROM idempotency_keys k,
     json_tree(CASE WHEN json_valid(k.response_body) THEN k.response_body ELSE '[]' END) t
WHERE k.state = 'DONE' AND t.type = 'text' AND length(t.value) = 36
  AND lower(t.value) GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]';
