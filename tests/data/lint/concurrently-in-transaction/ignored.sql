-- strata:lint-ignore concurrently-in-transaction the runner of this file uses autocommit
REINDEX INDEX CONCURRENTLY orders_customer;
