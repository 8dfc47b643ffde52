CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamp NOT NULL
);
ALTER TABLE events ADD COLUMN processed_at timestamp without time zone;
