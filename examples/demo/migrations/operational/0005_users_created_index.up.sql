-- strata:no-transaction
-- Built without blocking writes; strata journals it and repairs an INVALID index on resume.
CREATE INDEX CONCURRENTLY users_created_at ON users (created_at);
