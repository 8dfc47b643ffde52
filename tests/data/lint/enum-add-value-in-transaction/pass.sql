-- strata:no-transaction
ALTER TYPE order_status ADD VALUE 'refunded';
