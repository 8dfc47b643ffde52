-- strata:lock-timeout=5s
BEGIN;
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
-- More changes to the table already locked cost nothing more.
ALTER TABLE orders ADD COLUMN shipped_by text;
COMMIT;
-- The other table in a transaction of its own.
BEGIN;
ALTER TABLE customers ADD COLUMN last_order_at timestamptz;
COMMIT;
