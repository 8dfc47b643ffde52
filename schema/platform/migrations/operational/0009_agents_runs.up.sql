-- 0009 agents_runs: runs of agents and the tool calls they make, each with
-- a state machine the database enforces:
--
--     pending --> running --> succeeded
--        |           |------> failed
--        |           '------> cancelled
--        '------------------> cancelled
--
-- A row starts pending; succeeded, failed and cancelled are final. Anything
-- else (succeeded -> running, pending -> succeeded, failed -> pending ...) is
-- refused with SQLSTATE 23514. Entering running stamps started_at, entering a
-- final state stamps finished_at, unless the statement sets them itself.
SET LOCAL ROLE platform_owner;

CREATE FUNCTION agents.enforce_state_machine() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state IS DISTINCT FROM 'pending' THEN
            RAISE EXCEPTION 'a new row of %.% starts in state pending, not %',
                TG_TABLE_SCHEMA, TG_TABLE_NAME, coalesce(NEW.state, 'NULL')
                USING ERRCODE = 'check_violation',
                      HINT = 'insert it as pending, then move it: pending -> running -> succeeded, failed or cancelled';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
        RETURN NEW;
    END IF;
    IF NOT ((OLD.state = 'pending' AND NEW.state IN ('running', 'cancelled'))
            OR (OLD.state = 'running' AND NEW.state IN ('succeeded', 'failed', 'cancelled'))) THEN
        RAISE EXCEPTION 'illegal state transition of %.% %: % -> %',
            TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD.id, OLD.state, coalesce(NEW.state, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'allowed: pending -> running or cancelled; running -> succeeded, failed or cancelled; the final states never change';
    END IF;
    IF NEW.state = 'running' THEN
        NEW.started_at := coalesce(NEW.started_at, now());
    ELSE
        NEW.finished_at := coalesce(NEW.finished_at, now());
    END IF;
    RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION agents.enforce_state_machine() FROM PUBLIC;
COMMENT ON FUNCTION agents.enforce_state_machine() IS
    'Trigger function of agents.agent_runs and agents.tool_calls: rows start pending; allowed moves are pending -> running | cancelled and running -> succeeded | failed | cancelled; succeeded, failed and cancelled are final. Anything else raises SQLSTATE 23514';

-- agent_runs ---------------------------------------------------------------

CREATE TABLE agents.agent_runs (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL,
    workflow_id uuid,
    plan_id uuid,
    conversation_id uuid,
    requested_by uuid,
    state text NOT NULL DEFAULT 'pending',
    input jsonb NOT NULL DEFAULT '{}',
    output jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    CONSTRAINT agent_runs_pkey PRIMARY KEY (tenant_id, id),
    -- the target of memory_items' reference to a run and its agent
    CONSTRAINT agent_runs_agent_key UNIQUE (tenant_id, id, agent_id),
    CONSTRAINT agent_runs_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT agent_runs_agent_fkey FOREIGN KEY (tenant_id, agent_id) REFERENCES agents.agents (tenant_id, id),
    CONSTRAINT agent_runs_workflow_fkey FOREIGN KEY (tenant_id, workflow_id) REFERENCES agents.workflows (tenant_id, id),
    CONSTRAINT agent_runs_plan_fkey FOREIGN KEY (tenant_id, plan_id) REFERENCES agents.plans (tenant_id, id),
    CONSTRAINT agent_runs_conversation_fkey FOREIGN KEY (tenant_id, conversation_id) REFERENCES agents.conversations (tenant_id, id),
    CONSTRAINT agent_runs_requested_by_fkey FOREIGN KEY (tenant_id, requested_by) REFERENCES core.users (tenant_id, id),
    CONSTRAINT agent_runs_state_check CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT agent_runs_pending_check CHECK (state <> 'pending' OR (started_at IS NULL AND finished_at IS NULL)),
    CONSTRAINT agent_runs_started_check CHECK (state IN ('pending', 'cancelled') OR started_at IS NOT NULL),
    CONSTRAINT agent_runs_finished_check CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CONSTRAINT agent_runs_times_check CHECK (finished_at >= started_at),
    CONSTRAINT agent_runs_error_check CHECK (error IS NULL OR state = 'failed')
);
CREATE INDEX agent_runs_agent_idx ON agents.agent_runs (tenant_id, agent_id, created_at DESC);
CREATE INDEX agent_runs_workflow_idx ON agents.agent_runs (tenant_id, workflow_id);
CREATE INDEX agent_runs_plan_idx ON agents.agent_runs (tenant_id, plan_id);
CREATE INDEX agent_runs_conversation_idx ON agents.agent_runs (tenant_id, conversation_id);
CREATE INDEX agent_runs_requested_by_idx ON agents.agent_runs (tenant_id, requested_by);
CREATE INDEX agent_runs_active_idx ON agents.agent_runs (tenant_id, state, created_at)
    WHERE state IN ('pending', 'running');

CREATE TRIGGER agent_runs_state_machine BEFORE INSERT OR UPDATE OF state ON agents.agent_runs
    FOR EACH ROW EXECUTE FUNCTION agents.enforce_state_machine();
COMMENT ON TRIGGER agent_runs_state_machine ON agents.agent_runs IS
    'Enforces the run state machine (agents.enforce_state_machine)';

COMMENT ON TABLE agents.agent_runs IS
    'One execution of an agent (for a workflow''s plan, in a conversation, or on its own), with the state machine pending -> running -> succeeded | failed | cancelled (pending -> cancelled too) enforced by a trigger';
COMMENT ON COLUMN agents.agent_runs.tenant_id IS 'The tenant the run belongs to';
COMMENT ON COLUMN agents.agent_runs.id IS 'The run''s id, unique within the tenant';
COMMENT ON COLUMN agents.agent_runs.agent_id IS 'The agent that runs';
COMMENT ON COLUMN agents.agent_runs.workflow_id IS 'The workflow run, if any';
COMMENT ON COLUMN agents.agent_runs.plan_id IS 'The plan version followed, if any';
COMMENT ON COLUMN agents.agent_runs.conversation_id IS 'The conversation the run answers in, if any';
COMMENT ON COLUMN agents.agent_runs.requested_by IS 'The user who started the run; NULL for a schedule or an API key';
COMMENT ON COLUMN agents.agent_runs.state IS 'pending, running, succeeded, failed or cancelled; allowed moves: pending -> running | cancelled, running -> succeeded | failed | cancelled; the last three are final';
COMMENT ON COLUMN agents.agent_runs.input IS 'What the run was asked to do, as JSON (read whole, not queried)';
COMMENT ON COLUMN agents.agent_runs.output IS 'The run''s result as JSON, once it has one';
COMMENT ON COLUMN agents.agent_runs.error IS 'Why the run failed; set only in state failed';
COMMENT ON COLUMN agents.agent_runs.created_at IS 'When the run was requested';
COMMENT ON COLUMN agents.agent_runs.started_at IS 'When the run entered running (stamped by the state machine)';
COMMENT ON COLUMN agents.agent_runs.finished_at IS 'When the run reached a final state (stamped by the state machine)';

-- tool_calls ---------------------------------------------------------------

CREATE TABLE agents.tool_calls (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    run_id uuid NOT NULL,
    tool_id uuid NOT NULL,
    idempotency_key text NOT NULL,
    state text NOT NULL DEFAULT 'pending',
    arguments jsonb NOT NULL DEFAULT '{}',
    result jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    CONSTRAINT tool_calls_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT tool_calls_idempotency_key UNIQUE (tenant_id, run_id, idempotency_key),
    CONSTRAINT tool_calls_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT tool_calls_run_fkey FOREIGN KEY (tenant_id, run_id) REFERENCES agents.agent_runs (tenant_id, id),
    CONSTRAINT tool_calls_tool_fkey FOREIGN KEY (tenant_id, tool_id) REFERENCES agents.tools (tenant_id, id),
    CONSTRAINT tool_calls_idempotency_key_check CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    CONSTRAINT tool_calls_state_check CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT tool_calls_pending_check CHECK (state <> 'pending' OR (started_at IS NULL AND finished_at IS NULL)),
    CONSTRAINT tool_calls_started_check CHECK (state IN ('pending', 'cancelled') OR started_at IS NOT NULL),
    CONSTRAINT tool_calls_finished_check CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CONSTRAINT tool_calls_times_check CHECK (finished_at >= started_at),
    CONSTRAINT tool_calls_error_check CHECK (error IS NULL OR state = 'failed')
);
CREATE INDEX tool_calls_tool_idx ON agents.tool_calls (tenant_id, tool_id, created_at DESC);

CREATE TRIGGER tool_calls_state_machine BEFORE INSERT OR UPDATE OF state ON agents.tool_calls
    FOR EACH ROW EXECUTE FUNCTION agents.enforce_state_machine();
COMMENT ON TRIGGER tool_calls_state_machine ON agents.tool_calls IS
    'Enforces the tool call state machine (agents.enforce_state_machine)';

COMMENT ON TABLE agents.tool_calls IS
    'Calls of tools made by a run, idempotent by (tenant_id, run_id, idempotency_key): a retried call finds the first one (INSERT ... ON CONFLICT ON CONSTRAINT tool_calls_idempotency_key)';
COMMENT ON COLUMN agents.tool_calls.tenant_id IS 'The tenant the call belongs to';
COMMENT ON COLUMN agents.tool_calls.id IS 'The call''s id, unique within the tenant';
COMMENT ON COLUMN agents.tool_calls.run_id IS 'The run that made the call';
COMMENT ON COLUMN agents.tool_calls.tool_id IS 'The tool called';
COMMENT ON COLUMN agents.tool_calls.idempotency_key IS 'Chosen by the caller, unique within the run (1 to 200 characters): the same key means the same call, so retries do not repeat side effects';
COMMENT ON COLUMN agents.tool_calls.state IS 'pending, running, succeeded, failed or cancelled, with the same state machine as runs';
COMMENT ON COLUMN agents.tool_calls.arguments IS 'The arguments passed, as JSON (read whole, not queried)';
COMMENT ON COLUMN agents.tool_calls.result IS 'What the tool returned, as JSON, once it returned';
COMMENT ON COLUMN agents.tool_calls.error IS 'Why the call failed; set only in state failed';
COMMENT ON COLUMN agents.tool_calls.created_at IS 'When the call was requested';
COMMENT ON COLUMN agents.tool_calls.started_at IS 'When the call entered running (stamped by the state machine)';
COMMENT ON COLUMN agents.tool_calls.finished_at IS 'When the call reached a final state (stamped by the state machine)';

ALTER TABLE agents.agent_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.agent_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY agent_runs_tenant_select ON agents.agent_runs FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY agent_runs_tenant_insert ON agents.agent_runs FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY agent_runs_tenant_update ON agents.agent_runs FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY agent_runs_tenant_delete ON agents.agent_runs FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE agents.tool_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.tool_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY tool_calls_tenant_select ON agents.tool_calls FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY tool_calls_tenant_insert ON agents.tool_calls FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY tool_calls_tenant_update ON agents.tool_calls FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY tool_calls_tenant_delete ON agents.tool_calls FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON agents.agent_runs, agents.tool_calls TO platform_app;
GRANT SELECT ON agents.agent_runs, agents.tool_calls TO platform_readonly, platform_backup;

RESET ROLE;
