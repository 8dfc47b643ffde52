-- 0002 acme: Acme Corporation, a support desk that triages tickets and
-- writes a weekly report with two agents. Every row of the tenant, in the
-- order of the references: people and access, models, agents and tools,
-- budgets, workflows and plans, conversations, then the runs with their
-- tool calls, messages and memories, and the audit log.
--
-- Ids are md5('acme/<kind>/<label>')::uuid (see 0001_tenants.sql); the
-- built-in roles are looked up by name, never inserted. The tenant is set
-- once, here, and every row takes tenant_id = strata_tenant.current(), so
-- the file runs under the FORCEd policies as platform_owner too.
SELECT strata_tenant.set(md5('tenant/acme')::uuid);

-- People and access -------------------------------------------------------

-- One user per built-in role (alice Admin, bob Planner, carol Viewer), a
-- guest who was invited and has not signed in, and a member who left.
INSERT INTO core.users (tenant_id, id, email, display_name, status, created_at)
SELECT strata_tenant.current(), md5('acme/user/' || v.name)::uuid, v.email, v.display_name, v.status,
       v.created_at::timestamptz
FROM (VALUES
    ('alice', 'alice@acme.example', 'Alice Anders', 'active', '2026-01-05 09:05:00+00'),
    ('bob', 'bob@acme.example', 'Bob Brandt', 'active', '2026-01-06 10:00:00+00'),
    ('carol', 'carol@acme.example', 'Carol Chen', 'active', '2026-01-07 11:00:00+00'),
    ('dave', 'dave@partner.example', NULL, 'invited', '2026-01-20 15:00:00+00'),
    ('erin', 'erin@acme.example', 'Erin Eady', 'disabled', '2026-01-09 08:00:00+00')
) AS v (name, email, display_name, status, created_at)
ON CONFLICT ON CONSTRAINT users_pkey DO UPDATE
    SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO core.memberships (tenant_id, id, user_id, kind, invited_by, invited_at, joined_at, left_at, created_at)
SELECT strata_tenant.current(), md5('acme/membership/' || v.member)::uuid, md5('acme/user/' || v.member)::uuid,
       v.kind, md5('acme/user/' || v.invited_by)::uuid, v.invited_at::timestamptz, v.joined_at::timestamptz,
       v.left_at::timestamptz, v.created_at::timestamptz
FROM (VALUES
    ('alice', 'owner', NULL, NULL, '2026-01-05 09:05:00+00', NULL, '2026-01-05 09:05:00+00'),
    ('bob', 'member', 'alice', '2026-01-06 10:00:00+00', '2026-01-06 12:30:00+00', NULL, '2026-01-06 10:00:00+00'),
    ('carol', 'member', 'alice', '2026-01-07 11:00:00+00', '2026-01-08 08:45:00+00', NULL, '2026-01-07 11:00:00+00'),
    ('dave', 'guest', 'bob', '2026-01-20 15:00:00+00', NULL, NULL, '2026-01-20 15:00:00+00'),
    ('erin', 'member', 'alice', '2026-01-09 08:00:00+00', '2026-01-09 09:00:00+00', '2026-02-27 17:00:00+00', '2026-01-09 08:00:00+00')
) AS v (member, kind, invited_by, invited_at, joined_at, left_at, created_at)
ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE
    SET user_id = EXCLUDED.user_id, kind = EXCLUDED.kind, invited_by = EXCLUDED.invited_by,
        invited_at = EXCLUDED.invited_at, joined_at = EXCLUDED.joined_at, left_at = EXCLUDED.left_at,
        created_at = EXCLUDED.created_at;

-- API keys: only SHA-256 of the whole key is stored. The keys are
-- '<prefix>.<secret>' with the demo secrets written here, so that they can
-- be tried against a dev database: stk_acme_ci01.demo-acme-ci-not-secret
-- (bob's CI key) and stk_acme_exp1.demo-acme-export-not-secret (a service
-- key, revoked).
INSERT INTO core.api_keys (tenant_id, id, user_id, name, key_prefix, key_hash, scopes, expires_at, last_used_at,
                           revoked_at, created_at)
SELECT strata_tenant.current(), md5('acme/api_key/' || v.prefix)::uuid, md5('acme/user/' || v.owner)::uuid, v.name,
       v.prefix, sha256(convert_to(v.prefix || '.' || v.secret, 'UTF8')), v.scopes::text[], v.expires_at::timestamptz,
       v.last_used_at::timestamptz, v.revoked_at::timestamptz, v.created_at::timestamptz
