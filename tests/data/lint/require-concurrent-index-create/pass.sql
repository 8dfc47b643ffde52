CREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id);
-- A table created in the same file is new: nothing waits on it.
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint);
CREATE INDEX invoices_customer ON invoices (customer_id);
