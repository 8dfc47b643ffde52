-- 0007 agents_workflows: workflows and their versioned plans.
SET LOCAL ROLE platform_owner;

CREATE TABLE agents.workflows (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workflows_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT workflows_name_key UNIQUE (tenant_id, name),
    CONSTRAINT workflows_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT workflows_agent_fkey FOREIGN KEY (tenant_id, agent_id) REFERENCES agents.agents (tenant_id, id),
    CONSTRAINT workflows_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT workflows_status_check CHECK (status IN ('draft', 'active', 'archived'))
);
CREATE INDEX workflows_agent_idx ON agents.workflows (tenant_id, agent_id);

COMMENT ON TABLE agents.workflows IS
    'Named, repeatable jobs an agent carries out (triage the support queue, plan a trip); how to do it is in the workflow''s plans';
COMMENT ON COLUMN agents.workflows.tenant_id IS 'The tenant the workflow belongs to';
COMMENT ON COLUMN agents.workflows.id IS 'The workflow''s id, unique within the tenant';
COMMENT ON COLUMN agents.workflows.agent_id IS 'The agent that carries the workflow out';
COMMENT ON COLUMN agents.workflows.name IS 'The workflow''s name, unique within the tenant';
COMMENT ON COLUMN agents.workflows.description IS 'What the workflow achieves';
COMMENT ON COLUMN agents.workflows.status IS 'draft (being designed), active (may be run) or archived';
COMMENT ON COLUMN agents.workflows.created_at IS 'When the workflow was created';

CREATE TABLE agents.plans (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL,
    version integer NOT NULL,
    steps jsonb NOT NULL,
    status text NOT NULL DEFAULT 'draft',
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    approved_at timestamptz,
    CONSTRAINT plans_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT plans_version_key UNIQUE (tenant_id, workflow_id, version),
    CONSTRAINT plans_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT plans_workflow_fkey FOREIGN KEY (tenant_id, workflow_id) REFERENCES agents.workflows (tenant_id, id),
    CONSTRAINT plans_created_by_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES core.users (tenant_id, id),
    CONSTRAINT plans_version_check CHECK (version >= 1),
    CONSTRAINT plans_steps_check CHECK (jsonb_typeof(steps) = 'array'),
    CONSTRAINT plans_status_check CHECK (status IN ('draft', 'approved', 'superseded')),
    CONSTRAINT plans_approved_check CHECK ((status = 'draft') = (approved_at IS NULL))
);
CREATE INDEX plans_created_by_idx ON agents.plans (tenant_id, created_by);

COMMENT ON TABLE agents.plans IS
    'Versions of a workflow''s plan: the steps the agent follows. A new version supersedes the approved one';
COMMENT ON COLUMN agents.plans.tenant_id IS 'The tenant the plan belongs to';
COMMENT ON COLUMN agents.plans.id IS 'The plan''s id, unique within the tenant';
COMMENT ON COLUMN agents.plans.workflow_id IS 'The workflow this is a plan of';
COMMENT ON COLUMN agents.plans.version IS 'The plan''s version within its workflow: 1, 2, ...';
COMMENT ON COLUMN agents.plans.steps IS 'The steps as a JSON array (each step: its action, tool, inputs and what it depends on); read whole by the runner, not queried';
COMMENT ON COLUMN agents.plans.status IS 'draft, approved (what runs use) or superseded (by a later approved version)';
COMMENT ON COLUMN agents.plans.created_by IS 'The user who wrote or generated the plan, if a user did';
COMMENT ON COLUMN agents.plans.created_at IS 'When the plan was created';
COMMENT ON COLUMN agents.plans.approved_at IS 'When the plan was approved; NULL while it is a draft';

ALTER TABLE agents.workflows ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.workflows FORCE ROW LEVEL SECURITY;
CREATE POLICY workflows_tenant_select ON agents.workflows FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY workflows_tenant_insert ON agents.workflows FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY workflows_tenant_update ON agents.workflows FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY workflows_tenant_delete ON agents.workflows FOR DELETE
    USING (tenant_id = strata_tenant.current());

ALTER TABLE agents.plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.plans FORCE ROW LEVEL SECURITY;
CREATE POLICY plans_tenant_select ON agents.plans FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY plans_tenant_insert ON agents.plans FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY plans_tenant_update ON agents.plans FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY plans_tenant_delete ON agents.plans FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON agents.workflows, agents.plans TO platform_app;
GRANT SELECT ON agents.workflows, agents.plans TO platform_readonly, platform_backup;

RESET ROLE;