FROM (VALUES
    ('stk_acme_ci01', 'demo-acme-ci-not-secret', 'bob', 'CI pipeline', '{agents:read,runs:write}',
     '2027-01-15 00:00:00+00', '2026-03-02 06:00:00+00', NULL, '2026-01-15 14:00:00+00'),
    ('stk_acme_exp1', 'demo-acme-export-not-secret', NULL, 'nightly export', '{conversations:read}',
     NULL, '2026-02-27 02:00:00+00', '2026-03-01 12:00:00+00', '2026-01-16 09:00:00+00')
) AS v (prefix, secret, owner, name, scopes, expires_at, last_used_at, revoked_at, created_at)
ON CONFLICT ON CONSTRAINT api_keys_pkey DO UPDATE
    SET user_id = EXCLUDED.user_id, name = EXCLUDED.name, key_prefix = EXCLUDED.key_prefix,
        key_hash = EXCLUDED.key_hash, scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at,
        last_used_at = EXCLUDED.last_used_at, revoked_at = EXCLUDED.revoked_at, created_at = EXCLUDED.created_at;

-- A role of the tenant's own, next to the built-in three.
INSERT INTO core.rbac_roles (tenant_id, id, name, description, built_in, permissions, created_at)
VALUES (strata_tenant.current(), md5('acme/role/Auditor')::uuid, 'Auditor',
        'Reads everything, the audit log included', false, '{audit:read,*:read}', '2026-01-10 09:00:00+00')
ON CONFLICT ON CONSTRAINT rbac_roles_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, built_in = EXCLUDED.built_in,
        permissions = EXCLUDED.permissions, created_at = EXCLUDED.created_at;

-- Who holds which role. Principals and resources are named by kind and
-- label: their id is md5('acme/<kind>/<label>'). The role is found by name
-- (a missing one gives NULL and fails the NOT NULL).
INSERT INTO core.rbac_bindings (tenant_id, id, role_id, principal_type, principal_id, resource_type, resource_id,
                                created_by, created_at)
SELECT strata_tenant.current(), md5('acme/binding/' || v.label)::uuid,
       (SELECT r.id FROM core.rbac_roles AS r WHERE r.tenant_id = strata_tenant.current() AND r.name = v.role),
       v.principal_type, md5('acme/' || v.principal_type || '/' || v.principal)::uuid,
       v.resource_type, md5('acme/' || v.resource_type || '/' || v.resource)::uuid,
       md5('acme/user/' || v.created_by)::uuid, v.created_at::timestamptz
FROM (VALUES
    ('alice-admin', 'Admin', 'user', 'alice', NULL, NULL, NULL, '2026-01-05 09:05:00+00'),
    ('bob-planner', 'Planner', 'user', 'bob', NULL, NULL, 'alice', '2026-01-06 12:30:00+00'),
    ('carol-viewer', 'Viewer', 'user', 'carol', NULL, NULL, 'alice', '2026-01-08 08:45:00+00'),
    ('carol-auditor', 'Auditor', 'user', 'carol', NULL, NULL, 'alice', '2026-01-10 09:05:00+00'),
    ('dave-refund', 'Viewer', 'user', 'dave', 'conversation', 'refund-1042', 'bob', '2026-01-20 15:00:00+00'),
    ('ci-key-planner', 'Planner', 'api_key', 'stk_acme_ci01', NULL, NULL, 'bob', '2026-01-15 14:00:00+00'),
    ('triage-agent', 'Viewer', 'agent', 'support-triage', 'workflow', 'triage', 'alice', '2026-01-12 10:00:00+00')
) AS v (label, role, principal_type, principal, resource_type, resource, created_by, created_at)
ON CONFLICT ON CONSTRAINT rbac_bindings_pkey DO UPDATE
    SET role_id = EXCLUDED.role_id, principal_type = EXCLUDED.principal_type, principal_id = EXCLUDED.principal_id,
        resource_type = EXCLUDED.resource_type, resource_id = EXCLUDED.resource_id,
        created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at;

-- Models, agents and tools -------------------------------------------------

INSERT INTO core.model_registry (tenant_id, id, provider, name, version, parameters, status, created_at)
SELECT strata_tenant.current(), md5('acme/model/' || v.label)::uuid, v.provider, v.name, v.version,
       v.parameters::jsonb, v.status, v.created_at::timestamptz
FROM (VALUES
    ('sonnet', 'anthropic', 'claude-sonnet', '4.5',
     '{"context_window": 200000, "max_tokens": 8192, "temperature": 0.2, "tools": true}', 'active',
     '2026-01-05 09:30:00+00'),
    ('mini', 'openai', 'gpt-4o-mini', '2024-07-18',
     '{"context_window": 128000, "max_tokens": 4096, "temperature": 0.0, "tools": true}', 'deprecated',
     '2026-01-05 09:31:00+00')
) AS v (label, provider, name, version, parameters, status, created_at)
ON CONFLICT ON CONSTRAINT model_registry_pkey DO UPDATE
    SET provider = EXCLUDED.provider, name = EXCLUDED.name, version = EXCLUDED.version,
        parameters = EXCLUDED.parameters, status = EXCLUDED.status, created_at = EXCLUDED.created_at;

