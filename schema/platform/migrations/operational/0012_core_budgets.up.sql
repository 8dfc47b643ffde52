-- 0012 core_budgets: spending limits per tenant, optionally per agent (after
-- the agents, which a budget may point at).
SET LOCAL ROLE platform_owner;

CREATE TABLE core.budgets (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id uuid,
    period text NOT NULL,
    period_start timestamptz NOT NULL,
    limit_amount numeric(20, 6) NOT NULL,
    spent_amount numeric(20, 6) NOT NULL DEFAULT 0,
    currency char(3) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT budgets_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT budgets_scope_key UNIQUE NULLS NOT DISTINCT (tenant_id, agent_id, period, currency),
    CONSTRAINT budgets_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES core.tenants (id),
    CONSTRAINT budgets_agent_fkey FOREIGN KEY (tenant_id, agent_id) REFERENCES agents.agents (tenant_id, id),
    CONSTRAINT budgets_period_check CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    CONSTRAINT budgets_limit_check CHECK (limit_amount >= 0),
    CONSTRAINT budgets_spent_check CHECK (spent_amount >= 0),
    CONSTRAINT budgets_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);
CREATE INDEX budgets_agent_idx ON core.budgets (tenant_id, agent_id);

COMMENT ON TABLE core.budgets IS
    'Spending limits: per tenant, or per agent of the tenant, for a recurring period in one currency, with what was spent in the current period';
COMMENT ON COLUMN core.budgets.tenant_id IS 'The tenant the budget applies to';
COMMENT ON COLUMN core.budgets.id IS 'The budget''s id, unique within the tenant';
COMMENT ON COLUMN core.budgets.agent_id IS 'The one agent the budget limits; NULL for the whole tenant';
COMMENT ON COLUMN core.budgets.period IS 'How often the budget starts again: day, week, month, quarter or year';
COMMENT ON COLUMN core.budgets.period_start IS 'When the current period began (spent_amount counts from here)';
COMMENT ON COLUMN core.budgets.limit_amount IS 'The most that may be spent in a period, in currency';
COMMENT ON COLUMN core.budgets.spent_amount IS 'What was spent in the current period, in currency';
COMMENT ON COLUMN core.budgets.currency IS 'ISO 4217 currency code (USD, EUR ...)';
COMMENT ON COLUMN core.budgets.created_at IS 'When the budget was set up';

ALTER TABLE core.budgets ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.budgets FORCE ROW LEVEL SECURITY;
CREATE POLICY budgets_tenant_select ON core.budgets FOR SELECT
    USING (tenant_id = strata_tenant.current());
CREATE POLICY budgets_tenant_insert ON core.budgets FOR INSERT
    WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY budgets_tenant_update ON core.budgets FOR UPDATE
    USING (tenant_id = strata_tenant.current()) WITH CHECK (tenant_id = strata_tenant.current());
CREATE POLICY budgets_tenant_delete ON core.budgets FOR DELETE
    USING (tenant_id = strata_tenant.current());

GRANT SELECT, INSERT, UPDATE, DELETE ON core.budgets TO platform_app;
GRANT SELECT ON core.budgets TO platform_readonly, platform_backup;

RESET ROLE;
