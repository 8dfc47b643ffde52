-- strata:lock-timeout=5s
-- Expand: the new column next to the old one; the code writes both, then reads the new one.
ALTER TABLE orders ADD COLUMN customer_note text;
-- A column this run added is new: no running code names it yet.
ALTER TABLE orders ADD COLUMN gift_mesage text;
ALTER TABLE orders RENAME COLUMN gift_mesage TO gift_message;
