-- strata:lock-timeout=5s
-- strata:lint-ignore set-not-null orders holds 12 rows
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
