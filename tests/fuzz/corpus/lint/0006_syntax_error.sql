CREATE TABLE ok (id int);
ALTER TABLE ok ADD COLUMN name text;
SELEC name FROM ok;
