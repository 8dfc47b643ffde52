-- strata:lock-timeout=5s
-- Binary-coercible changes only touch the catalog: longer varchar, varchar to text, more digits
-- with the same scale, cidr to inet.
ALTER TABLE orders ADD COLUMN note varchar(100), ADD COLUMN total numeric(10,2), ADD COLUMN origin cidr;
ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);
ALTER TABLE orders ALTER COLUMN note TYPE text;
ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);
ALTER TABLE orders ALTER COLUMN origin TYPE inet;
-- A table created in the same file is new.
CREATE TABLE refunds (id integer PRIMARY KEY);
ALTER TABLE refunds ALTER COLUMN id TYPE bigint;
