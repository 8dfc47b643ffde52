CREATE TABLE user_accounts (
    id bigint GENERATED ALWAYS AS IDENTITY,
    display_name text,
    CONSTRAINT user_accounts_pkey PRIMARY KEY (id)
);
-- Unquoted names are folded to lower case: they are snake_case as PostgreSQL stores them.
CREATE INDEX User_Accounts_Display_Name ON user_accounts (display_name);
ALTER TABLE user_accounts ADD COLUMN email text;
ALTER TABLE user_accounts RENAME COLUMN display_name TO full_name;
