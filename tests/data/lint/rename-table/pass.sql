-- strata:lock-timeout=5s
-- A table created in the same run is new: no running code queries it yet.
CREATE TABLE order_drafts (id bigint PRIMARY KEY);
ALTER TABLE order_drafts RENAME TO cart_drafts;
-- Renaming an index breaks no query.
ALTER INDEX orders_customer RENAME TO orders_customer_id;
