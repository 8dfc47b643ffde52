-- strata:lock-timeout=5s
ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ADD COLUMN shipped_at timestamptz DEFAULT clock_timestamp();
