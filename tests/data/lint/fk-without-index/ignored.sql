CREATE TABLE currencies (code text PRIMARY KEY);
-- strata:lint-ignore fk-without-index currencies are never deleted, and the code never changes
CREATE TABLE prices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    currency text NOT NULL REFERENCES currencies (code),
    amount numeric(12, 2) NOT NULL
);
