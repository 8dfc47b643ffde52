-- 0004 core_access: API keys, roles (with the built-in Admin, Planner and
-- Viewer of every tenant) and role bindings.
SET LOCAL ROLE platform_owner;

-- api_keys -----------------------------------------------------------------

CREATE TABLE core.api_keys (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid,
    name text NOT NULL,
    key_prefix text NOT NULL,
    key_hash bytea NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}',
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT api_keys_prefix_key UNIQUE (tenant_id, key_prefix),
    CONSTRAINT api_keys_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT api_keys_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES core.users (tenant_id, id),
    CONSTRAINT api_keys_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT api_keys_prefix_check CHECK (key_prefix ~ '^[A-Za-z0-9_]{8,16}$'),
    CONSTRAINT api_keys_hash_check CHECK (octet_length(key_hash) = 32),
    CONSTRAINT api_keys_scopes_check CHECK (array_position(scopes, NULL) IS NULL),
    CONSTRAINT api_keys_expiry_check CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX api_keys_user_idx ON core.api_keys (tenant_id, user_id);

COMMENT ON TABLE core.api_keys IS
    'API keys for programmatic access. Only a SHA-256 hash of the secret is stored; the key as given to its holder carries its tenant and its lookup prefix';
COMMENT ON COLUMN core.api_keys.tenant_id IS 'The tenant the key acts for';
COMMENT ON COLUMN core.api_keys.id IS 'The key''s id, unique within the tenant';
COMMENT ON COLUMN core.api_keys.user_id IS 'The user who owns the key; NULL for a service key that belongs to the tenant';
COMMENT ON COLUMN core.api_keys.name IS 'A label the owner chose (where the key is used), 1 to 200 characters';
COMMENT ON COLUMN core.api_keys.key_prefix IS 'The first characters of the key (8 to 16 of A-Z, a-z, 0-9, _), unique within the tenant: finds the row to check the hash against, and names the key in logs without revealing it';
COMMENT ON COLUMN core.api_keys.key_hash IS 'SHA-256 of the whole key (32 bytes); the key itself is never stored';
COMMENT ON COLUMN core.api_keys.scopes IS 'What the key may do (for example agents:read, runs:write); empty grants nothing beyond its role bindings';
COMMENT ON COLUMN core.api_keys.expires_at IS 'When the key stops working; NULL for no expiry';
COMMENT ON COLUMN core.api_keys.last_used_at IS 'When the key was last accepted, if ever (updated coarsely by the service)';
COMMENT ON COLUMN core.api_keys.revoked_at IS 'When the key was revoked; a revoked key never works again';
COMMENT ON COLUMN core.api_keys.created_at IS 'When the key was created';

-- rbac_roles ---------------------------------------------------------------

CREATE TABLE core.rbac_roles (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    built_in boolean NOT NULL DEFAULT false,
    permissions text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rbac_roles_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT rbac_roles_name_key UNIQUE (tenant_id, name),
    CONSTRAINT rbac_roles_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT rbac_roles_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT rbac_roles_permissions_check CHECK (array_position(permissions, NULL) IS NULL)
);

COMMENT ON TABLE core.rbac_roles IS
    'Roles of a tenant: named sets of permissions. Every tenant has the built-in Admin, Planner and Viewer, created with it';
COMMENT ON COLUMN core.rbac_roles.tenant_id IS 'The tenant the role is defined in';
COMMENT ON COLUMN core.rbac_roles.id IS 'The role''s id, unique within the tenant (for built-in roles derived from the tenant and the name)';
COMMENT ON COLUMN core.rbac_roles.name IS 'The role''s name, unique within the tenant (Admin, Planner, Viewer, or the tenant''s own)';
COMMENT ON COLUMN core.rbac_roles.description IS 'What the role is for';
COMMENT ON COLUMN core.rbac_roles.built_in IS 'True for Admin, Planner and Viewer, which every tenant has';
COMMENT ON COLUMN core.rbac_roles.permissions IS 'Permissions as resource:action patterns (* for all, agents:*, *:read)';
COMMENT ON COLUMN core.rbac_roles.created_at IS 'When the role was created';

-- rbac_bindings ------------------------------------------------------------

CREATE TABLE core.rbac_bindings (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    role_id uuid NOT NULL,
    principal_type text NOT NULL,
    principal_id uuid NOT NULL,
    resource_type text,
    resource_id uuid,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rbac_bindings_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT rbac_bindings_grant_key UNIQUE NULLS NOT DISTINCT
        (tenant_id, principal_type, principal_id, role_id, resource_type, resource_id),
    CONSTRAINT rbac_bindings_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT rbac_bindings_role_fkey FOREIGN KEY (tenant_id, role_id) REFERENCES core.rbac_roles (tenant_id, id),
    CONSTRAINT rbac_bindings_created_by_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES core.users (tenant_id, id),
    CONSTRAINT rbac_bindings_principal_type_check CHECK (principal_type IN ('user', 'api_key', 'agent')),
    CONSTRAINT rbac_bindings_resource_check CHECK ((resource_type IS NULL) = (resource_id IS NULL)),
    CONSTRAINT rbac_bindings_resource_type_check CHECK (resource_type ~ '^[a-z][a-z_]{0,62}$')
);
CREATE INDEX rbac_bindings_role_idx ON core.rbac_bindings (tenant_id, role_id);
CREATE INDEX rbac_bindings_resource_idx ON core.rbac_bindings (tenant_id, resource_type, resource_id)
    WHERE resource_id IS NOT NULL;

