-- strata:lock-timeout=5s
-- now() is STABLE: one value for the whole statement, stored in the catalog (PostgreSQL 11+).
ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
-- New rows get a random token; existing rows are backfilled in batches afterwards.
ALTER TABLE orders ADD COLUMN token uuid;
ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
