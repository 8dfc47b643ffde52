CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    processed_at timestamp with time zone,
    -- a calendar date has no time zone
    business_day date NOT NULL
);
