-- bench/platform_data.sql: the large data set of bench-platform, generated
-- with set-based SQL as the superuser (which bypasses row-level security) on
-- a database migrated with schema/platform.
--
-- bench-platform runs this file one step at a time ("-- step: <name>" opens a
-- step; each step is one transaction) and times each. A "-- chunked step:"
-- runs once per chunk of tenants, :lo to :hi (hi excluded), on several
-- sessions at once. The sizes are psql-style variables, which the program
-- replaces by numbers (so the planner sees constants), as psql -v would:
--
--   :tenants          tenants (1,000)
--   :users            users per tenant (100)
--   :agents           agents per tenant, each with a workflow and a plan
--   :tools            tools per tenant; each agent may call 5 of them
--   :conversations    conversations per tenant
--   :messages         mean messages per conversation (0.2x to 1.8x)
--   :runs             runs per conversation
--   :calls            mean tool calls per run (1 to 2x - 1)
--
-- Ids are derived (md5 of the parent's id and an ordinal, as a uuid), so that
-- a row's references are computed, not joined: user u of tenant t is
-- md5(t.id || '/user/' || u)::uuid. The data is the same on every run.
--
-- Runs and tool calls obey the state machine: inserted pending, then moved
-- to running, then to their final state, each by an UPDATE (the trigger
-- checks every move). Message envelopes are built as their RFC 8785
-- canonical text (keys sorted, no blanks, ASCII only) and envelope_hash is
-- the SHA-256 of exactly that text, so the hashes are the correct ones.
--
-- agents.messages is loaded without its keys, indexes and foreign keys, which
-- are then created again from their definitions as saved from the catalog
-- (the usual bulk load: one sort per index instead of ten million random
-- insertions); the last step checks the catalog against the saved copy.

-- step: setup
CREATE SCHEMA bench;
-- Tenant n: its id and creation time.
CREATE VIEW bench.t AS
    SELECT n, md5('bench/tenant/' || n)::uuid AS id,
           timestamptz '2025-01-01 00:00:00+00' + n * interval '1 minute' AS created_at
    FROM generate_series(1, :tenants) AS n;
-- Conversation c of tenant t: its agent, user, length and start.
CREATE VIEW bench.conv AS
    SELECT t.n AS tn, t.id AS tenant_id, c,
           md5(t.id || '/conversation/' || c)::uuid AS id,
           (c % :agents) + 1 AS agent,
           md5(t.id || '/agent/' || ((c % :agents) + 1))::uuid AS agent_id,
           md5(t.id || '/user/' || ((c * 7) % :users) + 1)::uuid AS user_id,
           :messages / 5
               + (c * 7919 + t.n * 104729) % (8 * :messages / 5 + 1) AS len,
           timestamptz '2026-01-01 00:00:00+00' + (c * 131 + t.n) % 86400 * interval '5 minutes' AS created_at
    FROM bench.t AS t, generate_series(1, :conversations) AS c;
-- Run r of each conversation, and how many tool calls it makes.
CREATE VIEW bench.run AS
    SELECT v.tn, v.tenant_id, v.c, r, v.id AS conversation_id, v.agent, v.agent_id, v.user_id,
           md5(v.id || '/run/' || r)::uuid AS id,
           1 + (v.c * 31 + r * 17 + v.tn) % (2 * :calls - 1) AS calls,
           (v.c * 13 + r * 7 + v.tn) % 200 AS fate,
           v.created_at + r * interval '10 minutes' AS created_at
    FROM bench.conv AS v, generate_series(1, :runs) AS r;
CREATE TABLE bench.saved_ddl (ord int, kind text, name text, def text);

-- step: tenants and built-in roles
INSERT INTO core.tenants (id, slug, name, status, created_at)
SELECT id, 'tenant-' || n, 'Tenant ' || n, 'active', created_at FROM bench.t;

-- step: users, memberships, api keys
-- Email addresses repeat across tenants (one person in several tenants), and
-- are unique within each while bench.users <= 50,000.
INSERT INTO core.users (tenant_id, id, email, display_name, status, created_at)
SELECT t.id, md5(t.id || '/user/' || u)::uuid,
       'person' || (t.n * 37 + u) % 50000 || '@mail' || (t.n * 37 + u) % 50000 % 97 || '.example.com',
       'Person ' || (t.n * 37 + u) % 50000,
       CASE WHEN u % 50 = 0 THEN 'disabled' WHEN u % 20 = 0 THEN 'invited' ELSE 'active' END,
       t.created_at + u * interval '1 hour'
FROM bench.t AS t, generate_series(1, :users) AS u;
INSERT INTO core.memberships (tenant_id, id, user_id, kind, invited_by, invited_at, joined_at, created_at)
SELECT t.id, md5(t.id || '/membership/' || u)::uuid, md5(t.id || '/user/' || u)::uuid,
       CASE WHEN u = 1 THEN 'owner' WHEN u % 25 = 0 THEN 'guest' ELSE 'member' END,
       CASE WHEN u > 1 THEN md5(t.id || '/user/1')::uuid END,
       CASE WHEN u > 1 THEN t.created_at + u * interval '1 hour' END,
       CASE WHEN u % 20 <> 0 OR u % 50 = 0 THEN t.created_at + u * interval '1 hour' + interval '1 day' END,
       t.created_at + u * interval '1 hour'
FROM bench.t AS t, generate_series(1, :users) AS u;
INSERT INTO core.api_keys (tenant_id, id, user_id, name, key_prefix, key_hash, scopes, expires_at, created_at)
SELECT t.id, md5(t.id || '/api_key/' || k)::uuid,
       CASE WHEN k % 4 <> 0 THEN md5(t.id || '/user/' || (k * 10 % :users) + 1)::uuid END,
       'key ' || k, 'sk_' || substr(md5(t.id || '/api_key/' || k), 1, 10),
       sha256(convert_to(t.id || '/secret/' || k, 'UTF8')),
       ARRAY['agents:read', 'runs:write'], t.created_at + interval '2 years', t.created_at + k * interval '1 day'
FROM bench.t AS t, generate_series(1, greatest(:users / 10, 1)) AS k;

-- step: models, agents, tools, workflows, plans, budgets
INSERT INTO core.model_registry (tenant_id, id, provider, name, version, parameters, created_at)
SELECT t.id, md5(t.id || '/model/' || m)::uuid, p.provider, p.name, p.version, p.parameters, t.created_at
FROM bench.t AS t,
     (VALUES (1, 'anthropic', 'claude', '2026-01', '{"context_window": 200000, "temperature": 0.2, "tools": true}'::jsonb),
             (2, 'openai', 'gpt', '2026-02', '{"context_window": 128000, "temperature": 0.5, "tools": true}'::jsonb))
         AS p (m, provider, name, version, parameters);
INSERT INTO agents.agents (tenant_id, id, name, description, model_id, instructions, config, created_at)
SELECT t.id, md5(t.id || '/agent/' || a)::uuid, 'agent-' || a, 'Agent number ' || a,
       md5(t.id || '/model/' || (a % 2) + 1)::uuid,
       'You are agent ' || a || ' of tenant ' || t.n || '. Answer briefly and use the tools you are given.',
       jsonb_build_object('temperature', 0.3, 'max_steps', 10 + a, 'timeout_s', 120), t.created_at
FROM bench.t AS t, generate_series(1, :agents) AS a;
INSERT INTO agents.tools (tenant_id, id, name, description, kind, input_schema, endpoint, created_at)
SELECT t.id, md5(t.id || '/tool/' || k)::uuid, 'tool_' || k, 'Tool number ' || k,
       (ARRAY['http', 'builtin', 'function'])[k % 3 + 1],
       '{"type": "object", "properties": {"query": {"type": "string"}}}',
       CASE WHEN k % 3 = 0 THEN 'https://tools.example.com/t' || t.n || '/' || k END, t.created_at
FROM bench.t AS t, generate_series(1, :tools) AS k;
INSERT INTO agents.agent_tools (tenant_id, agent_id, tool_id, config, granted_at)
SELECT t.id, md5(t.id || '/agent/' || a)::uuid, md5(t.id || '/tool/' || (a + j) % :tools + 1)::uuid,
       jsonb_build_object('max_calls', 10 * (j + 1)), t.created_at
FROM bench.t AS t, generate_series(1, :agents) AS a,
     generate_series(0, least(5, :tools) - 1) AS j;
INSERT INTO agents.workflows (tenant_id, id, agent_id, name, description, status, created_at)
SELECT t.id, md5(t.id || '/workflow/' || a)::uuid, md5(t.id || '/agent/' || a)::uuid,
       'workflow-' || a, 'The main job of agent ' || a, 'active', t.created_at
FROM bench.t AS t, generate_series(1, :agents) AS a;
INSERT INTO agents.plans (tenant_id, id, workflow_id, version, steps, status, created_by, created_at, approved_at)
SELECT t.id, md5(t.id || '/plan/' || a)::uuid, md5(t.id || '/workflow/' || a)::uuid, 1,
       jsonb_build_array(jsonb_build_object('action', 'search', 'tool', 'tool_' || a % :tools + 1),
                         jsonb_build_object('action', 'answer', 'depends_on', jsonb_build_array(0))),
       'approved', md5(t.id || '/user/1')::uuid, t.created_at, t.created_at + interval '1 hour'
FROM bench.t AS t, generate_series(1, :agents) AS a;
INSERT INTO core.budgets (tenant_id, id, agent_id, period, period_start, limit_amount, spent_amount, currency, created_at)
SELECT t.id, md5(t.id || '/budget/' || a)::uuid,
       CASE WHEN a > 0 THEN md5(t.id || '/agent/' || a)::uuid END,
       'month', timestamptz '2026-11-01 00:00:00+00', 1000 + a * 100, (t.n * 7 + a) % 900, 'USD', t.created_at
FROM bench.t AS t, generate_series(0, :agents) AS a;

-- step: role bindings
-- Every user holds one tenant-wide role (user 1 Admin, a tenth Planner, the
-- rest Viewer); a third also hold Planner on one agent; every agent and API
-- key holds Viewer.
INSERT INTO core.rbac_bindings (tenant_id, id, role_id, principal_type, principal_id, resource_type, resource_id,
                                created_by, created_at)
SELECT t.id, md5(t.id || '/binding/user/' || u)::uuid,
       md5(t.id || '/' || CASE WHEN u = 1 THEN 'Admin' WHEN u % 10 = 2 THEN 'Planner' ELSE 'Viewer' END)::uuid,
       'user', md5(t.id || '/user/' || u)::uuid, NULL, NULL,
       CASE WHEN u > 1 THEN md5(t.id || '/user/1')::uuid END, t.created_at + u * interval '1 hour'
FROM bench.t AS t, generate_series(1, :users) AS u
UNION ALL
SELECT t.id, md5(t.id || '/binding/user-agent/' || u)::uuid, md5(t.id || '/Planner')::uuid,
       'user', md5(t.id || '/user/' || u)::uuid, 'agent',
       md5(t.id || '/agent/' || (u % :agents) + 1)::uuid,
       md5(t.id || '/user/1')::uuid, t.created_at + u * interval '1 hour'
FROM bench.t AS t, generate_series(3, :users, 3) AS u
UNION ALL
SELECT t.id, md5(t.id || '/binding/agent/' || a)::uuid, md5(t.id || '/Viewer')::uuid,
       'agent', md5(t.id || '/agent/' || a)::uuid, NULL, NULL, md5(t.id || '/user/1')::uuid, t.created_at
FROM bench.t AS t, generate_series(1, :agents) AS a
UNION ALL
SELECT t.id, md5(t.id || '/binding/api_key/' || k)::uuid, md5(t.id || '/Viewer')::uuid,
       'api_key', md5(t.id || '/api_key/' || k)::uuid, NULL, NULL, md5(t.id || '/user/1')::uuid, t.created_at
FROM bench.t AS t, generate_series(1, greatest(:users / 10, 1)) AS k;

-- step: conversations
INSERT INTO agents.conversations (tenant_id, id, agent_id, user_id, title, created_at)
SELECT tenant_id, id, agent_id, CASE WHEN c % 10 <> 0 THEN user_id END,
       'Conversation ' || c || ' with agent ' || agent, created_at
FROM bench.conv;

-- chunked step: runs, tool calls, memories
-- Runs and tool calls are inserted pending, then moved to running, then to
-- their final state. A run's fate (0-199): 0 stays pending, 1-2 stay running,
-- 3-12 fail, 13-20 are cancelled (13-15 before starting), the rest succeed.
-- The calls of a finished run are finished (every 20th failed); of a running
-- run, the last is still running; a run that never started made none.
CREATE TEMP TABLE chunk_run AS SELECT * FROM bench.run WHERE tn >= :lo AND tn < :hi;
ANALYZE chunk_run;
INSERT INTO agents.agent_runs (tenant_id, id, agent_id, workflow_id, plan_id, conversation_id, requested_by,
                               state, input, created_at)
SELECT tenant_id, id, agent_id, md5(tenant_id || '/workflow/' || agent)::uuid, md5(tenant_id || '/plan/' || agent)::uuid,
       conversation_id, CASE WHEN c % 10 <> 0 THEN user_id END, 'pending',
       jsonb_build_object('prompt', 'Step ' || r || ' of conversation ' || c, 'max_tokens', 1024), created_at
FROM chunk_run;
UPDATE agents.agent_runs AS ar SET state = 'running', started_at = ar.created_at + interval '1 second'
FROM chunk_run AS r
WHERE ar.tenant_id = r.tenant_id AND ar.id = r.id AND r.fate NOT IN (0, 13, 14, 15);
UPDATE agents.agent_runs AS ar
SET state = CASE WHEN r.fate BETWEEN 3 AND 12 THEN 'failed' WHEN r.fate BETWEEN 13 AND 20 THEN 'cancelled' ELSE 'succeeded' END,
    finished_at = ar.created_at + (2 + r.fate % 60) * interval '1 second',
    output = CASE WHEN r.fate > 20 THEN jsonb_build_object('answer', 'Done: step ' || r.r, 'tokens', 200 + r.fate) END,
    error = CASE WHEN r.fate BETWEEN 3 AND 12 THEN 'tool timeout after 30 s' END
FROM chunk_run AS r
WHERE ar.tenant_id = r.tenant_id AND ar.id = r.id AND r.fate NOT IN (0, 1, 2);
CREATE TEMP TABLE chunk_call AS
    SELECT r.tenant_id, md5(r.id || '/call/' || i)::uuid AS id, r.id AS run_id, i, r.calls, r.fate,
           md5(r.tenant_id || '/tool/' || (r.agent + i % 5) % :tools + 1)::uuid AS tool_id,
           r.created_at + (1 + i) * interval '1 second' AS created_at
    FROM chunk_run AS r, generate_series(1, r.calls) AS i
    WHERE r.fate NOT IN (0, 13, 14, 15);
ANALYZE chunk_call;
INSERT INTO agents.tool_calls (tenant_id, id, run_id, tool_id, idempotency_key, state, arguments, created_at)
SELECT tenant_id, id, run_id, tool_id, 'call-' || i, 'pending',
       jsonb_build_object('query', 'lookup ' || i || ' for run ' || substr(run_id::text, 1, 8)), created_at
FROM chunk_call;
UPDATE agents.tool_calls AS tc SET state = 'running', started_at = c.created_at + interval '100 milliseconds'
FROM chunk_call AS c
WHERE tc.tenant_id = c.tenant_id AND tc.id = c.id;
UPDATE agents.tool_calls AS tc
SET state = CASE WHEN (c.i + c.fate) % 20 = 0 THEN 'failed' ELSE 'succeeded' END,
    finished_at = c.created_at + interval '800 milliseconds',
    result = CASE WHEN (c.i + c.fate) % 20 <> 0 THEN jsonb_build_object('hits', c.i * 3, 'source', 'index') END,
    error = CASE WHEN (c.i + c.fate) % 20 = 0 THEN 'upstream returned 503' END
FROM chunk_call AS c
WHERE tc.tenant_id = c.tenant_id AND tc.id = c.id AND NOT (c.fate IN (1, 2) AND c.i = c.calls);
-- Every fourth conversation's succeeded runs saved two memories.
INSERT INTO agents.memory_items (tenant_id, id, agent_id, run_id, key, value, created_at, expires_at)
SELECT tenant_id, md5(id || '/memory/' || k)::uuid, agent_id, id,
       CASE k WHEN 1 THEN 'user.preferences' ELSE 'ticket.' || c END,
       jsonb_build_object('note', 'remembered from run ' || r, 'weight', k),
       created_at + interval '1 minute', CASE WHEN k = 2 THEN created_at + interval '90 days' END
FROM chunk_run, generate_series(1, 2) AS k
WHERE c % 4 = 0 AND fate > 20;
DROP TABLE chunk_call, chunk_run;

-- step: drop the keys and indexes of agents.messages for the load
INSERT INTO bench.saved_ddl
SELECT CASE contype WHEN 'p' THEN 1 WHEN 'u' THEN 2 ELSE 4 END, 'constraint', conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE conrelid = 'agents.messages'::regclass AND contype IN ('p', 'u', 'f')
UNION ALL
SELECT 3, 'index', c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'agents.messages'::regclass
  AND NOT EXISTS (SELECT FROM pg_constraint AS k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid);
DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT * FROM bench.saved_ddl ORDER BY ord DESC, name LOOP
        IF d.kind = 'constraint' THEN
            EXECUTE format('ALTER TABLE agents.messages DROP CONSTRAINT %I', d.name);
        ELSE
            EXECUTE format('DROP INDEX agents.%I', d.name);
        END IF;
    END LOOP;
END
$$;

-- chunked step: messages
-- Within a chunk the messages are written in time order across its
-- conversations (position 1 of every conversation, then 2, ...), so that a
-- conversation's messages lie on different pages, as they do in production:
-- one generate_series counts (position, conversation) pairs in that order,
-- joined to the chunk's conversations (hashed, so the order stays), and
-- positions past a conversation's length are skipped.
CREATE TEMP TABLE chunk_conv AS
    SELECT (tn - :lo) * :conversations + c - 1 AS k, tenant_id, id, c, agent_id,
           coalesce(CASE WHEN c % 10 <> 0 THEN user_id END, agent_id) AS user_sender,
           CASE WHEN c % 10 <> 0 THEN 'user' ELSE 'agent' END AS user_kind, len, created_at
    FROM bench.conv WHERE tn >= :lo AND tn < :hi;
ANALYZE chunk_conv;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
INSERT INTO agents.messages (tenant_id, id, conversation_id, seq, role, run_id, envelope, envelope_hash, created_at)
SELECT m.tenant_id, md5(m.conversation_id || '/message/' || m.seq)::uuid, m.conversation_id, m.seq, m.role,
       m.run_id, m.canonical::jsonb, encode(sha256(convert_to(m.canonical, 'UTF8')), 'hex'), m.created_at
FROM (
    SELECT v.tenant_id, v.id AS conversation_id, p.seq, p.role, v.created_at + p.seq * interval '2 minutes' AS created_at,
           CASE WHEN p.role <> 'user' THEN md5(v.id || '/run/' || (p.seq / 10) % :runs + 1)::uuid END AS run_id,
           '{"content":[{"text":"'
               || substr('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt '
                         'ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco '
                         'laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in '
                         'voluptate velit esse cillum dolore eu fugiat nulla pariatur.',
                         1 + (p.seq * 37 + v.c) % 100, 40 + (p.seq * 53 + v.c * 11) % 200)
               || '","type":"text"}],"metadata":{"conversation":"' || v.id || '","seq":' || p.seq
               || '},"role":"' || p.role || '","sender":{"id":"'
               || CASE WHEN p.role = 'user' THEN v.user_sender ELSE v.agent_id END
               || '","kind":"' || CASE WHEN p.role = 'user' THEN v.user_kind ELSE 'agent' END
               || '"},"type":"message"}' AS canonical
    FROM generate_series(0, (9 * :messages / 5 + 1) * (:hi - :lo) * :conversations - 1) AS i
    CROSS JOIN LATERAL (
        SELECT i / ((:hi - :lo) * :conversations) + 1 AS seq, i % ((:hi - :lo) * :conversations) AS k,
               CASE (i / ((:hi - :lo) * :conversations) + 1) % 4
                   WHEN 1 THEN 'user' WHEN 3 THEN 'tool' ELSE 'assistant' END AS role
    ) AS p
    JOIN chunk_conv AS v ON v.k = p.k
    WHERE p.seq <= v.len
) AS m;
DROP TABLE chunk_conv;

-- step: keys and indexes of agents.messages again
SET maintenance_work_mem = '1GB';
DO $$
DECLARE d record;
BEGIN
    FOR d IN SELECT * FROM bench.saved_ddl ORDER BY ord, name LOOP
        IF d.kind = 'constraint' THEN
            EXECUTE format('ALTER TABLE agents.messages ADD CONSTRAINT %I %s', d.name, d.def);
        ELSE
            EXECUTE d.def;
        END IF;
    END LOOP;
END
$$;
RESET maintenance_work_mem;
DO $$
BEGIN
    IF EXISTS (
        (SELECT kind, name, def FROM bench.saved_ddl
         EXCEPT
         (SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
          WHERE conrelid = 'agents.messages'::regclass AND contype IN ('p', 'u', 'f')
          UNION ALL
          SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'agents.messages'::regclass)))
       OR (SELECT count(*) FROM pg_index WHERE indrelid = 'agents.messages'::regclass)
          <> (SELECT count(*) FROM bench.saved_ddl WHERE kind = 'index' OR def ~ '^(PRIMARY KEY|UNIQUE)') THEN
        RAISE EXCEPTION 'agents.messages does not have the keys and indexes of the migrations after the load';
    END IF;
END
$$;

-- step: drop the generator
DROP SCHEMA bench CASCADE;

-- step: vacuum and analyze
VACUUM (ANALYZE);
