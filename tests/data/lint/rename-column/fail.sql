-- strata:lock-timeout=5s
ALTER TABLE orders RENAME COLUMN note TO customer_note;
