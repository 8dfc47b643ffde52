-- strata:lock-timeout=5s
CREATE TABLE core.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
