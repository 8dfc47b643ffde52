-- strata:lock-timeout=5s
VACUUM FULL orders;
