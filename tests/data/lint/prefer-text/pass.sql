CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CONSTRAINT customers_email_length CHECK (length(email) <= 320),
    country text NOT NULL CONSTRAINT customers_country_code CHECK (country ~ '^[A-Z]{2}$'),
    -- varchar without a length is text under another name
    nickname varchar
);