INSERT INTO agents.agents (tenant_id, id, name, description, model_id, instructions, config, status, created_at)
SELECT strata_tenant.current(), md5('acme/agent/' || v.name)::uuid, v.name, v.description,
       md5('acme/model/' || v.model)::uuid, v.instructions, v.config::jsonb, v.status, v.created_at::timestamptz
FROM (VALUES
    ('support-triage', 'Labels and prioritises new support tickets and drafts a first reply', 'sonnet',
     'You triage support tickets for Acme. Label each ticket, set its priority and draft a short, polite reply. Never promise refunds.',
     '{"max_steps": 6, "temperature": 0.1, "timeout_s": 120}', 'active', '2026-01-12 09:00:00+00'),
    ('report-writer', 'Writes the weekly support report from the ticket history', 'sonnet',
     'You write the weekly support report: volumes, top issues, notable tickets. Plain prose, at most one page.',
     '{"max_steps": 10, "temperature": 0.4, "timeout_s": 600}', 'active', '2026-01-12 09:30:00+00'),
    ('legacy-classifier', 'The first ticket classifier, kept for its history', 'mini',
     'Classify the ticket into billing, bug, account or other.',
     '{"max_steps": 1}', 'archived', '2026-01-05 10:00:00+00')
) AS v (name, description, model, instructions, config, status, created_at)
ON CONFLICT ON CONSTRAINT agents_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, model_id = EXCLUDED.model_id,
        instructions = EXCLUDED.instructions, config = EXCLUDED.config, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO agents.tools (tenant_id, id, name, description, kind, input_schema, endpoint, status, created_at)
SELECT strata_tenant.current(), md5('acme/tool/' || v.name)::uuid, v.name, v.description, v.kind,
       v.input_schema::jsonb, v.endpoint, v.status, v.created_at::timestamptz
FROM (VALUES
    ('search_kb', 'Searches the knowledge base and returns matching articles', 'builtin',
     '{"type": "object", "required": ["query"], "properties": {"query": {"type": "string"}}}', NULL, 'active',
     '2026-01-11 16:00:00+00'),
    ('ticket_api', 'Reads and updates tickets in the ticketing system', 'http',
     '{"type": "object", "required": ["action", "ticket"], "properties": {"label": {"type": "string"}, "action": {"enum": ["get", "add_label", "reply"]}, "ticket": {"type": "integer"}}}',
     'https://tickets.acme.example/api/v2', 'active', '2026-01-11 16:05:00+00'),
    ('summarise', 'Summarises a set of tickets in the tenant''s own code', 'function',
     '{"type": "object", "required": ["tickets"], "properties": {"tickets": {"type": "array", "items": {"type": "integer"}}}}',
     NULL, 'active', '2026-01-11 16:10:00+00')
) AS v (name, description, kind, input_schema, endpoint, status, created_at)
ON CONFLICT ON CONSTRAINT tools_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, kind = EXCLUDED.kind,
        input_schema = EXCLUDED.input_schema, endpoint = EXCLUDED.endpoint, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO agents.agent_tools (tenant_id, agent_id, tool_id, config, granted_at)
SELECT strata_tenant.current(), md5('acme/agent/' || v.agent)::uuid, md5('acme/tool/' || v.tool)::uuid,
       v.config::jsonb, v.granted_at::timestamptz
FROM (VALUES
    ('support-triage', 'search_kb', '{}', '2026-01-12 09:05:00+00'),
    ('support-triage', 'ticket_api', '{"rate_limit_per_min": 30}', '2026-01-12 09:05:00+00'),
    ('report-writer', 'search_kb', '{}', '2026-01-12 09:35:00+00'),
    ('report-writer', 'summarise', '{"max_words": 400}', '2026-01-12 09:35:00+00')
) AS v (agent, tool, config, granted_at)
ON CONFLICT ON CONSTRAINT agent_tools_pkey DO UPDATE
    SET config = EXCLUDED.config, granted_at = EXCLUDED.granted_at;

-- A monthly budget for the tenant and a smaller one for the triage agent.
INSERT INTO core.budgets (tenant_id, id, agent_id, period, period_start, limit_amount, spent_amount, currency,
                          created_at)
SELECT strata_tenant.current(), md5('acme/budget/' || v.label)::uuid, md5('acme/agent/' || v.agent)::uuid,
       v.period, v.period_start::timestamptz, v.limit_amount::numeric, v.spent_amount::numeric, v.currency,
       v.created_at::timestamptz
