-- strata:lock-timeout=5s
-- A table created in the same run is new: dropping it loses nothing anyone used.
CREATE TABLE import_batch (id bigint PRIMARY KEY, payload jsonb);
DROP TABLE import_batch;
