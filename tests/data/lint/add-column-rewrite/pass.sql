-- strata:lock-timeout=5s
-- A plain nullable column is a catalog change; backfill it in batches afterwards.
ALTER TABLE orders ADD COLUMN number bigint;
-- A table created in the same file is new.
CREATE TABLE refunds (amount_cents bigint);
ALTER TABLE refunds ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
