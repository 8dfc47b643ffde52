-- 0015 audit_chain: the tenants' audit chains in strata's ledger format, so
-- that `strata audit verify --table audit.audit_log --chain-column tenant_id
-- --time-column occurred_at` proves them (docs/ledger.md).
--
-- Each tenant's entries form a chain named by the tenant's id (its text
-- form). An entry's hash is strata's:
--   hash = SHA-256(prev_hash || canonical form of {"action", "actor",
--          "chain": tenant_id, "payload", "recorded_at": occurred_at, "seq",
--          "target"}), prev_hash being 32 zero bytes for seq 1
-- computed by strata.audit_hash (the entry's id is a handle, not part of
-- what is proven). prev_hash stays NULL in the row for seq 1.
--
-- Until now the seed wrote a stand-in of the same shape; the entries that
-- exist are hashed again in the ledger's form, in seq order, before the
-- log becomes append-only.
--
-- audit.append(actor, action, target, payload) appends to the current
-- tenant's chain (strata_tenant.set() first): it serialises the tenant's
-- appends on an advisory lock held to commit, so that two entries never
-- share a prev_hash. The application may call it; it may still INSERT as
-- before, but then computes the hash itself. UPDATE, DELETE and TRUNCATE
-- are refused by triggers (the grants never allowed them to the
-- application).
GRANT USAGE ON SCHEMA strata TO platform_owner;

WITH RECURSIVE chain AS (
    SELECT l.tenant_id, l.seq, NULL::bytea AS prev_hash,
           strata.audit_hash('\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
                             l.tenant_id::text, l.seq, l.occurred_at, l.actor, l.action, l.target, l.payload) AS hash
    FROM audit.audit_log AS l WHERE l.seq = 1
    UNION ALL
    SELECT l.tenant_id, l.seq, c.hash,
           strata.audit_hash(c.hash, l.tenant_id::text, l.seq, l.occurred_at, l.actor, l.action, l.target, l.payload)
    FROM chain AS c JOIN audit.audit_log AS l ON l.tenant_id = c.tenant_id AND l.seq = c.seq + 1
)
UPDATE audit.audit_log AS l SET prev_hash = c.prev_hash, hash = c.hash
FROM chain AS c WHERE l.tenant_id = c.tenant_id AND l.seq = c.seq;

SET LOCAL ROLE platform_owner;

CREATE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    RAISE EXCEPTION 'audit.audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $f$;
COMMENT ON FUNCTION audit.refuse_change() IS 'Refuses UPDATE, DELETE and TRUNCATE on the audit log';

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit.audit_log
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

CREATE FUNCTION audit.append(actor text, action text, target text DEFAULT NULL, payload jsonb DEFAULT '{}',
    OUT seq bigint, OUT hash bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    t uuid := strata_tenant.current();
    prev bytea;
    at timestamptz;
BEGIN
    IF t IS NULL THEN
        RAISE EXCEPTION 'audit.append: no tenant is set in this transaction (call strata_tenant.set first)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('audit.audit_log/' || t::text));
    SELECT l.seq + 1, l.hash INTO seq, prev FROM audit.audit_log AS l WHERE l.tenant_id = t
        ORDER BY l.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        seq := 1;
        prev := NULL;
    END IF;
    at := clock_timestamp();
    hash := strata.audit_hash(coalesce(prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea),
                              t::text, seq, at, actor, action, target, payload);
    INSERT INTO audit.audit_log (tenant_id, seq, actor, action, target, payload, occurred_at, prev_hash, hash)
        VALUES (t, seq, actor, action, target, payload, at, prev, hash);
END $f$;
COMMENT ON FUNCTION audit.append(text, text, text, jsonb) IS
    'Appends an entry to the current tenant''s audit chain, hashed in strata''s ledger form; returns its seq and hash';
REVOKE EXECUTE ON FUNCTION audit.append(text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.append(text, text, text, jsonb) TO platform_app;

COMMENT ON COLUMN audit.audit_log.hash IS
    'SHA-256 (32 bytes) over prev_hash (32 zero bytes for seq 1) and the entry in strata''s ledger canonical form (chain = tenant_id): strata audit verify proves the chain';

RESET ROLE;
