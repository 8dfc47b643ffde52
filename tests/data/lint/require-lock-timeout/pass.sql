SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN gift_message text;
-- A table created in the same run is new: nothing queues on it.
CREATE TABLE gift_cards (id bigint PRIMARY KEY, code text);
ALTER TABLE gift_cards ADD COLUMN balance numeric;
