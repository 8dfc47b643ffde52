-- The tenants table has no tenant_id: it is the one table keyed by the tenant itself.
CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE users (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    email text NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_email_key UNIQUE (tenant_id, email)
);
CREATE UNIQUE INDEX users_email_lower ON users (tenant_id, lower(email));
ALTER TABLE users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant ON users USING (tenant_id = current_setting('app.tenant')::uuid);
