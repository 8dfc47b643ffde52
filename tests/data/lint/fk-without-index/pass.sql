CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id, placed_at);

-- A key that leads with the columns serves too, in any order.
CREATE TABLE order_tags (
    order_id bigint NOT NULL,
    tag text NOT NULL,
    CONSTRAINT order_tags_pkey PRIMARY KEY (order_id, tag),
    CONSTRAINT order_tags_order_fkey FOREIGN KEY (order_id) REFERENCES orders (id)
);
