CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(50));
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);
ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu', ALTER COLUMN customer_id TYPE bigint;
CREATE INDEX CONCURRENTLY o_c ON orders (customer_id);
DROP INDEX o_c;
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
