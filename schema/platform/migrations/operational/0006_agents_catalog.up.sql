-- 0006 agents_catalog: the schema agents; agents, tools, and which agent may
-- use which tool.
CREATE SCHEMA agents AUTHORIZATION platform_owner;
SET LOCAL ROLE platform_owner;

COMMENT ON SCHEMA agents IS
    'What the tenants'' agents are and do: agents, tools, workflows, plans, conversations and messages, runs and tool calls, memory';
GRANT USAGE ON SCHEMA agents TO platform_app, platform_readonly, platform_backup;

CREATE TABLE agents.agents (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    model_id uuid NOT NULL,
    instructions text NOT NULL DEFAULT '',
    config jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agents_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT agents_name_key UNIQUE (tenant_id, name),
    CONSTRAINT agents_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT agents_model_fkey FOREIGN KEY (tenant_id, model_id) REFERENCES core.model_registry (tenant_id, id),
    CONSTRAINT agents_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT agents_config_check CHECK (jsonb_typeof(config) = 'object'),
    CONSTRAINT agents_status_check CHECK (status IN ('active', 'disabled', 'archived'))
);
CREATE INDEX agents_model_idx ON agents.agents (tenant_id, model_id);

COMMENT ON TABLE agents.agents IS
    'A tenant''s agents: a model with instructions, configuration and tools, which runs on behalf of the tenant''s users';
COMMENT ON COLUMN agents.agents.tenant_id IS 'The tenant the agent belongs to';
COMMENT ON COLUMN agents.agents.id IS 'The agent''s id, unique within the tenant';
COMMENT ON COLUMN agents.agents.name IS 'The agent''s name, unique within the tenant';
COMMENT ON COLUMN agents.agents.description IS 'What the agent is for, for the people who pick it';
COMMENT ON COLUMN agents.agents.model_id IS 'The model it runs on (core.model_registry of the same tenant)';
COMMENT ON COLUMN agents.agents.instructions IS 'The system instructions given to the model on every run; may embed the tenant''s business rules';
COMMENT ON COLUMN agents.agents.config IS 'Run settings as a JSON object (temperature, max_steps, timeouts ...), read whole by the runner';
COMMENT ON COLUMN agents.agents.status IS 'active (may run), disabled (may not start new runs) or archived (kept for history)';
COMMENT ON COLUMN agents.agents.created_at IS 'When the agent was created';

CREATE TABLE agents.tools (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    kind text NOT NULL,
    input_schema jsonb NOT NULL DEFAULT '{}',
    endpoint text,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tools_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT tools_name_key UNIQUE (tenant_id, name),
    CONSTRAINT tools_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT tools_name_check CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
    CONSTRAINT tools_kind_check CHECK (kind IN ('builtin', 'http', 'function')),
    CONSTRAINT tools_input_schema_check CHECK (jsonb_typeof(input_schema) = 'object'),
    CONSTRAINT tools_endpoint_check CHECK ((kind = 'http') = (endpoint IS NOT NULL)),
    CONSTRAINT tools_status_check CHECK (status IN ('active', 'disabled'))
);

COMMENT ON TABLE agents.tools IS
    'Tools agents can call: built into the platform, HTTP endpoints, or functions of the tenant''s own code';
COMMENT ON COLUMN agents.tools.tenant_id IS 'The tenant the tool belongs to';
COMMENT ON COLUMN agents.tools.id IS 'The tool''s id, unique within the tenant';
COMMENT ON COLUMN agents.tools.name IS 'The name the model calls the tool by: lowercase letters, digits and _, unique within the tenant';
COMMENT ON COLUMN agents.tools.description IS 'What the tool does, as shown to the model';
COMMENT ON COLUMN agents.tools.kind IS 'builtin (part of the platform), http (an endpoint the platform calls) or function (the tenant''s code)';
COMMENT ON COLUMN agents.tools.input_schema IS 'JSON Schema of the tool''s arguments, as a JSON object; read whole, not queried';
COMMENT ON COLUMN agents.tools.endpoint IS 'The URL an http tool is called at; NULL for the other kinds';
COMMENT ON COLUMN agents.tools.status IS 'active or disabled (agents may not call it)';
COMMENT ON COLUMN agents.tools.created_at IS 'When the tool was created';

CREATE TABLE agents.agent_tools (
    tenant_id uuid NOT NULL,
    agent_id uuid NOT NULL,
    tool_id uuid NOT NULL,
    config jsonb NOT NULL DEFAULT '{}',
    granted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agent_tools_pkey PRIMARY KEY (tenant_id, agent_id, tool_id),
    CONSTRAINT agent_tools_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT agent_tools_agent_fkey FOREIGN KEY (tenant_id, agent_id) REFERENCES agents.agents (tenant_id, id),
    CONSTRAINT agent_tools_tool_fkey FOREIGN KEY (tenant_id, tool_id) REFERENCES agents.tools (tenant_id, id),
    CONSTRAINT agent_tools_config_check CHECK (jsonb_typeof(config) = 'object')
);
CREATE INDEX agent_tools_tool_idx ON agents.agent_tools (tenant_id, tool_id);

COMMENT ON TABLE agents.agent_tools IS 'Which tools each agent may call, with per-agent settings';
COMMENT ON COLUMN agents.agent_tools.tenant_id IS 'The tenant of the agent and the tool';
COMMENT ON COLUMN agents.agent_tools.agent_id IS 'The agent allowed to call the tool';
COMMENT ON COLUMN agents.agent_tools.tool_id IS 'The tool it may call';
COMMENT ON COLUMN agents.agent_tools.config IS 'Settings for this agent''s use of the tool (limits, fixed arguments), as a JSON object';
COMMENT ON COLUMN agents.agent_tools.granted_at IS 'When the agent was given the tool';

ALTER TABLE agents.agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.agents FORCE ROW LEVEL SECURITY;
CREATE POLICY agents_tenant_select ON agents.agents FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY agents_tenant_insert ON agents.agents FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY agents_tenant_update ON agents.agents FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY agents_tenant_delete ON agents.agents FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE agents.tools ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.tools FORCE ROW LEVEL SECURITY;
CREATE POLICY tools_tenant_select ON agents.tools FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY tools_tenant_insert ON agents.tools FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY tools_tenant_update ON agents.tools FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY tools_tenant_delete ON agents.tools FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE agents.agent_tools ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.agent_tools FORCE ROW LEVEL SECURITY;
CREATE POLICY agent_tools_tenant_select ON agents.agent_tools FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY agent_tools_tenant_insert ON agents.agent_tools FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY agent_tools_tenant_update ON agents.agent_tools FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY agent_tools_tenant_delete ON agents.agent_tools FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON agents.agents, agents.tools, agents.agent_tools TO platform_app;
GRANT SELECT ON agents.agents, agents.tools, agents.agent_tools TO platform_readonly, platform_backup;

RESET ROLE;
