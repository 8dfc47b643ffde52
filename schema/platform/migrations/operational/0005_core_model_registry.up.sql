-- 0005 core_model_registry: the models a tenant's agents may use.
SET LOCAL ROLE platform_owner;

CREATE TABLE core.model_registry (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    provider text NOT NULL,
    name text NOT NULL,
    version text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT model_registry_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT model_registry_model_key UNIQUE (tenant_id, provider, name, version),
    CONSTRAINT model_registry_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT model_registry_provider_check CHECK (provider ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    CONSTRAINT model_registry_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT model_registry_version_check CHECK (length(version) BETWEEN 1 AND 100),
    CONSTRAINT model_registry_parameters_check CHECK (jsonb_typeof(parameters) = 'object'),
    CONSTRAINT model_registry_status_check CHECK (status IN ('active', 'deprecated', 'retired'))
);
-- Queried by containment (models with a capability: parameters @> '{"tools": true}').
CREATE INDEX model_registry_parameters_gin ON core.model_registry USING gin (parameters jsonb_path_ops);

COMMENT ON TABLE core.model_registry IS
    'The models a tenant has registered for its agents: provider, name, version, default parameters and whether new agents may use them';
COMMENT ON COLUMN core.model_registry.tenant_id IS 'The tenant that registered the model';
COMMENT ON COLUMN core.model_registry.id IS 'The registration''s id, unique within the tenant';
COMMENT ON COLUMN core.model_registry.provider IS 'Who serves the model (openai, anthropic, local ...): lowercase letters, digits, _ . -';
COMMENT ON COLUMN core.model_registry.name IS 'The provider''s name for the model';
COMMENT ON COLUMN core.model_registry.version IS 'The model version or snapshot; provider, name and version are unique within the tenant';
COMMENT ON COLUMN core.model_registry.parameters IS 'Default parameters and capabilities as a JSON object (temperature, max_tokens, context_window, tools ...); GIN-indexed for containment queries';
COMMENT ON COLUMN core.model_registry.status IS 'active (usable), deprecated (existing agents keep it, new ones should not pick it) or retired (no longer served)';
COMMENT ON COLUMN core.model_registry.created_at IS 'When the model was registered';

ALTER TABLE core.model_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.model_registry FORCE ROW LEVEL SECURITY;
CREATE POLICY model_registry_tenant_select ON core.model_registry FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY model_registry_tenant_insert ON core.model_registry FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY model_registry_tenant_update ON core.model_registry FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY model_registry_tenant_delete ON core.model_registry FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON core.model_registry TO platform_app;
GRANT SELECT ON core.model_registry TO platform_readonly, platform_backup;

RESET ROLE;
