DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reader') THEN
		CREATE ROLE reader; -- a semicolon inside the body
	END IF;
END
$$;
GRANT SELECT ON ALL TABLES IN SCHEMA app TO reader;
