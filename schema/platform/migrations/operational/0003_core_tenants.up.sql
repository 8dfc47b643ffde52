-- 0003 core_tenants: the schema core, tenants, their users and memberships.
--
-- Conventions of every tenant-scoped table from here on: tenant_id uuid NOT
-- NULL referencing core.tenants; the primary key and every unique constraint
-- lead with tenant_id, and references to other tenant tables are composite,
-- (tenant_id, x_id) -> (tenant_id, id), so that a row can only point inside
-- its own tenant and the schema can be distributed by tenant; row-level
-- security ENABLEd and FORCEd with four policies on
-- tenant_id = strata_tenant.current(); platform_app may SELECT, INSERT,
-- UPDATE and DELETE, platform_readonly and platform_backup may SELECT.
CREATE SCHEMA core AUTHORIZATION platform_owner;
SET LOCAL ROLE platform_owner;

COMMENT ON SCHEMA core IS
    'Tenants and who acts for them: users, memberships, API keys, roles and role bindings, budgets, the model registry';
GRANT USAGE ON SCHEMA core TO platform_app, platform_readonly, platform_backup;

-- tenants ------------------------------------------------------------------

CREATE TABLE core.tenants (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_check CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    CONSTRAINT tenants_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'deleted'))
);

COMMENT ON TABLE core.tenants IS
    'The platform''s customers: every tenant-scoped row of every table belongs to exactly one tenant. Created by the operator (not by platform_app); a tenant sees only its own row';
COMMENT ON COLUMN core.tenants.id IS 'The tenant''s id: the value of tenant_id everywhere and the argument of strata_tenant.set()';
COMMENT ON COLUMN core.tenants.slug IS 'Short unique name for URLs and logs: lowercase letters, digits and inner hyphens, at most 63 characters';
COMMENT ON COLUMN core.tenants.name IS 'Display name (the organisation''s name), 1 to 200 characters';
COMMENT ON COLUMN core.tenants.status IS 'active (may be set as the current tenant), suspended (kept, but strata_tenant.set() refuses it) or deleted (awaiting purge)';
COMMENT ON COLUMN core.tenants.created_at IS 'When the tenant was created';

ALTER TABLE core.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_tenant_select ON core.tenants FOR SELECT
    USING (id = strata_tenant.current());
CREATE POLICY tenants_tenant_insert ON core.tenants FOR INSERT
    WITH CHECK (id = strata_tenant.current());
CREATE POLICY tenants_tenant_update ON core.tenants FOR UPDATE
    USING (id = strata_tenant.current()) WITH CHECK (id = strata_tenant.current());
CREATE POLICY tenants_tenant_delete ON core.tenants FOR DELETE
    USING (id = strata_tenant.current());

-- The application reads its tenant and may rename it; creating, suspending
-- and deleting tenants is the operator's work.
GRANT SELECT, UPDATE (name) ON core.tenants TO platform_app;
GRANT SELECT ON core.tenants TO platform_readonly, platform_backup;

-- users --------------------------------------------------------------------

CREATE TABLE core.users (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL,
    display_name text,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_email_key UNIQUE (tenant_id, email),
    CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT users_email_check CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 320),
    CONSTRAINT users_status_check CHECK (status IN ('invited', 'active', 'disabled'))
);

COMMENT ON TABLE core.users IS
    'People who use the platform, per tenant: a person in two tenants has a users row in each, so that every row lives with its tenant';
COMMENT ON COLUMN core.users.tenant_id IS 'The tenant the user belongs to';
COMMENT ON COLUMN core.users.id IS 'The user''s id, unique within the tenant';
COMMENT ON COLUMN core.users.email IS 'Email address in lowercase, unique within the tenant; how a user is found when signing in';
COMMENT ON COLUMN core.users.display_name IS 'Name shown to other users of the tenant, if the user gave one';
COMMENT ON COLUMN core.users.status IS 'invited (has not signed in yet), active, or disabled (may not sign in; rows kept for history)';
COMMENT ON COLUMN core.users.created_at IS 'When the user was created';

-- memberships --------------------------------------------------------------

CREATE TABLE core.memberships (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    kind text NOT NULL DEFAULT 'member',
    invited_by uuid,
    invited_at timestamptz,
    joined_at timestamptz,
    left_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memberships_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT memberships_user_key UNIQUE (tenant_id, user_id),
    CONSTRAINT memberships_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT memberships_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES core.users (tenant_id, id),
    CONSTRAINT memberships_invited_by_fkey FOREIGN KEY (tenant_id, invited_by) REFERENCES core.users (tenant_id, id),
    CONSTRAINT memberships_kind_check CHECK (kind IN ('owner', 'member', 'guest')),
    CONSTRAINT memberships_left_check CHECK (left_at IS NULL OR joined_at IS NOT NULL AND left_at >= joined_at)
);
CREATE INDEX memberships_invited_by_idx ON core.memberships (tenant_id, invited_by);

COMMENT ON TABLE core.memberships IS
    'A user''s membership of the tenant''s organisation: its kind and its life (invited by whom, when joined, when left). Leaving ends the membership and keeps the user row for history';
COMMENT ON COLUMN core.memberships.tenant_id IS 'The tenant the membership is in';
COMMENT ON COLUMN core.memberships.id IS 'The membership''s id, unique within the tenant';
COMMENT ON COLUMN core.memberships.user_id IS 'The member (core.users of the same tenant); one membership per user';
COMMENT ON COLUMN core.memberships.kind IS 'owner (may manage the tenant and its billing), member, or guest (sees only what it is bound to)';
COMMENT ON COLUMN core.memberships.invited_by IS 'The user who invited the member, if invited';
COMMENT ON COLUMN core.memberships.invited_at IS 'When the invitation was sent, if invited';
COMMENT ON COLUMN core.memberships.joined_at IS 'When the member accepted or was added; NULL while only invited';
COMMENT ON COLUMN core.memberships.left_at IS 'When the membership ended; NULL while current';
COMMENT ON COLUMN core.memberships.created_at IS 'When the membership row was created';

ALTER TABLE core.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant_select ON core.users FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY users_tenant_insert ON core.users FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY users_tenant_update ON core.users FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY users_tenant_delete ON core.users FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE core.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant_select ON core.memberships FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY memberships_tenant_insert ON core.memberships FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY memberships_tenant_update ON core.memberships FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY memberships_tenant_delete ON core.memberships FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON core.users, core.memberships TO platform_app;
GRANT SELECT ON core.users, core.memberships TO platform_readonly, platform_backup;

RESET ROLE;
