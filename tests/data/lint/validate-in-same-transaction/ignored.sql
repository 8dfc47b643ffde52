-- strata:lock-timeout=5s
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
-- strata:lint-ignore validate-in-same-transaction orders is empty until the launch
ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_positive;
COMMIT;
