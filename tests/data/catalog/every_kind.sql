-- One object of every kind a snapshot covers (tests/cli/test_cli_schema.c).
CREATE EXTENSION citext;
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'the shop';
CREATE TYPE shop.mood AS ENUM ('happy', 'sad');
CREATE DOMAIN shop.positive AS numeric CHECK (VALUE > 0);
CREATE TYPE shop.pair AS (a int, b text);
CREATE SEQUENCE shop.order_no START 1000 INCREMENT 5;
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    name text COLLATE "C",
    mood shop.mood DEFAULT 'happy',
    name_len int GENERATED ALWAYS AS (length(name)) STORED,
    note varchar(20),
    CONSTRAINT customers_name_check CHECK (name <> '')
);
COMMENT ON TABLE shop.customers IS 'people who buy';
COMMENT ON COLUMN shop.customers.email IS 'where receipts go';
CREATE TABLE shop.orders (
    id bigint NOT NULL DEFAULT nextval('shop.order_no'),
    customer_id bigint NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    placed_at timestamptz NOT NULL,
    total shop.positive NOT NULL,
    PRIMARY KEY (id, placed_at)
) PARTITION BY RANGE (placed_at);
CREATE TABLE shop.orders_2026 PARTITION OF shop.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX orders_customer ON shop.orders (customer_id) WHERE total > 10;
ALTER SEQUENCE shop.order_no OWNED BY shop.orders.id;
CREATE VIEW shop.big_orders WITH (security_invoker = on) AS SELECT id, total FROM shop.orders WHERE total > 100;
CREATE MATERIALIZED VIEW shop.order_counts AS SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY 1;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
    AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE shop.noop(x int) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TRIGGER customers_touch BEFORE UPDATE ON shop.customers FOR EACH ROW EXECUTE FUNCTION shop.touch();
ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY customers_self ON shop.customers FOR SELECT USING (email = current_user::citext);
-- Roles are the cluster's: created once, kept for the next run.
DO $$ BEGIN CREATE ROLE t_snapshot_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA shop TO t_snapshot_reader;
GRANT SELECT ON shop.customers TO t_snapshot_reader;
