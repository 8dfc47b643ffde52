CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- strata:lint-ignore prefer-text the column is replicated to a system that needs a declared length
    email varchar(320) NOT NULL
);
