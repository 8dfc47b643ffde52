-- strata:lock-timeout=5s
-- NOT VALID checks new rows only; VALIDATE CONSTRAINT, in a later migration, checks the rest
-- under SHARE UPDATE EXCLUSIVE.
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders ADD COLUMN shop_id bigint;
ALTER TABLE orders ADD CONSTRAINT orders_shop_fk FOREIGN KEY (shop_id) REFERENCES shops (id) NOT VALID;
-- A table created in the same file is new: nothing waits on it.
CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);
ALTER TABLE refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
