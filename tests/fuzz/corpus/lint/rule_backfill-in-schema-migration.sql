-- strata:lock-timeout=5s
ALTER TABLE orders ADD COLUMN region text;
UPDATE orders SET region = 'eu' WHERE region IS NULL;
