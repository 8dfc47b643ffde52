CREATE SCHEMA app;
-- The tenants table comes first: nothing in the schema is tenant-scoped yet.
CREATE TABLE app.tenants (id uuid PRIMARY KEY);

CREATE TABLE app.projects (
    tenant_id uuid NOT NULL REFERENCES app.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON app.projects USING (tenant_id = current_setting('app.tenant')::uuid);

-- The primary key makes tenant_id NOT NULL.
CREATE TABLE app.labels (
    tenant_id uuid REFERENCES app.tenants (id),
    name text,
    PRIMARY KEY (tenant_id, name)
);
ALTER TABLE app.labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.labels FORCE ROW LEVEL SECURITY;
CREATE POLICY labels_tenant ON app.labels USING (tenant_id = current_setting('app.tenant')::uuid);

-- Another schema holds no tenant tables.
CREATE TABLE public.plans (id uuid PRIMARY KEY, name text NOT NULL);