FROM (VALUES
    ('tenant-monthly', NULL, 'month', '2026-03-01 00:00:00+00', '500', '123.45', 'USD', '2026-01-05 09:40:00+00'),
    ('triage-monthly', 'support-triage', 'month', '2026-03-01 00:00:00+00', '200', '87.50', 'USD',
     '2026-01-12 09:05:00+00')
) AS v (label, agent, period, period_start, limit_amount, spent_amount, currency, created_at)
ON CONFLICT ON CONSTRAINT budgets_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, period = EXCLUDED.period, period_start = EXCLUDED.period_start,
        limit_amount = EXCLUDED.limit_amount, spent_amount = EXCLUDED.spent_amount, currency = EXCLUDED.currency,
        created_at = EXCLUDED.created_at;

-- Workflows and their plans --------------------------------------------------

INSERT INTO agents.workflows (tenant_id, id, agent_id, name, description, status, created_at)
SELECT strata_tenant.current(), md5('acme/workflow/' || v.label)::uuid, md5('acme/agent/' || v.agent)::uuid,
       v.name, v.description, v.status, v.created_at::timestamptz
FROM (VALUES
    ('triage', 'support-triage', 'Ticket triage', 'Every new ticket labelled, prioritised and answered within minutes',
     'active', '2026-01-12 10:00:00+00'),
    ('weekly-report', 'report-writer', 'Weekly report', 'The support report for the week, every Monday at 07:00',
     'active', '2026-01-12 10:30:00+00'),
    ('churn', 'report-writer', 'Churn analysis', 'Which customers wrote in before they cancelled', 'draft',
     '2026-02-20 16:00:00+00')
) AS v (label, agent, name, description, status, created_at)
ON CONFLICT ON CONSTRAINT workflows_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, name = EXCLUDED.name, description = EXCLUDED.description,
        status = EXCLUDED.status, created_at = EXCLUDED.created_at;

-- Plan ids are md5('acme/plan/<workflow>/<version>').
INSERT INTO agents.plans (tenant_id, id, workflow_id, version, steps, status, created_by, created_at, approved_at)
SELECT strata_tenant.current(), md5('acme/plan/' || v.workflow || '/' || v.version)::uuid,
       md5('acme/workflow/' || v.workflow)::uuid, v.version, v.steps::jsonb, v.status,
       md5('acme/user/' || v.created_by)::uuid, v.created_at::timestamptz, v.approved_at::timestamptz
FROM (VALUES
    ('triage', 1, '[{"action": "classify"}, {"action": "reply", "tool": "ticket_api"}]', 'superseded', 'bob',
     '2026-01-12 10:05:00+00', '2026-01-12 11:00:00+00'),
    ('triage', 2, '[{"action": "search", "tool": "search_kb"}, {"action": "classify", "after": [0]}, {"action": "label", "tool": "ticket_api", "after": [1]}, {"action": "reply", "tool": "ticket_api", "after": [2]}]',
     'approved', 'bob', '2026-02-03 09:00:00+00', '2026-02-03 09:30:00+00'),
    ('weekly-report', 1, '[{"action": "search", "tool": "search_kb"}, {"action": "summarise", "tool": "summarise", "after": [0]}, {"action": "write", "after": [1]}]',
     'approved', 'alice', '2026-01-12 10:35:00+00', '2026-01-12 11:10:00+00'),
    ('churn', 1, '[{"action": "search", "tool": "search_kb"}, {"action": "write", "after": [0]}]', 'draft', 'bob',
     '2026-02-20 16:05:00+00', NULL)
) AS v (workflow, version, steps, status, created_by, created_at, approved_at)
ON CONFLICT ON CONSTRAINT plans_pkey DO UPDATE
    SET workflow_id = EXCLUDED.workflow_id, version = EXCLUDED.version, steps = EXCLUDED.steps,
        status = EXCLUDED.status, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at,
        approved_at = EXCLUDED.approved_at;

INSERT INTO agents.conversations (tenant_id, id, agent_id, user_id, title, created_at)
SELECT strata_tenant.current(), md5('acme/conversation/' || v.label)::uuid, md5('acme/agent/' || v.agent)::uuid,
       md5('acme/user/' || v.user_name)::uuid, v.title, v.created_at::timestamptz
FROM (VALUES
    ('refund-1042', 'support-triage', 'bob', 'Refund for order 1042', '2026-03-02 09:00:00+00'),
    ('ticket-1043', 'support-triage', 'bob', 'Login loop on mobile', '2026-03-02 10:00:00+00'),
    ('report-w9', 'report-writer', 'alice', 'Weekly report, week 9', '2026-03-02 07:00:00+00')
) AS v (label, agent, user_name, title, created_at)
ON CONFLICT ON CONSTRAINT conversations_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, user_id = EXCLUDED.user_id, title = EXCLUDED.title,
        created_at = EXCLUDED.created_at;

