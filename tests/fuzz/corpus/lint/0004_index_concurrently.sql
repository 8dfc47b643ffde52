-- must run outside a transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_created ON app.users (created_at);
DROP INDEX CONCURRENTLY IF EXISTS users_old;
REINDEX (VERBOSE) INDEX CONCURRENTLY users_created;
VACUUM (ANALYZE) app.users;
ANALYZE app.users
