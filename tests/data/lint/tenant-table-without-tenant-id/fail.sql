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

-- In a schema of tenant tables, without tenant_id.
CREATE TABLE app.comments (id uuid PRIMARY KEY, body text NOT NULL);

-- tenant_id that may be NULL.
CREATE TABLE app.labels (
    tenant_id uuid REFERENCES app.tenants (id),
    name text NOT NULL,
    UNIQUE (tenant_id, name)
);
ALTER TABLE app.labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.labels FORCE ROW LEVEL SECURITY;
CREATE POLICY labels_tenant ON app.labels USING (tenant_id = current_setting('app.tenant')::uuid);
