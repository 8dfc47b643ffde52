-- strata:lock-timeout=5s
-- strata:lint-ignore require-not-valid-foreign-key orders is empty until the launch
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