-- Runs and tool calls ---------------------------------------------------------
--
-- The state machine lets a row start only as pending and never leave a
-- final state, so runs and tool calls are not upserted: a rerun of this
-- file would otherwise try succeeded -> running. Instead the file deletes
-- its runs with what refers to them (their tool calls, memories and
-- messages; deletes are not transitions) and replays each one legally:
-- INSERT pending, UPDATE to running (with its started_at), UPDATE to its
-- final state (with its finished_at); a row that stays pending or running
-- stops on the way. A fresh database and a rerun end with the same rows.
-- Rows of other runs are left alone.
--
-- Most runs are over, but one is still queued (pending) and one in
-- progress (running, with a tool call waiting): what the active runs index
-- serves, and rows that `strata tenancy probe` can copy for its insert
-- checks when it picks them (it copies whichever row of the tenant it
-- reads first; a copy of a finished run is refused by the state machine,
-- which proves nothing about isolation, so that check is inconclusive).
--
-- seed_runs and seed_calls hold the wanted end state; they are temporary
-- tables of this transaction only.
CREATE TEMP TABLE seed_runs ON COMMIT DROP AS
SELECT md5('acme/run/' || v.label)::uuid AS id, md5('acme/agent/' || v.agent)::uuid AS agent_id,
       md5('acme/workflow/' || v.workflow)::uuid AS workflow_id, md5('acme/plan/' || v.plan)::uuid AS plan_id,
       md5('acme/conversation/' || v.conversation)::uuid AS conversation_id,
       md5('acme/user/' || v.requested_by)::uuid AS requested_by, v.state, v.input::jsonb AS input,
       v.output::jsonb AS output, v.error, v.created_at::timestamptz AS created_at,
       v.started_at::timestamptz AS started_at, v.finished_at::timestamptz AS finished_at
FROM (VALUES
    ('triage-1045', 'support-triage', 'triage', 'triage/2', NULL, NULL, 'pending',
     '{"ticket": 1045}', NULL, NULL,
     '2026-03-13 16:59:58+00', NULL, NULL),
    ('report-w11', 'report-writer', 'weekly-report', 'weekly-report/1', NULL, 'alice', 'running',
     '{"week": 11, "year": 2026}', NULL, NULL,
     '2026-03-13 16:58:00+00', '2026-03-13 16:58:01+00', NULL),
    ('triage-1042', 'support-triage', 'triage', 'triage/2', 'refund-1042', 'bob', 'succeeded',
     '{"ticket": 1042}', '{"label": "billing", "priority": "normal", "reply_drafted": true}', NULL,
     '2026-03-02 09:00:05+00', '2026-03-02 09:00:06+00', '2026-03-02 09:00:41+00'),
    ('triage-1043', 'support-triage', 'triage', 'triage/2', 'ticket-1043', 'bob', 'failed',
     '{"ticket": 1043}', NULL, 'ticket_api did not answer within 30 s',
     '2026-03-02 10:00:03+00', '2026-03-02 10:00:04+00', '2026-03-02 10:00:36+00'),
    ('triage-1044', 'support-triage', 'triage', 'triage/2', NULL, 'bob', 'cancelled',
     '{"ticket": 1044}', NULL, NULL,
     '2026-03-03 11:00:00+00', '2026-03-03 11:00:01+00', '2026-03-03 11:00:20+00'),
    ('report-w9', 'report-writer', 'weekly-report', 'weekly-report/1', 'report-w9', 'alice', 'succeeded',
     '{"week": 9, "year": 2026}', '{"sections": 4, "words": 612}', NULL,
     '2026-03-02 07:00:02+00', '2026-03-02 07:00:03+00', '2026-03-02 07:02:10+00'),
    ('report-w10', 'report-writer', 'weekly-report', 'weekly-report/1', NULL, NULL, 'cancelled',
     '{"week": 10, "year": 2026}', NULL, NULL,
     '2026-03-09 07:00:00+00', NULL, '2026-03-09 07:05:00+00')
) AS v (label, agent, workflow, plan, conversation, requested_by, state, input, output, error, created_at,
        started_at, finished_at);

-- Call ids are md5('acme/call/<run>/<idempotency key>').
CREATE TEMP TABLE seed_calls ON COMMIT DROP AS
SELECT md5('acme/call/' || v.run || '/' || v.idempotency_key)::uuid AS id, md5('acme/run/' || v.run)::uuid AS run_id,
       md5('acme/tool/' || v.tool)::uuid AS tool_id, v.idempotency_key, v.state, v.arguments::jsonb AS arguments,
       v.result::jsonb AS result, v.error, v.created_at::timestamptz AS created_at,
       v.started_at::timestamptz AS started_at, v.finished_at::timestamptz AS finished_at
