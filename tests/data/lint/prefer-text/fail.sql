CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(320) NOT NULL,
    country char(2) NOT NULL
);
ALTER TABLE customers ALTER COLUMN email TYPE character varying(400);
