-- strata:no-transaction
REINDEX INDEX CONCURRENTLY orders_customer;
