-- strata:lock-timeout=5s
-- strata:lint-ignore rename-table a view keeps the old name working until the next release
ALTER TABLE orders RENAME TO purchases;
CREATE VIEW orders AS SELECT * FROM purchases;
