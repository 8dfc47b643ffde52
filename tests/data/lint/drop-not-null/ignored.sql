-- strata:lock-timeout=5s
-- strata:lint-ignore drop-not-null every reader of users.email handles NULL since release 42
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
