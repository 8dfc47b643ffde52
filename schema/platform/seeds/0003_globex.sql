-- 0003 globex: Globex Travel, whose agents plan business trips and check
-- expense reports against the travel policy. The statements are those of
-- 0002_acme.sql with globex's rows: the comments there (and below) say how
-- ids are made, how runs are replayed legally on a rerun, how envelope
-- hashes are computed and how the audit chain is filled.
--
-- Ids are md5('globex/<kind>/<label>')::uuid (see 0001_tenants.sql); the
-- built-in roles are looked up by name, never inserted. The tenant is set
-- once, here, and every row takes tenant_id = strata_tenant.current(), so
-- the file runs under the FORCEd policies as platform_owner too.
SELECT strata_tenant.set(md5('tenant/globex')::uuid);

-- People and access -------------------------------------------------------

-- One user per built-in role (grace Admin, heidi Planner, ivan Viewer),
-- judy from finance, and a guest from the travel agency who has not signed
-- in yet.
INSERT INTO core.users (tenant_id, id, email, display_name, status, created_at)
SELECT strata_tenant.current(), md5('globex/user/' || v.name)::uuid, v.email, v.display_name, v.status,
       v.created_at::timestamptz
FROM (VALUES
    ('grace', 'grace@globex.example', 'Grace Gomez', 'active', '2026-02-02 10:05:00+00'),
    ('heidi', 'heidi@globex.example', 'Heidi Hansen', 'active', '2026-02-03 09:00:00+00'),
    ('ivan', 'ivan@globex.example', 'Ivan Ilic', 'active', '2026-02-03 09:10:00+00'),
    ('judy', 'judy@globex.example', 'Judy Jones', 'active', '2026-02-04 14:00:00+00'),
    ('kim', 'kim@agency.example', NULL, 'invited', '2026-02-20 11:00:00+00')
) AS v (name, email, display_name, status, created_at)
ON CONFLICT ON CONSTRAINT users_pkey DO UPDATE
    SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO core.memberships (tenant_id, id, user_id, kind, invited_by, invited_at, joined_at, left_at, created_at)
SELECT strata_tenant.current(), md5('globex/membership/' || v.member)::uuid, md5('globex/user/' || v.member)::uuid,
       v.kind, md5('globex/user/' || v.invited_by)::uuid, v.invited_at::timestamptz, v.joined_at::timestamptz,
       v.left_at::timestamptz, v.created_at::timestamptz
FROM (VALUES
    ('grace', 'owner', NULL, NULL, '2026-02-02 10:05:00+00', NULL, '2026-02-02 10:05:00+00'),
    ('heidi', 'member', 'grace', '2026-02-03 09:00:00+00', '2026-02-03 09:20:00+00', NULL, '2026-02-03 09:00:00+00'),
    ('ivan', 'member', 'grace', '2026-02-03 09:10:00+00', '2026-02-03 13:00:00+00', NULL, '2026-02-03 09:10:00+00'),
    ('judy', 'member', 'heidi', '2026-02-04 14:00:00+00', '2026-02-04 14:30:00+00', NULL, '2026-02-04 14:00:00+00'),
    ('kim', 'guest', 'heidi', '2026-02-20 11:00:00+00', NULL, NULL, '2026-02-20 11:00:00+00')
) AS v (member, kind, invited_by, invited_at, joined_at, left_at, created_at)
ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE
    SET user_id = EXCLUDED.user_id, kind = EXCLUDED.kind, invited_by = EXCLUDED.invited_by,
        invited_at = EXCLUDED.invited_at, joined_at = EXCLUDED.joined_at, left_at = EXCLUDED.left_at,
        created_at = EXCLUDED.created_at;

