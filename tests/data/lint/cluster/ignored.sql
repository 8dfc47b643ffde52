-- strata:lock-timeout=5s
-- strata:lint-ignore cluster runs in the announced maintenance window
CLUSTER orders USING orders_created_at;
