CREATE TABLE shipments (
    id bigint GENERATED ALWAYS AS IDENTITY,
    region text NOT NULL,
    PRIMARY KEY (region, id)
) PARTITION BY LIST (region);
CREATE TABLE shipments_eu PARTITION OF shipments FOR VALUES IN ('eu');
CREATE TABLE shipments_us PARTITION OF shipments FOR VALUES IN ('us');

CREATE TABLE measurements (
    taken_at timestamptz NOT NULL,
    value double precision NOT NULL
) PARTITION BY RANGE (taken_at);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    data jsonb NOT NULL
) PARTITION BY HASH (id);
