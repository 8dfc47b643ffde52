DROP INDEX orders_customer; -- strata:lint-ignore require-concurrent-index-drop dropped in the maintenance window