FROM (VALUES
    ('report-w11', 'summarise-1', 'summarise', 'pending', '{"tickets": [1043, 1044, 1045]}',
     NULL, NULL,
     '2026-03-13 16:59:30+00', NULL, NULL),
    ('report-w11', 'search-1', 'search_kb', 'succeeded', '{"query": "tickets week 11"}',
     '{"articles": [], "tickets": 198}', NULL,
     '2026-03-13 16:58:05+00', '2026-03-13 16:58:05+00', '2026-03-13 16:58:07+00'),
    ('triage-1042', 'search-1', 'search_kb', 'succeeded', '{"query": "refund order 1042"}',
     '{"articles": ["KB-17", "KB-22"]}', NULL,
     '2026-03-02 09:00:08+00', '2026-03-02 09:00:08+00', '2026-03-02 09:00:09+00'),
    ('triage-1042', 'label-1', 'ticket_api', 'succeeded', '{"action": "add_label", "label": "billing", "ticket": 1042}',
     '{"ok": true}', NULL,
     '2026-03-02 09:00:30+00', '2026-03-02 09:00:30+00', '2026-03-02 09:00:31+00'),
    ('triage-1043', 'get-1', 'ticket_api', 'failed', '{"action": "get", "ticket": 1043}',
     NULL, 'timeout after 30 s',
     '2026-03-02 10:00:05+00', '2026-03-02 10:00:05+00', '2026-03-02 10:00:35+00'),
    ('triage-1044', 'search-1', 'search_kb', 'cancelled', '{"query": "duplicate of 1042"}',
     NULL, NULL,
     '2026-03-03 11:00:05+00', '2026-03-03 11:00:05+00', '2026-03-03 11:00:20+00'),
    ('triage-1044', 'label-1', 'ticket_api', 'cancelled', '{"action": "add_label", "label": "duplicate", "ticket": 1044}',
     NULL, NULL,
     '2026-03-03 11:00:10+00', NULL, '2026-03-03 11:00:20+00'),
    ('report-w9', 'search-1', 'search_kb', 'succeeded', '{"query": "tickets week 9"}',
     '{"articles": [], "tickets": 214}', NULL,
     '2026-03-02 07:00:05+00', '2026-03-02 07:00:05+00', '2026-03-02 07:00:07+00'),
    ('report-w9', 'summarise-1', 'summarise', 'succeeded', '{"tickets": [1038, 1040, 1042]}',
     '{"summary": "Billing questions doubled after the price change."}', NULL,
     '2026-03-02 07:00:10+00', '2026-03-02 07:00:10+00', '2026-03-02 07:01:30+00')
) AS v (run, idempotency_key, tool, state, arguments, result, error, created_at, started_at, finished_at);

DELETE FROM agents.memory_items
WHERE tenant_id = strata_tenant.current() AND run_id IN (SELECT id FROM seed_runs);
DELETE FROM agents.messages
WHERE tenant_id = strata_tenant.current() AND run_id IN (SELECT id FROM seed_runs);
DELETE FROM agents.tool_calls
WHERE tenant_id = strata_tenant.current() AND run_id IN (SELECT id FROM seed_runs);
DELETE FROM agents.agent_runs
WHERE tenant_id = strata_tenant.current() AND id IN (SELECT id FROM seed_runs);

INSERT INTO agents.agent_runs (tenant_id, id, agent_id, workflow_id, plan_id, conversation_id, requested_by, state,
                               input, created_at)
SELECT strata_tenant.current(), s.id, s.agent_id, s.workflow_id, s.plan_id, s.conversation_id, s.requested_by,
       'pending', s.input, s.created_at
FROM seed_runs AS s;
UPDATE agents.agent_runs AS r SET state = 'running', started_at = s.started_at
FROM seed_runs AS s
WHERE r.tenant_id = strata_tenant.current() AND r.id = s.id AND s.started_at IS NOT NULL;
UPDATE agents.agent_runs AS r SET state = s.state, finished_at = s.finished_at, output = s.output, error = s.error
FROM seed_runs AS s
WHERE r.tenant_id = strata_tenant.current() AND r.id = s.id AND s.state IN ('succeeded', 'failed', 'cancelled');

INSERT INTO agents.tool_calls (tenant_id, id, run_id, tool_id, idempotency_key, state, arguments, created_at)
SELECT strata_tenant.current(), c.id, c.run_id, c.tool_id, c.idempotency_key, 'pending', c.arguments, c.created_at
FROM seed_calls AS c;
UPDATE agents.tool_calls AS t SET state = 'running', started_at = c.started_at
FROM seed_calls AS c
WHERE t.tenant_id = strata_tenant.current() AND t.id = c.id AND c.started_at IS NOT NULL;
UPDATE agents.tool_calls AS t SET state = c.state, finished_at = c.finished_at, result = c.result, error = c.error
FROM seed_calls AS c
WHERE t.tenant_id = strata_tenant.current() AND t.id = c.id AND c.state IN ('succeeded', 'failed', 'cancelled');

