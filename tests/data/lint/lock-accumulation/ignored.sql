-- strata:lock-timeout=5s
BEGIN;
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
-- strata:lint-ignore lock-accumulation both tables must change together for the release's triggers
ALTER TABLE customers ADD COLUMN last_order_at timestamptz;
COMMIT;