COMMENT ON TABLE core.rbac_bindings IS
    'Who holds which role: a principal (user, API key or agent) bound to a role of the tenant, on the whole tenant or on one resource';
COMMENT ON COLUMN core.rbac_bindings.tenant_id IS 'The tenant the binding is in';
COMMENT ON COLUMN core.rbac_bindings.id IS 'The binding''s id, unique within the tenant';
COMMENT ON COLUMN core.rbac_bindings.role_id IS 'The role granted (core.rbac_roles of the same tenant)';
COMMENT ON COLUMN core.rbac_bindings.principal_type IS 'What kind of principal holds the role: user, api_key or agent';
COMMENT ON COLUMN core.rbac_bindings.principal_id IS 'The id of the user, API key or agent (in the same tenant; polymorphic, so not a foreign key)';
COMMENT ON COLUMN core.rbac_bindings.resource_type IS 'With resource_id, limits the binding to one resource (agent, workflow, tool ...); NULL for the whole tenant';
COMMENT ON COLUMN core.rbac_bindings.resource_id IS 'The id of the one resource the binding is limited to; NULL for the whole tenant';
COMMENT ON COLUMN core.rbac_bindings.created_by IS 'The user who granted the role, if a user did';
COMMENT ON COLUMN core.rbac_bindings.created_at IS 'When the role was granted';

-- Built-in roles -----------------------------------------------------------
--
-- Every new tenant gets Admin, Planner and Viewer. Their ids are derived
-- from the tenant and the name (md5 as a uuid), and their created_at is the
-- tenant's, so that seeding is deterministic. The owner is subject to the
-- FORCEd policies too, so the function makes the new tenant current for its
-- insert and puts the previous value back.
CREATE FUNCTION core.create_builtin_roles() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    prev text := current_setting('strata.tenant', true);
BEGIN
    PERFORM set_config('strata.tenant', NEW.id::text || '@' || strata_tenant.binding(), true);
    INSERT INTO core.rbac_roles (tenant_id, id, name, description, built_in, permissions, created_at)
    SELECT NEW.id, md5(NEW.id::text || '/' || r.name)::uuid, r.name, r.description, true, r.permissions, NEW.created_at
    FROM (VALUES
        ('Admin', 'Everything in the tenant, its users, keys and roles included', ARRAY['*']),
        ('Planner', 'Builds and runs agents, tools, workflows and plans; reads the rest',
            ARRAY['agents:*', 'tools:*', 'workflows:*', 'plans:*', 'runs:*', 'conversations:*', 'memory:*', '*:read']),
        ('Viewer', 'Reads everything in the tenant, changes nothing', ARRAY['*:read'])
    ) AS r (name, description, permissions);
    PERFORM set_config('strata.tenant', coalesce(prev, ''), true);
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION core.create_builtin_roles() FROM PUBLIC;
COMMENT ON FUNCTION core.create_builtin_roles() IS
    'Trigger function: creates the built-in roles Admin, Planner and Viewer of a new tenant, with ids derived from the tenant and the role name';

CREATE TRIGGER tenants_builtin_roles AFTER INSERT ON core.tenants
    FOR EACH ROW EXECUTE FUNCTION core.create_builtin_roles();
COMMENT ON TRIGGER tenants_builtin_roles ON core.tenants IS
    'Gives every new tenant its built-in roles (core.create_builtin_roles)';

-- Isolation and grants -----------------------------------------------------

ALTER TABLE core.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant_select ON core.api_keys FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY api_keys_tenant_insert ON core.api_keys FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY api_keys_tenant_update ON core.api_keys FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY api_keys_tenant_delete ON core.api_keys FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE core.rbac_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.rbac_roles FORCE ROW LEVEL SECURITY;
CREATE POLICY rbac_roles_tenant_select ON core.rbac_roles FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY rbac_roles_tenant_insert ON core.rbac_roles FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY rbac_roles_tenant_update ON core.rbac_roles FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY rbac_roles_tenant_delete ON core.rbac_roles FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE core.rbac_bindings ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.rbac_bindings FORCE ROW LEVEL SECURITY;
CREATE POLICY rbac_bindings_tenant_select ON core.rbac_bindings FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY rbac_bindings_tenant_insert ON core.rbac_bindings FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY rbac_bindings_tenant_update ON core.rbac_bindings FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY rbac_bindings_tenant_delete ON core.rbac_bindings FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON core.api_keys, core.rbac_roles, core.rbac_bindings TO platform_app;
GRANT SELECT ON core.api_keys, core.rbac_roles, core.rbac_bindings TO platform_readonly, platform_backup;

RESET ROLE;
