-- strata:lock-timeout=5s
-- strata:lint-ignore classification-missing the classification entry lands with the privacy review next week
CREATE TABLE core.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text, author_email text);