-- API keys: only SHA-256 of the whole key is stored. The keys are
-- '<prefix>.<secret>' with the demo secrets written here, so that they can
-- be tried against a dev database: stk_globex_bk01.demo-globex-booking-not-secret
-- (the booking backend's service key) and
-- stk_globex_dev1.demo-globex-dev-not-secret (heidi's, expiring).
INSERT INTO core.api_keys (tenant_id, id, user_id, name, key_prefix, key_hash, scopes, expires_at, last_used_at,
                           revoked_at, created_at)
SELECT strata_tenant.current(), md5('globex/api_key/' || v.prefix)::uuid, md5('globex/user/' || v.owner)::uuid, v.name,
       v.prefix, sha256(convert_to(v.prefix || '.' || v.secret, 'UTF8')), v.scopes::text[], v.expires_at::timestamptz,
       v.last_used_at::timestamptz, v.revoked_at::timestamptz, v.created_at::timestamptz
FROM (VALUES
    ('stk_globex_bk01', 'demo-globex-booking-not-secret', NULL, 'booking backend', '{runs:write,conversations:write}',
     NULL, '2026-03-04 18:00:00+00', NULL, '2026-02-05 10:00:00+00'),
    ('stk_globex_dev1', 'demo-globex-dev-not-secret', 'heidi', 'heidi laptop', '{agents:read}',
     '2026-05-05 00:00:00+00', NULL, NULL, '2026-02-05 10:30:00+00')
) AS v (prefix, secret, owner, name, scopes, expires_at, last_used_at, revoked_at, created_at)
ON CONFLICT ON CONSTRAINT api_keys_pkey DO UPDATE
    SET user_id = EXCLUDED.user_id, name = EXCLUDED.name, key_prefix = EXCLUDED.key_prefix,
        key_hash = EXCLUDED.key_hash, scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at,
        last_used_at = EXCLUDED.last_used_at, revoked_at = EXCLUDED.revoked_at, created_at = EXCLUDED.created_at;

-- A role of the tenant's own, next to the built-in three.
INSERT INTO core.rbac_roles (tenant_id, id, name, description, built_in, permissions, created_at)
VALUES (strata_tenant.current(), md5('globex/role/Finance')::uuid, 'Finance',
        'Approves expenses and manages budgets; reads the rest', false, '{budgets:*,*:read}',
        '2026-02-04 14:05:00+00')
ON CONFLICT ON CONSTRAINT rbac_roles_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, built_in = EXCLUDED.built_in,
        permissions = EXCLUDED.permissions, created_at = EXCLUDED.created_at;

-- Who holds which role. Principals and resources are named by kind and
-- label: their id is md5('globex/<kind>/<label>'). The role is found by name
-- (a missing one gives NULL and fails the NOT NULL).
INSERT INTO core.rbac_bindings (tenant_id, id, role_id, principal_type, principal_id, resource_type, resource_id,
                                created_by, created_at)
SELECT strata_tenant.current(), md5('globex/binding/' || v.label)::uuid,
       (SELECT r.id FROM core.rbac_roles AS r WHERE r.tenant_id = strata_tenant.current() AND r.name = v.role),
       v.principal_type, md5('globex/' || v.principal_type || '/' || v.principal)::uuid,
       v.resource_type, md5('globex/' || v.resource_type || '/' || v.resource)::uuid,
       md5('globex/user/' || v.created_by)::uuid, v.created_at::timestamptz
FROM (VALUES
    ('grace-admin', 'Admin', 'user', 'grace', NULL, NULL, NULL, '2026-02-02 10:05:00+00'),
    ('heidi-planner', 'Planner', 'user', 'heidi', NULL, NULL, 'grace', '2026-02-03 09:20:00+00'),
    ('ivan-viewer', 'Viewer', 'user', 'ivan', NULL, NULL, 'grace', '2026-02-03 13:00:00+00'),
    ('judy-finance', 'Finance', 'user', 'judy', NULL, NULL, 'heidi', '2026-02-04 14:30:00+00'),
    ('kim-trips', 'Viewer', 'user', 'kim', 'workflow', 'plan-trip', 'heidi', '2026-02-20 11:00:00+00'),
    ('booking-key-planner', 'Planner', 'api_key', 'stk_globex_bk01', NULL, NULL, 'grace', '2026-02-05 10:00:00+00'),
    ('expense-agent', 'Viewer', 'agent', 'expense-checker', NULL, NULL, 'grace', '2026-02-06 09:00:00+00')
) AS v (label, role, principal_type, principal, resource_type, resource, created_by, created_at)
ON CONFLICT ON CONSTRAINT rbac_bindings_pkey DO UPDATE
    SET role_id = EXCLUDED.role_id, principal_type = EXCLUDED.principal_type, principal_id = EXCLUDED.principal_id,
        resource_type = EXCLUDED.resource_type, resource_id = EXCLUDED.resource_id,
        created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at;

-- Models, agents and tools -------------------------------------------------

INSERT INTO core.model_registry (tenant_id, id, provider, name, version, parameters, status, created_at)
SELECT strata_tenant.current(), md5('globex/model/' || v.label)::uuid, v.provider, v.name, v.version,
       v.parameters::jsonb, v.status, v.created_at::timestamptz
FROM (VALUES
    ('sonnet', 'anthropic', 'claude-sonnet', '4.5',
     '{"context_window": 200000, "max_tokens": 8192, "temperature": 0.3, "tools": true}', 'active',
     '2026-02-02 10:30:00+00'),
    ('haiku', 'anthropic', 'claude-haiku', '3',
     '{"context_window": 200000, "max_tokens": 4096, "temperature": 0.0, "tools": true}', 'retired',
     '2026-02-02 10:32:00+00'),
    ('llama', 'local', 'llama-3.1-8b-instruct', 'q4_k_m',
     '{"context_window": 32768, "max_tokens": 2048, "temperature": 0.0, "tools": false}', 'active',
     '2026-02-02 10:35:00+00')
) AS v (label, provider, name, version, parameters, status, created_at)
ON CONFLICT ON CONSTRAINT model_registry_pkey DO UPDATE
    SET provider = EXCLUDED.provider, name = EXCLUDED.name, version = EXCLUDED.version,
        parameters = EXCLUDED.parameters, status = EXCLUDED.status, created_at = EXCLUDED.created_at;

INSERT INTO agents.agents (tenant_id, id, name, description, model_id, instructions, config, status, created_at)
SELECT strata_tenant.current(), md5('globex/agent/' || v.name)::uuid, v.name, v.description,
       md5('globex/model/' || v.model)::uuid, v.instructions, v.config::jsonb, v.status, v.created_at::timestamptz
FROM (VALUES
    ('trip-planner', 'Plans business trips within the travel policy', 'sonnet',
     'You plan business trips for Globex staff: flights, hotels and a day-by-day schedule. Stay within the travel policy; ask when unsure.',
     '{"max_steps": 12, "temperature": 0.3, "timeout_s": 300}', 'active', '2026-02-05 11:00:00+00'),
    ('expense-checker', 'Checks expense reports against the travel policy', 'llama',
     'Check each expense line against the travel policy and list the lines that break it, with the rule they break.',
     '{"max_steps": 4, "temperature": 0.0, "timeout_s": 60}', 'active', '2026-02-05 11:30:00+00')
) AS v (name, description, model, instructions, config, status, created_at)
ON CONFLICT ON CONSTRAINT agents_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, model_id = EXCLUDED.model_id,
        instructions = EXCLUDED.instructions, config = EXCLUDED.config, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO agents.tools (tenant_id, id, name, description, kind, input_schema, endpoint, status, created_at)
SELECT strata_tenant.current(), md5('globex/tool/' || v.name)::uuid, v.name, v.description, v.kind,
       v.input_schema::jsonb, v.endpoint, v.status, v.created_at::timestamptz
FROM (VALUES
    ('flight_search', 'Finds flights between two airports on a date', 'http',
     '{"type": "object", "required": ["from", "to", "date"], "properties": {"to": {"type": "string"}, "date": {"type": "string", "format": "date"}, "from": {"type": "string"}}}',
     'https://api.globex.example/flights/search', 'active', '2026-02-05 10:40:00+00'),
    ('hotel_search', 'Finds hotels near an address for a stay', 'http',
     '{"type": "object", "required": ["near", "nights"], "properties": {"near": {"type": "string"}, "nights": {"type": "integer"}}}',
     'https://api.globex.example/hotels/search', 'active', '2026-02-05 10:45:00+00'),
    ('calendar', 'Reads the traveller''s calendar and books slots in it', 'builtin',
     '{"type": "object", "required": ["user"], "properties": {"user": {"type": "string"}}}', NULL, 'active',
     '2026-02-05 10:50:00+00'),
    ('policy_check', 'Checks expense lines against the travel policy in the tenant''s own code', 'function',
     '{"type": "object", "required": ["lines"], "properties": {"lines": {"type": "integer"}}}', NULL, 'active',
     '2026-02-05 10:55:00+00'),
    ('visa_lookup', 'Looked up visa rules; replaced by the travel agency''s service', 'http',
     '{"type": "object", "required": ["country"], "properties": {"country": {"type": "string"}}}',
     'https://visa.example/api/rules', 'disabled', '2026-02-05 10:58:00+00')
) AS v (name, description, kind, input_schema, endpoint, status, created_at)
ON CONFLICT ON CONSTRAINT tools_pkey DO UPDATE
    SET name = EXCLUDED.name, description = EXCLUDED.description, kind = EXCLUDED.kind,
        input_schema = EXCLUDED.input_schema, endpoint = EXCLUDED.endpoint, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at;

INSERT INTO agents.agent_tools (tenant_id, agent_id, tool_id, config, granted_at)
SELECT strata_tenant.current(), md5('globex/agent/' || v.agent)::uuid, md5('globex/tool/' || v.tool)::uuid,
       v.config::jsonb, v.granted_at::timestamptz
FROM (VALUES
    ('trip-planner', 'flight_search', '{"max_results": 5}', '2026-02-05 11:05:00+00'),
    ('trip-planner', 'hotel_search', '{"max_results": 5}', '2026-02-05 11:05:00+00'),
    ('trip-planner', 'calendar', '{}', '2026-02-05 11:05:00+00'),
    ('expense-checker', 'policy_check', '{}', '2026-02-05 11:35:00+00')
) AS v (agent, tool, config, granted_at)
ON CONFLICT ON CONSTRAINT agent_tools_pkey DO UPDATE
    SET config = EXCLUDED.config, granted_at = EXCLUDED.granted_at;

-- A quarterly budget for the tenant and a weekly one for the trip planner.
INSERT INTO core.budgets (tenant_id, id, agent_id, period, period_start, limit_amount, spent_amount, currency,
                          created_at)
SELECT strata_tenant.current(), md5('globex/budget/' || v.label)::uuid, md5('globex/agent/' || v.agent)::uuid,
       v.period, v.period_start::timestamptz, v.limit_amount::numeric, v.spent_amount::numeric, v.currency,
       v.created_at::timestamptz
FROM (VALUES
    ('tenant-quarterly', NULL, 'quarter', '2026-01-01 00:00:00+00', '3000', '1184.20', 'EUR', '2026-02-02 10:40:00+00'),
    ('planner-weekly', 'trip-planner', 'week', '2026-03-02 00:00:00+00', '150', '42.75', 'EUR',
     '2026-02-05 11:10:00+00')
) AS v (label, agent, period, period_start, limit_amount, spent_amount, currency, created_at)
ON CONFLICT ON CONSTRAINT budgets_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, period = EXCLUDED.period, period_start = EXCLUDED.period_start,
        limit_amount = EXCLUDED.limit_amount, spent_amount = EXCLUDED.spent_amount, currency = EXCLUDED.currency,
        created_at = EXCLUDED.created_at;

-- Workflows and their plans --------------------------------------------------

INSERT INTO agents.workflows (tenant_id, id, agent_id, name, description, status, created_at)
SELECT strata_tenant.current(), md5('globex/workflow/' || v.label)::uuid, md5('globex/agent/' || v.agent)::uuid,
       v.name, v.description, v.status, v.created_at::timestamptz
FROM (VALUES
    ('plan-trip', 'trip-planner', 'Plan a trip', 'Flights, hotel and schedule for a business trip, approved by the traveller',
     'active', '2026-02-06 09:00:00+00'),
    ('check-expenses', 'expense-checker', 'Check expenses', 'Every expense report checked before it reaches finance',
     'active', '2026-02-06 09:30:00+00')
) AS v (label, agent, name, description, status, created_at)
ON CONFLICT ON CONSTRAINT workflows_pkey DO UPDATE
    SET agent_id = EXCLUDED.agent_id, name = EXCLUDED.name, description = EXCLUDED.description,
        status = EXCLUDED.status, created_at = EXCLUDED.created_at;

-- Plan ids are md5('globex/plan/<workflow>/<version>').
INSERT INTO agents.plans (tenant_id, id, workflow_id, version, steps, status, created_by, created_at, approved_at)
SELECT strata_tenant.current(), md5('globex/plan/' || v.workflow || '/' || v.version)::uuid,
       md5('globex/workflow/' || v.workflow)::uuid, v.version, v.steps::jsonb, v.status,
       md5('globex/user/' || v.created_by)::uuid, v.created_at::timestamptz, v.approved_at::timestamptz
FROM (VALUES
    ('plan-trip', 1, '[{"action": "search", "tool": "flight_search"}, {"action": "search", "tool": "hotel_search"}, {"action": "propose", "after": [0, 1]}]',
     'superseded', 'heidi', '2026-02-06 09:05:00+00', '2026-02-06 10:00:00+00'),
    ('plan-trip', 2, '[{"action": "check_calendar", "tool": "calendar"}, {"action": "search", "tool": "flight_search", "after": [0]}, {"action": "search", "tool": "hotel_search", "after": [0]}, {"action": "propose", "after": [1, 2]}]',
     'approved', 'heidi', '2026-02-18 15:00:00+00', '2026-02-18 16:00:00+00'),
    ('check-expenses', 1, '[{"action": "check", "tool": "policy_check"}, {"action": "report", "after": [0]}]',
     'approved', 'judy', '2026-02-06 09:35:00+00', '2026-02-06 09:50:00+00')
) AS v (workflow, version, steps, status, created_by, created_at, approved_at)
ON CONFLICT ON CONSTRAINT plans_pkey DO UPDATE
    SET workflow_id = EXCLUDED.workflow_id, version = EXCLUDED.version, steps = EXCLUDED.steps,
        status = EXCLUDED.status, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at,
        approved_at = EXCLUDED.approved_at;

INSERT INTO agents.conversations (tenant_id, id, agent_id, user_id, title, created_at)
SELECT strata_tenant.current(), md5('globex/conversation/' || v.label)::uuid, md5('globex/agent/' || v.agent)::uuid,
       md5('globex/user/' || v.user_name)::uuid, v.title, v.created_at::timestamptz
FROM (VALUES
    ('lisbon-offsite', 'trip-planner', 'heidi', 'Team offsite in Lisbon, 14 to 16 April', '2026-03-04 08:00:00+00'),
    ('berlin-visit', 'trip-planner', 'ivan', 'Customer visit in Berlin', '2026-03-05 13:00:00+00'),
    ('expenses-feb', 'expense-checker', 'judy', 'February expense reports', '2026-03-02 16:00:00+00')
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
SELECT md5('globex/run/' || v.label)::uuid AS id, md5('globex/agent/' || v.agent)::uuid AS agent_id,
       md5('globex/workflow/' || v.workflow)::uuid AS workflow_id, md5('globex/plan/' || v.plan)::uuid AS plan_id,
       md5('globex/conversation/' || v.conversation)::uuid AS conversation_id,
       md5('globex/user/' || v.requested_by)::uuid AS requested_by, v.state, v.input::jsonb AS input,
       v.output::jsonb AS output, v.error, v.created_at::timestamptz AS created_at,
       v.started_at::timestamptz AS started_at, v.finished_at::timestamptz AS finished_at
FROM (VALUES
    ('plan-madrid', 'trip-planner', 'plan-trip', 'plan-trip/2', NULL, 'ivan', 'pending',
     '{"from": "AMS", "people": 3, "to": "MAD"}', NULL, NULL,
     '2026-03-13 17:00:00+00', NULL, NULL),
    ('plan-paris', 'trip-planner', 'plan-trip', 'plan-trip/2', NULL, 'heidi', 'running',
     '{"from": "AMS", "people": 2, "to": "CDG"}', NULL, NULL,
     '2026-03-13 16:55:00+00', '2026-03-13 16:55:01+00', NULL),
    ('plan-lisbon', 'trip-planner', 'plan-trip', 'plan-trip/2', 'lisbon-offsite', 'heidi', 'succeeded',
     '{"from": "AMS", "people": 6, "to": "LIS"}', '{"flights": 2, "hotel": "Hotel Baixa", "total_eur": 4180}', NULL,
     '2026-03-04 08:00:10+00', '2026-03-04 08:00:11+00', '2026-03-04 08:03:02+00'),
    ('plan-berlin', 'trip-planner', 'plan-trip', 'plan-trip/2', 'berlin-visit', 'ivan', 'failed',
     '{"from": "AMS", "people": 1, "to": "BER"}', NULL, 'hotel_search returned HTTP 503 three times',
     '2026-03-05 13:00:05+00', '2026-03-05 13:00:06+00', '2026-03-05 13:01:15+00'),
    ('plan-oslo', 'trip-planner', 'plan-trip', 'plan-trip/2', NULL, 'heidi', 'cancelled',
     '{"from": "AMS", "people": 2, "to": "OSL"}', NULL, NULL,
     '2026-03-06 09:00:00+00', NULL, '2026-03-06 09:02:00+00'),
    ('expenses-feb', 'expense-checker', 'check-expenses', 'check-expenses/1', 'expenses-feb', 'judy', 'succeeded',
     '{"month": "2026-02", "reports": 17}', '{"flagged": 3, "lines": 212}', NULL,
     '2026-03-02 16:00:05+00', '2026-03-02 16:00:06+00', '2026-03-02 16:04:40+00')
) AS v (label, agent, workflow, plan, conversation, requested_by, state, input, output, error, created_at,
        started_at, finished_at);

-- Call ids are md5('globex/call/<run>/<idempotency key>').
CREATE TEMP TABLE seed_calls ON COMMIT DROP AS
SELECT md5('globex/call/' || v.run || '/' || v.idempotency_key)::uuid AS id, md5('globex/run/' || v.run)::uuid AS run_id,
       md5('globex/tool/' || v.tool)::uuid AS tool_id, v.idempotency_key, v.state, v.arguments::jsonb AS arguments,
       v.result::jsonb AS result, v.error, v.created_at::timestamptz AS created_at,
       v.started_at::timestamptz AS started_at, v.finished_at::timestamptz AS finished_at
FROM (VALUES
    ('plan-paris', 'flights-1', 'flight_search', 'pending', '{"date": "2026-03-26", "from": "AMS", "to": "CDG"}',
     NULL, NULL,
     '2026-03-13 16:55:10+00', NULL, NULL),
    ('plan-paris', 'calendar-1', 'calendar', 'succeeded', '{"user": "heidi"}',
     '{"free": ["2026-03-26", "2026-03-27"]}', NULL,
     '2026-03-13 16:55:05+00', '2026-03-13 16:55:05+00', '2026-03-13 16:55:06+00'),
    ('plan-lisbon', 'calendar-1', 'calendar', 'succeeded', '{"user": "heidi"}',
     '{"free": ["2026-04-14", "2026-04-15", "2026-04-16"]}', NULL,
     '2026-03-04 08:00:15+00', '2026-03-04 08:00:15+00', '2026-03-04 08:00:16+00'),
    ('plan-lisbon', 'flights-1', 'flight_search', 'succeeded', '{"date": "2026-04-14", "from": "AMS", "to": "LIS"}',
     '{"offers": 7}', NULL,
     '2026-03-04 08:00:20+00', '2026-03-04 08:00:20+00', '2026-03-04 08:00:48+00'),
    ('plan-lisbon', 'hotels-1', 'hotel_search', 'succeeded', '{"near": "Baixa, Lisbon", "nights": 2}',
     '{"offers": 12}', NULL,
     '2026-03-04 08:00:20+00', '2026-03-04 08:00:21+00', '2026-03-04 08:01:05+00'),
    ('plan-berlin', 'flights-1', 'flight_search', 'succeeded', '{"date": "2026-03-19", "from": "AMS", "to": "BER"}',
     '{"offers": 11}', NULL,
     '2026-03-05 13:00:10+00', '2026-03-05 13:00:10+00', '2026-03-05 13:00:31+00'),
    ('plan-berlin', 'hotels-1', 'hotel_search', 'failed', '{"near": "Mitte, Berlin", "nights": 1}',
     NULL, 'HTTP 503 from api.globex.example (3 attempts)',
     '2026-03-05 13:00:10+00', '2026-03-05 13:00:11+00', '2026-03-05 13:01:14+00'),
    ('expenses-feb', 'check-1', 'policy_check', 'succeeded', '{"lines": 212}',
     '{"violations": [{"line": 18, "rule": "hotel over 180 EUR a night"}, {"line": 77, "rule": "taxi without receipt"}, {"line": 140, "rule": "business class under 6 hours"}]}',
     NULL, '2026-03-02 16:00:10+00', '2026-03-02 16:00:10+00', '2026-03-02 16:04:30+00')
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
-- Message ids are md5('globex/message/<conversation>/<seq>').
INSERT INTO agents.messages (tenant_id, id, conversation_id, seq, role, run_id, envelope, envelope_hash, created_at)
SELECT strata_tenant.current(), md5('globex/message/' || v.conversation || '/' || v.seq)::uuid,
       md5('globex/conversation/' || v.conversation)::uuid, v.seq, v.role, md5('globex/run/' || v.run)::uuid,
       v.envelope::jsonb, encode(sha256(convert_to(v.envelope, 'UTF8')), 'hex'), v.created_at::timestamptz
FROM (VALUES
    ('lisbon-offsite', 1, 'user', NULL, '2026-03-04 08:00:00+00',
     '{"attachments":[],"content":[{"text":"Six of us need to get from Amsterdam to Lisbon for the offsite, 14 to 16 April.","type":"text"}],"metadata":{"channel":"slack"},"sender":{"id":"heidi","kind":"user"},"type":"message","v":1}'),
    ('lisbon-offsite', 2, 'tool', 'plan-lisbon', '2026-03-04 08:01:05+00',
     '{"attachments":[],"content":[{"call":"hotels-1","result":{"offers":12},"type":"tool_result"}],"metadata":{"tool":"hotel_search"},"sender":{"id":"hotel_search","kind":"tool"},"type":"message","v":1}'),
    ('lisbon-offsite', 3, 'assistant', 'plan-lisbon', '2026-03-04 08:03:00+00',
     '{"attachments":[],"content":[{"text":"Proposal: KL1691 out on 14 April, TP662 back on 16 April, 6 rooms at Hotel Baixa. Total 4180 EUR, within policy.","type":"text"},{"options":["approve","change"],"type":"choice"}],"metadata":{"model":"claude-sonnet","tokens_in":5230,"tokens_out":402},"sender":{"id":"trip-planner","kind":"agent"},"type":"message","v":1}'),
    ('lisbon-offsite', 4, 'user', NULL, '2026-03-04 08:10:00+00',
     '{"attachments":[],"content":[{"choice":"approve","type":"choice_made"}],"metadata":{"channel":"slack"},"sender":{"id":"heidi","kind":"user"},"type":"message","v":1}'),
    ('berlin-visit', 1, 'user', NULL, '2026-03-05 13:00:00+00',
     '{"attachments":[],"content":[{"text":"Customer visit in Berlin on 19 March, one night.","type":"text"}],"metadata":{"channel":"web"},"sender":{"id":"ivan","kind":"user"},"type":"message","v":1}'),
    ('berlin-visit', 2, 'assistant', 'plan-berlin', '2026-03-05 13:01:15+00',
     '{"attachments":[],"content":[{"text":"I found flights, but the hotel search is down. I will not book half a trip; please try again later.","type":"text"}],"metadata":{"error":true,"model":"claude-sonnet","tokens_in":2210,"tokens_out":57},"sender":{"id":"trip-planner","kind":"agent"},"type":"message","v":1}'),
    ('expenses-feb', 1, 'user', NULL, '2026-03-02 16:00:00+00',
     '{"attachments":[{"media_type":"text/csv","name":"expenses-2026-02.csv","size":18877}],"content":[{"text":"February reports attached.","type":"text"}],"metadata":{"channel":"web"},"sender":{"id":"judy","kind":"user"},"type":"message","v":1}'),
    ('expenses-feb', 2, 'assistant', 'expenses-feb', '2026-03-02 16:04:40+00',
     '{"attachments":[],"content":[{"text":"3 of 212 lines break the policy: line 18 (hotel over 180 EUR a night), line 77 (taxi without receipt), line 140 (business class under 6 hours).","type":"text"}],"metadata":{"model":"llama-3.1-8b-instruct","tokens_in":14880,"tokens_out":120},"sender":{"id":"expense-checker","kind":"agent"},"type":"message","v":1}')
) AS v (conversation, seq, role, run, created_at, envelope)
ON CONFLICT ON CONSTRAINT messages_pkey DO UPDATE
    SET conversation_id = EXCLUDED.conversation_id, seq = EXCLUDED.seq, role = EXCLUDED.role,
        run_id = EXCLUDED.run_id, envelope = EXCLUDED.envelope, envelope_hash = EXCLUDED.envelope_hash,
        created_at = EXCLUDED.created_at;

-- Memories ------------------------------------------------------------------

INSERT INTO agents.memory_items (tenant_id, id, agent_id, run_id, key, value, created_at, expires_at)
SELECT strata_tenant.current(), md5('globex/memory/' || v.label)::uuid, r.agent_id, r.id, v.key, v.value::jsonb,
       v.created_at::timestamptz, v.expires_at::timestamptz
FROM (VALUES
    ('heidi-prefs', 'plan-lisbon', 'user.heidi.preferences', '{"airline": "KLM", "seat": "aisle"}',
     '2026-03-04 08:03:02+00', NULL),
    ('hotel-cap', 'expenses-feb', 'policy.hotel_cap', '{"currency": "EUR", "per_night": 180}',
     '2026-03-02 16:04:40+00', '2026-12-31 00:00:00+00')
) AS v (label, run, key, value, created_at, expires_at)
JOIN seed_runs AS r ON r.id = md5('globex/run/' || v.run)::uuid;

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
-- (md5('globex/<kind>/<label>')), system actors keep their name, and the
-- tenant is tenant:<its id>.
INSERT INTO audit.audit_log (tenant_id, id, seq, actor, action, target, payload, occurred_at, prev_hash, hash)
WITH RECURSIVE entry AS (
    SELECT v.seq, md5('globex/audit/' || v.seq)::uuid AS id,
           v.actor_kind || ':' || CASE v.actor_kind WHEN 'system' THEN v.actor
               ELSE md5('globex/' || v.actor_kind || '/' || v.actor)::uuid::text END AS actor,
           v.action,
           v.target_kind || ':' || CASE v.target_kind WHEN 'tenant' THEN strata_tenant.current()::text
               ELSE md5('globex/' || v.target_kind || '/' || v.target)::uuid::text END AS target,
           v.payload, v.occurred_at::timestamptz AS occurred_at
    FROM (VALUES
        (1, 'system', 'provisioning', 'tenant.create', 'tenant', NULL, '{"plan":"team","region":"eu-central"}',
         '2026-02-02 10:00:00+00'),
        (2, 'user', 'grace', 'user.invite', 'user', 'heidi', '{"email":"heidi@globex.example","role":"Planner"}',
         '2026-02-03 09:00:00+00'),
        (3, 'user', 'grace', 'user.invite', 'user', 'ivan', '{"email":"ivan@globex.example","role":"Viewer"}',
         '2026-02-03 09:10:00+00'),
        (4, 'user', 'grace', 'api_key.create', 'api_key', 'stk_globex_bk01',
         '{"prefix":"stk_globex_bk01","scopes":["conversations:write","runs:write"]}', '2026-02-05 10:00:00+00'),
        (5, 'user', 'heidi', 'plan.approve', 'plan', 'plan-trip/2', '{"version":2,"workflow":"plan-trip"}',
         '2026-02-18 16:00:00+00'),
        (6, 'user', 'heidi', 'run.cancel', 'run', 'plan-oslo', '{"reason":"trip postponed"}',
         '2026-03-06 09:02:00+00')
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
