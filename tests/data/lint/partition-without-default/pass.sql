CREATE TABLE shipments (
    id bigint GENERATED ALWAYS AS IDENTITY,
    region text NOT NULL,
    PRIMARY KEY (region, id)
) PARTITION BY LIST (region);
CREATE TABLE shipments_eu PARTITION OF shipments FOR VALUES IN ('eu');
CREATE TABLE shipments_other (LIKE shipments);
ALTER TABLE shipments ATTACH PARTITION shipments_other DEFAULT;

-- RANGE: the partitions ahead of time (a job creates the next ones).
CREATE TABLE measurements (
    taken_at timestamptz NOT NULL,
    value double precision NOT NULL
) PARTITION BY RANGE (taken_at);
CREATE TABLE measurements_2025_01 PARTITION OF measurements
    FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
CREATE TABLE measurements_2025_02 PARTITION OF measurements
    FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    data jsonb NOT NULL
) PARTITION BY HASH (id);
CREATE TABLE sessions_0 PARTITION OF sessions FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE sessions_1 PARTITION OF sessions FOR VALUES WITH (MODULUS 2, REMAINDER 1);
