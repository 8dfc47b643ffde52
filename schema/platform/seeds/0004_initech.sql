-- 0004 initech: Initech, a new and small tenant with one agent that files
-- the weekly TPS report. The statements are those of 0002_acme.sql with
-- initech's rows: the comments there (and below) say how ids are made, how
-- runs are replayed legally on a rerun, how envelope hashes are computed
-- and how the audit chain is filled.
--
-- Ids are md5('initech/<kind>/<label>')::uuid (see 0001_tenants.sql); the
-- built-in roles are looked up by name, never inserted. The tenant is set
-- once, here, and every row takes tenant_id = strata_tenant.current(), so
-- the file runs under the FORCEd policies as platform_owner too.
SELECT strata_tenant.set(md5('tenant/initech')::uuid);

-- People and access -------------------------------------------------------

-- One user per built-in role (peter Admin, samir and michael Planner,
-- milton Viewer).
INSERT INTO core.users (tenant_id, id, email, display_name, status, created_at)
SELECT strata_tenant.current(), md5('initech/user/' || v.name)::uuid, v.email, v.display_name, v.status,
       v.created_at::timestamptz
FROM (VALUES
    ('peter', 'peter@initech.example', 'Peter G.', 'active', '2026-03-09 08:35:00+00'),
    ('samir', 'samir@initech.example', 'Samir N.', 'active', '2026-03-09 09:00:00+00'),
    ('milton', 'milton@initech.example', 'Milton W.', 'active', '2026-03-09 09:05:00+00'),
    ('michael', 'michael@initech.example', 'Michael B.', 'active', '2026-03-09 09:10:00+00')
) AS v (name, email, display_name, status, created_at)
ON CONFLICT ON CONSTRAINT users_pkey DO UPDATE
    SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO core.memberships (tenant_id, id, user_id, kind, invited_by, invited_at, joined_at, left_at, created_at)
SELECT strata_tenant.current(), md5('initech/membership/' || v.member)::uuid, md5('initech/user/' || v.member)::uuid,
       v.kind, md5('initech/user/' || v.invited_by)::uuid, v.invited_at::timestamptz, v.joined_at::timestamptz,
       v.left_at::timestamptz, v.created_at::timestamptz
FROM (VALUES
    ('peter', 'owner', NULL, NULL, '2026-03-09 08:35:00+00', NULL, '2026-03-09 08:35:00+00'),
    ('samir', 'member', 'peter', '2026-03-09 09:00:00+00', '2026-03-09 09:15:00+00', NULL, '2026-03-09 09:00:00+00'),
    ('milton', 'member', 'peter', '2026-03-09 09:05:00+00', '2026-03-10 08:00:00+00', NULL, '2026-03-09 09:05:00+00'),
    ('michael', 'member', 'peter', '2026-03-09 09:10:00+00', '2026-03-09 10:00:00+00', NULL, '2026-03-09 09:10:00+00')
) AS v (member, kind, invited_by, invited_at, joined_at, left_at, created_at)
ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE
    SET user_id = EXCLUDED.user_id, kind = EXCLUDED.kind, invited_by = EXCLUDED.invited_by,
        invited_at = EXCLUDED.invited_at, joined_at = EXCLUDED.joined_at, left_at = EXCLUDED.left_at,
        created_at = EXCLUDED.created_at;

