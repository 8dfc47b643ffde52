-- strata:lint-ignore prefer-jsonb the payload is kept byte for byte, as received, to verify its signature
CREATE TABLE webhooks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload json NOT NULL
);
