-- strata:lock-timeout=5s
-- strata does not know the type of orders.id: int to bigint rewrites.
ALTER TABLE orders ALTER COLUMN id TYPE bigint;
-- Known from the ADD COLUMN: a shorter varchar checks and rewrites every row.
ALTER TABLE orders ADD COLUMN note varchar(200);
ALTER TABLE orders ALTER COLUMN note TYPE varchar(100);
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2) USING amount / 100;
