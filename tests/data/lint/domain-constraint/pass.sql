CREATE DOMAIN amount AS numeric;
ALTER DOMAIN currency_code ADD CONSTRAINT currency_code_upper CHECK (VALUE = upper(VALUE)) NOT VALID;
