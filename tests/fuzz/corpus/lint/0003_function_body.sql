CREATE OR REPLACE FUNCTION app.touch() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
	NEW.updated_at := now(); /* ; */
	RAISE NOTICE 'touched; %', $$not a tag end$$;
	RETURN NEW;
END;
$body$;

CREATE TRIGGER users_touch BEFORE UPDATE ON app.users
	FOR EACH ROW EXECUTE FUNCTION app.touch();
