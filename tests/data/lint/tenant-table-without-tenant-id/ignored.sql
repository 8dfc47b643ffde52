CREATE SCHEMA app;
CREATE TABLE app.tenants (id uuid PRIMARY KEY);
CREATE TABLE app.projects (
    tenant_id uuid NOT NULL REFERENCES app.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON app.projects USING (tenant_id = current_setting('app.tenant')::uuid);

-- strata:lint-ignore tenant-table-without-tenant-id the list of countries is the same for every tenant
CREATE TABLE app.countries (code text PRIMARY KEY, name text NOT NULL);
