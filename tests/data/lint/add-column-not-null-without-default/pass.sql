-- strata:lock-timeout=5s
-- A constant default is stored in the catalog (PostgreSQL 11+): no rewrite, every row has a value.
ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';
ALTER TABLE orders ADD COLUMN note text;
