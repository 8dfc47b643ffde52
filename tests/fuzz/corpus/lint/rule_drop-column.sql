-- strata:lock-timeout=5s
ALTER TABLE orders DROP COLUMN legacy_status;
