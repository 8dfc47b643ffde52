-- 0014 tenant_current_plpgsql, reverted: current() with the SQL-standard
-- body and the comment of 0002, exactly.
SET LOCAL ROLE platform_owner;

CREATE OR REPLACE FUNCTION strata_tenant.current() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE
        WHEN pg_catalog.split_part(s.v, '@', 2) = strata_tenant.binding()
         AND pg_catalog.split_part(s.v, '@', 1) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        THEN pg_catalog.split_part(s.v, '@', 1)::uuid
    END
    FROM (SELECT pg_catalog.current_setting('strata.tenant', true) AS v) AS s;
END;

COMMENT ON FUNCTION strata_tenant.current() IS
    'The tenant set by strata_tenant.set() in this transaction, or NULL: every row-level security policy of the platform compares tenant_id with it';

RESET ROLE;
