-- strata:lock-timeout=5s
ALTER TYPE order_status ADD VALUE 'refunded';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'refunded';
