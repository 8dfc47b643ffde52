-- strata:lock-timeout=5s
-- strata:lint-ignore change-column-type orders is already bigint on every cluster (the 0042 rebuild)
ALTER TABLE orders ALTER COLUMN id TYPE bigint;
