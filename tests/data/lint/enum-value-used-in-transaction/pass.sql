-- strata:lock-timeout=5s
-- The value is added here; a later migration uses it, once this one has committed.
ALTER TYPE order_status ADD VALUE 'refunded';
