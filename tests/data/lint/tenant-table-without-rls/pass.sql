CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- Later in the same migration is in time.
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY invoices_tenant ON invoices USING (tenant_id = current_setting('app.tenant')::uuid);

-- A partition is reached through its parent, whose policies apply.
CREATE TABLE events (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id, at)
) PARTITION BY RANGE (at);
ALTER TABLE events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON events USING (tenant_id = current_setting('app.tenant')::uuid);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
