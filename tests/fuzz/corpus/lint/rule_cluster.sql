-- strata:lock-timeout=5s
CLUSTER orders USING orders_created_at;
