-- strata:lock-timeout=5s
CREATE TABLE core.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text, author_email text);
ALTER TABLE core.notes ADD COLUMN pinned boolean;
