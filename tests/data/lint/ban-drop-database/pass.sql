-- A migration drops its own objects, never a database.
CREATE TABLE scratch_totals (id bigint PRIMARY KEY, total numeric);
DROP TABLE scratch_totals;
