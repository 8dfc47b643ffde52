-- strata:lint-ignore require-concurrent-index-create the table is empty until the launch
CREATE INDEX orders_customer ON orders (customer_id);
