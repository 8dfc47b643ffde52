-- strata:lint-ignore domain-constraint no table uses the domain yet
CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);