-- Messages ------------------------------------------------------------------
--
-- envelope_hash is the SHA-256 of the RFC 8785 (JCS) canonical form of the
-- envelope. Each envelope below is written in that form already -- keys
-- sorted by code point, no whitespace, integers only, ASCII strings with
-- only the escapes JCS requires -- and both columns are computed from the
-- same text: envelope = text::jsonb, envelope_hash = sha256 of the text.
-- That is the hash of the canonical form only because the text is
-- canonical: keep it so when editing (jsonb's own text form is not).
-- Message ids are md5('acme/message/<conversation>/<seq>').
INSERT INTO agents.messages (tenant_id, id, conversation_id, seq, role, run_id, envelope, envelope_hash, created_at)
SELECT strata_tenant.current(), md5('acme/message/' || v.conversation || '/' || v.seq)::uuid,
       md5('acme/conversation/' || v.conversation)::uuid, v.seq, v.role, md5('acme/run/' || v.run)::uuid,
       v.envelope::jsonb, encode(sha256(convert_to(v.envelope, 'UTF8')), 'hex'), v.created_at::timestamptz
FROM (VALUES
    ('refund-1042', 1, 'user', NULL, '2026-03-02 09:00:00+00',
     '{"attachments":[{"media_type":"application/pdf","name":"invoice-1042.pdf","size":48213}],"content":[{"text":"Order 1042 arrived broken. Can I get a refund?","type":"text"}],"metadata":{"channel":"email"},"sender":{"id":"bob","kind":"user"},"type":"message","v":1}'),
    ('refund-1042', 2, 'tool', 'triage-1042', '2026-03-02 09:00:09+00',
     '{"attachments":[],"content":[{"call":"search-1","result":{"articles":["KB-17","KB-22"]},"type":"tool_result"}],"metadata":{"tool":"search_kb"},"sender":{"id":"search_kb","kind":"tool"},"type":"message","v":1}'),
    ('refund-1042', 3, 'assistant', 'triage-1042', '2026-03-02 09:00:40+00',
     '{"attachments":[],"content":[{"text":"Labelled \"billing\", priority normal.\nDraft reply: sorry about the damage; a colleague will confirm the refund within 2 working days (KB-17).","type":"text"}],"metadata":{"model":"claude-sonnet","tokens_in":1412,"tokens_out":96},"sender":{"id":"support-triage","kind":"agent"},"type":"message","v":1}'),
    ('ticket-1043', 1, 'user', NULL, '2026-03-02 10:00:00+00',
     '{"attachments":[],"content":[{"text":"The mobile app keeps sending me back to the login page.","type":"text"}],"metadata":{"channel":"web"},"sender":{"id":"bob","kind":"user"},"type":"message","v":1}'),
    ('ticket-1043', 2, 'assistant', 'triage-1043', '2026-03-02 10:00:36+00',
     '{"attachments":[],"content":[{"text":"The ticketing system did not answer; the ticket is unchanged. Please try again later.","type":"text"}],"metadata":{"error":true,"model":"claude-sonnet","tokens_in":388,"tokens_out":31},"sender":{"id":"support-triage","kind":"agent"},"type":"message","v":1}'),
    ('report-w9', 1, 'user', NULL, '2026-03-02 07:00:00+00',
     '{"attachments":[],"content":[{"text":"Weekly report for week 9, please.","type":"text"}],"metadata":{"channel":"schedule"},"sender":{"id":"alice","kind":"user"},"type":"message","v":1}'),
    ('report-w9', 2, 'assistant', 'report-w9', '2026-03-02 07:02:10+00',
     '{"attachments":[{"media_type":"text/markdown","name":"report-2026-w09.md","size":4210}],"content":[{"text":"Week 9: 214 tickets (+12%). Billing questions doubled after the price change.","type":"text"}],"metadata":{"model":"claude-sonnet","tokens_in":9120,"tokens_out":812},"sender":{"id":"report-writer","kind":"agent"},"type":"message","v":1}')
) AS v (conversation, seq, role, run, created_at, envelope)
ON CONFLICT ON CONSTRAINT messages_pkey DO UPDATE
    SET conversation_id = EXCLUDED.conversation_id, seq = EXCLUDED.seq, role = EXCLUDED.role,
        run_id = EXCLUDED.run_id, envelope = EXCLUDED.envelope, envelope_hash = EXCLUDED.envelope_hash,
        created_at = EXCLUDED.created_at;

-- Memories ------------------------------------------------------------------

INSERT INTO agents.memory_items (tenant_id, id, agent_id, run_id, key, value, created_at, expires_at)
SELECT strata_tenant.current(), md5('acme/memory/' || v.label)::uuid, r.agent_id, r.id, v.key, v.value::jsonb,
       v.created_at::timestamptz, v.expires_at::timestamptz
FROM (VALUES
    ('customer-7781', 'triage-1042', 'customer.7781', '{"plan": "pro", "prefers": "email", "refunds": 1}',
     '2026-03-02 09:00:41+00', NULL),
    ('last-report', 'report-w9', 'report.last_week', '{"tickets": 214, "week": 9, "words": 612}',
     '2026-03-02 07:02:10+00', '2026-06-01 00:00:00+00')
) AS v (label, run, key, value, created_at, expires_at)
JOIN seed_runs AS r ON r.id = md5('acme/run/' || v.run)::uuid;

-- Audit log -------------------------------------------------------------------
--
-- One chain per tenant in strata's ledger form (migration 0015,
-- docs/ledger.md): chain = the tenant's id, recorded_at = occurred_at, and
--   hash = strata.audit_hash(prev_hash, ...) = SHA-256(prev_hash || the
--          canonical form of the entry), prev_hash being the hash of the
--          entry before (32 zero bytes for seq 1, stored as NULL)
-- so that `strata audit verify --table audit.audit_log --chain-column
-- tenant_id --time-column occurred_at --all` proves every tenant's chain.
--
-- Actors and targets are kind:id; their ids follow the labels
-- (md5('acme/<kind>/<label>')), system actors keep their name, and the
-- tenant is tenant:<its id>.
INSERT INTO audit.audit_log (tenant_id, id, seq, actor, action, target, payload, occurred_at, prev_hash, hash)
WITH RECURSIVE entry AS (
    SELECT v.seq, md5('acme/audit/' || v.seq)::uuid AS id,
           v.actor_kind || ':' || CASE v.actor_kind WHEN 'system' THEN v.actor
               ELSE md5('acme/' || v.actor_kind || '/' || v.actor)::uuid::text END AS actor,
           v.action,
           v.target_kind || ':' || CASE v.target_kind WHEN 'tenant' THEN strata_tenant.current()::text
               ELSE md5('acme/' || v.target_kind || '/' || v.target)::uuid::text END AS target,
           v.payload, v.occurred_at::timestamptz AS occurred_at
    FROM (VALUES
        (1, 'system', 'provisioning', 'tenant.create', 'tenant', NULL, '{"plan":"business","region":"eu-west"}',
         '2026-01-05 09:00:00+00'),
        (2, 'user', 'alice', 'user.invite', 'user', 'bob', '{"email":"bob@acme.example","role":"Planner"}',
         '2026-01-06 10:00:00+00'),
        (3, 'user', 'alice', 'role.create', 'role', 'Auditor', '{"name":"Auditor","permissions":["audit:read","*:read"]}',
         '2026-01-10 09:00:00+00'),
        (4, 'user', 'bob', 'api_key.create', 'api_key', 'stk_acme_ci01',
         '{"prefix":"stk_acme_ci01","scopes":["agents:read","runs:write"]}', '2026-01-15 14:00:00+00'),
        (5, 'user', 'alice', 'api_key.revoke', 'api_key', 'stk_acme_exp1', '{"prefix":"stk_acme_exp1","reason":"rotated"}',
         '2026-03-01 12:00:00+00'),
        (6, 'user', 'bob', 'run.cancel', 'run', 'triage-1044', '{"reason":"duplicate ticket"}',
         '2026-03-03 11:00:20+00'),
        (7, 'system', 'scheduler', 'run.cancel', 'run', 'report-w10', '{"reason":"superseded by a manual report"}',
         '2026-03-09 07:05:00+00')
    ) AS v (seq, actor_kind, actor, action, target_kind, target, payload, occurred_at)
), chain AS (
    SELECT e.seq, NULL::bytea AS prev_hash,
           strata.audit_hash('\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
                             strata_tenant.current()::text, e.seq, e.occurred_at, e.actor, e.action, e.target,
                             e.payload::jsonb) AS hash
    FROM entry AS e WHERE e.seq = 1
    UNION ALL
    SELECT e.seq, p.hash, strata.audit_hash(p.hash, strata_tenant.current()::text, e.seq, e.occurred_at, e.actor,
                                            e.action, e.target, e.payload::jsonb)
    FROM chain AS p JOIN entry AS e ON e.seq = p.seq + 1
)
SELECT strata_tenant.current(), e.id, e.seq, e.actor, e.action, e.target, e.payload::jsonb, e.occurred_at,
       h.prev_hash, h.hash
FROM entry AS e JOIN chain AS h ON h.seq = e.seq
-- The log is append-only (0015): entries that exist stay as they are.
ON CONFLICT ON CONSTRAINT audit_log_pkey DO NOTHING;
