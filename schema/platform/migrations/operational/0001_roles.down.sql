-- strata:no-transaction
-- 0001 roles, reverted: the strata_tenant schema, what was granted on it, and
-- the roles themselves where that is safe.
--
-- Roles are cluster-wide and other databases of the cluster may use them
-- (the test cluster migrates many databases with this schema at once, a
-- fleet shares one server). A role is dropped only when nothing holds on to
-- it: DROP ROLE refuses (dependent_objects_still_exist) while any database
-- has objects it owns or privileges granted to it, and we then keep the role
-- and say so. A role that has members other than the migrator is kept too:
-- those memberships (login roles IN ROLE platform_app, say) were granted
-- outside these migrations, and DROP ROLE would silently remove them. This
-- restores the previous state exactly from this database's point of view:
-- nothing of the platform remains here, and roles that still serve other
-- databases keep serving them.
--
-- The file runs statement by statement (no-transaction), so that this
-- database's hold on the roles (the schema and its grants) is committed
-- before the roles are tried: when several databases are reverted at the
-- same moment, the last one to try sees every other one's hold gone and
-- drops the roles. In one transaction, two concurrent downs would each see
-- the other's uncommitted hold and both keep the roles.
REVOKE USAGE ON SCHEMA strata_tenant FROM platform_app, platform_readonly, platform_backup;
DROP SCHEMA strata_tenant;

DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['platform_app', 'platform_readonly', 'platform_backup', 'platform_owner'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r);
        IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m
                   WHERE m.roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = r)
                     AND m.member <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)) THEN
            RAISE NOTICE 'role % is kept: other roles are members of it', r;
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE format('DROP ROLE %I', r);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role % is kept: another database of the cluster still uses it', r;
        END;
    END LOOP;
END
$roles$;
