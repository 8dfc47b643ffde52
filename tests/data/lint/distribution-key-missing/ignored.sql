CREATE TABLE tenants (id uuid PRIMARY KEY);
-- strata:lint-ignore distribution-key-missing ids are uuids, unique everywhere, and this table stays local
CREATE TABLE sessions (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid PRIMARY KEY
);
CREATE INDEX sessions_tenant ON sessions (tenant_id);
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_tenant ON sessions USING (tenant_id = current_setting('app.tenant')::uuid);
