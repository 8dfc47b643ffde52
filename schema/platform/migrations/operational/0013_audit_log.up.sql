-- 0013 audit_log: the schema audit and its append-only log, one hash chain
-- per tenant. The columns of the chain are here now; computing and verifying
-- it is the integrity machinery's work (a later issue). platform_app may
-- read and append, never UPDATE or DELETE.
CREATE SCHEMA audit AUTHORIZATION platform_owner;
SET LOCAL ROLE platform_owner;

COMMENT ON SCHEMA audit IS 'The audit trail: who did what to what, in a hash chain per tenant';
GRANT USAGE ON SCHEMA audit TO platform_app, platform_readonly, platform_backup;

CREATE TABLE audit.audit_log (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    seq bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target text,
    payload jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now(),
    prev_hash bytea,
    hash bytea NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT audit_log_seq_key UNIQUE (tenant_id, seq),
    CONSTRAINT audit_log_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT audit_log_seq_check CHECK (seq >= 1),
    CONSTRAINT audit_log_actor_check CHECK (length(actor) BETWEEN 1 AND 200),
    CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z][a-z0-9_.:-]{0,99}$'),
    CONSTRAINT audit_log_payload_check CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT audit_log_prev_hash_check CHECK (octet_length(prev_hash) = 32),
    CONSTRAINT audit_log_hash_check CHECK (octet_length(hash) = 32)
);
CREATE INDEX audit_log_occurred_idx ON audit.audit_log (tenant_id, occurred_at DESC);
CREATE INDEX audit_log_target_idx ON audit.audit_log (tenant_id, target, occurred_at DESC);
-- Queried by containment (entries about a resource, with a field).
CREATE INDEX audit_log_payload_gin ON audit.audit_log USING gin (payload jsonb_path_ops);

COMMENT ON TABLE audit.audit_log IS
    'Append-only record of what happened in a tenant: each entry chained to the previous one of its tenant by prev_hash and hash (SHA-256)';
COMMENT ON COLUMN audit.audit_log.tenant_id IS 'The tenant the entry belongs to (one chain per tenant)';
COMMENT ON COLUMN audit.audit_log.id IS 'The entry''s id, unique within the tenant';
COMMENT ON COLUMN audit.audit_log.seq IS 'The entry''s position in its tenant''s chain: 1, 2, ... without gaps';
COMMENT ON COLUMN audit.audit_log.actor IS 'Who acted, as kind:id (user:<uuid>, api_key:<uuid>, agent:<uuid>, system:<name>)';
COMMENT ON COLUMN audit.audit_log.action IS 'What was done, as a dotted verb (user.invite, api_key.revoke, run.cancel ...)';
COMMENT ON COLUMN audit.audit_log.target IS 'What it was done to, as kind:id; NULL when the action has no single target';
COMMENT ON COLUMN audit.audit_log.payload IS 'Details of the action as a JSON object (changed fields, request id, client address); GIN-indexed for containment queries';
COMMENT ON COLUMN audit.audit_log.occurred_at IS 'When it happened';
COMMENT ON COLUMN audit.audit_log.prev_hash IS 'hash of the tenant''s previous entry (32 bytes); NULL for the first entry of the chain';
COMMENT ON COLUMN audit.audit_log.hash IS 'SHA-256 (32 bytes) over prev_hash and this entry''s canonical content: changing or removing an entry breaks the chain';

ALTER TABLE audit.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant_select ON audit.audit_log FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY audit_log_tenant_insert ON audit.audit_log FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY audit_log_tenant_update ON audit.audit_log FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY audit_log_tenant_delete ON audit.audit_log FOR DELETE
    USING (tenant_id = strata_tenant.current());

-- Append-only for the application: no UPDATE or DELETE.
GRANT SELECT, INSERT ON audit.audit_log TO platform_app;
GRANT SELECT ON audit.audit_log TO platform_readonly, platform_backup;

RESET ROLE;
