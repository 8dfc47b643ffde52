-- 0002 tenant_context: strata_tenant.set() and strata_tenant.current(), the
-- one way the current tenant is chosen and read.
--
-- The tenant lives in the setting strata.tenant as '<uuid>@<binding>', the
-- binding being the start time of the transaction that set it (microseconds
-- since the epoch). set() writes it transaction-locally; current() honours it
-- only while the binding is the current transaction's. So a value left at
-- session level -- `SET strata.tenant = ...` or set_config(..., false) by a
-- previous user of a pooled connection -- is never honoured in a later
-- transaction: with no tenant set in this transaction, current() is NULL,
-- tenant tables show no rows and writes fail.
--
-- The binding defeats leftovers, not a client that computes it on purpose: a
-- client that runs SQL as platform_app may call set() for any active tenant
-- anyway. The service, not the database, decides which tenant a request acts
-- for; the database makes sure it is one tenant, chosen in this transaction.
SET LOCAL ROLE platform_owner;

-- The binding of the current transaction. It does not depend on TimeZone or
-- DateStyle (a session changing those must not invalidate its tenant), and
-- parallel workers share the leader's transaction start, so policies that
-- call it stay parallel safe.
CREATE FUNCTION strata_tenant.binding() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT (EXTRACT(EPOCH FROM pg_catalog.transaction_timestamp()) * 1000000)::bigint::text;
END;

-- A SQL-standard body is bound when created: the caller's search_path cannot
-- redirect an operator or function used here, and policies can inline it.
CREATE FUNCTION strata_tenant.current() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE
        WHEN pg_catalog.split_part(s.v, '@', 2) = strata_tenant.binding()
         AND pg_catalog.split_part(s.v, '@', 1) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        THEN pg_catalog.split_part(s.v, '@', 1)::uuid
    END
    FROM (SELECT pg_catalog.current_setting('strata.tenant', true) AS v) AS s;
END;

-- Runs as its owner (platform_owner), which is subject to the FORCEd policy
-- of core.tenants like everyone: so it first binds the tenant, then looks the
-- tenant up through that very policy. On failure the exception rolls the
-- setting back with the transaction (or with the caller's savepoint).
CREATE FUNCTION strata_tenant.set(tenant uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    st text;
BEGIN
    IF tenant IS NULL THEN
        RAISE EXCEPTION 'cannot set the tenant to null'
            USING ERRCODE = '28000',
                  HINT = 'call strata_tenant.set() with the id of an active tenant, inside a transaction';
    END IF;
    PERFORM set_config('strata.tenant', tenant::text || '@' || strata_tenant.binding(), true);
    SELECT t.status INTO st FROM core.tenants AS t WHERE t.id = tenant;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown tenant ''%''', tenant
            USING ERRCODE = '28000';
    END IF;
    IF st <> 'active' THEN
        RAISE EXCEPTION 'tenant ''%'' is not active (status %)', tenant, st
            USING ERRCODE = '28000';
    END IF;
END
$fn$;

REVOKE ALL ON FUNCTION strata_tenant.binding(), strata_tenant.current(), strata_tenant.set(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION strata_tenant.binding(), strata_tenant.current(), strata_tenant.set(uuid)
    TO platform_app, platform_readonly;

COMMENT ON FUNCTION strata_tenant.binding() IS
    'The current transaction''s binding (its start time in microseconds since the epoch): strata.tenant is honoured only when it carries this value, so that a setting left over from an earlier transaction is ignored';
COMMENT ON FUNCTION strata_tenant.current() IS
    'The tenant set by strata_tenant.set() in this transaction, or NULL: every row-level security policy of the platform compares tenant_id with it';
COMMENT ON FUNCTION strata_tenant.set(uuid) IS
    'Sets the current tenant for the rest of this transaction (transaction-local, bound to it); fails with SQLSTATE 28000 when the tenant is unknown or not active';

RESET ROLE;
