-- strata:lock-timeout=5s
REINDEX INDEX orders_customer;
