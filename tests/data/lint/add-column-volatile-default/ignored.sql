-- strata:lock-timeout=5s
-- strata:lint-ignore add-column-volatile-default orders holds 12 rows
ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
