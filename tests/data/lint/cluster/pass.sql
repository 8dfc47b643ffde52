-- strata:lock-timeout=5s
-- A table created in the same run is new: nothing waits on it.
CREATE TABLE shipments (id bigint PRIMARY KEY, shipped_at timestamptz);
CREATE INDEX shipments_shipped_at ON shipments (shipped_at);
CLUSTER shipments USING shipments_shipped_at;
