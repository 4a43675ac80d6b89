-- Changes to API keys are announced on `interviewd_wake` (see 0003) as `keys`: every process
-- that keeps looked-up keys in memory forgets them when it hears one
-- (src/store/key_cache.rs). Statement-level, so a statement announces once, whatever it
-- touched; identical notifications of one transaction are folded into one.
CREATE TRIGGER api_keys_changed AFTER INSERT OR UPDATE OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION interviewd_wake('keys');
CREATE TRIGGER ats_key_companies_changed AFTER INSERT OR UPDATE OR DELETE ON ats_key_companies
    FOR EACH STATEMENT EXECUTE FUNCTION interviewd_wake('keys');
