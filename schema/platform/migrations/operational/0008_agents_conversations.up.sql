-- 0008 agents_conversations: conversations between users and agents (their
-- messages come with 0010, once runs exist for messages to point at).
SET LOCAL ROLE platform_owner;

CREATE TABLE agents.conversations (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL,
    user_id uuid,
    title text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversations_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT conversations_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT conversations_agent_fkey FOREIGN KEY (tenant_id, agent_id) REFERENCES agents.agents (tenant_id, id),
    CONSTRAINT conversations_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES core.users (tenant_id, id),
    CONSTRAINT conversations_title_check CHECK (length(title) <= 500)
);
CREATE INDEX conversations_agent_idx ON agents.conversations (tenant_id, agent_id, created_at DESC);
CREATE INDEX conversations_user_idx ON agents.conversations (tenant_id, user_id, created_at DESC);

COMMENT ON TABLE agents.conversations IS
    'A thread of messages between a user (or a system) and an agent';
COMMENT ON COLUMN agents.conversations.tenant_id IS 'The tenant the conversation belongs to';
COMMENT ON COLUMN agents.conversations.id IS 'The conversation''s id, unique within the tenant';
COMMENT ON COLUMN agents.conversations.agent_id IS 'The agent taking part';
COMMENT ON COLUMN agents.conversations.user_id IS 'The user taking part; NULL when a system (a schedule, an API key) started it';
COMMENT ON COLUMN agents.conversations.title IS 'A title for lists, at most 500 characters, often generated from the first message';
COMMENT ON COLUMN agents.conversations.created_at IS 'When the conversation started';

ALTER TABLE agents.conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY conversations_tenant_select ON agents.conversations FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY conversations_tenant_insert ON agents.conversations FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY conversations_tenant_update ON agents.conversations FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY conversations_tenant_delete ON agents.conversations FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON agents.conversations TO platform_app;
GRANT SELECT ON agents.conversations TO platform_readonly, platform_backup;

RESET ROLE;
