-- 0010 agents_messages: the messages of conversations, each with its signed
-- envelope and the envelope's hash.
SET LOCAL ROLE platform_owner;

CREATE TABLE agents.messages (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL,
    seq bigint NOT NULL,
    role text NOT NULL,
    run_id uuid,
    envelope jsonb NOT NULL,
    envelope_hash char(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT messages_seq_key UNIQUE (tenant_id, conversation_id, seq),
    CONSTRAINT messages_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT messages_conversation_fkey FOREIGN KEY (tenant_id, conversation_id) REFERENCES agents.conversations (tenant_id, id),
    CONSTRAINT messages_run_fkey FOREIGN KEY (tenant_id, run_id) REFERENCES agents.agent_runs (tenant_id, id),
    CONSTRAINT messages_seq_check CHECK (seq >= 1),
    CONSTRAINT messages_role_check CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    CONSTRAINT messages_envelope_check CHECK (jsonb_typeof(envelope) = 'object'),
    -- char(64) pads a short value with blanks, and ~ sees the padding: 63
    -- hex characters and a blank fail here like any other non-hex character.
    CONSTRAINT messages_envelope_hash_check CHECK (envelope_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX messages_envelope_hash_idx ON agents.messages (tenant_id, envelope_hash);
CREATE INDEX messages_run_idx ON agents.messages (tenant_id, run_id);
-- Queried by containment (messages of a type, from a sender, with a tool call).
CREATE INDEX messages_envelope_gin ON agents.messages USING gin (envelope jsonb_path_ops);

COMMENT ON TABLE agents.messages IS
    'The messages of a conversation, in order (seq): each an envelope (JSON) with the SHA-256 of its canonical form, so that tampering shows';
COMMENT ON COLUMN agents.messages.tenant_id IS 'The tenant the message belongs to';
COMMENT ON COLUMN agents.messages.id IS 'The message''s id, unique within the tenant';
COMMENT ON COLUMN agents.messages.conversation_id IS 'The conversation the message is part of';
COMMENT ON COLUMN agents.messages.seq IS 'The message''s position in its conversation (1, 2, ...), unique there: the latest messages are the highest seq';
COMMENT ON COLUMN agents.messages.role IS 'Who speaks: system, user, assistant (the agent) or tool (a tool''s result)';
COMMENT ON COLUMN agents.messages.run_id IS 'The run that produced or consumed the message, if any';
COMMENT ON COLUMN agents.messages.envelope IS 'The message as sent: a JSON object with its type, sender, content, attachments and metadata; GIN-indexed for containment queries';
COMMENT ON COLUMN agents.messages.envelope_hash IS 'SHA-256 of the RFC 8785 canonical form of envelope, as 64 lowercase hex characters (checked); computed by the writer';
COMMENT ON COLUMN agents.messages.created_at IS 'When the message was stored';

ALTER TABLE agents.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_tenant_select ON agents.messages FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY messages_tenant_insert ON agents.messages FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY messages_tenant_update ON agents.messages FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY messages_tenant_delete ON agents.messages FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON agents.messages TO platform_app;
GRANT SELECT ON agents.messages TO platform_readonly, platform_backup;

RESET ROLE;
