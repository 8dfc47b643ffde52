-- strata:lock-timeout=5s
-- strata:lint-ignore require-unique-using-index events is a new table of the previous release, still empty
ALTER TABLE events ADD PRIMARY KEY (id);