-- API keys: only SHA-256 of the whole key is stored. The key is
-- '<prefix>.<secret>' with the demo secret written here, so that it can be
-- tried against a dev database: stk_initech_ci01.demo-initech-ci-not-secret
-- (samir's build server).
INSERT INTO core.api_keys (tenant_id, id, user_id, name, key_prefix, key_hash, scopes, expires_at, last_used_at,
                           revoked_at, created_at)
SELECT strata_tenant.current(), md5('initech/api_key/' || v.prefix)::uuid, md5('initech/user/' || v.owner)::uuid, v.name,
       v.prefix, sha256(convert_to(v.prefix || '.' || v.secret, 'UTF8')), v.scopes::text[], v.expires_at::timestamptz,
       v.last_used_at::timestamptz, v.revoked_at::timestamptz, v.created_at::timestamptz
FROM (VALUES
    ('stk_initech_ci01', 'demo-initech-ci-not-secret', 'samir', 'build server', '{runs:write}',
     '2026-09-09 00:00:00+00', '2026-03-12 23:00:00+00', NULL, '2026-03-10 09:00:00+00')
) AS v (prefix, secret, owner, name, scopes, expires_at, last_used_at, revoked_at, created_at)
ON CONFLICT ON CONSTRAINT api_keys_pkey DO UPDATE
    SET user_id = EXCLUDED.user_id, name = EXCLUDED.name, key_prefix = EXCLUDED.key_prefix,
        key_hash = EXCLUDED.key_hash, scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at,
        last_used_at = EXCLUDED.last_used_at, revoked_at = EXCLUDED.revoked_at, created_at = EXCLUDED.created_at;

-- A role of the tenant's own, next to the built-in three.
INSERT INTO core.rbac_roles (tenant_id, id, name, description, built_in, permissions, created_at)
VALUES (strata_tenant.current(), md5('initech/role/Reviewer')::uuid, 'Reviewer',
        'Approves plans; reads the rest', false, '{plans:approve,*:read}', '2026-03-10 09:30:00+00')
ON CONFLICT ON CONSTRAINT rbac_roles_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, built_in = EXCLUDED.built_in,
        permissions = EXCLUDED.permissions, created_at = EXCLUDED.created_at;

-- Who holds which role. Principals and resources are named by kind and
-- label: their id is md5('initech/<kind>/<label>'). The role is found by name
-- (a missing one gives NULL and fails the NOT NULL).
INSERT INTO core.rbac_bindings (tenant_id, id, role_id, principal_type, principal_id, resource_type, resource_id,
                                created_by, created_at)
SELECT strata_tenant.current(), md5('initech/binding/' || v.label)::uuid,
       (SELECT r.id FROM core.rbac_roles AS r WHERE r.tenant_id = strata_tenant.current() AND r.name = v.role),
       v.principal_type, md5('initech/' || v.principal_type || '/' || v.principal)::uuid,
       v.resource_type, md5('initech/' || v.resource_type || '/' || v.resource)::uuid,
       md5('initech/user/' || v.created_by)::uuid, v.created_at::timestamptz
FROM (VALUES
    ('peter-admin', 'Admin', 'user', 'peter', NULL, NULL, NULL, '2026-03-09 08:35:00+00'),
    ('samir-planner', 'Planner', 'user', 'samir', NULL, NULL, 'peter', '2026-03-09 09:15:00+00'),
    ('michael-planner', 'Planner', 'user', 'michael', NULL, NULL, 'peter', '2026-03-09 10:00:00+00'),
    ('milton-viewer', 'Viewer', 'user', 'milton', NULL, NULL, 'peter', '2026-03-10 08:00:00+00'),
    ('peter-reviewer', 'Reviewer', 'user', 'peter', 'workflow', 'tps-reports', 'peter', '2026-03-10 09:35:00+00'),
    ('ci-key-planner', 'Planner', 'api_key', 'stk_initech_ci01', NULL, NULL, 'samir', '2026-03-10 09:00:00+00')
) AS v (label, role, principal_type, principal, resource_type, resource, created_by, created_at)
ON CONFLICT ON CONSTRAINT rbac_bindings_pkey DO UPDATE
    SET role_id = EXCLUDED.role_id, principal_type = EXCLUDED.principal_type, principal_id = EXCLUDED.principal_id,
        resource_type = EXCLUDED.resource_type, resource_id = EXCLUDED.resource_id,
        created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at;

-- Models, agents and tools -------------------------------------------------

INSERT INTO core.model_registry (tenant_id, id, provider, name, version, parameters, status, created_at)
SELECT strata_tenant.current(), md5('initech/model/' || v.label)::uuid, v.provider, v.name, v.version,
       v.parameters::jsonb, v.status, v.created_at::timestamptz
FROM (VALUES
    ('llama', 'local', 'llama-3.1-8b-instruct', 'q4_k_m',
     '{"context_window": 32768, "max_tokens": 2048, "temperature": 0.0, "tools": true}', 'active',
     '2026-03-09 08:40:00+00')
) AS v (label, provider, name, version, parameters, status, created_at)
ON CONFLICT ON CONSTRAINT model_registry_pkey DO UPDATE
    SET provider = EXCLUDED.provider, name = EXCLUDED.name, version = EXCLUDED.version,
        parameters = EXCLUDED.parameters, status = EXCLUDED.status, created_at = EXCLUDED.created_at;

INSERT INTO agents.agents (tenant_id, id, name, description, model_id, instructions, config, status, created_at)
SELECT strata_tenant.current(), md5('initech/agent/' || v.name)::uuid, v.name, v.description,
       md5('initech/model/' || v.model)::uuid, v.instructions, v.config::jsonb, v.status, v.created_at::timestamptz
FROM (VALUES
    ('tps-reporter', 'Fills in the weekly TPS report and sends it', 'llama',
     'You fill in the weekly TPS report from the shared spreadsheet. Every report gets the new cover sheet.',
     '{"max_steps": 5, "temperature": 0.0, "timeout_s": 90}', 'active', '2026-03-10 10:00:00+00')
) AS v (name, description, model, instructions, config, status, created_at)
ON CONFLICT ON CONSTRAINT agents_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, model_id = EXCLUDED.model_id,
        instructions = EXCLUDED.instructions, config = EXCLUDED.config, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO agents.tools (tenant_id, id, name, description, kind, input_schema, endpoint, status, created_at)
SELECT strata_tenant.current(), md5('initech/tool/' || v.name)::uuid, v.name, v.description, v.kind,
       v.input_schema::jsonb, v.endpoint, v.status, v.created_at::timestamptz
FROM (VALUES
    ('spreadsheet', 'Reads and writes the shared TPS spreadsheet', 'function',
     '{"type": "object", "required": ["sheet"], "properties": {"week": {"type": "integer"}, "sheet": {"type": "string"}}}',
     NULL, 'active', '2026-03-10 09:50:00+00'),
    ('mailer', 'Sends e-mail through the company relay', 'http',
     '{"type": "object", "required": ["to", "subject"], "properties": {"to": {"type": "array"}, "subject": {"type": "string"}}}',
     'https://mail.initech.example/send', 'active', '2026-03-10 09:55:00+00')
) AS v (name, description, kind, input_schema, endpoint, status, created_at)
ON CONFLICT ON CONSTRAINT tools_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, kind = EXCLUDED.kind,
        input_schema = EXCLUDED.input_schema, endpoint = EXCLUDED.endpoint, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO agents.agent_tools (tenant_id, agent_id, tool_id, config, granted_at)
SELECT strata_tenant.current(), md5('initech/agent/' || v.agent)::uuid, md5('initech/tool/' || v.tool)::uuid,
       v.config::jsonb, v.granted_at::timestamptz
FROM (VALUES
    ('tps-reporter', 'spreadsheet', '{}', '2026-03-10 10:01:00+00'),
    ('tps-reporter', 'mailer', '{"allowed_domains": ["initech.example"]}', '2026-03-10 10:01:00+00')
) AS v (agent, tool, config, granted_at)
ON CONFLICT ON CONSTRAINT agent_tools_pkey DO UPDATE
    SET config = EXCLUDED.config, granted_at = EXCLUDED.granted_at;

-- A monthly budget for the tenant and a smaller one for its agent.
INSERT INTO core.budgets (tenant_id, id, agent_id, period, period_start, limit_amount, spent_amount, currency,
                          created_at)
SELECT strata_tenant.current(), md5('initech/budget/' || v.label)::uuid, md5('initech/agent/' || v.agent)::uuid,
       v.period, v.period_start::timestamptz, v.limit_amount::numeric, v.spent_amount::numeric, v.currency,
       v.created_at::timestamptz
FROM (VALUES
    ('tenant-monthly', NULL, 'month', '2026-03-01 00:00:00+00', '100', '3.20', 'USD', '2026-03-09 08:45:00+00'),
    ('reporter-monthly', 'tps-reporter', 'month', '2026-03-01 00:00:00+00', '20', '3.20', 'USD',
     '2026-03-10 10:02:00+00')
) AS v (label, agent, period, period_start, limit_amount, spent_amount, currency, created_at)
ON CONFLICT ON CONSTRAINT budgets_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, period = EXCLUDED.period, period_start = EXCLUDED.period_start,
        limit_amount = EXCLUDED.limit_amount, spent_amount = EXCLUDED.spent_amount, currency = EXCLUDED.currency,
        created_at = EXCLUDED.created_at;

-- Workflows and their plans --------------------------------------------------

INSERT INTO agents.workflows (tenant_id, id, agent_id, name, description, status, created_at)
SELECT strata_tenant.current(), md5('initech/workflow/' || v.label)::uuid, md5('initech/agent/' || v.agent)::uuid,
       v.name, v.description, v.status, v.created_at::timestamptz
FROM (VALUES
    ('tps-reports', 'tps-reporter', 'TPS reports', 'The weekly TPS report, each with the new cover sheet', 'active',
     '2026-03-10 10:05:00+00')
) AS v (label, agent, name, description, status, created_at)
ON CONFLICT ON CONSTRAINT workflows_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, name = EXCLUDED.name, description = EXCLUDED.description,
        status = EXCLUDED.status, created_at = EXCLUDED.created_at;

-- Plan ids are md5('initech/plan/<workflow>/<version>').
INSERT INTO agents.plans (tenant_id, id, workflow_id, version, steps, status, created_by, created_at, approved_at)
SELECT strata_tenant.current(), md5('initech/plan/' || v.workflow || '/' || v.version)::uuid,
       md5('initech/workflow/' || v.workflow)::uuid, v.version, v.steps::jsonb, v.status,
       md5('initech/user/' || v.created_by)::uuid, v.created_at::timestamptz, v.approved_at::timestamptz
FROM (VALUES
    ('tps-reports', 1, '[{"action": "fill", "tool": "spreadsheet"}, {"action": "attach_cover_sheet", "after": [0]}, {"action": "send", "tool": "mailer", "after": [1]}]',
     'approved', 'samir', '2026-03-10 10:10:00+00', '2026-03-10 10:30:00+00'),
    ('tps-reports', 2, '[{"action": "fill", "tool": "spreadsheet"}, {"action": "attach_cover_sheet", "after": [0]}, {"action": "review", "after": [1]}, {"action": "send", "tool": "mailer", "after": [2]}]',
     'draft', 'michael', '2026-03-12 15:00:00+00', NULL)
) AS v (workflow, version, steps, status, created_by, created_at, approved_at)
ON CONFLICT ON CONSTRAINT plans_pkey DO UPDATE
    SET workflow_id = EXCLUDED.workflow_id, version = EXCLUDED.version, steps = EXCLUDED.steps,
        status = EXCLUDED.status, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at,
        approved_at = EXCLUDED.approved_at;

INSERT INTO agents.conversations (tenant_id, id, agent_id, user_id, title, created_at)
SELECT strata_tenant.current(), md5('initech/conversation/' || v.label)::uuid, md5('initech/agent/' || v.agent)::uuid,
       md5('initech/user/' || v.user_name)::uuid, v.title, v.created_at::timestamptz
FROM (VALUES
    ('tps-w11', 'tps-reporter', 'samir', 'TPS report, week 11', '2026-03-13 09:00:00+00')
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
SELECT md5('initech/run/' || v.label)::uuid AS id, md5('initech/agent/' || v.agent)::uuid AS agent_id,
       md5('initech/workflow/' || v.workflow)::uuid AS workflow_id, md5('initech/plan/' || v.plan)::uuid AS plan_id,
       md5('initech/conversation/' || v.conversation)::uuid AS conversation_id,
       md5('initech/user/' || v.requested_by)::uuid AS requested_by, v.state, v.input::jsonb AS input,
       v.output::jsonb AS output, v.error, v.created_at::timestamptz AS created_at,
       v.started_at::timestamptz AS started_at, v.finished_at::timestamptz AS finished_at
FROM (VALUES
    ('tps-w12-preview', 'tps-reporter', 'tps-reports', 'tps-reports/1', NULL, 'michael', 'pending',
     '{"preview": true, "week": 12}', NULL, NULL,
     '2026-03-13 17:01:00+00', NULL, NULL),
    ('tps-w12', 'tps-reporter', 'tps-reports', 'tps-reports/1', NULL, 'samir', 'running',
     '{"week": 12}', NULL, NULL,
     '2026-03-13 17:00:00+00', '2026-03-13 17:00:01+00', NULL),
    ('tps-w11', 'tps-reporter', 'tps-reports', 'tps-reports/1', 'tps-w11', 'samir', 'succeeded',
     '{"week": 11}', '{"pages": 3, "sent_to": 2}', NULL,
     '2026-03-13 09:00:05+00', '2026-03-13 09:00:06+00', '2026-03-13 09:01:40+00'),
    ('tps-w11-resend', 'tps-reporter', 'tps-reports', 'tps-reports/1', 'tps-w11', 'michael', 'cancelled',
     '{"resend": true, "week": 11}', NULL, NULL,
     '2026-03-13 09:30:00+00', '2026-03-13 09:30:01+00', '2026-03-13 09:30:09+00')
) AS v (label, agent, workflow, plan, conversation, requested_by, state, input, output, error, created_at,
        started_at, finished_at);

-- Call ids are md5('initech/call/<run>/<idempotency key>').
CREATE TEMP TABLE seed_calls ON COMMIT DROP AS
SELECT md5('initech/call/' || v.run || '/' || v.idempotency_key)::uuid AS id, md5('initech/run/' || v.run)::uuid AS run_id,
       md5('initech/tool/' || v.tool)::uuid AS tool_id, v.idempotency_key, v.state, v.arguments::jsonb AS arguments,
       v.result::jsonb AS result, v.error, v.created_at::timestamptz AS created_at,
       v.started_at::timestamptz AS started_at, v.finished_at::timestamptz AS finished_at
FROM (VALUES
    ('tps-w12', 'fill-1', 'spreadsheet', 'pending', '{"sheet": "TPS", "week": 12}',
     NULL, NULL,
     '2026-03-13 17:00:05+00', NULL, NULL),
    ('tps-w11', 'fill-1', 'spreadsheet', 'succeeded', '{"sheet": "TPS", "week": 11}',
     '{"rows": 48}', NULL,
     '2026-03-13 09:00:10+00', '2026-03-13 09:00:10+00', '2026-03-13 09:00:55+00'),
    ('tps-w11', 'send-1', 'mailer', 'succeeded', '{"subject": "TPS report, week 11", "to": ["bill@initech.example", "samir@initech.example"]}',
     '{"message_id": "w11.tps@initech.example"}', NULL,
     '2026-03-13 09:01:30+00', '2026-03-13 09:01:30+00', '2026-03-13 09:01:38+00'),
    ('tps-w11-resend', 'send-1', 'mailer', 'cancelled', '{"subject": "TPS report, week 11 (again)", "to": ["bill@initech.example"]}',
     NULL, NULL,
     '2026-03-13 09:30:02+00', '2026-03-13 09:30:02+00', '2026-03-13 09:30:09+00')
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
-- Message ids are md5('initech/message/<conversation>/<seq>').
INSERT INTO agents.messages (tenant_id, id, conversation_id, seq, role, run_id, envelope, envelope_hash, created_at)
SELECT strata_tenant.current(), md5('initech/message/' || v.conversation || '/' || v.seq)::uuid,
       md5('initech/conversation/' || v.conversation)::uuid, v.seq, v.role, md5('initech/run/' || v.run)::uuid,
       v.envelope::jsonb, encode(sha256(convert_to(v.envelope, 'UTF8')), 'hex'), v.created_at::timestamptz
FROM (VALUES
    ('tps-w11', 1, 'user', NULL, '2026-03-13 09:00:00+00',
     '{"attachments":[],"content":[{"text":"Please do the TPS report for week 11.","type":"text"}],"metadata":{"channel":"web"},"sender":{"id":"samir","kind":"user"},"type":"message","v":1}'),
    ('tps-w11', 2, 'assistant', 'tps-w11', '2026-03-13 09:01:40+00',
     '{"attachments":[{"media_type":"application/pdf","name":"tps-2026-w11.pdf","size":120334}],"content":[{"text":"Done: 48 rows, with the new cover sheet, sent to 2 people.","type":"text"}],"metadata":{"model":"llama-3.1-8b-instruct","tokens_in":3302,"tokens_out":64},"sender":{"id":"tps-reporter","kind":"agent"},"type":"message","v":1}'),
    ('tps-w11', 3, 'user', NULL, '2026-03-13 09:30:00+00',
     '{"attachments":[],"content":[{"text":"Send it again, please. Did it have the cover sheet?","type":"text"}],"metadata":{"channel":"web"},"sender":{"id":"michael","kind":"user"},"type":"message","v":1}'),
    ('tps-w11', 4, 'assistant', 'tps-w11-resend', '2026-03-13 09:30:09+00',
     '{"attachments":[],"content":[{"text":"Cancelled: the report went out with its cover sheet at 09:01.","type":"text"}],"metadata":{"model":"llama-3.1-8b-instruct","tokens_in":512,"tokens_out":22},"sender":{"id":"tps-reporter","kind":"agent"},"type":"message","v":1}')
) AS v (conversation, seq, role, run, created_at, envelope)
ON CONFLICT ON CONSTRAINT messages_pkey DO UPDATE
    SET conversation_id = EXCLUDED.conversation_id, seq = EXCLUDED.seq, role = EXCLUDED.role,
        run_id = EXCLUDED.run_id, envelope = EXCLUDED.envelope, envelope_hash = EXCLUDED.envelope_hash,
        created_at = EXCLUDED.created_at;

-- Memories ------------------------------------------------------------------

INSERT INTO agents.memory_items (tenant_id, id, agent_id, run_id, key, value, created_at, expires_at)
SELECT strata_tenant.current(), md5('initech/memory/' || v.label)::uuid, r.agent_id, r.id, v.key, v.value::jsonb,
       v.created_at::timestamptz, v.expires_at::timestamptz
FROM (VALUES
    ('cover-sheet', 'tps-w11', 'tps.cover_sheet', '{"required": true, "version": 2}',
     '2026-03-13 09:01:40+00', NULL),
    ('recipients', 'tps-w11', 'tps.recipients', '{"to": ["bill@initech.example", "samir@initech.example"]}',
     '2026-03-13 09:01:40+00', '2026-04-13 00:00:00+00')
) AS v (label, run, key, value, created_at, expires_at)
JOIN seed_runs AS r ON r.id = md5('initech/run/' || v.run)::uuid;

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
-- (md5('initech/<kind>/<label>')), system actors keep their name, and the
-- tenant is tenant:<its id>.
INSERT INTO audit.audit_log (tenant_id, id, seq, actor, action, target, payload, occurred_at, prev_hash, hash)
WITH RECURSIVE entry AS (
    SELECT v.seq, md5('initech/audit/' || v.seq)::uuid AS id,
           v.actor_kind || ':' || CASE v.actor_kind WHEN 'system' THEN v.actor
               ELSE md5('initech/' || v.actor_kind || '/' || v.actor)::uuid::text END AS actor,
           v.action,
           v.target_kind || ':' || CASE v.target_kind WHEN 'tenant' THEN strata_tenant.current()::text
               ELSE md5('initech/' || v.target_kind || '/' || v.target)::uuid::text END AS target,
           v.payload, v.occurred_at::timestamptz AS occurred_at
    FROM (VALUES
        (1, 'system', 'provisioning', 'tenant.create', 'tenant', NULL, '{"plan":"starter","region":"us-east"}',
         '2026-03-09 08:30:00+00'),
        (2, 'user', 'peter', 'user.invite', 'user', 'samir', '{"email":"samir@initech.example","role":"Planner"}',
         '2026-03-09 09:00:00+00'),
        (3, 'user', 'samir', 'api_key.create', 'api_key', 'stk_initech_ci01',
         '{"prefix":"stk_initech_ci01","scopes":["runs:write"]}', '2026-03-10 09:00:00+00'),
        (4, 'user', 'michael', 'run.cancel', 'run', 'tps-w11-resend', '{"reason":"already sent"}',
         '2026-03-13 09:30:09+00')
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
