CREATE TABLE shifts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    starts_at timestamp NOT NULL -- strata:lint-ignore prefer-timestamptz wall-clock time at the store, whatever its zone
);
