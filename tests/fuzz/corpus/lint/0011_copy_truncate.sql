TRUNCATE app.staging, ONLY app.staging_2 RESTART IDENTITY;
COPY app.staging (id, payload) FROM STDIN WITH (FORMAT csv);
SELECT * INTO app.snapshot FROM app.staging;
LOCK TABLE app.users IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM app.staging WHERE payload = 'into; concurrently'
