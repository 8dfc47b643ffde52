-- strata:lint-ignore prefer-bigint there are fewer than 300 countries, and there will be
CREATE TABLE countries (id smallint PRIMARY KEY, name text NOT NULL);
