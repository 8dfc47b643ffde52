-- strata:lock-timeout=5s
CREATE TABLE plans (id bigint PRIMARY KEY);
