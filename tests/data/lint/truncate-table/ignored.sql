-- strata:lock-timeout=5s
-- strata:lint-ignore truncate-table the cache is rebuilt by the application on its next read
TRUNCATE price_cache;
