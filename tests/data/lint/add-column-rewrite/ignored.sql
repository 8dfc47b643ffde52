-- strata:lock-timeout=5s
-- strata:lint-ignore add-column-rewrite orders holds 12 rows
ALTER TABLE orders ADD COLUMN number bigint GENERATED ALWAYS AS IDENTITY;
