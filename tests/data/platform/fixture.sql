-- The platform schema's test fixture: two tenants, fx-a and fx-b, with one
-- row of every tenant-scoped table each (and the built-in roles the tenants
-- get from their trigger). Run as a superuser on a freshly migrated
-- database; every value is fixed, every id derived from the tenant and a
-- label, so that two runs give identical rows. tests/cli/test_platform_schema.c
-- fails when a tenant-scoped table has no row here for each tenant: add one
-- when you add a table.
INSERT INTO core.tenants (id, slug, name, status, created_at) VALUES
    ('aaaaaaaa-0000-4000-8000-000000000001', 'fx-a', 'Fixture A', 'active', '2026-01-01 00:00:00+00'),
    ('bbbbbbbb-0000-4000-8000-000000000002', 'fx-b', 'Fixture B', 'active', '2026-01-01 00:00:00+00');

CREATE TEMP VIEW fx AS
    SELECT id AS t, slug FROM core.tenants WHERE slug IN ('fx-a', 'fx-b');

INSERT INTO core.users (tenant_id, id, email, display_name, status, created_at)
SELECT t, md5(t || '/user')::uuid, 'ada@' || slug || '.example', 'Ada ' || slug, 'active', '2026-01-01 00:01:00+00'
FROM fx;

INSERT INTO core.memberships (tenant_id, id, user_id, kind, joined_at, created_at)
SELECT t, md5(t || '/membership')::uuid, md5(t || '/user')::uuid, 'owner', '2026-01-01 00:01:00+00', '2026-01-01 00:01:00+00'
FROM fx;

INSERT INTO core.api_keys (tenant_id, id, user_id, name, key_prefix, key_hash, scopes, created_at)
SELECT t, md5(t || '/key')::uuid, md5(t || '/user')::uuid, 'ci', 'stk_' || replace(slug, '-', '_'),
       sha256(convert_to('secret of ' || slug, 'UTF8')), ARRAY['runs:write'], '2026-01-01 00:02:00+00'
FROM fx;

INSERT INTO core.rbac_bindings (tenant_id, id, role_id, principal_type, principal_id, created_by, created_at)
SELECT fx.t, md5(fx.t || '/binding')::uuid, r.id, 'user', md5(fx.t || '/user')::uuid, md5(fx.t || '/user')::uuid,
       '2026-01-01 00:02:00+00'
FROM fx JOIN core.rbac_roles AS r ON r.tenant_id = fx.t AND r.name = 'Admin';

INSERT INTO core.model_registry (tenant_id, id, provider, name, version, parameters, status, created_at)
SELECT t, md5(t || '/model')::uuid, 'local', 'tiny', '1', '{"tools": true, "context_window": 8192}', 'active',
       '2026-01-01 00:03:00+00'
FROM fx;

INSERT INTO agents.agents (tenant_id, id, name, model_id, instructions, config, created_at)
SELECT t, md5(t || '/agent')::uuid, 'planner', md5(t || '/model')::uuid, 'Plan carefully.', '{"max_steps": 8}',
       '2026-01-01 00:04:00+00'
FROM fx;

INSERT INTO agents.tools (tenant_id, id, name, description, kind, input_schema, endpoint, created_at)
SELECT t, md5(t || '/tool')::uuid, 'search', 'Searches the web', 'http', '{"type": "object"}',
       'https://tools.example/search', '2026-01-01 00:04:00+00'
FROM fx;

INSERT INTO agents.agent_tools (tenant_id, agent_id, tool_id, config, granted_at)
SELECT t, md5(t || '/agent')::uuid, md5(t || '/tool')::uuid, '{}', '2026-01-01 00:05:00+00'
FROM fx;

INSERT INTO agents.workflows (tenant_id, id, agent_id, name, status, created_at)
SELECT t, md5(t || '/workflow')::uuid, md5(t || '/agent')::uuid, 'weekly report', 'active', '2026-01-01 00:05:00+00'
FROM fx;

INSERT INTO agents.plans (tenant_id, id, workflow_id, version, steps, status, created_by, created_at, approved_at)
SELECT t, md5(t || '/plan')::uuid, md5(t || '/workflow')::uuid, 1, '[{"action": "search"}, {"action": "write"}]',
       'approved', md5(t || '/user')::uuid, '2026-01-01 00:06:00+00', '2026-01-01 00:07:00+00'
FROM fx;

INSERT INTO agents.conversations (tenant_id, id, agent_id, user_id, title, created_at)
SELECT t, md5(t || '/conversation')::uuid, md5(t || '/agent')::uuid, md5(t || '/user')::uuid, 'Hello',
       '2026-01-01 00:08:00+00'
FROM fx;

INSERT INTO agents.agent_runs (tenant_id, id, agent_id, workflow_id, plan_id, conversation_id, requested_by, input, created_at)
SELECT t, md5(t || '/run')::uuid, md5(t || '/agent')::uuid, md5(t || '/workflow')::uuid, md5(t || '/plan')::uuid,
       md5(t || '/conversation')::uuid, md5(t || '/user')::uuid, '{"week": 1}', '2026-01-01 00:09:00+00'
FROM fx;

INSERT INTO agents.tool_calls (tenant_id, id, run_id, tool_id, idempotency_key, arguments, created_at)
SELECT t, md5(t || '/call')::uuid, md5(t || '/run')::uuid, md5(t || '/tool')::uuid, 'call-1', '{"q": "news"}',
       '2026-01-01 00:10:00+00'
FROM fx;

INSERT INTO agents.messages (tenant_id, id, conversation_id, seq, role, run_id, envelope, envelope_hash, created_at)
SELECT t, md5(t || '/message')::uuid, md5(t || '/conversation')::uuid, 1, 'user', md5(t || '/run')::uuid, e.envelope,
       encode(sha256(convert_to(e.envelope::text, 'UTF8')), 'hex'), '2026-01-01 00:08:30+00'
FROM fx, LATERAL (SELECT jsonb_build_object('type', 'text', 'from', 'user', 'content', 'hello from ' || slug) AS envelope) AS e;

INSERT INTO agents.memory_items (tenant_id, id, agent_id, run_id, key, value, created_at)
SELECT t, md5(t || '/memory')::uuid, md5(t || '/agent')::uuid, md5(t || '/run')::uuid, 'user.preferences',
       '{"tone": "short"}', '2026-01-01 00:11:00+00'
FROM fx;

INSERT INTO core.budgets (tenant_id, id, agent_id, period, period_start, limit_amount, spent_amount, currency, created_at)
SELECT t, md5(t || '/budget')::uuid, NULL, 'month', '2026-01-01 00:00:00+00', 100, 12.5, 'EUR', '2026-01-01 00:12:00+00'
FROM fx;

INSERT INTO audit.audit_log (tenant_id, id, seq, actor, action, target, payload, occurred_at, prev_hash, hash)
SELECT t, md5(t || '/audit')::uuid, 1, 'user:' || md5(t || '/user')::uuid, 'run.start', 'run:' || md5(t || '/run')::uuid,
       '{"via": "api"}', '2026-01-01 00:13:00+00', NULL, sha256(convert_to(t || '/audit/1', 'UTF8'))
FROM fx;

DROP VIEW fx;
