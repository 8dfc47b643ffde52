-- migration 000001
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_c1_idx ON accounts (account_id);

ALTER TABLE orders ALTER COLUMN account_id TYPE bigint;

INSERT INTO accounts (name, note) VALUES ('n3', 'first row'), ('m3', 'second row');

CREATE INDEX CONCURRENTLY IF NOT EXISTS payments_c4_idx ON payments (account_id);

CREATE TABLE app_t5 (
    id serial PRIMARY KEY,
    account_id int,
    name varchar(255) NOT NULL,
    created_at timestamp DEFAULT now()
);

CREATE TABLE app_t6 (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint,
    name text NOT NULL,
    amount numeric(12,2) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO payments (name, note) VALUES ('n7', 'first row'), ('m7', 'second row');

CREATE INDEX payments_c8_idx ON payments (account_id);

INSERT INTO payments (name, note) VALUES ('n9', 'first row'), ('m9', 'second row');

ALTER TABLE users ADD COLUMN c10 integer NOT NULL DEFAULT 0;

CREATE INDEX accounts_c11_idx ON accounts (account_id);

ALTER TABLE orders ADD CONSTRAINT orders_c12_fk FOREIGN KEY (account_id) REFERENCES accounts (id);

ALTER TABLE events ALTER COLUMN account_id TYPE bigint;

INSERT INTO orders (name, note) VALUES ('n14', 'first row'), ('m14', 'second row');

COMMENT ON TABLE events IS 'touched by migration 1';

CREATE TABLE app_t16 (
    id serial PRIMARY KEY,
    account_id int,
    name varchar(255) NOT NULL,
    created_at timestamp DEFAULT now()
);

CREATE TABLE app_t17 (
    id serial PRIMARY KEY,
    account_id int,
    name varchar(255) NOT NULL,
    created_at timestamp DEFAULT now()
);

CREATE INDEX accounts_c18_idx ON accounts (account_id);

ALTER TABLE payments ALTER COLUMN account_id TYPE bigint;

INSERT INTO users (name, note) VALUES ('n20', 'first row'), ('m20', 'second row');
