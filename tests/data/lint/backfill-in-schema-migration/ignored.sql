-- strata:lock-timeout=5s
ALTER TABLE orders ADD COLUMN region text;
-- strata:lint-ignore backfill-in-schema-migration,lock-accumulation orders has 300 rows in every deployment
UPDATE orders SET region = 'eu' WHERE region IS NULL;
