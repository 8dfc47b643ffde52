-- strata:lock-timeout=5s
-- NOT VALID checks new rows only; VALIDATE CONSTRAINT, in a later migration, checks the rest
-- under SHARE UPDATE EXCLUSIVE.
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE orders ADD COLUMN discount numeric;
ALTER TABLE orders ADD CONSTRAINT orders_discount_positive CHECK (discount >= 0) NOT VALID;
-- A table created in the same file is new.
CREATE TABLE refunds (id bigint PRIMARY KEY, amount numeric);
ALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount > 0);
