CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referrer_id bigint,
    -- Neither a key nor an id: integer is fine.
    login_count integer NOT NULL DEFAULT 0
);
