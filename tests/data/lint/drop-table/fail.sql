-- strata:lock-timeout=5s
DROP TABLE legacy_invoices;
