-- 0011 agents_memory: what runs save for later runs of the same agent,
-- found by key and by recency.
SET LOCAL ROLE platform_owner;

CREATE TABLE agents.memory_items (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL,
    run_id uuid NOT NULL,
    key text NOT NULL,
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    CONSTRAINT memory_items_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT memory_items_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT memory_items_agent_fkey FOREIGN KEY (tenant_id, agent_id) REFERENCES agents.agents (tenant_id, id),
    -- the run, and that it is a run of this agent
    CONSTRAINT memory_items_run_fkey FOREIGN KEY (tenant_id, run_id, agent_id)
        REFERENCES agents.agent_runs (tenant_id, id, agent_id),
    CONSTRAINT memory_items_key_check CHECK (length(key) BETWEEN 1 AND 200),
    CONSTRAINT memory_items_expiry_check CHECK (expires_at IS NULL OR expires_at > created_at)
);
-- By key, newest first: the agent's latest value of a key.
CREATE INDEX memory_items_key_idx ON agents.memory_items (tenant_id, agent_id, key, created_at DESC);
-- By recency: the agent's latest memories.
CREATE INDEX memory_items_recent_idx ON agents.memory_items (tenant_id, agent_id, created_at DESC);
CREATE INDEX memory_items_run_idx ON agents.memory_items (tenant_id, run_id);
-- Queried by containment (memories about a subject).
CREATE INDEX memory_items_value_gin ON agents.memory_items USING gin (value jsonb_path_ops);

COMMENT ON TABLE agents.memory_items IS
    'Memories a run saved for later runs of its agent: key and JSON value, found by key (latest first) or by recency';
COMMENT ON COLUMN agents.memory_items.tenant_id IS 'The tenant the memory belongs to';
COMMENT ON COLUMN agents.memory_items.id IS 'The memory''s id, unique within the tenant';
COMMENT ON COLUMN agents.memory_items.agent_id IS 'The agent whose memory it is (the agent of run_id)';
COMMENT ON COLUMN agents.memory_items.run_id IS 'The run that saved it';
COMMENT ON COLUMN agents.memory_items.key IS 'What the memory is about (user.preferences, ticket.1234 ...); several values of one key are kept, the newest wins';
COMMENT ON COLUMN agents.memory_items.value IS 'The remembered content as JSON; may hold what users told the agent; GIN-indexed for containment queries';
COMMENT ON COLUMN agents.memory_items.created_at IS 'When the memory was saved: recency is by this column';
COMMENT ON COLUMN agents.memory_items.expires_at IS 'When the memory should be forgotten; NULL to keep it while the agent exists';

ALTER TABLE agents.memory_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.memory_items FORCE ROW LEVEL SECURITY;
CREATE POLICY memory_items_tenant_select ON agents.memory_items FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY memory_items_tenant_insert ON agents.memory_items FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY memory_items_tenant_update ON agents.memory_items FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY memory_items_tenant_delete ON agents.memory_items FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON agents.memory_items TO platform_app;
GRANT SELECT ON agents.memory_items TO platform_readonly, platform_backup;

RESET ROLE;
