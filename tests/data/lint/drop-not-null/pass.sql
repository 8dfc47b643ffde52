-- strata:lock-timeout=5s
CREATE TABLE invites (email text NOT NULL);
ALTER TABLE invites ALTER COLUMN email DROP NOT NULL;
