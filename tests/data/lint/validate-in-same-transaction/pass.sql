-- strata:lock-timeout=5s
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
COMMIT;

-- A transaction of its own: VALIDATE takes SHARE UPDATE EXCLUSIVE, reads and writes go on.
BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;
COMMIT;

BEGIN;
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
COMMIT;

BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
COMMIT;
