-- strata:lock-timeout=5s
-- strata:lint-ignore drop-table unused since release 38, backed up to s3://archive/legacy_invoices
DROP TABLE legacy_invoices;
