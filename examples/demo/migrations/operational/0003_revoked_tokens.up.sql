-- Security state kept in PostgreSQL: a revoked token stays refused until it expires.
CREATE TABLE revoked_tokens (
  jti uuid PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants (id),
  revoked_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
