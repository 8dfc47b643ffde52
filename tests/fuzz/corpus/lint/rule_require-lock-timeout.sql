ALTER TABLE orders ADD COLUMN gift_message text;
-- Reported once per file: not again here.
ALTER TABLE orders ALTER COLUMN gift_message SET DEFAULT '';
