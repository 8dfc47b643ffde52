-- strata:lock-timeout=5s
-- strata:lint-ignore rename-column no code reads this column since release 41
ALTER TABLE orders RENAME COLUMN note TO customer_note;
