CREATE TABLE tenants (id uuid PRIMARY KEY);
-- strata:lint-ignore tenant-table-without-rls only the billing job's role may read it, and it reads every tenant
CREATE TABLE usage_totals (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    day date NOT NULL,
    PRIMARY KEY (tenant_id, day)
);
