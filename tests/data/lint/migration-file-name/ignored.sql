-- strata:lock-timeout=5s
-- strata:lint-ignore-file migration-file-name the file was applied under this name before the convention
CREATE TABLE plans (id bigint PRIMARY KEY);
