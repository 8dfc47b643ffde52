-- strata:lock-timeout=5s
ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE (number);
ALTER TABLE events ADD PRIMARY KEY (id);
ALTER TABLE orders ADD COLUMN external_ref text UNIQUE;
