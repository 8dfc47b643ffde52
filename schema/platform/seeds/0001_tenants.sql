-- 0001 tenants: the platform's demo tenants, acme, globex and initech. The
-- files after this one fill each tenant (0002_acme.sql, 0003_globex.sql,
-- 0004_initech.sql); `strata seed --project-dir schema/platform` runs them
-- in name order, each in one transaction (see docs/seed.md).
--
-- Rules every file of this folder follows:
--
-- * Deterministic. Every id is derived from a readable label,
--   md5('<tenant>/<kind>/<name>')::uuid (a tenant's own id is
--   md5('tenant/<slug>')::uuid; its built-in roles get
--   md5('<tenant id>/<name>')::uuid from the trigger), every time is a
--   literal, every hash is computed from literals: no now(), no random(), no
--   sequence. Seeding a fresh database twice gives byte-identical tables.
-- * Safe to run again. `strata seed` reruns a file when it changed, and
--   `--force` reruns them all, on top of what an earlier run wrote. Plain
--   tables are upserts (INSERT ... ON CONFLICT ON CONSTRAINT <pkey> DO
--   UPDATE, every column set from the file); the runs, whose state machine
--   allows no way back from a final state, are deleted with what depends on
--   them and replayed from pending (see the tenant files).
-- * Tenant by tenant. Every tenant file starts with strata_tenant.set() and
--   writes tenant_id = strata_tenant.current(), so that it runs under the
--   FORCEd row-level security policies: as a superuser (the dev cluster,
--   the tests), which bypasses them, and as platform_owner or a member of it
--   (a migrator that is not a superuser), which does not.
-- * Demo data only. Names, e-mail addresses (example domains) and API keys
--   are made up; the keys' secrets are written out in the tenant files so
--   that the demo can use them. Never load these files into production.
--
-- A tenant is inserted by the operator, and under FORCE ROW LEVEL SECURITY
-- its own row must pass the insert policy (id = strata_tenant.current()).
-- strata_tenant.set() refuses a tenant that does not exist yet, so each
-- tenant is made current for its insert the way core.create_builtin_roles()
-- does it: with the setting bound to this transaction
-- (docs/platform-schema.md, "The tenant context"). A superuser needs none
-- of it, and it does no harm. Inserting a tenant creates its built-in roles
-- Admin, Planner and Viewer (trigger tenants_builtin_roles); their
-- created_at is the tenant's, kept in step below if the file changes it.

SELECT pg_catalog.set_config('strata.tenant', md5('tenant/acme')::uuid || '@' || strata_tenant.binding(), true);
INSERT INTO core.tenants (id, slug, name, status, created_at)
VALUES (md5('tenant/acme')::uuid, 'acme', 'Acme Corporation', 'active', '2026-01-05 09:00:00+00')
ON CONFLICT ON CONSTRAINT tenants_pkey DO UPDATE
    SET slug = EXCLUDED.slug, name = EXCLUDED.name, status = EXCLUDED.status, created_at = EXCLUDED.created_at;
UPDATE core.rbac_roles SET created_at = '2026-01-05 09:00:00+00'
WHERE tenant_id = md5('tenant/acme')::uuid AND built_in AND created_at <> '2026-01-05 09:00:00+00';

SELECT pg_catalog.set_config('strata.tenant', md5('tenant/globex')::uuid || '@' || strata_tenant.binding(), true);
INSERT INTO core.tenants (id, slug, name, status, created_at)
VALUES (md5('tenant/globex')::uuid, 'globex', 'Globex Travel', 'active', '2026-02-02 10:00:00+00')
ON CONFLICT ON CONSTRAINT tenants_pkey DO UPDATE
    SET slug = EXCLUDED.slug, name = EXCLUDED.name, status = EXCLUDED.status, created_at = EXCLUDED.created_at;
UPDATE core.rbac_roles SET created_at = '2026-02-02 10:00:00+00'
WHERE tenant_id = md5('tenant/globex')::uuid AND built_in AND created_at <> '2026-02-02 10:00:00+00';

SELECT pg_catalog.set_config('strata.tenant', md5('tenant/initech')::uuid || '@' || strata_tenant.binding(), true);
INSERT INTO core.tenants (id, slug, name, status, created_at)
VALUES (md5('tenant/initech')::uuid, 'initech', 'Initech', 'active', '2026-03-09 08:30:00+00')
ON CONFLICT ON CONSTRAINT tenants_pkey DO UPDATE
    SET slug = EXCLUDED.slug, name = EXCLUDED.name, status = EXCLUDED.status, created_at = EXCLUDED.created_at;
UPDATE core.rbac_roles SET created_at = '2026-03-09 08:30:00+00'
WHERE tenant_id = md5('tenant/initech')::uuid AND built_in AND created_at <> '2026-03-09 08:30:00+00';
