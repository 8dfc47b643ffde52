-- strata:lint-ignore require-lock-timeout only the nightly export reads this table, and it is paused
ALTER TABLE orders ADD COLUMN gift_message text;
ALTER TABLE orders ALTER COLUMN gift_message SET DEFAULT '';
