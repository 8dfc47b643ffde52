-- strata:lint-ignore require-concurrent-index-create no longer needed
CREATE INDEX CONCURRENTLY a ON t (x);
