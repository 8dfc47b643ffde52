-- strata:lint-ignore partition-without-default the next migration attaches last year's table as the first partition
CREATE TABLE measurements (
    taken_at timestamptz NOT NULL,
    value double precision NOT NULL
) PARTITION BY RANGE (taken_at);
