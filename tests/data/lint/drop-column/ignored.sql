-- strata:lock-timeout=5s
-- strata:lint-ignore drop-column ignored by the ORM since release 40, which every instance runs
ALTER TABLE orders DROP COLUMN legacy_status;
