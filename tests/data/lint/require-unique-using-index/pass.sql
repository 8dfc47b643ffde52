-- strata:lock-timeout=5s
-- strata:no-transaction
-- The index is built without blocking writes; the constraint then only adopts it.
CREATE UNIQUE INDEX CONCURRENTLY orders_number_key ON orders (number);
ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE USING INDEX orders_number_key;
