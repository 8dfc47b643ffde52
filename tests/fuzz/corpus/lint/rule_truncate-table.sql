-- strata:lock-timeout=5s
TRUNCATE audit_events;
