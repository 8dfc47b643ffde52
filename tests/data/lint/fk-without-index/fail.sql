CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    placed_at timestamptz NOT NULL DEFAULT now()
);
-- Leads with another column: no use to the foreign key's lookups.
CREATE INDEX orders_placed_customer ON orders (placed_at, customer_id);

CREATE TABLE order_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL,
    pinned boolean NOT NULL DEFAULT false
);
ALTER TABLE order_notes ADD CONSTRAINT order_notes_order_fkey FOREIGN KEY (order_id) REFERENCES orders (id);
-- Partial: it does not hold every referencing row.
CREATE INDEX order_notes_pinned ON order_notes (order_id) WHERE pinned;
