CREATE TABLE tenants (id uuid PRIMARY KEY);

-- Nothing at all.
CREATE TABLE invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Enabled, not forced: the owner bypasses the policy.
CREATE TABLE payments (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY payments_tenant ON payments USING (tenant_id = current_setting('app.tenant')::uuid);

-- Enabled and forced, without a policy.
CREATE TABLE refunds (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE refunds ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
