CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);
ALTER DOMAIN currency_code ADD CONSTRAINT currency_code_upper CHECK (VALUE = upper(VALUE));
