-- strata:lock-timeout=5s
-- Columns of a table created in the run, or added by it, are new: no running code names them.
CREATE TABLE refunds (id bigint PRIMARY KEY, amount numeric, scratch text);
ALTER TABLE refunds DROP COLUMN scratch;
ALTER TABLE orders ADD COLUMN tmp_total numeric;
ALTER TABLE orders DROP COLUMN tmp_total;
