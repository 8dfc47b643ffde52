-- strata:lock-timeout=5s
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0); -- strata:lint-ignore require-not-valid-check orders holds 12 rows
