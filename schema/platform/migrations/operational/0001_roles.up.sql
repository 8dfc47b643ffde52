-- 0001 roles: the platform's four roles and the strata_tenant schema.
--
--   platform_owner     NOLOGIN; owns every object of the platform schema
--                      (later migrations run their DDL under SET LOCAL ROLE)
--   platform_app       NOLOGIN, NOBYPASSRLS, owns nothing: what the services
--                      run as (directly or through a login role IN ROLE it)
--   platform_readonly  NOLOGIN; SELECT only, subject to row-level security
--   platform_backup    NOLOGIN, BYPASSRLS; SELECT on everything, for pg_dump
--
-- Roles belong to the cluster, not to this database: several databases of one
-- server (a fleet, a test cluster) share them. So a role is created only when
-- it is missing; another database creating it at the same moment is
-- tolerated; an existing role keeps its other attributes, but the ones
-- isolation depends on (SUPERUSER, BYPASSRLS) are put right.
--
-- Each role gets a dependency in this database in the same transaction (it
-- owns or may use the schema strata_tenant): from then on another database's
-- down (which drops roles nobody uses) cannot drop it under us. If such a
-- down dropped it between our look and our use, the use fails with
-- undefined_object and the block starts again.
DO $roles$
DECLARE
    spec record;
    attempt int;
BEGIN
    FOR attempt IN 1..3 LOOP
        BEGIN
            FOR spec IN
                SELECT * FROM (VALUES
                    ('platform_owner', false,
                     'strata platform: owns every object of the platform schema; migrations run their DDL as this role'),
                    ('platform_app', false,
                     'strata platform: the application role; no BYPASSRLS, owns nothing, sees one tenant at a time'),
                    ('platform_readonly', false,
                     'strata platform: read-only access, subject to row-level security'),
                    ('platform_backup', true,
                     'strata platform: BYPASSRLS and SELECT on everything, for pg_dump')
                ) AS s (name, bypassrls, note)
            LOOP
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = spec.name) THEN
                    BEGIN
                        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION %s',
                            spec.name, CASE WHEN spec.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
                        EXECUTE format('COMMENT ON ROLE %I IS %L', spec.name, spec.note);
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN
                        NULL;   -- another database's migration created it just now
                    END;
                END IF;
                IF EXISTS (SELECT FROM pg_catalog.pg_roles
                           WHERE rolname = spec.name AND (rolsuper OR rolbypassrls <> spec.bypassrls)) THEN
                    EXECUTE format('ALTER ROLE %I NOSUPERUSER %s',
                        spec.name, CASE WHEN spec.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
                END IF;
            END LOOP;

            -- A migrator that is not a superuser must be able to SET ROLE
            -- platform_owner (and create schemas owned by it).
            IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
               AND NOT pg_catalog.pg_has_role(current_user, 'platform_owner', 'MEMBER') THEN
                EXECUTE format('GRANT platform_owner TO %I', current_user);
            END IF;

            CREATE SCHEMA strata_tenant AUTHORIZATION platform_owner;
            GRANT USAGE ON SCHEMA strata_tenant TO platform_app, platform_readonly, platform_backup;
            EXIT;
        EXCEPTION WHEN undefined_object THEN
            IF attempt = 3 THEN
                RAISE;
            END IF;
        END;
    END LOOP;
END
$roles$;

COMMENT ON SCHEMA strata_tenant IS
    'The tenant context: strata_tenant.set(tenant) binds a tenant to the current transaction, strata_tenant.current() returns it; every row-level security policy of the platform compares with current()';
