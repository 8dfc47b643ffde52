CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE users (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid PRIMARY KEY,
    email text NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
ALTER TABLE users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant ON users USING (tenant_id = current_setting('app.tenant')::uuid);
