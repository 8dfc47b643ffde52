-- strata:lock-timeout=5s
CREATE TABLE regions (code text PRIMARY KEY);
-- Filling a table this run created is no backfill: nothing reads it yet.
INSERT INTO regions SELECT DISTINCT region FROM orders;
