-- strata:lock-timeout=5s
-- The CHECK route: a validated CHECK (customer_id IS NOT NULL) lets SET NOT NULL skip its scan.
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null CHECK (customer_id IS NOT NULL) NOT VALID;
COMMIT;

BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;
COMMIT;

BEGIN;
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
COMMIT;
