CREATE TABLE accounts (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
-- Named like an id: it will hold another table's key.
ALTER TABLE accounts ADD COLUMN referrer_id smallint;
