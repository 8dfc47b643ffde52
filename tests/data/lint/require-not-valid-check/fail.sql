-- strata:lock-timeout=5s
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
ALTER TABLE orders ADD COLUMN discount numeric CHECK (discount >= 0);
