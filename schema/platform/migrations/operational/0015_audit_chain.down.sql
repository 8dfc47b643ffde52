-- 0015 audit_chain, down: the log is no longer append-only and has no append
-- function. The hashes stay in the ledger's form (data, not schema).
SET LOCAL ROLE platform_owner;
COMMENT ON COLUMN audit.audit_log.hash IS
    'SHA-256 (32 bytes) over prev_hash and this entry''s canonical content: changing or removing an entry breaks the chain';
DROP FUNCTION audit.append(text, text, text, jsonb);
DROP TRIGGER audit_log_no_truncate ON audit.audit_log;
DROP TRIGGER audit_log_append_only ON audit.audit_log;
DROP FUNCTION audit.refuse_change();
RESET ROLE;
REVOKE USAGE ON SCHEMA strata FROM platform_owner;
