-- strata:lint-ignore require-concurrent-index-create
CREATE INDEX a ON t (x);
-- strata:lint-ignore no-such-rule it is fine
SELECT 1;
-- strata:lint-ignore ,,, only commas name no rule
SELECT 2;
