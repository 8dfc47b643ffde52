-- strata:lock-timeout=5s
-- strata:lint-ignore reindex-without-concurrently the table takes no writes during the import window
REINDEX TABLE import_staging;
