-- strata:lock-timeout=5s
ALTER TABLE orders ADD COLUMN seq bigserial;
ALTER TABLE orders ADD COLUMN number bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (quantity * price_cents) STORED;
