-- 0001: users; the first table
BEGIN;
CREATE TABLE app.users (
	id bigserial PRIMARY KEY,
	tenant_id bigint NOT NULL,
	email text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_tenant_email ON app.users (tenant_id, lower(email));
COMMENT ON TABLE app.users IS 'people; one row each';
COMMIT;
