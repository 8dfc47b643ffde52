-- strata:lock-timeout=5s
BEGIN;
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
ALTER TABLE customers ADD COLUMN last_order_at timestamptz;
COMMIT;
