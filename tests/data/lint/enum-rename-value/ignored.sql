-- strata:lint-ignore enum-rename-value the value was added last release and never written
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
