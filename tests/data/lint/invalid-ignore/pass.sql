-- strata:lint-ignore require-concurrent-index-create the table is new in production
CREATE INDEX a ON t (x);
